"""The kiosk's operations on its database, one unit of work each, as the kiosk device.

This is the seam between the check-in flow and storage. Writes that must reach the server go
through `_write`: on a replica enrolled with a server (`sync_writes=True`) they are sync intents
(`run_intent(db, actor, "kiosk_check_in", ...)`: applied locally and queued in the outbox in one
transaction); otherwise (the demo replica) the same service runs directly.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Protocol, TypeVar

from common.checkin.errors import CheckInRefused, CheckInUnavailable, TooManyAttempts
from common.checkin.lookup import AttemptLimiter, identify_by_details
from common.checkin.outcomes import (
    CheckedIn,
    CheckInOutcome,
    Identification,
    LookupOutcome,
    Refusal,
)
from common.checkin.questions import Answer, record_arrival_answers
from common.checkin.service import checked_in, identify_by_code, kiosk_check_in, may_check_in
from common.context import Actor, ServiceContext
from common.database import Database
from common.errors import DomainError
from common.i18n import normalize_locale

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class ClinicProfile:
    """What the kiosk shows of its clinic: the name, and the language it starts in."""

    name: str
    default_locale: str
    timezone: str


class CheckInBackend(Protocol):
    """What the flow needs from the clinic's data (a fake of it needs no database)."""

    def profile(self) -> ClinicProfile: ...

    def identify_by_code(self, value: str) -> Identification: ...

    def identify_by_details(
        self, last_name: str, date_of_birth: date, phone_digits: str | None
    ) -> LookupOutcome: ...

    def check_in(self, appointment_id: uuid.UUID) -> CheckInOutcome: ...

    def save_answers(
        self, appointment_id: uuid.UUID, answers: Mapping[uuid.UUID, Answer]
    ) -> Refusal | None: ...


class DatabaseBackend:
    """The kiosk device's operations on a replica (or any database holding its clinic)."""

    def __init__(
        self,
        db: Database,
        clinic_id: uuid.UUID,
        device_id: uuid.UUID,
        *,
        location: str | None = None,
        limiter: AttemptLimiter | None = None,
        sync_writes: bool = False,
    ) -> None:
        self.db = db
        self.clinic_id = clinic_id
        self.actor = Actor.kiosk(device_id)
        self.location = location
        self.limiter = limiter or AttemptLimiter(db.clock.now)
        self.sync_writes = sync_writes
        self._timezone = "UTC"

    def _run(self, operation: Callable[[ServiceContext], T]) -> T | Refusal:
        """One unit of work; a refusal or any failure becomes a kind message, never a traceback."""

        def unit() -> T:
            with self.db.context(self.clinic_id, self.actor) as ctx:
                self._timezone = ctx.clinic.timezone
                return operation(ctx)

        return self._guarded(getattr(operation, "__name__", "operation"), unit)

    def _guarded(self, name: str, action: Callable[[], T]) -> T | Refusal:
        try:
            return action()
        except CheckInRefused as refused:
            return Refusal.of(refused, self._timezone)
        except DomainError as error:
            log.warning("kiosk: %s refused (%s)", name, error.code)
            return Refusal.of(CheckInUnavailable(), self._timezone)
        except Exception:
            log.exception("kiosk: %s failed", name)
            return Refusal.of(CheckInUnavailable(), self._timezone)

    def _write(
        self, intent: str, args: Mapping[str, object], operation: Callable[[ServiceContext], T]
    ) -> T | Refusal:
        """`operation` here, or (enrolled) the intent `intent` with `args` through the outbox."""
        if not self.sync_writes:
            return self._run(operation)
        from common.sync import intents, outbox  # only an enrolled kiosk has a sync engine to use

        if intent not in intents.INTENTS:
            log.warning("kiosk: no sync intent %s; written locally only", intent)
            return self._run(operation)

        def queued() -> T:
            result: T = outbox.run_intent(self.db, self.actor, intent, args, clinic_id=self.clinic_id)
            return result

        return self._guarded(intent, queued)

    def profile(self) -> ClinicProfile:
        def read(ctx: ServiceContext) -> ClinicProfile:
            clinic = ctx.clinic
            return ClinicProfile(clinic.name, normalize_locale(clinic.default_language), clinic.timezone)

        result = self._run(read)
        return result if isinstance(result, ClinicProfile) else ClinicProfile("", "en", "UTC")

    def identify_by_code(self, value: str) -> Identification:
        def identify(ctx: ServiceContext) -> Identification:
            return identify_by_code(ctx, value, location=self.location)

        return self._run(identify)

    def identify_by_details(
        self, last_name: str, date_of_birth: date, phone_digits: str | None
    ) -> LookupOutcome:
        if not self.limiter.try_acquire():
            log.info("kiosk: details look-up refused, too many attempts")
            return Refusal.of(TooManyAttempts(), self._timezone)

        def identify(ctx: ServiceContext) -> LookupOutcome:
            return identify_by_details(ctx, last_name, date_of_birth, phone_digits)

        return self._run(identify)

    def check_in(self, appointment_id: uuid.UUID) -> CheckInOutcome:
        arrived = self.db.clock.now()

        def check(ctx: ServiceContext) -> CheckedIn:
            return kiosk_check_in(ctx, appointment_id, checked_in_at=arrived)

        if not self.sync_writes:
            return self._run(check)
        # The server applies an offline check-in whenever it arrives, without the kiosk's window
        # (the patient was told they are checked in): so the window is judged here, first, and
        # the time the patient stood here travels with it.
        allowed = self._run(lambda ctx: may_check_in(ctx, appointment_id))
        if isinstance(allowed, Refusal):
            return allowed
        args = {"appointment_id": str(appointment_id), "checked_in_at": arrived.isoformat()}
        written = self._write("kiosk_check_in", args, check)
        if isinstance(written, Refusal):
            return written
        return self._run(lambda ctx: checked_in(ctx, appointment_id))

    def save_answers(self, appointment_id: uuid.UUID, answers: Mapping[uuid.UUID, Answer]) -> Refusal | None:
        def save(ctx: ServiceContext) -> None:
            record_arrival_answers(ctx, appointment_id, answers)

        args = {
            "appointment_id": str(appointment_id),
            "answers": {str(question_id): Answer(answer).value for question_id, answer in answers.items()},
        }
        result = self._write("kiosk_answers", args, save)
        return result if isinstance(result, Refusal) else None
