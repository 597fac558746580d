"""Reading appointments: the bi-weekly calendar, one patient's appointments, one appointment."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from common.access.permissions import Permission
from common.context import ServiceContext
from common.scheduling.clinic_rules import LONGEST_INTERVAL
from common.scheduling.errors import InvalidTimeRange
from common.scheduling.models import Appointment, AppointmentStatus
from common.scheduling.writes import load_appointment

# The longest calendar one call returns: a month and a bit, enough for any calendar view.
MAX_RANGE_DAYS = 45


def appointments_between(
    ctx: ServiceContext,
    start: datetime,
    end: datetime,
    doctor_ids: Sequence[uuid.UUID] | None = None,
    *,
    include_cancelled: bool = False,
) -> list[Appointment]:
    """Appointments meeting [start, end) (aware instants), by start then doctor: one query, one audit row."""
    ctx.authorize(Permission.APPOINTMENT_READ, entity_type="appointment")
    if start.tzinfo is None or end.tzinfo is None or end <= start or (end - start).days > MAX_RANGE_DAYS:
        raise InvalidTimeRange()
    statement = (
        select(Appointment)
        .where(
            Appointment.starts_at >= start - LONGEST_INTERVAL,
            Appointment.starts_at < end,
            Appointment.ends_at > start,
        )
        .order_by(Appointment.starts_at, Appointment.doctor_id, Appointment.id)
    )
    if doctor_ids is not None:
        statement = statement.where(Appointment.doctor_id.in_(list(doctor_ids)))
    if not include_cancelled:
        statement = statement.where(Appointment.status != AppointmentStatus.CANCELLED)
    appointments = list(ctx.session.scalars(statement))
    ctx.audit("appointment.list", "appointment")
    return appointments


def appointments_for_patient(
    ctx: ServiceContext, patient_id: uuid.UUID, *, include_cancelled: bool = True
) -> list[Appointment]:
    """A patient's appointments, oldest first."""
    ctx.authorize(Permission.APPOINTMENT_READ, entity_type="appointment", patient_id=patient_id)
    statement = (
        select(Appointment)
        .where(Appointment.patient_id == patient_id)
        .order_by(Appointment.starts_at, Appointment.id)
    )
    if not include_cancelled:
        statement = statement.where(Appointment.status != AppointmentStatus.CANCELLED)
    appointments = list(ctx.session.scalars(statement))
    ctx.audit("appointment.list_for_patient", "appointment", patient_id=patient_id)
    return appointments


def get_appointment(ctx: ServiceContext, appointment_id: uuid.UUID) -> Appointment:
    ctx.authorize(Permission.APPOINTMENT_READ, entity_type="appointment", entity_id=appointment_id)
    appointment = load_appointment(ctx, appointment_id)
    ctx.audit("appointment.read", "appointment", appointment.id, patient_id=appointment.patient_id)
    return appointment
