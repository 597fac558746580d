"""Writing appointments safely under concurrency.

Two guards make "one slot cannot be booked twice" hold (SECURITY.md row 22):
- every scheduling write first takes the clinic's change number (`next_change_seq`), which on
  PostgreSQL locks the clinic's counter row until commit: the clinic's scheduling writes run one
  after another, so each check (is the slot free? is there capacity?) sees every booking committed
  before it. On SQLite the transaction began IMMEDIATE and already holds the database's write lock.
- the insert or update is flushed inside a savepoint. On PostgreSQL the exclusion constraint
  `ex_appointments_doctor_time` refuses overlapping timed appointments whatever path wrote them;
  that refusal becomes the same SlotUnavailable (with alternatives) as the check's, and a clash of
  reservation ids draws a new one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from common.context import ServiceContext
from common.errors import Conflict
from common.scheduling.availability import nearest_free_slots
from common.scheduling.clinic_rules import BookingRules
from common.scheduling.errors import AppointmentNotFound, SlotUnavailable
from common.scheduling.models import Appointment
from common.scheduling.reservation_ids import new_reservation_id
from common.storage.session import live_row, next_change_seq

EXCLUSION_CONSTRAINT = "ex_appointments_doctor_time"
RESERVATION_ID_ATTEMPTS = 8


def serialize_clinic_writes(ctx: ServiceContext) -> None:
    """Call first thing in a scheduling write, before reading what it checks."""
    next_change_seq(ctx.session, ctx.clinic_id)


def load_appointment(ctx: ServiceContext, appointment_id: uuid.UUID) -> Appointment:
    appointment = live_row(ctx.session, Appointment, appointment_id)
    if appointment is None:
        raise AppointmentNotFound()
    return appointment


def unused_reservation_id(ctx: ServiceContext, day: date) -> str:
    for _ in range(RESERVATION_ID_ATTEMPTS):
        candidate = new_reservation_id(day)
        taken = ctx.session.scalar(
            select(exists().where(Appointment.reservation_id == candidate)).execution_options(
                include_deleted=True
            )
        )
        if not taken:
            return candidate
    raise Conflict()


def guarded_write(
    ctx: ServiceContext,
    rules: BookingRules,
    appointment: Appointment,
    write: Callable[[], object],
    *,
    doctor_id: uuid.UUID,
    starts_at: datetime,
    length: timedelta,
    new: bool = False,
) -> None:
    """Run `write` (which sets the appointment's fields) and flush it in a savepoint.

    `doctor_id`, `starts_at` and `length` describe the time being taken, for the alternatives.
    """
    for _ in range(RESERVATION_ID_ATTEMPTS):
        try:
            with ctx.session.begin_nested():
                write()
                if new:
                    ctx.session.add(appointment)
                ctx.session.flush()
            return
        except IntegrityError as error:
            constraint = _constraint_of(error)
            if EXCLUSION_CONSTRAINT in constraint:
                raise SlotUnavailable(
                    nearest_free_slots(ctx.session, rules, ctx.now(), doctor_id, starts_at, length)
                ) from None
            if new and "reservation_id" in constraint:
                appointment.reservation_id = unused_reservation_id(ctx, rules.local_day(ctx.now()))
                continue
            raise
    raise Conflict()


def _constraint_of(error: IntegrityError) -> str:
    diag = getattr(error.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    return name if isinstance(name, str) and name else str(error.orig)
