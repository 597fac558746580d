"""Keep the patient's appointment dates (next appointment, last visit) in step with appointments.

The changes are stamped into the patient's field versions, the base of the patient record's
field-level merge, like any other edit of the record.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func, select

from common.context import ServiceContext
from common.patients.models import Patient
from common.patients.service import stamp_changed_fields
from common.scheduling.clinic_rules import BookingRules
from common.scheduling.models import Appointment, AppointmentStatus
from common.storage.session import live_row

UPCOMING = (AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED)


def _patient(ctx: ServiceContext, patient_id: uuid.UUID) -> Patient | None:
    return live_row(ctx.session, Patient, patient_id)


def refresh_next_appointment(ctx: ServiceContext, rules: BookingRules, patient_id: uuid.UUID) -> None:
    """next_appointment_date = the earliest scheduled or confirmed appointment from today on."""
    today = rules.local_day(ctx.now())
    next_date = ctx.session.scalar(
        select(func.min(Appointment.appointment_date)).where(
            Appointment.patient_id == patient_id,
            Appointment.status.in_(UPCOMING),
            Appointment.appointment_date >= today,
        )
    )
    patient = _patient(ctx, patient_id)
    if patient is not None and patient.next_appointment_date != next_date:
        stamp_changed_fields(patient, ["next_appointment_date"])
        patient.next_appointment_date = next_date


def note_new_appointment(ctx: ServiceContext, rules: BookingRules, patient_id: uuid.UUID, day: date) -> None:
    """A booking on `day`: the patient's next appointment is the earlier of it and the one noted,
    with no query while the noted one is still upcoming (it is kept as the earliest upcoming by
    every booking, move, cancellation and check-in)."""
    today = rules.local_day(ctx.now())
    patient = _patient(ctx, patient_id)
    if patient is None:
        return
    noted = patient.next_appointment_date
    if day < today or (noted is not None and noted < today):
        refresh_next_appointment(ctx, rules, patient_id)  # a past day, or a date gone by: ask
    elif noted is None or day < noted:
        stamp_changed_fields(patient, ["next_appointment_date"])
        patient.next_appointment_date = day


def record_visit(ctx: ServiceContext, patient_id: uuid.UUID, day: date) -> None:
    patient = _patient(ctx, patient_id)
    if patient is not None and (patient.last_visit_date is None or patient.last_visit_date < day):
        stamp_changed_fields(patient, ["last_visit_date"])
        patient.last_visit_date = day
