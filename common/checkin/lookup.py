"""“No code?”: find a patient by last name and date of birth (and, when several share both, the
last four digits of their phone), rate-limited per kiosk.

Matching uses the patients' folded search keys (common/text/folding.py: case, accents, width,
Traditional/Simplified Chinese and kana: "garcia" finds García, "ＣＨＥＮ" finds Chen, "陈" finds
陳, "さとう" finds サトウ); nothing matched on is shown back. A kiosk answers at most
`max_attempts` look-ups per `window`, so a passer-by cannot try names and birthdays at speed.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Final

from sqlalchemy import select

from common.access.permissions import Permission
from common.audit.models import AuditOutcome
from common.checkin.errors import DetailsAmbiguous, DetailsNotFound
from common.checkin.outcomes import LookupOutcome, NeedPhoneDigits
from common.checkin.service import refusal, todays_appointment
from common.context import ServiceContext
from common.patients.models import Patient
from common.patients.search_keys import fold, phone_digits

PHONE_DIGITS: Final = 4
MAX_NAME_CHARS: Final = 100


class AttemptLimiter:
    """At most `max_attempts` within any `window` (a sliding window, one per kiosk)."""

    def __init__(
        self,
        clock: Callable[[], datetime],
        *,
        max_attempts: int = 5,
        window: timedelta = timedelta(minutes=1),
    ) -> None:
        self._clock = clock
        self.max_attempts = max_attempts
        self.window = window
        self._attempts: deque[datetime] = deque()
        self._lock = threading.Lock()

    def _forget_old(self, now: datetime) -> None:
        while self._attempts and now - self._attempts[0] >= self.window:
            self._attempts.popleft()

    def try_acquire(self) -> bool:
        """Count one attempt if one is left; False (and nothing counted) if the kiosk must wait."""
        now = self._clock()
        with self._lock:
            self._forget_old(now)
            if len(self._attempts) >= self.max_attempts:
                return False
            self._attempts.append(now)
            return True

    def retry_after(self) -> timedelta:
        now = self._clock()
        with self._lock:
            self._forget_old(now)
            if len(self._attempts) < self.max_attempts:
                return timedelta(0)
            return self._attempts[0] + self.window - now


def identify_by_details(
    ctx: ServiceContext, last_name: str, date_of_birth: date, phone_last_digits: str | None = None
) -> LookupOutcome:
    """Today's appointment of the one active patient with these details, or what to ask or say next.

    Writes one audit row: the patient found, or a failed look-up with no patient named.
    """
    ctx.authorize(Permission.PATIENT_KIOSK_LOOKUP)
    folded = fold(last_name[:MAX_NAME_CHARS])
    matches = _matching(ctx, folded, date_of_birth) if folded else []
    if len(matches) > 1:
        if phone_last_digits is None:
            ctx.audit("checkin.lookup", "Patient", outcome=AuditOutcome.FAILED)
            return NeedPhoneDigits()
        wanted = phone_digits(phone_last_digits) or ""
        matches = [
            p for p in matches if len(wanted) == PHONE_DIGITS and (p.phone_digits or "").endswith(wanted)
        ]
        if len(matches) > 1:
            ctx.audit("checkin.lookup", "Patient", outcome=AuditOutcome.FAILED)
            return refusal(ctx, DetailsAmbiguous())
    if not matches:
        ctx.audit("checkin.lookup", "Patient", outcome=AuditOutcome.FAILED)
        return refusal(ctx, DetailsNotFound())
    patient = matches[0]
    ctx.audit("checkin.lookup", "Patient", patient.id, patient_id=patient.id)
    return todays_appointment(ctx, patient)


def _matching(ctx: ServiceContext, folded: str, date_of_birth: date) -> list[Patient]:
    # As typed, and with its spaces removed (a name stored as "vanderberg", typed "van der berg").
    keys = {folded, folded.replace(" ", "")}
    return list(
        ctx.session.scalars(
            select(Patient)
            .where(
                Patient.last_name_key.in_(keys),
                Patient.date_of_birth == date_of_birth,
                Patient.is_active.is_(True),
                Patient.merged_into_id.is_(None),
            )
            .order_by(Patient.id)
        )
    )
