"""Loading the patient, doctor and appointment an operation refers to, with the refusal a person
can act on. No permission checks and no audit: the calling operation does both.

The patient and doctor rules are the patient and scheduling services' own (a merged patient is a
tombstone there, so it is not found; a doctor must be an active Doctor).
"""

from __future__ import annotations

import uuid
from typing import Final

from sqlalchemy import select

from common.context import ServiceContext
from common.i18n import L_
from common.patients.models import Patient
from common.patients.service import load_patient
from common.scheduling.doctors import require_doctor as _require_doctor
from common.scheduling.errors import AppointmentNotFound
from common.scheduling.models import Appointment, AppointmentStatus
from common.staff.models import StaffUser
from common.treatments.errors import AppointmentNotActive, AppointmentOfAnotherPatient

CLOSED_APPOINTMENT: Final = frozenset({AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW})


def require_patient(ctx: ServiceContext, patient_id: uuid.UUID) -> Patient:
    return load_patient(ctx, patient_id)


def require_doctor(ctx: ServiceContext, doctor_id: uuid.UUID) -> StaffUser:
    return _require_doctor(ctx.session, doctor_id)


def require_appointment(
    ctx: ServiceContext, appointment_id: uuid.UUID, patient_id: uuid.UUID, *, open_only: bool = True
) -> Appointment:
    """The patient's appointment; with `open_only`, refused when it was cancelled or a no-show."""
    appointment = ctx.session.scalars(
        select(Appointment).where(Appointment.id == appointment_id)
    ).one_or_none()
    if appointment is None:
        raise AppointmentNotFound()
    if appointment.patient_id != patient_id:
        raise AppointmentOfAnotherPatient()
    if open_only and appointment.status in CLOSED_APPOINTMENT:
        raise AppointmentNotActive(status=L_(appointment.status.value))
    return appointment
