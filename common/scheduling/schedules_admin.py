"""Settings of the calendar, as the Settings screen edits them: the booking rules the scheduling
services read from the clinic, each doctor's week as one plan per weekday, and days off.

Rows a device creates (schedule blocks, days off) carry ids made on that device, so the server
makes the same rows when it runs the same change (the sync intents pass the ids along).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time
from itertools import pairwise
from typing import Any, Final

from sqlalchemy import select

from common.access.permissions import Permission
from common.clinics.service import SettingInvalid, parse_clock, whole_number
from common.context import ServiceContext
from common.i18n import N_
from common.ids import new_id
from common.scheduling.doctors import require_doctor
from common.scheduling.models import DayPeriod, DoctorSchedule, DoctorTimeOff, ScheduleBlockKind
from common.scheduling.schedules import MAX_REASON_LENGTH, time_off

MAX_LEAD_MINUTES: Final = 7 * 24 * 60
MAX_ADVANCE_DAYS: Final = 730
MAX_NO_SHOW_MINUTES: Final = 24 * 60
MAX_OFFER_HOURS: Final = 7 * 24
MAX_PERIOD_CAPACITY: Final = 200
MAX_DAY_OFF_SPAN: Final = 366


# ---- booking rules ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodSetting:
    start: str  # "HH:MM"
    end: str
    capacity: int


@dataclass(frozen=True)
class BookingSettings:
    slot_minutes: int
    booking_min_lead_minutes: int
    booking_max_advance_days: int
    no_show_after_minutes: int
    waitlist_offer_hours: int
    periods: Mapping[DayPeriod, PeriodSetting]


# field -> (lowest, highest) of the whole-number rules
NUMBER_RULES: Final[dict[str, tuple[int, int]]] = {
    "slot_minutes": (5, 240),
    "booking_min_lead_minutes": (0, MAX_LEAD_MINUTES),
    "booking_max_advance_days": (1, MAX_ADVANCE_DAYS),
    "no_show_after_minutes": (5, MAX_NO_SHOW_MINUTES),
    "waitlist_offer_hours": (1, MAX_OFFER_HOURS),
}


def booking_settings(ctx: ServiceContext) -> BookingSettings:
    ctx.authorize(Permission.SCHEDULE_READ, entity_type="clinic", entity_id=ctx.clinic_id)
    clinic = ctx.clinic
    periods: dict[DayPeriod, PeriodSetting] = {}
    known = {period.value for period in DayPeriod}
    for key, value in (clinic.time_periods or {}).items():
        if key in known and isinstance(value, Mapping):
            periods[DayPeriod(key)] = PeriodSetting(
                str(value.get("start", "")), str(value.get("end", "")), int(value.get("capacity", 0))
            )
    return BookingSettings(
        slot_minutes=clinic.slot_minutes,
        booking_min_lead_minutes=clinic.booking_min_lead_minutes,
        booking_max_advance_days=clinic.booking_max_advance_days,
        no_show_after_minutes=clinic.no_show_after_minutes,
        waitlist_offer_hours=clinic.waitlist_offer_hours,
        periods={period: periods[period] for period in DayPeriod if period in periods},
    )


def update_booking_rules(ctx: ServiceContext, changes: Mapping[str, Any]) -> BookingSettings:
    """Change some booking rules. `periods` maps the periods that change ("morning", ...) to
    {"start": "HH:MM", "end": "HH:MM", "capacity": n}; the others stay as they are."""
    ctx.authorize(Permission.SCHEDULE_MANAGE, entity_type="clinic", entity_id=ctx.clinic_id)
    unknown = set(changes) - {*NUMBER_RULES, "periods"}
    if unknown:
        raise SettingInvalid(sorted(unknown)[0], N_("This setting cannot be changed here."))
    clinic = ctx.clinic
    changed: list[str] = []
    for name, (low, high) in NUMBER_RULES.items():
        if name in changes:
            value = whole_number(changes[name], name, low, high)
            if getattr(clinic, name) != value:
                setattr(clinic, name, value)
                changed.append(name)
    if "periods" in changes:
        periods = _merged_periods(clinic.time_periods, changes["periods"])
        if periods != clinic.time_periods:
            clinic.time_periods = periods
            changed.append("time_periods")
    if changed:
        ctx.session.flush()
    ctx.audit("clinic.booking_rules", "clinic", ctx.clinic_id, changed_fields=changed)
    return booking_settings(ctx)


def _merged_periods(current: Mapping[str, Any] | None, changes: object) -> dict[str, Any]:
    if not isinstance(changes, Mapping):
        raise SettingInvalid("periods", N_("Give the start, end and capacity of each period."))
    merged = {str(key): dict(value) for key, value in (current or {}).items() if isinstance(value, Mapping)}
    for key, value in changes.items():
        try:
            period = DayPeriod(str(key))
        except ValueError:
            raise SettingInvalid("periods", N_("Give the start, end and capacity of each period.")) from None
        field = f"periods.{period.value}"
        if not isinstance(value, Mapping):
            raise SettingInvalid(field, N_("Give the start, end and capacity of each period."))
        start, end = parse_clock(value.get("start"), field), parse_clock(value.get("end"), field)
        if end <= start:
            raise SettingInvalid(field, N_("The end must be after the start."))
        capacity = whole_number(value.get("capacity"), field, 0, MAX_PERIOD_CAPACITY)
        merged[period.value] = {"start": start, "end": end, "capacity": capacity}
    spans = sorted((period["start"], period["end"], key) for key, period in merged.items())
    for (_start, end, _key), (next_start, _end, next_key) in pairwise(spans):
        if next_start < end:
            raise SettingInvalid(f"periods.{next_key}", N_("Periods must not overlap."))
    return {period.value: merged[period.value] for period in DayPeriod if period.value in merged}


# ---- doctors' weeks -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayPlan:
    """One weekday of a doctor: working from `start` to `end`, with breaks inside."""

    start: time
    end: time
    breaks: tuple[tuple[time, time], ...] = ()


@dataclass(frozen=True)
class DayOff:
    id: uuid.UUID
    start_date: date
    end_date: date
    reason: str | None


@dataclass(frozen=True)
class DoctorWeek:
    doctor_id: uuid.UUID
    days: Mapping[int, DayPlan]  # ISO weekday -> plan; a weekday that is absent is not worked
    dated_blocks: int  # blocks limited to some dates (kept as they are by this screen)
    days_off: tuple[DayOff, ...]


def doctor_week(ctx: ServiceContext, doctor_id: uuid.UUID, *, days_off_from: date) -> DoctorWeek:
    """The doctor's week as one plan per weekday, and their days off ending on or after a day."""
    ctx.authorize(Permission.SCHEDULE_READ, entity_type="doctor_schedule", entity_id=doctor_id)
    require_doctor(ctx.session, doctor_id)
    rows = _blocks(ctx, doctor_id)
    undated = [row for row in rows if row.valid_from is None and row.valid_until is None]
    days: dict[int, DayPlan] = {}
    for weekday in range(1, 8):
        plan = _plan_of([row for row in undated if row.weekday == weekday])
        if plan is not None:
            days[weekday] = plan
    off = tuple(
        DayOff(row.id, row.start_date, row.end_date, row.reason)
        for row in time_off(ctx, doctor_id, from_date=days_off_from)
    )
    return DoctorWeek(doctor_id, days, len(rows) - len(undated), off)


