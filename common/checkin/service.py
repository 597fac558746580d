"""The kiosk's operations, each one unit of work on a `ServiceContext` with a kiosk actor.

- `identify_by_code`: a scanned or typed code -> today's appointment, or why not. The scan is
  recorded whatever its outcome, so refusals are returned, not raised (as `resolve_scan` does).
- `kiosk_check_in`: check the appointment in, within the clinic's window (raises a refusal;
  nothing is written then). The sync intent `kiosk_check_in` runs exactly this.
What a kiosk reads of a patient is the first name and, to ask "does your phone end in 42?", the
last two digits of the phone; the service matches on more (see `lookup`) but returns no more.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Final

from sqlalchemy import select

from common.access.permissions import Permission
from common.barcodes.models import BarcodeEntityType, ScanOutcome
from common.barcodes.scanning import CHECKABLE_STATUSES, resolve_scan
from common.checkin.errors import (
    AlreadyCheckedIn,
    AppointmentCancelled,
    CheckInRefused,
    CheckInUnavailable,
    CodeNoLongerValid,
    CodeNotRecognised,
    CodeUnreadable,
    NoAppointmentToday,
    TooEarly,
    TooLate,
)
from common.checkin.outcomes import CheckedIn, FoundAppointment, Identification, Refusal
from common.checkin.questions import questions_for
from common.checkin.window import CheckInWindow, Timing
from common.context import ServiceContext
from common.patients.models import Patient
from common.scheduling.errors import CheckInNotToday, IllegalTransition
from common.scheduling.models import Appointment, AppointmentStatus
from common.scheduling.status import check_in
from common.scheduling.writes import load_appointment
from common.staff.models import StaffUser
from common.storage.session import live_row

SCANNER_TYPE: Final = "kiosk"
_ALREADY_IN: Final = frozenset({AppointmentStatus.CHECKED_IN, AppointmentStatus.IN_PROGRESS})
_CODE_REFUSALS: Final[dict[ScanOutcome, type[CheckInRefused]]] = {
    ScanOutcome.MISTYPED: CodeUnreadable,
    ScanOutcome.FOREIGN_CLINIC: CodeNotRecognised,
    ScanOutcome.FORGED: CodeNotRecognised,
    ScanOutcome.UNKNOWN: CodeNotRecognised,
    ScanOutcome.EXPIRED: CodeNoLongerValid,
    ScanOutcome.DEACTIVATED: CodeNoLongerValid,
}


def refusal(ctx: ServiceContext, error: CheckInRefused) -> Refusal:
    return Refusal.of(error, ctx.clinic.timezone)


def identify_by_code(ctx: ServiceContext, raw_value: str, *, location: str | None = None) -> Identification:
    """Today's appointment of the patient whose code this is, or the reason there is none to check in."""
    ctx.authorize(Permission.PATIENT_KIOSK_LOOKUP)
    scan = resolve_scan(ctx, raw_value, scanner_type=SCANNER_TYPE, location=location)
    if scan.refusal is not None:
        return refusal(ctx, _CODE_REFUSALS.get(scan.outcome, CodeNotRecognised)())
    if scan.entity_type is not BarcodeEntityType.PATIENT or scan.entity_id is None:
        return refusal(ctx, CodeNotRecognised())  # a treatment or stock label held up to the kiosk
    patient = ctx.session.scalars(select(Patient).where(Patient.id == scan.entity_id)).one()
    return todays_appointment(ctx, patient)


def todays_appointment(ctx: ServiceContext, patient: Patient) -> Identification:
    """The patient's appointment to check in now, judged by the clinic's check-in window.

    Of several checkable appointments today, the one whose window is nearest to now. With none,
    the refusal says why: already checked in, cancelled, or no appointment today.
    """
    now = ctx.now()
    window = CheckInWindow.of(ctx.clinic)
    today = now.astimezone(ctx.tz).date()
    appointments: Sequence[Appointment] = ctx.session.scalars(
        select(Appointment).where(Appointment.patient_id == patient.id, Appointment.appointment_date == today)
    ).all()
    checkable = [a for a in appointments if a.status in CHECKABLE_STATUSES]
    if not checkable:
        statuses = {a.status for a in appointments}
        if statuses & _ALREADY_IN:
            return refusal(ctx, AlreadyCheckedIn())
        if AppointmentStatus.CANCELLED in statuses:
            return refusal(ctx, AppointmentCancelled())
        return refusal(ctx, NoAppointmentToday())
    appointment = min(checkable, key=lambda a: (window.distance(a, now), a.starts_at))
    timing_refusal = _timing_refusal(window, appointment, now)
    if timing_refusal is not None:
        return refusal(ctx, timing_refusal)
    return FoundAppointment(
        appointment_id=appointment.id,
        patient_id=patient.id,
        first_name=patient.first_name,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        time_assigned=appointment.time_assigned,
        doctor_name=_doctor_name(ctx, appointment.doctor_id),
        timezone=ctx.clinic.timezone,
        questions=tuple(questions_for(ctx, patient)),
    )


