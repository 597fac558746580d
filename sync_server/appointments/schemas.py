"""Appointments in the seed's shape (`Appointment`, `TimeSlot`), plus the fields desks need."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict

from common.scheduling.models import AppointmentStatus, AppointmentType, BookingMode, DayPeriod
from sync_server.fields import Day, LongText, Minutes, Text1000


def _wall_clock(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("give the clinic's wall-clock time, without a time zone")
    return value


WallClock = Annotated[time, AfterValidator(_wall_clock)]


class TimeSlot(BaseModel):
    start_time: datetime
    end_time: datetime
    doctor_id: uuid.UUID
    doctor_name: str
    available: bool = True


class PeriodSlot(BaseModel):
    doctor_id: uuid.UUID
    doctor_name: str
    date: date
    period: DayPeriod
    start_time: datetime
    end_time: datetime
    capacity: int
    booked: int
    available: bool


class AvailabilityResponse(BaseModel):
    available_slots: list[TimeSlot]
    periods: list[PeriodSlot]


class AppointmentCreate(BaseModel):
    """Specific Time: `appointment_date` and `start_time` (clinic wall clock), the length from
    `end_time`, `duration_minutes` or the treatment. Time Period: `appointment_date` and `period`."""

    model_config = ConfigDict(extra="forbid")

    clinic_id: uuid.UUID | None = None
    id: uuid.UUID | None = None
    patient_id: uuid.UUID
    doctor_id: uuid.UUID
    booking_mode: BookingMode = BookingMode.SPECIFIC_TIME
    appointment_date: Day
    start_time: WallClock | None = None
    end_time: WallClock | None = None
    period: DayPeriod | None = None
    duration_minutes: Minutes | None = None
    appointment_type: AppointmentType = AppointmentType.CONSULTATION
    treatment_type_id: uuid.UUID | None = None
    reason_for_visit: Text1000 | None = None
    notes: LongText | None = None


class AppointmentUpdate(BaseModel):
    """Reschedule (a new day and time or period, optionally another doctor), and/or move the
    status: Confirmed, In-progress (the visit starts), No-show."""

    model_config = ConfigDict(extra="forbid")

    appointment_date: Day | None = None
    start_time: WallClock | None = None
    period: DayPeriod | None = None
    doctor_id: uuid.UUID | None = None
    status: Literal["Confirmed", "In-progress", "No-show"] | None = None


class CancelRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Text1000


class AppointmentOut(BaseModel):
    """An appointment as the reader may see it: a kiosk gets the patient's first name, the time,
    the doctor and the status, and none of the visit's reasons or notes."""

    id: uuid.UUID
    reservation_id: str | None = None
    patient_id: uuid.UUID
    patient_name: str | None = None
    doctor_id: uuid.UUID
    doctor_name: str | None = None
    appointment_date: date
    start_time: time
    end_time: time
    starts_at: datetime
    ends_at: datetime
    duration_minutes: int
    status: AppointmentStatus
    appointment_type: AppointmentType
    booking_mode: BookingMode
    period: DayPeriod | None = None
    time_assigned: bool
    reason_for_visit: str | None = None
    notes: str | None = None
    cancellation_reason: str | None = None
    check_in_time: datetime | None = None
    check_out_time: datetime | None = None
    version: int


class CalendarResponse(BaseModel):
    start_date: date
    end_date: date
    appointments: list[AppointmentOut]