def set_doctor_week(
    ctx: ServiceContext,
    doctor_id: uuid.UUID,
    days: Mapping[int, DayPlan | None],
    *,
    new_ids: Sequence[uuid.UUID] | None = None,
) -> list[uuid.UUID]:
    """Replace the weekdays in `days` (None: not working that day); other weekdays, and blocks
    limited to dates, stay as they are. Returns the ids of the blocks it created, in order (the
    sync intent passes them on as `new_ids`, so the server's blocks are the same rows)."""
    ctx.authorize(Permission.SCHEDULE_MANAGE, entity_type="doctor_schedule", entity_id=doctor_id)
    require_doctor(ctx.session, doctor_id)
    wanted: list[tuple[int, ScheduleBlockKind, time, time]] = []
    for weekday, plan in sorted(days.items()):
        if not 1 <= weekday <= 7:
            raise SettingInvalid("days", N_("The weekday must be between 1 (Monday) and 7 (Sunday)."))
        if plan is not None:
            wanted.extend(_blocks_of(weekday, plan))
    ids = iter(new_ids or ())
    current = [
        row
        for row in _blocks(ctx, doctor_id)
        if row.weekday in days and row.valid_from is None and row.valid_until is None
    ]
    remaining = list(wanted)
    now = ctx.now()
    for row in current:
        key = (row.weekday, row.kind, row.start_time, row.end_time)
        if key in remaining:
            remaining.remove(key)
        else:
            row.deleted_at = now
    created: list[uuid.UUID] = []
    for weekday, kind, start, end in remaining:
        row = DoctorSchedule(
            id=_next_id(ids),
            clinic_id=ctx.clinic_id,
            doctor_id=doctor_id,
            weekday=weekday,
            start_time=start,
            end_time=end,
            kind=kind,
        )
        ctx.session.add(row)
        created.append(row.id)
    ctx.session.flush()
    ctx.audit("schedule.set", "doctor_schedule", doctor_id, changed_fields=["weekly_schedule"])
    return created


