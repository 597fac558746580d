"""Appointments, doctors' schedules and the waitlist."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from common.storage.base import Base, ClinicRecord, clinic_fk, enum_column


class AppointmentType(StrEnum):
    CONSULTATION = "Consultation"
    TREATMENT = "Treatment"
    FOLLOW_UP = "Follow-up"
    EMERGENCY = "Emergency"


class AppointmentStatus(StrEnum):
    SCHEDULED = "Scheduled"
    CONFIRMED = "Confirmed"
    CHECKED_IN = "Checked-in"
    IN_PROGRESS = "In-progress"
    COMPLETED = "Completed"
    CANCELLED = "Cancelled"
    NO_SHOW = "No-show"


# Statuses that hold the doctor's time.
ACTIVE_STATUSES = frozenset(
    {
        AppointmentStatus.SCHEDULED,
        AppointmentStatus.CONFIRMED,
        AppointmentStatus.CHECKED_IN,
        AppointmentStatus.IN_PROGRESS,
    }
)


class BookingMode(StrEnum):
    SPECIFIC_TIME = "Specific Time"
    TIME_PERIOD = "Time Period"


class DayPeriod(StrEnum):
    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"


class Appointment(ClinicRecord, Base):
    __tablename__ = "appointments"
    __table_args__ = (
        UniqueConstraint("clinic_id", "reservation_id"),
        Index(None, "clinic_id", "doctor_id", "starts_at"),
        Index(None, "clinic_id", "patient_id", "starts_at"),
        Index(None, "clinic_id", "appointment_date", "status"),
        clinic_fk("patient_id", "patients"),
        clinic_fk("doctor_id", "staff_users"),
        clinic_fk("treatment_type_id", "treatment_catalog"),
        clinic_fk("booked_by", "staff_users"),
    )

    patient_id: Mapped[uuid.UUID]
    doctor_id: Mapped[uuid.UUID]
    reservation_id: Mapped[str] = mapped_column(String(20))
    # The instants are the truth; date and times are the clinic's wall clock, kept beside them
    # because the seed's API speaks them and calendars group by them.
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    appointment_date: Mapped[date]
    start_time: Mapped[time]
    end_time: Mapped[time]
    duration_minutes: Mapped[int]
    appointment_type: Mapped[AppointmentType] = mapped_column(
        enum_column(AppointmentType, "appointment_type")
    )
    status: Mapped[AppointmentStatus] = mapped_column(
        enum_column(AppointmentStatus, "status"), default=AppointmentStatus.SCHEDULED
    )
    reason_for_visit: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    cancellation_reason: Mapped[str | None] = mapped_column(Text)
    booking_mode: Mapped[BookingMode] = mapped_column(enum_column(BookingMode, "booking_mode"))
    # Time Period bookings hold a window (starts_at..ends_at = the period) until staff assign a time.
    period: Mapped[DayPeriod | None] = mapped_column(enum_column(DayPeriod, "period"))
    time_assigned: Mapped[bool] = mapped_column(default=True)
    treatment_plan_id: Mapped[uuid.UUID | None]
    treatment_type_id: Mapped[uuid.UUID | None]
    reminder_sent: Mapped[bool] = mapped_column(default=False)
    check_in_time: Mapped[datetime | None]
    check_out_time: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    booked_by: Mapped[uuid.UUID | None]
    # Answers to the clinic's arrival questions (kiosk), for staff.
    arrival_answers: Mapped[list[dict[str, Any]]] = mapped_column(default=list)


class ScheduleBlockKind(StrEnum):
    WORK = "work"
    BREAK = "break"


class DoctorSchedule(ClinicRecord, Base):
    """One weekly block of a doctor's week: working hours or a break, on one ISO weekday."""

    __tablename__ = "doctor_schedules"
    __table_args__ = (
        Index(None, "clinic_id", "doctor_id", "weekday"),
        clinic_fk("doctor_id", "staff_users"),
    )

    doctor_id: Mapped[uuid.UUID]
    weekday: Mapped[int]  # ISO: 1 = Monday .. 7 = Sunday
    start_time: Mapped[time]
    end_time: Mapped[time]
    kind: Mapped[ScheduleBlockKind] = mapped_column(
        enum_column(ScheduleBlockKind, "kind"), default=ScheduleBlockKind.WORK
    )
    valid_from: Mapped[date | None]
    valid_until: Mapped[date | None]


class DoctorTimeOff(ClinicRecord, Base):
    """Days a doctor does not work (holiday, leave, training), inclusive."""

    __tablename__ = "doctor_time_off"
    __table_args__ = (
        Index(None, "clinic_id", "doctor_id", "start_date"),
        clinic_fk("doctor_id", "staff_users"),
    )

    doctor_id: Mapped[uuid.UUID]
    start_date: Mapped[date]
    end_date: Mapped[date]
    reason: Mapped[str | None]


class WaitlistStatus(StrEnum):
    WAITING = "Waiting"
    OFFERED = "Offered"
    BOOKED = "Booked"
    CANCELLED = "Cancelled"
    EXPIRED = "Expired"


class WaitlistEntry(ClinicRecord, Base):
    """A patient waiting for a doctor (or any doctor) on a day, optionally in one period."""

    __tablename__ = "waitlist_entries"
    __table_args__ = (
        Index(None, "clinic_id", "wanted_date", "status"),
        clinic_fk("patient_id", "patients"),
        clinic_fk("doctor_id", "staff_users"),
        clinic_fk("treatment_type_id", "treatment_catalog"),
    )

    patient_id: Mapped[uuid.UUID]
    doctor_id: Mapped[uuid.UUID | None]
    wanted_date: Mapped[date]
    period: Mapped[DayPeriod | None] = mapped_column(enum_column(DayPeriod, "period"))
    duration_minutes: Mapped[int]
    appointment_type: Mapped[AppointmentType] = mapped_column(
        enum_column(AppointmentType, "appointment_type")
    )
    treatment_type_id: Mapped[uuid.UUID | None]
    status: Mapped[WaitlistStatus] = mapped_column(
        enum_column(WaitlistStatus, "status"), default=WaitlistStatus.WAITING
    )
    notes: Mapped[str | None] = mapped_column(Text)


class WaitlistOfferStatus(StrEnum):
    PENDING = "Pending"  # created; the relay sends it
    SENT = "Sent"
    ACCEPTED = "Accepted"
    DECLINED = "Declined"
    EXPIRED = "Expired"


class WaitlistOffer(ClinicRecord, Base):
    """A freed slot offered to the first matching waitlist entry."""

    __tablename__ = "waitlist_offers"
    __table_args__ = (
        Index(None, "clinic_id", "status"),
        clinic_fk("entry_id", "waitlist_entries"),
        clinic_fk("freed_appointment_id", "appointments"),
        clinic_fk("doctor_id", "staff_users"),
        clinic_fk("booked_appointment_id", "appointments"),
    )

    entry_id: Mapped[uuid.UUID]
    freed_appointment_id: Mapped[uuid.UUID]
    doctor_id: Mapped[uuid.UUID]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[WaitlistOfferStatus] = mapped_column(
        enum_column(WaitlistOfferStatus, "status"), default=WaitlistOfferStatus.PENDING
    )
    expires_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    booked_appointment_id: Mapped[uuid.UUID | None]
