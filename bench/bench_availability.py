"""Bi-weekly availability of every doctor (10 in the benchmark clinic), as the booking screen asks for it.

Service: `availability(ctx, today, days=14)` in its own `db.context` (a receptionist), end to end.
Baseline: the same five SELECTs through sqlite3 on the same file (clinic settings, active doctors,
their weekly blocks, their days off, the active appointments in the window), then the same
computation written plainly: each doctor's bookable windows per day (work blocks within opening
hours, minus breaks, none on a day off) walked on the clinic's slot grid past the taken times,
each free slot with its UTC and wall-clock start and end, and each Time Period's bookings and
whether it is open. The two answers are compared once, outside the timing.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections import defaultdict
from collections.abc import Iterable
from contextlib import closing
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from bench.dataset import Dataset, raw_connection
from bench.timing import GcPauses, Result, Row, Target, breakdown, gc_note, measure_pair
from common.scheduling.availability import availability
from common.scheduling.slots import DayAvailability
from common.staff.models import Role

DAYS: Final = 14
TARGET: Final = Target(p95_ms=50, max_ratio=3)
ACTIVE_STATUSES: Final = ("Checked-in", "Confirmed", "In-progress", "Scheduled")

Span = tuple[int, int]  # minutes after local midnight
Instants = tuple[datetime, datetime]
# (doctor id hex, start, end, local start, local end)
SlotRow = tuple[str, datetime, datetime, datetime, datetime]
# (period, start, end, capacity, booked, open)
PeriodRow = tuple[str, datetime, datetime, int, int, bool]
DayRow = tuple[str, date, list[SlotRow], list[PeriodRow]]


def run(dataset: Dataset, *, repetitions: int = 200, warmup: int = 10) -> Result:
    engine = dataset.engine()
    try:
        db = dataset.database(engine)
        actor = dataset.actor(engine, Role.RECEPTIONIST)
        today = dataset.local_today(engine)

        def service() -> list[DayAvailability]:
            with db.context(dataset.clinic_id, actor) as ctx:
                return availability(ctx, today, days=DAYS)

        with closing(raw_connection(dataset.path)) as connection:

            def baseline() -> list[DayRow]:
                return baseline_availability(connection, dataset.clinic_id, dataset.spec.now, today, DAYS)

            served, plain = service(), baseline()
            with GcPauses() as pauses:
                service_samples, baseline_samples = measure_pair(service, baseline, repetitions, warmup)
        in_context, _unaudited = breakdown(
            db,
            dataset.clinic_id,
            actor,
            [lambda ctx: availability(ctx, today, days=DAYS)] * repetitions,
            warmup,
        )
    finally:
        engine.dispose()

    doctors = len({day.doctor_id for day in served})
    slots = sum(len(day.slots) for day in served)
    return Result(
        name="availability",
        scenario=(
            f"{doctors} doctors x {DAYS} days from {today} ({slots:,} free slots), "
            f"{dataset.counts['appointments']:,} appointments in the database"
        ),
        service=Row("service: db.context + availability()", service_samples),
        baseline=Row("baseline: sqlite3 + plain slot walk", baseline_samples),
        baseline_includes=(
            "the same 5 SELECTs (clinic, doctors, weekly blocks, days off, active appointments in the "
            "window) via sqlite3 in one read transaction, and the same free-slot and Time Period "
            "computation in plain Python (UTC and wall-clock times per slot)"
        ),
        target=TARGET,
        details=(Row("service: availability() alone, in an open context (no commit)", in_context),),
        notes=(
            "availability reads no patient data, so it writes no audit row; its commit ends a read",
            gc_note(pauses),
        ),
        same_answer=_fingerprint(served) == _baseline_fingerprint(plain),
    )


# -- the baseline --------------------------------------------------------------------------------


def _sql_instant(value: datetime) -> str:
    """An instant as the product stores it in SQLite: naive UTC text."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _minutes(clock: str) -> int:
    """'HH:MM[:SS...]' -> minutes after midnight ('24:00' is the end of the day)."""
    return int(clock[:2]) * 60 + int(clock[3:5])


