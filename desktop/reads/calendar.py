"""The bi-weekly calendar's contents: appointments, when each doctor works, and the waitlist."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from common.access.permissions import Permission
from common.context import ServiceContext
from common.scheduling.availability import availability
from common.scheduling.clinic_rules import BookingRules
from common.scheduling.doctors import active_doctor_ids
from common.scheduling.models import AppointmentType, DayPeriod, WaitlistStatus
from common.scheduling.slots import FreeSlot, PeriodCapacity
from common.scheduling.waitlist import waitlist
from common.scheduling.working_time import DoctorWeeks
from desktop.reads.appointments import appointments_on, patient_names
from desktop.reads.rows import AppointmentRow

CALENDAR_DAYS = 14


@dataclass(frozen=True)
class WaitlistRow:
    id: uuid.UUID
    patient_id: uuid.UUID
    patient_name: str
    doctor_id: uuid.UUID | None
    wanted_date: date
    period: DayPeriod | None
    duration_minutes: int
    appointment_type: AppointmentType
    treatment_type_id: uuid.UUID | None
    status: WaitlistStatus
    notes: str | None


@dataclass(frozen=True)
class CalendarData:
    first_day: date
    days: int
    appointments: tuple[AppointmentRow, ...]
    # (doctor, day) -> the doctor's working time that day, as (start, end) minutes after local midnight
    working: dict[tuple[uuid.UUID, date], tuple[tuple[int, int], ...]]
    waitlist: tuple[WaitlistRow, ...]


def calendar_window(
    ctx: ServiceContext, first_day: date, days: int = CALENDAR_DAYS, *, include_cancelled: bool = False
) -> CalendarData:
    rows = appointments_on(ctx, first_day, days, include_cancelled=include_cancelled)
    return CalendarData(first_day, days, tuple(rows), working_time(ctx, first_day, days), waitlist_rows(ctx))


def working_time(
    ctx: ServiceContext, first_day: date, days: int
) -> dict[tuple[uuid.UUID, date], tuple[tuple[int, int], ...]]:
    ctx.authorize(Permission.SCHEDULE_READ, entity_type="doctor_schedule")
    rules = BookingRules.of(ctx.clinic)
    doctor_ids = active_doctor_ids(ctx.session)
    last_day = first_day + timedelta(days=days - 1)
    weeks = DoctorWeeks.load(ctx.session, rules, doctor_ids, first_day, last_day)
    result: dict[tuple[uuid.UUID, date], tuple[tuple[int, int], ...]] = {}
    for doctor_id in doctor_ids:
        for offset in range(days):
            day = first_day + timedelta(days=offset)
            spans = []
            for start, end in weeks.windows(doctor_id, day):
                local_start, local_end = rules.local(start), rules.local(end)
                end_minute = local_end.hour * 60 + local_end.minute
                if local_end.date() > day:
                    end_minute = 24 * 60
                spans.append((local_start.hour * 60 + local_start.minute, end_minute))
            result[(doctor_id, day)] = tuple(spans)
    return result


def waitlist_rows(ctx: ServiceContext) -> tuple[WaitlistRow, ...]:
    entries = waitlist(ctx)
    names = patient_names(ctx, {entry.patient_id for entry in entries})
    return tuple(
        WaitlistRow(
            id=entry.id,
            patient_id=entry.patient_id,
            patient_name=names.get(entry.patient_id, ("", False))[0],
            doctor_id=entry.doctor_id,
            wanted_date=entry.wanted_date,
            period=entry.period,
            duration_minutes=entry.duration_minutes,
            appointment_type=entry.appointment_type,
            treatment_type_id=entry.treatment_type_id,
            status=entry.status,
            notes=entry.notes,
        )
        for entry in entries
    )


@dataclass(frozen=True)
class DayChoices:
    """Free starts and Time Period capacity of one doctor's day, for the booking form."""

    slots: tuple[FreeSlot, ...]
    periods: tuple[PeriodCapacity, ...]


def day_choices(
    ctx: ServiceContext, doctor_id: uuid.UUID, day: date, duration_minutes: int | None
) -> DayChoices:
    found = availability(ctx, day, 1, doctor_id=doctor_id, duration_minutes=duration_minutes)
    if not found:
        return DayChoices((), ())
    return DayChoices(found[0].slots, found[0].periods)
