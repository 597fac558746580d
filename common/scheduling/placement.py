"""Where an appointment may go: the rules every booking, time assignment and reschedule obey.

- Specific Time: not in the past or inside the minimum lead, not beyond the maximum advance,
  inside the clinic's opening hours and the doctor's working blocks (not a break, not a day off),
  and clear of the doctor's other active, timed appointments.
- Time Period: the period exists, has not ended, the doctor has enough unbroken working time in it
  for the appointment, and it has capacity left.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.i18n import L_
from common.scheduling.availability import nearest_free_slots, open_periods_near
from common.scheduling.booked import ACTIVE, booked_between
from common.scheduling.clinic_rules import BookingRules
from common.scheduling.errors import (
    ClinicClosed,
    DoctorOff,
    DurationExceedsPeriod,
    InvalidStartTime,
    OutsideDoctorHours,
    PeriodFull,
    SlotUnavailable,
    TimeInPast,
    TooFarAhead,
    TooShortNotice,
    UnknownPeriod,
)
from common.scheduling.intervals import Interval, covers, merge
from common.scheduling.models import Appointment, BookingMode, DayPeriod
from common.scheduling.working_time import DoctorWeeks, fits_in_period

ANY_TIME = timedelta(minutes=1)


@dataclass(frozen=True)
class Placement:
    """Where an appointment sits: an exact time, or a Time Period window awaiting a time."""

    starts_at: datetime
    ends_at: datetime
    booking_mode: BookingMode
    period: DayPeriod | None
    time_assigned: bool


def apply_placement(appointment: Appointment, placement: Placement, rules: BookingRules) -> list[str]:
    """Set the instants and the matching wall-clock fields; return the names of the fields that changed."""
    local_start, local_end = rules.local(placement.starts_at), rules.local(placement.ends_at)
    values: dict[str, object] = {
        "starts_at": placement.starts_at,
        "ends_at": placement.ends_at,
        "appointment_date": local_start.date(),
        "start_time": local_start.time(),
        "end_time": local_end.time(),
        "booking_mode": placement.booking_mode,
        "period": placement.period,
        "time_assigned": placement.time_assigned,
    }
    changed = [name for name, value in values.items() if getattr(appointment, name, None) != value]
    for name in changed:
        setattr(appointment, name, values[name])
    return changed


def exact_start(starts_at: datetime) -> datetime:
    """An aware instant in whole minutes, as UTC; anything else is refused."""
    if starts_at.tzinfo is None or starts_at.utcoffset() is None or starts_at.second or starts_at.microsecond:
        raise InvalidStartTime()
    return starts_at.astimezone(UTC)


def check_timing(rules: BookingRules, now: datetime, starts_at: datetime) -> None:
    if starts_at < now:
        raise TimeInPast()
    if starts_at < rules.earliest_start(now):
        raise TooShortNotice(minutes=int(rules.min_lead.total_seconds() // 60))
    if rules.local_day(starts_at) > rules.last_bookable_day(now):
        raise TooFarAhead(days=rules.max_advance_days)


def check_specific_time(
    session: Session,
    rules: BookingRules,
    now: datetime,
    doctor_id: uuid.UUID,
    starts_at: datetime,
    length: timedelta,
    *,
    exclude_id: uuid.UUID | None = None,
    timing: bool = True,
) -> Placement:
    """Validate an exact time for the doctor; raise the specific refusal, or SlotUnavailable with
    alternatives when another active appointment holds the time."""
    ends_at = starts_at + length
    if timing:
        check_timing(rules, now, starts_at)
    day = rules.local_day(starts_at)
    weeks = DoctorWeeks.load(session, rules, [doctor_id], day, day)
    if weeks.is_off(doctor_id, day):
        raise DoctorOff(date=day.isoformat())
    if not covers(merge(rules.open_hours(day)), starts_at, ends_at):
        raise ClinicClosed()
    if not covers(weeks.windows(doctor_id, day), starts_at, ends_at):
        raise OutsideDoctorHours()
    if _overlaps(session, doctor_id, starts_at, ends_at, exclude_id):
        raise SlotUnavailable(nearest_free_slots(session, rules, now, doctor_id, starts_at, length))
    return Placement(starts_at, ends_at, BookingMode.SPECIFIC_TIME, None, time_assigned=True)


def _overlaps(
    session: Session,
    doctor_id: uuid.UUID,
    starts_at: datetime,
    ends_at: datetime,
    exclude_id: uuid.UUID | None,
) -> bool:
    return any(
        row.time_assigned
        for row in booked_between(session, [doctor_id], starts_at, ends_at, exclude_id=exclude_id)
    )


def period_window(rules: BookingRules, day: date, period: DayPeriod) -> Interval:
    window = rules.period_window(day, period)
    if window is None:
        raise UnknownPeriod(period=L_(period.value))
    return window


def check_period(
    session: Session,
    rules: BookingRules,
    now: datetime,
    doctor_id: uuid.UUID,
    day: date,
    period: DayPeriod,
    length: timedelta,
    *,
    exclude_id: uuid.UUID | None = None,
) -> Placement:
    """Validate a Time Period booking; raise the specific refusal, or PeriodFull with alternatives."""
    start, end = period_window(rules, day, period)
    if end <= now:
        raise TimeInPast()
    if end <= rules.earliest_start(now):
        raise TooShortNotice(minutes=int(rules.min_lead.total_seconds() // 60))
    if day > rules.last_bookable_day(now):
        raise TooFarAhead(days=rules.max_advance_days)
    weeks = DoctorWeeks.load(session, rules, [doctor_id], day, day)
    if weeks.is_off(doctor_id, day):
        raise DoctorOff(date=day.isoformat())
    if not fits_in_period(merge(rules.open_hours(day)), (start, end), ANY_TIME):
        raise ClinicClosed()
    windows = weeks.windows(doctor_id, day)
    if not fits_in_period(windows, (start, end), ANY_TIME):
        raise OutsideDoctorHours()
    if not fits_in_period(windows, (start, end), length):
        raise DurationExceedsPeriod()
    if period_bookings(session, doctor_id, day, period, exclude_id) >= rules.periods[period].capacity:
        raise PeriodFull(
            open_periods_near(session, rules, now, doctor_id, day, period, length),
            period=L_(period.value),
            date=day.isoformat(),
        )
    return Placement(start, end, BookingMode.TIME_PERIOD, period, time_assigned=False)


def period_bookings(
    session: Session, doctor_id: uuid.UUID, day: date, period: DayPeriod, exclude_id: uuid.UUID | None
) -> int:
    statement = (
        select(func.count())
        .select_from(Appointment)
        .where(
            Appointment.doctor_id == doctor_id,
            Appointment.appointment_date == day,
            Appointment.booking_mode == BookingMode.TIME_PERIOD,
            Appointment.period == period,
            Appointment.status.in_(ACTIVE),
        )
    )
    if exclude_id is not None:
        statement = statement.where(Appointment.id != exclude_id)
    return session.scalar(statement) or 0
