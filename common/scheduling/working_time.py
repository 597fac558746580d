"""When doctors work: weekly blocks, breaks and days off, loaded once for a set of doctors and days.

A doctor's bookable windows on a day are (work blocks ∩ clinic opening hours) − breaks, or nothing
on a day off. Everything is computed as UTC intervals, from the clinic's wall clock of that day.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.scheduling.clinic_rules import BookingRules
from common.scheduling.intervals import Interval, intersect, merge, subtract
from common.scheduling.models import DoctorSchedule, DoctorTimeOff, ScheduleBlockKind


@dataclass(frozen=True, slots=True)
class _Block:
    start_minute: int
    end_minute: int
    kind: ScheduleBlockKind
    valid_from: date | None
    valid_until: date | None

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )


def minute_of(value: object) -> int:
    hour, minute = getattr(value, "hour", 0), getattr(value, "minute", 0)
    return int(hour) * 60 + int(minute)


# In session.info: a dict, for a session that holds the clinic's change number to its end (a push
# chunk), so no one else can change a schedule meanwhile; it keeps each doctor's blocks and days
# off as first read, for every booking of the session. Whoever sets it clears it when the session
# writes a schedule or a day off.
HELD_DOCTOR_WEEKS: Final = "held_doctor_weeks"

# A doctor's weekly blocks (weekday, block) and days off (first, last day).
_DoctorRows = tuple[list[tuple[int, _Block]], list[tuple[date, date]]]


def _read(
    session: Session, doctor_ids: Sequence[uuid.UUID], first: date | None, last: date | None
) -> dict[uuid.UUID, _DoctorRows]:
    """The doctors' blocks and their days off that meet [first, last] (all of them without bounds)."""
    rows: dict[uuid.UUID, _DoctorRows] = {doctor_id: ([], []) for doctor_id in doctor_ids}
    blocks = session.execute(
        select(
            DoctorSchedule.doctor_id,
            DoctorSchedule.weekday,
            DoctorSchedule.start_time,
            DoctorSchedule.end_time,
            DoctorSchedule.kind,
            DoctorSchedule.valid_from,
            DoctorSchedule.valid_until,
        ).where(DoctorSchedule.doctor_id.in_(doctor_ids))
    )
    for doctor_id, weekday, start, end, kind, valid_from, valid_until in blocks:
        block = _Block(minute_of(start), minute_of(end), kind, valid_from, valid_until)
        rows[doctor_id][0].append((weekday, block))
    days_off = select(DoctorTimeOff.doctor_id, DoctorTimeOff.start_date, DoctorTimeOff.end_date).where(
        DoctorTimeOff.doctor_id.in_(doctor_ids)
    )
    if first is not None and last is not None:
        days_off = days_off.where(DoctorTimeOff.start_date <= last, DoctorTimeOff.end_date >= first)
    for doctor_id, start_date, end_date in session.execute(days_off):
        rows[doctor_id][1].append((start_date, end_date))
    return rows


class DoctorWeeks:
    """Schedules and days off of some doctors over some days, from two queries."""

    def __init__(self, rules: BookingRules) -> None:
        self.rules = rules
        self._blocks: dict[tuple[uuid.UUID, int], list[_Block]] = defaultdict(list)
        self._time_off: dict[uuid.UUID, list[tuple[date, date]]] = defaultdict(list)
        # Doctors often share a week: windows are computed once per (blocks of the day, day).
        self._windows: dict[tuple[tuple[_Block, ...], date], list[Interval]] = {}

    @classmethod
    def load(
        cls, session: Session, rules: BookingRules, doctor_ids: Sequence[uuid.UUID], first: date, last: date
    ) -> DoctorWeeks:
        weeks = cls(rules)
        if not doctor_ids:
            return weeks
        held: dict[uuid.UUID, _DoctorRows] | None = session.info.get(HELD_DOCTOR_WEEKS)
        if held is None:
            rows = _read(session, doctor_ids, first, last)
        else:
            missing = [doctor_id for doctor_id in doctor_ids if doctor_id not in held]
            if missing:
                held.update(_read(session, missing, None, None))
            rows = {doctor_id: held[doctor_id] for doctor_id in doctor_ids}
        for doctor_id, (blocks, days_off) in rows.items():
            for weekday, block in blocks:
                weeks._blocks[(doctor_id, weekday)].append(block)
            weeks._time_off[doctor_id].extend(
                (start, end) for start, end in days_off if start <= last and end >= first
            )
        return weeks

    def is_off(self, doctor_id: uuid.UUID, day: date) -> bool:
        return any(start <= day <= end for start, end in self._time_off.get(doctor_id, ()))

    def windows(self, doctor_id: uuid.UUID, day: date) -> list[Interval]:
        """The doctor's bookable time on `day`, ignoring appointments: sorted, disjoint UTC intervals."""
        if self.is_off(doctor_id, day):
            return []
        blocks = tuple(
            block for block in self._blocks.get((doctor_id, day.isoweekday()), ()) if block.valid_on(day)
        )
        key = (blocks, day)
        if key not in self._windows:
            self._windows[key] = self._compute_windows(blocks, day)
        return self._windows[key]

    def _compute_windows(self, blocks: tuple[_Block, ...], day: date) -> list[Interval]:
        instant = self.rules.instant

        def intervals(kind: ScheduleBlockKind) -> list[Interval]:
            return merge(
                (instant(day, block.start_minute), instant(day, block.end_minute))
                for block in blocks
                if block.kind is kind
            )

        work = intervals(ScheduleBlockKind.WORK)
        if not work:
            return []
        open_hours = merge(self.rules.open_hours(day))
        return subtract(intersect(work, open_hours), intervals(ScheduleBlockKind.BREAK))


def fits_in_period(windows: list[Interval], period_window: Interval, length: timedelta) -> bool:
    """Whether the doctor has `length` of unbroken bookable time inside the period's window."""
    return any(end - start >= length for start, end in intersect(windows, [period_window]))
