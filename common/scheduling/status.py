"""The appointment status machine of the seed, in one table, and the operations that move it.

    Scheduled   -> Confirmed, Checked-in, Cancelled, No-show
    Confirmed   -> Checked-in, Cancelled, No-show
    Checked-in  -> In-progress, Completed, Cancelled (the patient left before being seen)
    In-progress -> Completed
    Completed, Cancelled, No-show: final

Rescheduling is not a transition: it moves a Scheduled or Confirmed appointment in time and
keeps its status. Every operation writes exactly one audit row naming the patient.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Final

from common.access.permissions import Permission
from common.context import ServiceContext
from common.i18n import L_
from common.scheduling.clinic_rules import BookingRules
from common.scheduling.errors import (
    CancellationReasonRequired,
    CheckInNotToday,
    IllegalTransition,
    NoShowTooEarly,
)
from common.scheduling.models import Appointment, AppointmentStatus
from common.scheduling.patient_dates import record_visit, refresh_next_appointment
from common.scheduling.waitlist_offers import offer_freed_slot
from common.scheduling.writes import load_appointment, serialize_clinic_writes

S = AppointmentStatus

TRANSITIONS: Final[Mapping[AppointmentStatus, frozenset[AppointmentStatus]]] = {
    S.SCHEDULED: frozenset({S.CONFIRMED, S.CHECKED_IN, S.CANCELLED, S.NO_SHOW}),
    S.CONFIRMED: frozenset({S.CHECKED_IN, S.CANCELLED, S.NO_SHOW}),
    S.CHECKED_IN: frozenset({S.IN_PROGRESS, S.COMPLETED, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
    S.NO_SHOW: frozenset(),
}
FINAL: Final = frozenset(status for status, targets in TRANSITIONS.items() if not targets)
RESCHEDULABLE: Final = frozenset({S.SCHEDULED, S.CONFIRMED})
# A Time Period booking can get (or change) its exact time until the visit starts.
TIME_ASSIGNABLE: Final = frozenset({S.SCHEDULED, S.CONFIRMED, S.CHECKED_IN})
MAX_REASON_LENGTH = 1000


def can_transition(current: AppointmentStatus, target: AppointmentStatus) -> bool:
    return target in TRANSITIONS[current]


def require_transition(appointment: Appointment, target: AppointmentStatus) -> None:
    if not can_transition(appointment.status, target):
        raise IllegalTransition(status=L_(appointment.status.value), target=L_(target.value))


def _move(
    ctx: ServiceContext,
    appointment_id: uuid.UUID,
    permission: Permission,
    target: AppointmentStatus,
    action: str,
    then: Callable[[Appointment, BookingRules], list[str]] | None = None,
    check: Callable[[Appointment, BookingRules], None] | None = None,
) -> Appointment:
    ctx.authorize(permission, entity_type="appointment", entity_id=appointment_id)
    serialize_clinic_writes(ctx)
    appointment = load_appointment(ctx, appointment_id)
    require_transition(appointment, target)
    rules = BookingRules.of(ctx.clinic)
    if check is not None:
        check(appointment, rules)
    appointment.status = target
    changed = ["status", *(then(appointment, rules) if then is not None else ())]
    ctx.audit(
        f"appointment.{action}",
        "appointment",
        appointment.id,
        patient_id=appointment.patient_id,
        changed_fields=changed,
    )
    return appointment


def confirm_appointment(ctx: ServiceContext, appointment_id: uuid.UUID) -> Appointment:
    return _move(ctx, appointment_id, Permission.APPOINTMENT_MANAGE, S.CONFIRMED, "confirm")


def check_in(
    ctx: ServiceContext, appointment_id: uuid.UUID, *, checked_in_at: datetime | None = None
) -> Appointment:
    """The patient arrived (front desk or kiosk): only on the appointment's day, clinic time.

    `checked_in_at` is when a device saw the patient arrive, for a check-in that reaches the
    server later (an offline kiosk): never later than now, never before the appointment's day.
    A no-show marked meanwhile for a patient who was there before the appointment was overdue
    is withdrawn.
    """
    if checked_in_at is not None:
        _withdraw_no_show(ctx, appointment_id, checked_in_at)

    def on_its_day(appointment: Appointment, rules: BookingRules) -> None:
        if rules.local_day(_arrival(ctx, appointment, rules, checked_in_at)) != appointment.appointment_date:
            raise CheckInNotToday(date=appointment.appointment_date.isoformat())

    def stamp(appointment: Appointment, rules: BookingRules) -> list[str]:
        appointment.check_in_time = _arrival(ctx, appointment, rules, checked_in_at)
        refresh_next_appointment(ctx, rules, appointment.patient_id)
        return ["check_in_time"]

    return _move(
        ctx, appointment_id, Permission.APPOINTMENT_CHECK_IN, S.CHECKED_IN, "check_in", stamp, on_its_day
    )


def _arrival(
    ctx: ServiceContext, appointment: Appointment, rules: BookingRules, claimed: datetime | None
) -> datetime:
    now = ctx.now()
    if claimed is None:
        return now
    aware = claimed if claimed.tzinfo else claimed.replace(tzinfo=UTC)
    return max(min(aware, now), rules.instant(appointment.appointment_date, 0))


def _withdraw_no_show(ctx: ServiceContext, appointment_id: uuid.UUID, checked_in_at: datetime) -> None:
    """The no-show job (or a hasty click) marked a patient who had checked in at an offline kiosk
    before the appointment was overdue: they were there, so the appointment waits for them again."""
    ctx.authorize(Permission.APPOINTMENT_CHECK_IN, entity_type="appointment", entity_id=appointment_id)
    serialize_clinic_writes(ctx)
    appointment = load_appointment(ctx, appointment_id)
    if appointment.status is not S.NO_SHOW:
        return
    rules = BookingRules.of(ctx.clinic)
    start = appointment.starts_at if appointment.time_assigned else appointment.ends_at
    if _arrival(ctx, appointment, rules, checked_in_at) >= start + rules.no_show_after:
        return
    appointment.status = S.SCHEDULED
    ctx.audit(
        "appointment.no_show_withdrawn",
        "appointment",
        appointment.id,
        patient_id=appointment.patient_id,
        changed_fields=["status"],
    )


def start_appointment(ctx: ServiceContext, appointment_id: uuid.UUID) -> Appointment:
    """The doctor or nurse begins the visit. A staff step of the visit, so it needs check-out rights
    (the kiosk, which may only check in, cannot)."""
    return _move(ctx, appointment_id, Permission.APPOINTMENT_CHECK_OUT, S.IN_PROGRESS, "start")


def check_out(ctx: ServiceContext, appointment_id: uuid.UUID) -> Appointment:
    """The visit is over: Completed, with the check-out time and the patient's last visit date."""

    def stamp(appointment: Appointment, rules: BookingRules) -> list[str]:
        appointment.check_out_time = ctx.now()
        record_visit(ctx, appointment.patient_id, appointment.appointment_date)
        return ["check_out_time"]

    return _move(ctx, appointment_id, Permission.APPOINTMENT_CHECK_OUT, S.COMPLETED, "check_out", stamp)


