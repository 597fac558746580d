"""`/api/appointments`: availability, booking in both modes, lists, the bi-weekly calendar,
rescheduling, cancelling, check-in and check-out (common.scheduling does the work)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, timedelta

from fastapi import APIRouter, status

from common.access.permissions import Permission
from common.scheduling import status as appointment_status
from common.scheduling.availability import availability
from common.scheduling.booking import BookingRequest, book_appointment, reschedule_appointment
from common.scheduling.calendar_view import appointments_between, appointments_for_patient, get_appointment
from common.scheduling.errors import BookingModeUnclear, InvalidTimeRange
from common.scheduling.models import Appointment, AppointmentStatus, BookingMode
from sync_server.appointments.schemas import (
    AppointmentCreate,
    AppointmentOut,
    AppointmentUpdate,
    AvailabilityResponse,
    CalendarResponse,
    CancelRequest,
    PeriodSlot,
    TimeSlot,
)
from sync_server.appointments.service import (
    DEFAULT_DAYS,
    clinic_today,
    day_range,
    doctor_names,
    minutes_between,
    shown,
    wall_clock_instant,
)
from sync_server.auth.dependencies import ApiContext
from sync_server.errors import ERROR_RESPONSES
from sync_server.fields import Day, Minutes
from sync_server.permissions import requires
from sync_server.tenancy import require_own_clinic

router = APIRouter(prefix="/api/appointments", tags=["appointments"], responses=ERROR_RESPONSES)


@router.get(
    "/availability", response_model=AvailabilityResponse, openapi_extra=requires(Permission.SCHEDULE_READ)
)
def get_availability(
    ctx: ApiContext,
    start_date: Day,
    end_date: Day,
    clinic_id: uuid.UUID | None = None,
    doctor_id: uuid.UUID | None = None,
    duration_minutes: Minutes | None = None,
) -> AvailabilityResponse:
    """Free slots (Specific Time) and Time Period capacity per doctor, for the days asked."""
    require_own_clinic(ctx, clinic_id)
    if end_date < start_date:
        raise InvalidTimeRange()
    days = availability(ctx, start_date, (end_date - start_date).days + 1, doctor_id, duration_minutes)
    names = doctor_names(ctx, {day.doctor_id for day in days})
    return AvailabilityResponse(
        available_slots=[
            TimeSlot(
                start_time=slot.starts_at,
                end_time=slot.ends_at,
                doctor_id=slot.doctor_id,
                doctor_name=names.get(slot.doctor_id, ""),
            )
            for day in days
            for slot in day.slots
        ],
        periods=[
            PeriodSlot(
                doctor_id=capacity.doctor_id,
                doctor_name=names.get(capacity.doctor_id, ""),
                date=capacity.date,
                period=capacity.period,
                start_time=capacity.starts_at,
                end_time=capacity.ends_at,
                capacity=capacity.capacity,
                booked=capacity.booked,
                available=capacity.bookable,
            )
            for day in days
            for capacity in day.periods
        ],
    )


@router.get("/calendar", response_model=CalendarResponse, openapi_extra=requires(Permission.APPOINTMENT_READ))
def get_calendar(
    ctx: ApiContext, start_date: Day | None = None, doctor_id: uuid.UUID | None = None
) -> CalendarResponse:
    """Two weeks of appointments from `start_date` (default: this week's Monday, clinic time)."""
    today = clinic_today(ctx)
    first = start_date or today - timedelta(days=today.weekday())
    last = first + timedelta(days=DEFAULT_DAYS - 1)
    start, end = day_range(ctx, first, last)
    found = appointments_between(ctx, start, end, [doctor_id] if doctor_id is not None else None)
    return CalendarResponse(start_date=first, end_date=last, appointments=shown(ctx, found))


@router.post(
    "",
    response_model=AppointmentOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=requires(Permission.APPOINTMENT_BOOK),
)
def create_appointment(body: AppointmentCreate, ctx: ApiContext) -> AppointmentOut:
    require_own_clinic(ctx, body.clinic_id)
    request = BookingRequest(
        patient_id=body.patient_id,
        doctor_id=body.doctor_id,
        appointment_type=body.appointment_type,
        duration_minutes=body.duration_minutes,
        treatment_type_id=body.treatment_type_id,
        reason_for_visit=body.reason_for_visit,
        notes=body.notes,
        appointment_id=body.id,
    )
    if body.booking_mode is BookingMode.TIME_PERIOD:
        if body.period is None or body.start_time is not None:
            raise BookingModeUnclear()
        request = replace(request, day=body.appointment_date, period=body.period)
    else:
        if body.start_time is None or body.period is not None:
            raise BookingModeUnclear()
        duration = body.duration_minutes
        if body.end_time is not None:
            duration = minutes_between(body.start_time, body.end_time)
        request = replace(
            request,
            starts_at=wall_clock_instant(ctx, body.appointment_date, body.start_time),
            duration_minutes=duration,
        )
    return shown(ctx, [book_appointment(ctx, request)])[0]


@router.get("", response_model=list[AppointmentOut], openapi_extra=requires(Permission.APPOINTMENT_READ))
def list_appointments(
    ctx: ApiContext,
    start_date: Day | None = None,
    end_date: Day | None = None,
    doctor_id: uuid.UUID | None = None,
    patient_id: uuid.UUID | None = None,
    status: AppointmentStatus | None = None,
    include_cancelled: bool = False,
) -> list[AppointmentOut]:
    """A patient's appointments (`patient_id`), or all appointments between two days (default:
    the next two weeks), optionally of one doctor and one status."""
    if patient_id is not None:
        found = appointments_for_patient(ctx, patient_id, include_cancelled=include_cancelled)
        found = [a for a in found if _within(a, start_date, end_date)]
        if doctor_id is not None:
            found = [a for a in found if a.doctor_id == doctor_id]
    else:
        first = start_date or clinic_today(ctx)
        last = end_date or first + timedelta(days=DEFAULT_DAYS - 1)
        start, end = day_range(ctx, first, last)
        doctors = [doctor_id] if doctor_id is not None else None
        wants_cancelled = include_cancelled or status is AppointmentStatus.CANCELLED
        found = appointments_between(ctx, start, end, doctors, include_cancelled=wants_cancelled)
    if status is not None:
        found = [a for a in found if a.status is status]
    return shown(ctx, found)


@router.get(
    "/{appointment_id}", response_model=AppointmentOut, openapi_extra=requires(Permission.APPOINTMENT_READ)
)
def read_appointment(appointment_id: uuid.UUID, ctx: ApiContext) -> AppointmentOut:
    return shown(ctx, [get_appointment(ctx, appointment_id)])[0]


@router.put(
    "/{appointment_id}", response_model=AppointmentOut, openapi_extra=requires(Permission.APPOINTMENT_MANAGE)
)
def update_appointment(appointment_id: uuid.UUID, body: AppointmentUpdate, ctx: ApiContext) -> AppointmentOut:
    """Reschedule and/or move the status, in one transaction (both or neither)."""
    appointment: Appointment | None = None
    moves_time = body.start_time is not None or body.period is not None or body.doctor_id is not None
    if moves_time or body.appointment_date is not None:
        if body.appointment_date is None:
            raise BookingModeUnclear()
        starts_at = (
            wall_clock_instant(ctx, body.appointment_date, body.start_time) if body.start_time else None
        )
        appointment = reschedule_appointment(
            ctx,
            appointment_id,
            starts_at=starts_at,
            day=body.appointment_date if starts_at is None else None,
            period=body.period,
            doctor_id=body.doctor_id,
        )
    if body.status == AppointmentStatus.CONFIRMED.value:
        appointment = appointment_status.confirm_appointment(ctx, appointment_id)
    elif body.status == AppointmentStatus.IN_PROGRESS.value:
        appointment = appointment_status.start_appointment(ctx, appointment_id)
    elif body.status == AppointmentStatus.NO_SHOW.value:
        appointment = appointment_status.mark_no_show(ctx, appointment_id)
    if appointment is None:
        appointment = get_appointment(ctx, appointment_id)
    return shown(ctx, [appointment])[0]


@router.delete(
    "/{appointment_id}", response_model=AppointmentOut, openapi_extra=requires(Permission.APPOINTMENT_MANAGE)
)
def cancel_appointment(appointment_id: uuid.UUID, body: CancelRequest, ctx: ApiContext) -> AppointmentOut:
    """Cancel with a reason (the row stays, as Cancelled); a freed time goes to the waitlist."""
    return shown(ctx, [appointment_status.cancel_appointment(ctx, appointment_id, body.reason)])[0]


@router.post(
    "/{appointment_id}/check-in",
    response_model=AppointmentOut,
    openapi_extra=requires(Permission.APPOINTMENT_CHECK_IN),
)
def check_in(appointment_id: uuid.UUID, ctx: ApiContext) -> AppointmentOut:
    """The patient arrived (front desk or lobby kiosk): on the appointment's day only."""
    return shown(ctx, [appointment_status.check_in(ctx, appointment_id)])[0]


@router.post(
    "/{appointment_id}/check-out",
    response_model=AppointmentOut,
    openapi_extra=requires(Permission.APPOINTMENT_CHECK_OUT),
)
def check_out(appointment_id: uuid.UUID, ctx: ApiContext) -> AppointmentOut:
    return shown(ctx, [appointment_status.check_out(ctx, appointment_id)])[0]


def _within(appointment: Appointment, first: date | None, last: date | None) -> bool:
    day = appointment.appointment_date
    return (first is None or day >= first) and (last is None or day <= last)
