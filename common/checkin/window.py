"""The clinic's check-in window: from `check_in_early_minutes` before an appointment to
`check_in_late_minutes` after its start (a Time Period booking: until its period ends)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from common.clinics.models import Clinic
from common.scheduling.models import Appointment


class Timing(StrEnum):
    OPEN = "open"
    EARLY = "early"
    LATE = "late"


@dataclass(frozen=True)
class CheckInWindow:
    early: timedelta
    late: timedelta

    @classmethod
    def of(cls, clinic: Clinic) -> CheckInWindow:
        return cls(
            early=timedelta(minutes=max(0, clinic.check_in_early_minutes)),
            late=timedelta(minutes=max(0, clinic.check_in_late_minutes)),
        )

    def opens_at(self, appointment: Appointment) -> datetime:
        return appointment.starts_at - self.early

    def closes_at(self, appointment: Appointment) -> datetime:
        if not appointment.time_assigned:  # a Time Period booking: any time within its period
            return appointment.ends_at
        return appointment.starts_at + self.late

    def timing(self, appointment: Appointment, now: datetime) -> Timing:
        if now < self.opens_at(appointment):
            return Timing.EARLY
        if now > self.closes_at(appointment):
            return Timing.LATE
        return Timing.OPEN

    def distance(self, appointment: Appointment, now: datetime) -> timedelta:
        """How far `now` is outside the window (zero inside): picks the likeliest of several."""
        opens, closes = self.opens_at(appointment), self.closes_at(appointment)
        if now < opens:
            return opens - now
        if now > closes:
            return now - closes
        return timedelta(0)
