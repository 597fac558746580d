"""Booking in both modes of the seed, assigning a time to a Time Period booking, and rescheduling.

- Specific Time: an exact start; the length comes from the catalog item when one is given,
  otherwise from `duration_minutes`.
- Time Period: a day and a period (morning / afternoon / evening) with a capacity; the row holds
  the period's window (`time_assigned=False`) until staff `assign_time` an exact start inside it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from common.access.permissions import Permission
from common.audit.models import ActorType
from common.catalog.models import TreatmentCatalogItem
from common.context import ServiceContext
from common.errors import Conflict, NotFound
from common.i18n import L_
from common.ids import new_id
from common.patients.models import Patient
from common.scheduling.clinic_rules import BookingRules, appointment_length
from common.scheduling.doctors import require_doctor
from common.scheduling.errors import (
    BookingModeUnclear,
    DurationRequired,
    NotReschedulable,
    NotTimePeriodBooking,
    OutsidePeriodWindow,
    PatientNotBookable,
    TimeInPast,
    TreatmentNotBookable,
)
from common.scheduling.models import Appointment, AppointmentStatus, AppointmentType, BookingMode, DayPeriod
from common.scheduling.patient_dates import note_new_appointment, refresh_next_appointment
from common.scheduling.placement import (
    Placement,
    apply_placement,
    check_period,
    check_specific_time,
    exact_start,
    period_window,
)
from common.scheduling.reservation_ids import new_reservation_id
from common.scheduling.status import RESCHEDULABLE, TIME_ASSIGNABLE
from common.scheduling.waitlist_offers import offer_freed_slot
from common.scheduling.writes import (
    guarded_write,
    load_appointment,
    serialize_clinic_writes,
)
from common.storage.session import live_row, row_exists


@dataclass(frozen=True)
class BookingRequest:
    """Give `starts_at` (Specific Time) or `day` and `period` (Time Period), not both."""

    patient_id: uuid.UUID
    doctor_id: uuid.UUID
    starts_at: datetime | None = None
    day: date | None = None
    period: DayPeriod | None = None
    appointment_type: AppointmentType = AppointmentType.CONSULTATION
    duration_minutes: int | None = None
    treatment_type_id: uuid.UUID | None = None
    reason_for_visit: str | None = None
    notes: str | None = None
    # The id a device made for the row offline, so the server's row is the same row.
    appointment_id: uuid.UUID | None = None


_BOOKED_FIELDS = (
    "patient_id",
    "doctor_id",
    "reservation_id",
    "starts_at",
    "ends_at",
    "appointment_date",
    "start_time",
    "end_time",
    "duration_minutes",
    "appointment_type",
    "status",
    "booking_mode",
    "period",
    "time_assigned",
)
_OPTIONAL_FIELDS = ("treatment_type_id", "reason_for_visit", "notes")


def book_appointment(ctx: ServiceContext, request: BookingRequest) -> Appointment:
    ctx.authorize(Permission.APPOINTMENT_BOOK, entity_type="appointment", patient_id=request.patient_id)
    serialize_clinic_writes(ctx)
    appointment = place_new_appointment(ctx, request)
    fields = [*_BOOKED_FIELDS, *(name for name in _OPTIONAL_FIELDS if getattr(appointment, name) is not None)]
    ctx.audit(
        "appointment.book",
        "appointment",
        appointment.id,
        patient_id=appointment.patient_id,
        changed_fields=fields,
    )
    return appointment


def place_new_appointment(ctx: ServiceContext, request: BookingRequest) -> Appointment:
    """Validate and insert a booking: no permission check and no audit (the caller does both)."""
    rules = BookingRules.of(ctx.clinic)
    require_bookable_patient(ctx, request.patient_id)
    require_doctor(ctx.session, request.doctor_id)
    length = booking_length(ctx, request.duration_minutes, request.treatment_type_id)
    placement = _placement(
        ctx, rules, request.doctor_id, request.starts_at, request.day, request.period, length
    )
    appointment_id = request.appointment_id or new_id()
    if request.appointment_id is not None and row_exists(ctx.session, Appointment, appointment_id):
        raise Conflict()
    appointment = Appointment(
        id=appointment_id,
        patient_id=request.patient_id,
        doctor_id=request.doctor_id,
        # Drawn without asking the database first: a clash with the day's other ids (rare: about
        # 1 in 80,000 for a day of 300 bookings) fails the insert in its savepoint, and
        # guarded_write draws again, as it must anyway for a booking arriving in between.
        reservation_id=new_reservation_id(rules.local_day(ctx.now())),
        duration_minutes=int(length.total_seconds() // 60),
        appointment_type=request.appointment_type,
        status=AppointmentStatus.SCHEDULED,
        reason_for_visit=_text(request.reason_for_visit),
        notes=_text(request.notes),
        treatment_type_id=request.treatment_type_id,
        booked_by=ctx.actor.id if ctx.actor.type is ActorType.STAFF else None,
    )
    apply_placement(appointment, placement, rules)
    guarded_write(
        ctx,
        rules,
        appointment,
        lambda: None,
        doctor_id=request.doctor_id,
        starts_at=placement.starts_at,
        length=length,
        new=True,
    )
    note_new_appointment(ctx, rules, request.patient_id, appointment.appointment_date)
    return appointment


def assign_time(ctx: ServiceContext, appointment_id: uuid.UUID, starts_at: datetime) -> Appointment:
    """Give a Time Period booking its exact start, inside its window, under the Specific Time rules
    (the minimum booking lead does not apply: staff are placing a patient already booked)."""
    ctx.authorize(Permission.APPOINTMENT_MANAGE, entity_type="appointment", entity_id=appointment_id)
    serialize_clinic_writes(ctx)
    appointment = load_appointment(ctx, appointment_id)
    if appointment.booking_mode is not BookingMode.TIME_PERIOD or appointment.period is None:
        raise NotTimePeriodBooking()
    if appointment.status not in TIME_ASSIGNABLE:
        raise NotReschedulable(status=L_(appointment.status.value))
    rules = BookingRules.of(ctx.clinic)
    start = exact_start(starts_at)
    length = timedelta(minutes=appointment.duration_minutes)
    window_start, window_end = period_window(rules, appointment.appointment_date, appointment.period)
    if not (window_start <= start and start + length <= window_end):
        raise OutsidePeriodWindow(
            start=rules.local(window_start).strftime("%H:%M"), end=rules.local(window_end).strftime("%H:%M")
        )
    if start < ctx.now():
        raise TimeInPast()
    check_specific_time(
        ctx.session,
        rules,
        ctx.now(),
        appointment.doctor_id,
        start,
        length,
        exclude_id=appointment.id,
        timing=False,
    )
    placement = Placement(
        start, start + length, BookingMode.TIME_PERIOD, appointment.period, time_assigned=True
    )
    changed: list[str] = []
    guarded_write(
        ctx,
        rules,
        appointment,
        lambda: changed.extend(apply_placement(appointment, placement, rules)),
        doctor_id=appointment.doctor_id,
        starts_at=start,
        length=length,
    )
    ctx.audit(
        "appointment.assign_time",
        "appointment",
        appointment.id,
        patient_id=appointment.patient_id,
        changed_fields=changed,
    )
    return appointment


def reschedule_appointment(
    ctx: ServiceContext,
    appointment_id: uuid.UUID,
    *,
    starts_at: datetime | None = None,
    day: date | None = None,
    period: DayPeriod | None = None,
    doctor_id: uuid.UUID | None = None,
) -> Appointment:
    """Move a scheduled or confirmed appointment to an exact time, or to a day's period, optionally
    to another doctor, under the booking rules. The reservation id stays; a freed time is offered
    to the waitlist."""
    ctx.authorize(Permission.APPOINTMENT_MANAGE, entity_type="appointment", entity_id=appointment_id)
    serialize_clinic_writes(ctx)
    appointment = load_appointment(ctx, appointment_id)
    if appointment.status not in RESCHEDULABLE:
        raise NotReschedulable(status=L_(appointment.status.value))
    rules = BookingRules.of(ctx.clinic)
    new_doctor = doctor_id or appointment.doctor_id
    require_doctor(ctx.session, new_doctor)
    length = timedelta(minutes=appointment.duration_minutes)
    placement = _placement(ctx, rules, new_doctor, starts_at, day, period, length, exclude_id=appointment.id)
    old_doctor, old_start, old_timed = appointment.doctor_id, appointment.starts_at, appointment.time_assigned
    changed: list[str] = []

    def write() -> None:
        changed.extend(apply_placement(appointment, placement, rules))
        if appointment.doctor_id != new_doctor:
            appointment.doctor_id = new_doctor
            changed.append("doctor_id")
        if appointment.reminder_sent:
            appointment.reminder_sent = False
            changed.append("reminder_sent")

    guarded_write(
        ctx, rules, appointment, write, doctor_id=new_doctor, starts_at=placement.starts_at, length=length
    )
    refresh_next_appointment(ctx, rules, appointment.patient_id)
    if old_timed and changed:
        offer_freed_slot(ctx, rules, appointment, old_doctor, old_start)
    ctx.audit(
        "appointment.reschedule",
        "appointment",
        appointment.id,
        patient_id=appointment.patient_id,
        changed_fields=changed,
    )
    return appointment


def booking_length(
    ctx: ServiceContext, duration_minutes: int | None, treatment_type_id: uuid.UUID | None
) -> timedelta:
    """The catalog item's duration when a treatment is given, else the explicit one."""
    if treatment_type_id is not None:
        item = ctx.session.scalars(
            select(TreatmentCatalogItem).where(TreatmentCatalogItem.id == treatment_type_id)
        ).one_or_none()
        if item is None or not item.is_active:
            raise TreatmentNotBookable()
        return appointment_length(item.duration_minutes)
    if duration_minutes is None:
        raise DurationRequired()
    return appointment_length(duration_minutes)


def _placement(
    ctx: ServiceContext,
    rules: BookingRules,
    doctor_id: uuid.UUID,
    starts_at: datetime | None,
    day: date | None,
    period: DayPeriod | None,
    length: timedelta,
    *,
    exclude_id: uuid.UUID | None = None,
) -> Placement:
    if starts_at is not None and day is None and period is None:
        return check_specific_time(
            ctx.session, rules, ctx.now(), doctor_id, exact_start(starts_at), length, exclude_id=exclude_id
        )
    if starts_at is None and day is not None and period is not None:
        return check_period(
            ctx.session, rules, ctx.now(), doctor_id, day, period, length, exclude_id=exclude_id
        )
    raise BookingModeUnclear()


def require_bookable_patient(ctx: ServiceContext, patient_id: uuid.UUID) -> None:
    patient = live_row(ctx.session, Patient, patient_id)
    if patient is None:
        raise NotFound()
    if not patient.is_active or patient.merged_into_id is not None:
        raise PatientNotBookable()


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None