def cancel_appointment(ctx: ServiceContext, appointment_id: uuid.UUID, reason: str) -> Appointment:
    """Cancel with a reason; a freed future time is offered to the first matching waitlist entry."""
    reason = (reason or "").strip()
    if not reason:
        raise CancellationReasonRequired()

    def record(appointment: Appointment, rules: BookingRules) -> list[str]:
        appointment.cancelled_at = ctx.now()
        appointment.cancellation_reason = reason[:MAX_REASON_LENGTH]
        refresh_next_appointment(ctx, rules, appointment.patient_id)
        if appointment.time_assigned:
            offer_freed_slot(ctx, rules, appointment, appointment.doctor_id, appointment.starts_at)
        return ["cancelled_at", "cancellation_reason"]

    return _move(ctx, appointment_id, Permission.APPOINTMENT_MANAGE, S.CANCELLED, "cancel", record)


def mark_no_show(ctx: ServiceContext, appointment_id: uuid.UUID) -> Appointment:
    """The patient did not come. Only once the appointment has started."""

    def started(appointment: Appointment, _rules: BookingRules) -> None:
        if ctx.now() < appointment.starts_at:
            raise NoShowTooEarly()

    def refresh(appointment: Appointment, rules: BookingRules) -> list[str]:
        refresh_next_appointment(ctx, rules, appointment.patient_id)
        return []

    return _move(ctx, appointment_id, Permission.APPOINTMENT_MANAGE, S.NO_SHOW, "no_show", refresh, started)