def _timing_refusal(window: CheckInWindow, appointment: Appointment, now: datetime) -> CheckInRefused | None:
    timing = window.timing(appointment, now)
    if timing is Timing.EARLY:
        return TooEarly(time=appointment.starts_at, opens=window.opens_at(appointment))
    if timing is Timing.LATE:
        return TooLate(time=appointment.starts_at)
    return None


def _doctor_name(ctx: ServiceContext, doctor_id: uuid.UUID) -> str:
    doctor = live_row(ctx.session, StaffUser, doctor_id)
    return f"{doctor.first_name} {doctor.last_name}".strip() if doctor is not None else ""


def may_check_in(ctx: ServiceContext, appointment_id: uuid.UUID) -> None:
    """Raise the refusal if the appointment's status or the clinic's window rule a kiosk
    check-in out now (the desk may have acted since the patient was found); reads only."""
    ctx.authorize(Permission.APPOINTMENT_CHECK_IN, entity_type="appointment", entity_id=appointment_id)
    appointment = load_appointment(ctx, appointment_id)
    if appointment.status in _ALREADY_IN:
        raise AlreadyCheckedIn()
    if appointment.status is AppointmentStatus.CANCELLED:
        raise AppointmentCancelled()
    if appointment.status not in CHECKABLE_STATUSES:
        raise TooLate(time=appointment.starts_at)
    timing_refusal = _timing_refusal(CheckInWindow.of(ctx.clinic), appointment, ctx.now())
    if timing_refusal is not None:
        raise timing_refusal


def kiosk_check_in(
    ctx: ServiceContext, appointment_id: uuid.UUID, *, checked_in_at: datetime | None = None
) -> CheckedIn:
    """Check the appointment in, if its status and the clinic's window still allow it; otherwise
    raise the refusal, writing nothing."""
    may_check_in(ctx, appointment_id)
    return record_kiosk_check_in(ctx, appointment_id, checked_in_at=checked_in_at)


def record_kiosk_check_in(
    ctx: ServiceContext, appointment_id: uuid.UUID, *, checked_in_at: datetime | None = None
) -> CheckedIn:
    """A kiosk's check-in as the server applies it when it arrives by sync: the kiosk judged the
    window when the patient was there (an offline kiosk's check-in may reach the server long
    after), so only the appointment's status can still refuse it. `checked_in_at` is when the
    patient stood at the kiosk (the check-in keeps that time, within its day; see `check_in`)."""
    ctx.authorize(Permission.APPOINTMENT_CHECK_IN, entity_type="appointment", entity_id=appointment_id)
    appointment = load_appointment(ctx, appointment_id)
    if appointment.status in _ALREADY_IN:
        raise AlreadyCheckedIn()
    if appointment.status is AppointmentStatus.CANCELLED:
        raise AppointmentCancelled()
    try:
        checked = check_in(ctx, appointment_id, checked_in_at=checked_in_at)
    except CheckInNotToday:
        raise NoAppointmentToday() from None
    except IllegalTransition:
        raise AlreadyCheckedIn() from None
    assert checked.check_in_time is not None
    return CheckedIn(checked.id, checked.check_in_time)


def checked_in(ctx: ServiceContext, appointment_id: uuid.UUID) -> CheckedIn:
    """The receipt of a check-in already written (by a sync intent)."""
    appointment = load_appointment(ctx, appointment_id)
    if appointment.check_in_time is None:
        raise CheckInUnavailable()
    return CheckedIn(appointment.id, appointment.check_in_time)
