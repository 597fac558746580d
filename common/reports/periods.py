"""Calendar buckets in the clinic's time: days, ISO weeks (from Monday) and months.

Dates stored as the clinic's wall-clock date (appointment, treatment and payment dates) are
grouped by SQL per day and folded into weeks and months here, which is the same on SQLite and
PostgreSQL; instants (created_at, check-in times) are turned into the clinic's dates first.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from common.reports.model import Granularity, ReportRange, ValueKind

PERIOD_KIND = {
    Granularity.DAY: ValueKind.DAY,
    Granularity.WEEK: ValueKind.WEEK,
    Granularity.MONTH: ValueKind.MONTH,
}


def bucket(day: date, granularity: Granularity) -> date:
    """The first day of the period holding `day`."""
    if granularity is Granularity.DAY:
        return day
    if granularity is Granularity.WEEK:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def buckets(period: ReportRange, granularity: Granularity) -> list[date]:
    """Every period that overlaps the range, in order (empty ones included: a chart shows gaps)."""
    found: list[date] = []
    for day in days(period):
        start = bucket(day, granularity)
        if not found or found[-1] != start:
            found.append(start)
    return found


def days(period: ReportRange) -> Iterator[date]:
    day = period.first
    while day <= period.last:
        yield day
        day += timedelta(days=1)


def month_end(month_start: date) -> date:
    following = (month_start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def instant_bounds(period: ReportRange, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants where the range's first day starts and the day after its last starts."""
    return day_start(period.first, zone), day_start(period.end, zone)


def day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()