def _at(zone: ZoneInfo, day: date, minute: int) -> datetime:
    extra, minute = divmod(minute, 24 * 60)
    local = datetime.combine(day + timedelta(days=extra), time(minute // 60, minute % 60), tzinfo=zone)
    return local.astimezone(UTC)


def _union(spans: Iterable[Span]) -> list[Span]:
    out: list[Span] = []
    for start, end in sorted(s for s in spans if s[0] < s[1]):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _bookable(work: list[Span], open_hours: list[Span], breaks: list[Span]) -> list[Span]:
    """(work within opening hours) minus breaks, in minutes of the day."""
    inside = [
        (max(ws, os_), min(we, oe)) for ws, we in work for os_, oe in open_hours if max(ws, os_) < min(we, oe)
    ]
    result: list[Span] = []
    for start, end in _union(inside):
        cursor = start
        for bs, be in breaks:
            if be <= cursor or bs >= end:
                continue
            if bs > cursor:
                result.append((cursor, bs))
            cursor = max(cursor, be)
        if cursor < end:
            result.append((cursor, end))
    return result


def _hours(raw: dict[str, Any]) -> dict[int, list[Span]]:
    hours: dict[int, list[Span]] = {}
    for weekday, value in raw.items():
        if not value:
            continue
        ranges = value if isinstance(value[0], list) else [value]
        hours[int(weekday)] = _union((_minutes(a), _minutes(b)) for a, b in ranges)
    return hours


def baseline_availability(
    connection: sqlite3.Connection, clinic_id: uuid.UUID, now: datetime, first_day: date, days: int
) -> list[DayRow]:
    clinic = clinic_id.hex
    connection.execute("BEGIN")
    try:
        zone_name, slot_minutes, lead, advance, hours_json, periods_json = connection.execute(
            "SELECT timezone, slot_minutes, booking_min_lead_minutes, booking_max_advance_days, "
            "business_hours, time_periods FROM clinics WHERE id = ? AND deleted_at IS NULL",
            (clinic,),
        ).fetchone()
        doctors = [
            row[0]
            for row in connection.execute(
                "SELECT id FROM staff_users WHERE clinic_id = ? AND deleted_at IS NULL "
                "AND role = 'Doctor' AND is_active = 1 ORDER BY last_name, first_name, id",
                (clinic,),
            )
        ]
        marks = ",".join("?" * len(doctors))
        zone = ZoneInfo(zone_name)
        last_day = first_day + timedelta(days=days - 1)
        window_start, window_end = _at(zone, first_day, 0), _at(zone, last_day, 24 * 60)
        blocks = connection.execute(
            "SELECT doctor_id, weekday, start_time, end_time, kind, valid_from, valid_until "
            f"FROM doctor_schedules WHERE clinic_id = ? AND deleted_at IS NULL AND doctor_id IN ({marks})",
            (clinic, *doctors),
        ).fetchall()
        days_off = connection.execute(
            "SELECT doctor_id, start_date, end_date FROM doctor_time_off WHERE clinic_id = ? "
            f"AND deleted_at IS NULL AND doctor_id IN ({marks}) AND start_date <= ? AND end_date >= ?",
            (clinic, *doctors, last_day.isoformat(), first_day.isoformat()),
        ).fetchall()
        booked = connection.execute(
            "SELECT doctor_id, starts_at, ends_at, time_assigned, booking_mode, period, appointment_date "
            f"FROM appointments WHERE clinic_id = ? AND deleted_at IS NULL AND doctor_id IN ({marks}) "
            "AND starts_at >= ? AND starts_at < ? AND ends_at > ? "
            f"AND status IN ({','.join('?' * len(ACTIVE_STATUSES))})",
            (
                clinic,
                *doctors,
                _sql_instant(window_start - timedelta(days=1)),
                _sql_instant(window_end),
                _sql_instant(window_start),
                *ACTIVE_STATUSES,
            ),
        ).fetchall()
    finally:
        connection.execute("COMMIT")

    step = timedelta(minutes=slot_minutes)
    earliest = now + timedelta(minutes=max(0, lead))
    last_bookable = now.astimezone(zone).date() + timedelta(days=max(0, advance))
    business_hours = _hours(json.loads(hours_json) or {})
    periods = sorted(
        ((_minutes(p["start"]), _minutes(p["end"]), name, int(p.get("capacity", 0)))
         for name, p in (json.loads(periods_json) or {}).items()),
    )  # fmt: skip

    weekly: dict[tuple[str, int], list[tuple[int, int, str, date | None, date | None]]] = defaultdict(list)
    for doctor, weekday, start, end, kind, valid_from, valid_until in blocks:
        weekly[(doctor, weekday)].append(
            (
                _minutes(start),
                _minutes(end),
                kind,
                date.fromisoformat(valid_from) if valid_from else None,
                date.fromisoformat(valid_until) if valid_until else None,
            )
        )
    off: dict[str, list[tuple[date, date]]] = defaultdict(list)
    for doctor, start, end in days_off:
        off[doctor].append((date.fromisoformat(start), date.fromisoformat(end)))
    taken: dict[str, list[Instants]] = defaultdict(list)
    in_period: dict[tuple[str, str, str], int] = defaultdict(int)
    for doctor, starts_at, ends_at, time_assigned, mode, period, day_text in booked:
        if time_assigned:
            taken[doctor].append((_instant(starts_at), _instant(ends_at)))
        if mode == "Time Period" and period is not None:
            in_period[(doctor, day_text, period)] += 1

    result: list[DayRow] = []
    for doctor in doctors:
        busy = sorted(taken[doctor])
        for offset in range(days):
            day = first_day + timedelta(days=offset)
            windows: list[Instants] = []
            if day <= last_bookable and not any(a <= day <= b for a, b in off[doctor]):
                day_blocks = [
                    b
                    for b in weekly[(doctor, day.isoweekday())]
                    if (b[3] is None or b[3] <= day) and (b[4] is None or day <= b[4])
                ]
                work = _union((s, e) for s, e, kind, _, _ in day_blocks if kind == "work")
                breaks = _union((s, e) for s, e, kind, _, _ in day_blocks if kind == "break")
                spans = _bookable(work, business_hours.get(day.isoweekday(), []), breaks) if work else []
                windows = [(_at(zone, day, s), _at(zone, day, e)) for s, e in spans]
            slots = _free_slots(doctor, windows, busy, step, step, earliest, zone)
            day_periods: list[PeriodRow] = []
            for start_minute, end_minute, name, capacity in periods:
                start, end = _at(zone, day, start_minute), _at(zone, day, end_minute)
                room = any(min(we, end) - max(ws, start) >= step for ws, we in windows)
                count = in_period[(doctor, day.isoformat(), name)]
                day_periods.append((name, start, end, capacity, count, end > earliest and room))
            result.append((doctor, day, slots, day_periods))
    return result


def _free_slots(
    doctor: str,
    windows: list[Instants],
    busy: list[Instants],
    step: timedelta,
    length: timedelta,
    earliest: datetime,
    zone: ZoneInfo,
) -> list[SlotRow]:
    """Grid starts in each window, at or after `earliest`, where [start, start + length) is clear."""
    slots: list[SlotRow] = []
    for window_start, window_end in windows:
        start = window_start
        while start < earliest:
            start += step
        i = 0
        while start + length <= window_end:
            end = start + length
            while i < len(busy) and busy[i][1] <= start:
                i += 1
            # Busy times are sorted by start; those before i ended before this start.
            clash = False
            j = i
            while j < len(busy) and busy[j][0] < end:
                if busy[j][1] > start:
                    clash = True
                    break
                j += 1
            if not clash:
                slots.append((doctor, start, end, start.astimezone(zone), end.astimezone(zone)))
            start += step
    return slots


# -- comparing the answers ----------------------------------------------------------------------


def _fingerprint(days: list[DayAvailability]) -> tuple[Any, ...]:
    return tuple(
        (
            day.doctor_id.hex,
            day.date,
            tuple((s.starts_at, s.ends_at, s.local_start) for s in day.slots),
            tuple((str(p.period), p.starts_at, p.capacity, p.booked, p.open) for p in day.periods),
        )
        for day in days
    )


def _baseline_fingerprint(days: list[DayRow]) -> tuple[Any, ...]:
    return tuple(
        (
            doctor,
            day,
            tuple((s[1], s[2], s[3]) for s in slots),
            tuple((p[0], p[1], p[3], p[4], p[5]) for p in periods),
        )
        for doctor, day, slots, periods in days
    )
