"""Free slots and Time Period capacity, per doctor and day (the bi-weekly booking view).

Cost is a handful of queries whatever the size of the clinic: the clinic, the doctors, their
schedules, their days off, and ONE indexed range query for the appointments in the window; the
slots are then walked in Python over sorted intervals.
"""

from __future__ import annotations

import uuid
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from common.access.permissions import Permission
from common.context import ServiceContext
from common.scheduling.booked import booked_between
from common.scheduling.clinic_rules import BookingRules, appointment_length
from common.scheduling.doctors import active_doctor_ids, require_doctor
from common.scheduling.errors import InvalidDayCount
from common.scheduling.intervals import Interval, merge
from common.scheduling.models import BookingMode, DayPeriod
from common.scheduling.slots import DayAvailability, FreeSlot, PeriodCapacity
from common.scheduling.working_time import DoctorWeeks, fits_in_period

MAX_DAYS = 62
ALTERNATIVE_DAYS = 7


def availability(
    ctx: ServiceContext,
    start_date: date,
    days: int = 14,
    doctor_id: uuid.UUID | None = None,
    duration_minutes: int | None = None,
) -> list[DayAvailability]:
    """Each doctor's free slots (of `duration_minutes`, default the clinic's slot) and Time Period
    capacity for `days` days from `start_date`, ordered by doctor, then day."""
    ctx.authorize(Permission.SCHEDULE_READ, entity_type="availability")
    if not 1 <= days <= MAX_DAYS:
        raise InvalidDayCount(max=MAX_DAYS)
    rules = BookingRules.of(ctx.clinic)
    length = appointment_length(duration_minutes) if duration_minutes is not None else rules.slot
    if doctor_id is not None:
        require_doctor(ctx.session, doctor_id)
        doctor_ids = [doctor_id]
    else:
        doctor_ids = active_doctor_ids(ctx.session)
    return compute_availability(ctx.session, rules, ctx.now(), doctor_ids, start_date, days, length)


def compute_availability(
    session: Session,
    rules: BookingRules,
    now: datetime,
    doctor_ids: Sequence[uuid.UUID],
    first_day: date,
    days: int,
    length: timedelta,
) -> list[DayAvailability]:
    last_day = first_day + timedelta(days=days - 1)
    weeks = DoctorWeeks.load(session, rules, doctor_ids, first_day, last_day)
    window_start, window_end = rules.day_bounds(first_day, last_day)

    busy: dict[uuid.UUID, list[Interval]] = defaultdict(list)
    period_bookings: Counter[tuple[uuid.UUID, date, DayPeriod]] = Counter()
    for row in booked_between(session, doctor_ids, window_start, window_end):
        if row.time_assigned:
            busy[row.doctor_id].append((row.starts_at, row.ends_at))
        if row.booking_mode is BookingMode.TIME_PERIOD and row.period is not None:
            period_bookings[(row.doctor_id, row.appointment_date, row.period)] += 1

    earliest = rules.earliest_start(now)
    last_bookable = rules.last_bookable_day(now)
    period_rules = sorted(rules.periods.values(), key=lambda rule: rule.start_minute)
    result: list[DayAvailability] = []
    for doctor_id in doctor_ids:
        taken = merge(busy.get(doctor_id, ()))
        taken_starts = [start for start, _ in taken]
        taken_ends = [end for _, end in taken]
        for offset in range(days):
            day = first_day + timedelta(days=offset)
            windows = weeks.windows(doctor_id, day) if day <= last_bookable else []
            slots = _free_slots(
                doctor_id, windows, taken_starts, taken_ends, rules.slot, length, earliest, rules.tz
            )
            periods = []
            for rule in period_rules:
                start, end = rules.instant(day, rule.start_minute), rules.instant(day, rule.end_minute)
                periods.append(
                    PeriodCapacity(
                        doctor_id=doctor_id,
                        date=day,
                        period=rule.period,
                        starts_at=start,
                        ends_at=end,
                        capacity=rule.capacity,
                        booked=period_bookings[(doctor_id, day, rule.period)],
                        open=end > earliest and fits_in_period(windows, (start, end), length),
                    )
                )
            result.append(DayAvailability(doctor_id, day, tuple(slots), tuple(periods)))
    return result