def add_days_off(
    ctx: ServiceContext,
    doctor_id: uuid.UUID,
    start_date: date,
    end_date: date | None = None,
    reason: str | None = None,
    *,
    time_off_id: uuid.UUID | None = None,
) -> DayOff:
    """Days (inclusive) the doctor does not work; their appointments stay, to be moved by staff.
    Days already off are refused, so a list of days off never holds the same day twice."""
    ctx.authorize(Permission.SCHEDULE_MANAGE, entity_type="doctor_time_off", entity_id=doctor_id)
    require_doctor(ctx.session, doctor_id)
    end = end_date or start_date
    if end < start_date:
        raise SettingInvalid("end_date", N_("The last day must not be before the first day."))
    if (end - start_date).days >= MAX_DAY_OFF_SPAN:
        raise SettingInvalid("end_date", N_("Add at most %(days)s days off at once."), days=MAX_DAY_OFF_SPAN)
    overlapping = ctx.session.scalar(
        select(DoctorTimeOff.id).where(
            DoctorTimeOff.doctor_id == doctor_id,
            DoctorTimeOff.start_date <= end,
            DoctorTimeOff.end_date >= start_date,
        )
    )
    if overlapping is not None:
        raise SettingInvalid("start_date", N_("The doctor is already off on some of these days."))
    row = DoctorTimeOff(
        id=time_off_id or new_id(),
        clinic_id=ctx.clinic_id,
        doctor_id=doctor_id,
        start_date=start_date,
        end_date=end,
        reason=(reason or "").strip()[:MAX_REASON_LENGTH] or None,
    )
    ctx.session.add(row)
    ctx.session.flush()
    ctx.audit("schedule.add_time_off", "doctor_time_off", row.id, changed_fields=["start_date", "end_date"])
    return DayOff(row.id, row.start_date, row.end_date, row.reason)


# ---- helpers ------------------------------------------------------------------------------------------


def _blocks(ctx: ServiceContext, doctor_id: uuid.UUID) -> list[DoctorSchedule]:
    return list(ctx.session.scalars(select(DoctorSchedule).where(DoctorSchedule.doctor_id == doctor_id)))


def _minute(value: time) -> int:
    return value.hour * 60 + value.minute


def _clock(minute: int) -> time:
    return time(minute // 60, minute % 60) if minute < 24 * 60 else time(23, 59)


def _plan_of(rows: Sequence[DoctorSchedule]) -> DayPlan | None:
    """Several working blocks on a day read as one span with the gaps between them as breaks."""
    work = sorted(
        (_minute(r.start_time), _minute(r.end_time)) for r in rows if r.kind is ScheduleBlockKind.WORK
    )
    if not work:
        return None
    gaps = [(end, start) for (_s, end), (start, _e) in pairwise(work) if start > end]
    breaks = [(_minute(r.start_time), _minute(r.end_time)) for r in rows if r.kind is ScheduleBlockKind.BREAK]
    merged = sorted(set(gaps + breaks))
    return DayPlan(
        _clock(work[0][0]),
        _clock(max(end for _start, end in work)),
        tuple((_clock(start), _clock(end)) for start, end in merged),
    )


def _blocks_of(weekday: int, plan: DayPlan) -> Iterator[tuple[int, ScheduleBlockKind, time, time]]:
    field = f"days.{weekday}"
    start, end = plan.start.replace(second=0, microsecond=0), plan.end.replace(second=0, microsecond=0)
    if end <= start:
        raise SettingInvalid(field, N_("The end of the working day must be after its start."))
    yield weekday, ScheduleBlockKind.WORK, start, end
    spans = sorted(
        (b.replace(second=0, microsecond=0), e.replace(second=0, microsecond=0)) for b, e in plan.breaks
    )
    previous_end: time | None = None
    for break_start, break_end in spans:
        if break_end <= break_start:
            raise SettingInvalid(f"breaks.{weekday}", N_("Each break must end after it starts."))
        if break_start < start or break_end > end:
            raise SettingInvalid(f"breaks.{weekday}", N_("Breaks must fall within the working hours."))
        if previous_end is not None and break_start < previous_end:
            raise SettingInvalid(f"breaks.{weekday}", N_("Breaks must not overlap."))
        previous_end = break_end
        yield weekday, ScheduleBlockKind.BREAK, break_start, break_end


def _next_id(ids: Iterator[uuid.UUID]) -> uuid.UUID:
    return next(ids, None) or new_id()
