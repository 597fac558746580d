"""What the check-in operations return: a found appointment, a receipt, or a refusal.

Plain frozen values with nothing behind them (no ORM rows, no exceptions with their tracebacks):
a kiosk keeps them only while a patient is at the screen, and forgets them whole.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from common.checkin.errors import CheckInRefused, RefusalKind
from common.checkin.presentation import clock_time
from common.checkin.questions import AskedQuestion
from common.i18n import translate


@dataclass(frozen=True)
class FoundAppointment:
    """What the kiosk may show and needs to go on: first name, time, doctor; ids to act on."""

    appointment_id: uuid.UUID
    patient_id: uuid.UUID
    first_name: str
    starts_at: datetime
    ends_at: datetime
    time_assigned: bool
    doctor_name: str
    timezone: str
    questions: tuple[AskedQuestion, ...] = ()


@dataclass(frozen=True)
class CheckedIn:
    appointment_id: uuid.UUID
    checked_in_at: datetime


@dataclass(frozen=True)
class NeedPhoneDigits:
    """Several people share the last name and date of birth: ask for the phone's last digits."""


@dataclass(frozen=True)
class Refusal:
    kind: RefusalKind
    title_id: str
    message_id: str
    retry: bool
    timezone: str
    times: Mapping[str, datetime] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def of(cls, error: CheckInRefused, timezone: str) -> Refusal:
        times = {name: value for name, value in error.params.items() if isinstance(value, datetime)}
        return cls(
            kind=error.kind,
            title_id=error.title,
            message_id=error.msgid,
            retry=error.retry,
            timezone=timezone,
            times=MappingProxyType(times),
        )

    def title(self, locale: str) -> str:
        return translate(self.title_id, locale)

    def message(self, locale: str) -> str:
        params = {name: clock_time(value, self.timezone, locale) for name, value in self.times.items()}
        return translate(self.message_id, locale, **params)


Identification = FoundAppointment | Refusal
LookupOutcome = FoundAppointment | NeedPhoneDigits | Refusal
CheckInOutcome = CheckedIn | Refusal
