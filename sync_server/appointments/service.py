"""Glue between the appointment routes and common.scheduling: wall clock to instants, and the
names shown beside ids (as much as the reader's role may see)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from common.access.permissions import Permission
from common.context import ServiceContext
from common.patients.models import Patient
from common.scheduling.clinic_rules import BookingRules
from common.scheduling.errors import InvalidTimeRange
from common.scheduling.models import Appointment
from common.staff.models import StaffUser
from sync_server.appointments.schemas import AppointmentOut

DEFAULT_DAYS = 14


def clinic_rules(ctx: ServiceContext) -> BookingRules:
    return BookingRules.of(ctx.clinic)


def clinic_today(ctx: ServiceContext) -> date:
    return ctx.now().astimezone(ctx.tz).date()


def wall_clock_instant(ctx: ServiceContext, day: date, at: time) -> datetime:
    """The instant of a wall-clock time on a clinic day (DST-safe, as the booking rules do it)."""
    return clinic_rules(ctx).instant(day, at.hour * 60 + at.minute) + timedelta(
        seconds=at.second, microseconds=at.microsecond
    )


def minutes_between(start: time, end: time) -> int:
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    if minutes <= 0:
        raise InvalidTimeRange()
    return minutes


def day_range(ctx: ServiceContext, first: date, last: date) -> tuple[datetime, datetime]:
    """From the clinic's midnight starting `first` to the midnight ending `last`."""
    if last < first:
        raise InvalidTimeRange()
    return clinic_rules(ctx).day_bounds(first, last)


def shown(ctx: ServiceContext, appointments: Sequence[Appointment]) -> list[AppointmentOut]:
    patients = _patient_names(ctx, {a.patient_id for a in appointments})
    doctors = _staff_names(ctx, {a.doctor_id for a in appointments})
    details = ctx.can(Permission.APPOINTMENT_READ)
    return [
        AppointmentOut(
            id=a.id,
            reservation_id=a.reservation_id if details else None,
            patient_id=a.patient_id,
            patient_name=patients.get(a.patient_id),
            doctor_id=a.doctor_id,
            doctor_name=doctors.get(a.doctor_id),
            appointment_date=a.appointment_date,
            start_time=a.start_time,
            end_time=a.end_time,
            starts_at=a.starts_at,
            ends_at=a.ends_at,
            duration_minutes=a.duration_minutes,
            status=a.status,
            appointment_type=a.appointment_type,
            booking_mode=a.booking_mode,
            period=a.period,
            time_assigned=a.time_assigned,
            reason_for_visit=a.reason_for_visit if details else None,
            notes=a.notes if details else None,
            cancellation_reason=a.cancellation_reason if details else None,
            check_in_time=a.check_in_time,
            check_out_time=a.check_out_time if details else None,
            version=a.version,
        )
        for a in appointments
    ]


def doctor_names(ctx: ServiceContext, doctor_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    return _staff_names(ctx, set(doctor_ids))


def _patient_names(ctx: ServiceContext, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    visible = ctx.visible_patient_fields()
    if not ids or "first_name" not in visible:
        return {}
    rows = ctx.session.execute(
        select(Patient.id, Patient.first_name, Patient.last_name)
        .where(Patient.id.in_(list(ids)))
        .execution_options(include_deleted=True)
    )
    with_last = "last_name" in visible
    return {row.id: f"{row.first_name} {row.last_name}" if with_last else row.first_name for row in rows}


def _staff_names(ctx: ServiceContext, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = ctx.session.execute(
        select(StaffUser.id, StaffUser.first_name, StaffUser.last_name)
        .where(StaffUser.id.in_(list(ids)))
        .execution_options(include_deleted=True)
    )
    return {row.id: f"{row.first_name} {row.last_name}" for row in rows}