def _free_slots(
    doctor_id: uuid.UUID,
    windows: list[Interval],
    taken_starts: list[datetime],
    taken_ends: list[datetime],
    step: timedelta,
    length: timedelta,
    earliest: datetime,
    tz: ZoneInfo,
) -> list[FreeSlot]:
    """Starts on the slot grid of each window (anchored at the window's start) where `length`
    fits before the window ends, at or after `earliest`, and clear of the taken intervals
    (sorted and disjoint, so their ends are sorted too)."""
    slots: list[FreeSlot] = []
    taken_count = len(taken_starts)
    for window_start, window_end in windows:
        start = window_start
        if start < earliest:
            start = window_start + _steps_to_cover(earliest - window_start, step) * step
        i = bisect_right(taken_ends, start)
        while start + length <= window_end:
            while i < taken_count and taken_ends[i] <= start:
                i += 1
            if i < taken_count and taken_starts[i] < start + length:
                start = window_start + _steps_to_cover(taken_ends[i] - window_start, step) * step
                continue
            end = start + length
            slots.append(FreeSlot(doctor_id, start, end, start.astimezone(tz), end.astimezone(tz)))
            start += step
    return slots


def _steps_to_cover(span: timedelta, step: timedelta) -> int:
    return -(-span // step)


def nearest_free_slots(
    session: Session,
    rules: BookingRules,
    now: datetime,
    doctor_id: uuid.UUID,
    near: datetime,
    length: timedelta,
    *,
    same_doctor: int = 3,
    other_doctors: int = 3,
) -> list[FreeSlot]:
    """Alternatives to a taken time: the doctor's nearest free starts, then other doctors' nearest."""
    first_day = max(rules.local_day(near), rules.local_day(now))
    doctor_ids = _doctors_with(session, doctor_id)
    slots = [
        slot
        for day in compute_availability(session, rules, now, doctor_ids, first_day, ALTERNATIVE_DAYS, length)
        for slot in day.slots
    ]

    def distance(slot: FreeSlot) -> tuple[timedelta, datetime]:
        return abs(slot.starts_at - near), slot.starts_at

    mine = sorted((slot for slot in slots if slot.doctor_id == doctor_id), key=distance)[:same_doctor]
    others = sorted((slot for slot in slots if slot.doctor_id != doctor_id), key=distance)[:other_doctors]
    return mine + others


def open_periods_near(
    session: Session,
    rules: BookingRules,
    now: datetime,
    doctor_id: uuid.UUID,
    day: date,
    period: DayPeriod,
    length: timedelta,
    *,
    same_doctor: int = 3,
    other_doctors: int = 3,
) -> list[PeriodCapacity]:
    """Alternatives to a full period: the doctor's nearest periods with room, then other doctors'."""
    first_day = max(day, rules.local_day(now))
    doctor_ids = _doctors_with(session, doctor_id)
    wanted = rules.period_window(day, period)
    near = wanted[0] if wanted is not None else rules.instant(day, 0)
    options = [
        capacity
        for availability_day in compute_availability(
            session, rules, now, doctor_ids, first_day, ALTERNATIVE_DAYS, length
        )
        for capacity in availability_day.periods
        if capacity.bookable
    ]

    def distance(option: PeriodCapacity) -> tuple[timedelta, datetime]:
        return abs(option.starts_at - near), option.starts_at

    mine = sorted((o for o in options if o.doctor_id == doctor_id), key=distance)[:same_doctor]
    others = sorted((o for o in options if o.doctor_id != doctor_id), key=distance)[:other_doctors]
    return mine + others


def _doctors_with(session: Session, doctor_id: uuid.UUID) -> list[uuid.UUID]:
    doctor_ids = active_doctor_ids(session)
    return doctor_ids if doctor_id in doctor_ids else [doctor_id, *doctor_ids]
