"""Automatic no-show: appointments nobody checked in for, some time after they should have started."""

from __future__ import annotations

from sqlalchemy import and_, or_, select

from common.access.permissions import Permission
from common.context import ServiceContext
from common.scheduling.clinic_rules import BookingRules
from common.scheduling.models import Appointment, AppointmentStatus
from common.scheduling.patient_dates import refresh_next_appointment
from common.scheduling.writes import serialize_clinic_writes

WAITING_FOR_ARRIVAL = (AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED)


def mark_no_shows(ctx: ServiceContext) -> int:
    """Mark Scheduled/Confirmed appointments whose start is more than the clinic's
    `no_show_after_minutes` ago (for a Time Period booking without a time: the period's end).
    One audit row per appointment marked; returns how many."""
    ctx.authorize(Permission.APPOINTMENT_MANAGE, entity_type="appointment")
    serialize_clinic_writes(ctx)
    rules = BookingRules.of(ctx.clinic)
    cutoff = ctx.now() - rules.no_show_after
    overdue = ctx.session.scalars(
        select(Appointment)
        .where(
            Appointment.status.in_(WAITING_FOR_ARRIVAL),
            Appointment.appointment_date <= rules.local_day(cutoff),
            or_(
                and_(Appointment.time_assigned.is_(True), Appointment.starts_at < cutoff),
                and_(Appointment.time_assigned.is_(False), Appointment.ends_at < cutoff),
            ),
        )
        .order_by(Appointment.starts_at, Appointment.id)
    ).all()
    for appointment in overdue:
        appointment.status = AppointmentStatus.NO_SHOW
    for patient_id in {appointment.patient_id for appointment in overdue}:
        refresh_next_appointment(ctx, rules, patient_id)
    for appointment in overdue:
        ctx.audit(
            "appointment.no_show",
            "appointment",
            appointment.id,
            patient_id=appointment.patient_id,
            changed_fields=["status"],
        )
    return len(overdue)
