"""What availability answers with: free slots and Time Period capacity (no personal data)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from common.scheduling.models import DayPeriod


class FreeSlot(NamedTuple):
    """A bookable start for one doctor: instants in UTC, wall clock in the clinic's zone.

    A named tuple rather than a dataclass: availability makes thousands per call.
    """

    doctor_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    local_start: datetime
    local_end: datetime

    @property
    def local_date(self) -> date:
        return self.local_start.date()


@dataclass(frozen=True, slots=True)
class PeriodCapacity:
    """One Time Period window of one doctor's day and how many bookings it still takes."""

    doctor_id: uuid.UUID
    date: date
    period: DayPeriod
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int
    # The doctor works in the window and it is neither over (or too soon) nor too far ahead.
    open: bool

    @property
    def remaining(self) -> int:
        return max(0, self.capacity - self.booked)

    @property
    def bookable(self) -> bool:
        return self.open and self.remaining > 0


@dataclass(frozen=True, slots=True)
class DayAvailability:
    doctor_id: uuid.UUID
    date: date
    slots: tuple[FreeSlot, ...]
    periods: tuple[PeriodCapacity, ...]
