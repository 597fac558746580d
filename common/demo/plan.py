"""Where the demo's appointments go: each doctor's days filled slot by slot, never overlapping.

A doctor-day is walked from the start of each working block (the week's hours minus its breaks)
in 15-minute steps; at each step an appointment is placed with probability `p`, and the walk
jumps past it. Fill fraction f relates to p by f = p*k / (p*k + 1 - p), with k the mean
duration in steps, which is how a wanted number of appointments becomes a `p`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from common.demo.reference import CatalogSpec, Week
from common.demo.seeded import DemoRandom, WeightedPicker

STEP = 15


@dataclass(frozen=True)
class DoctorPlan:
    index: int
    week: Week
    days_off: frozenset[date] = frozenset()

    def blocks(self, day: date) -> list[tuple[int, int]]:
        """Working minutes of `day` (minutes after midnight, wall clock), breaks removed."""
        if day in self.days_off:
            return []
        hours = self.week.hours.get(day.isoweekday())
        if hours is None:
            return []
        start, end = minutes(hours[0]), minutes(hours[1])
        pause = self.week.breaks.get(day.isoweekday())
        if pause is None:
            return [(start, end)]
        pause_start, pause_end = minutes(pause[0]), minutes(pause[1])
        return [(a, b) for a, b in ((start, pause_start), (pause_end, end)) if b > a]


@dataclass
class Slot:
    doctor: int
    item: int
    day: date
    start: int  # minutes after midnight, wall clock
    end: int
    patient: int = -1


def minutes(hhmm: str) -> int:
    hours, mins = hhmm.split(":")
    return int(hours) * 60 + int(mins)


def mean_steps(catalog: Sequence[CatalogSpec]) -> float:
    total_weight = sum(item.weight for item in catalog)
    return sum(item.weight * item.duration for item in catalog) / total_weight / STEP


def placement_probability(fill: float, catalog: Sequence[CatalogSpec]) -> float:
    fill = min(max(fill, 0.0), 0.95)
    k = mean_steps(catalog)
    return fill / (k * (1 - fill) + fill)


def working_minutes(doctors: Sequence[DoctorPlan], first: date, last: date) -> int:
    total, day = 0, first
    while day <= last:
        total += sum(end - start for doctor in doctors for start, end in doctor.blocks(day))
        day += timedelta(days=1)
    return total


class Planner:
    def __init__(self, rng: DemoRandom, catalog: Sequence[CatalogSpec]) -> None:
        self.rng = rng
        self.catalog = catalog
        self._durations = [item.duration for item in catalog]
        self._picker = WeightedPicker([item.weight for item in catalog])

    def fill_day(self, doctor: DoctorPlan, day: date, p: float) -> list[Slot]:
        slots: list[Slot] = []
        rng = self.rng
        for start, end in doctor.blocks(day):
            cursor = start
            while cursor + STEP <= end:
                if rng.random() >= p:
                    cursor += STEP
                    continue
                item = self._picker.index(rng)
                finish = cursor + self._durations[item]
                if finish > end:
                    cursor += STEP
                    continue
                slots.append(Slot(doctor.index, item, day, cursor, finish))
                cursor = finish
        return slots
