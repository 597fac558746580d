"""The clinic's booking settings, read once per operation, and its wall clock.

Wall-clock times (business hours, schedules, periods) become instants through the clinic's zone
day by day, so a day that gains or loses an hour (DST) gets exactly the hours that exist on it.
A wall-clock time that does not exist (skipped by a spring-forward) resolves to the instant the
hour before the switch would name (`fold=0`), as zoneinfo does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from common.clinics.models import Clinic
from common.i18n import L_
from common.scheduling.errors import ClinicSettingsInvalid, InvalidDuration
from common.scheduling.intervals import Interval
from common.scheduling.models import DayPeriod

MINUTES_PER_DAY = 24 * 60
# The longest appointment. Bounds the look-back of overlap queries, so they stay index range scans.
MAX_APPOINTMENT_MINUTES = 12 * 60
# No interval kept in `appointments` (an appointment, or a Time Period window) is longer than this.
LONGEST_INTERVAL = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class PeriodRule:
    period: DayPeriod
    start_minute: int
    end_minute: int
    capacity: int


@dataclass(frozen=True)
class BookingRules:
    tz: ZoneInfo
    slot: timedelta
    min_lead: timedelta
    max_advance_days: int
    no_show_after: timedelta
    waitlist_offer_for: timedelta
    # ISO weekday -> opening ranges in minutes after local midnight; a missing day is closed.
    business_hours: Mapping[int, tuple[tuple[int, int], ...]]
    periods: Mapping[DayPeriod, PeriodRule]

    @classmethod
    def of(cls, clinic: Clinic) -> BookingRules:
        if clinic.slot_minutes <= 0:
            raise ClinicSettingsInvalid(setting=L_("appointment slot length"))
        return cls(
            tz=ZoneInfo(clinic.timezone),
            slot=timedelta(minutes=clinic.slot_minutes),
            min_lead=timedelta(minutes=max(0, clinic.booking_min_lead_minutes)),
            max_advance_days=max(0, clinic.booking_max_advance_days),
            no_show_after=timedelta(minutes=max(0, clinic.no_show_after_minutes)),
            waitlist_offer_for=timedelta(hours=max(0, clinic.waitlist_offer_hours)),
            business_hours=_business_hours(clinic.business_hours),
            periods=_periods(clinic.time_periods),
        )

    # -- the wall clock -------------------------------------------------------------------------

    def instant(self, day: date, minute: int) -> datetime:
        """The UTC instant of `minute` minutes after local midnight of `day` (1440 = next midnight)."""
        return _instant(self.tz, day, minute)

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.tz)

    def local_day(self, instant: datetime) -> date:
        return instant.astimezone(self.tz).date()

    def day_bounds(self, first: date, last: date) -> Interval:
        """From local midnight starting `first` to local midnight ending `last`."""
        return self.instant(first, 0), self.instant(last, MINUTES_PER_DAY)

    # -- the booking window ---------------------------------------------------------------------

    def earliest_start(self, now: datetime) -> datetime:
        return now + self.min_lead

    def last_bookable_day(self, now: datetime) -> date:
        return self.local_day(now) + timedelta(days=self.max_advance_days)

    # -- hours and periods ----------------------------------------------------------------------

    def open_hours(self, day: date) -> list[Interval]:
        ranges = self.business_hours.get(day.isoweekday(), ())
        return [(self.instant(day, start), self.instant(day, end)) for start, end in ranges]

    def period_window(self, day: date, period: DayPeriod) -> Interval | None:
        rule = self.periods.get(period)
        if rule is None:
            return None
        return self.instant(day, rule.start_minute), self.instant(day, rule.end_minute)


@lru_cache(maxsize=8192)
def _instant(tz: ZoneInfo, day: date, minute: int) -> datetime:
    # Availability asks for the same few wall-clock times of each day many times over.
    extra_days, minute = divmod(minute, MINUTES_PER_DAY)
    local = datetime.combine(day + timedelta(days=extra_days), time(minute // 60, minute % 60), tzinfo=tz)
    return local.astimezone(UTC)


def parse_clock(value: object, setting: str) -> int:
    """'HH:MM' -> minutes after midnight; '24:00' is the end of the day."""
    if not isinstance(value, str):
        raise ClinicSettingsInvalid(setting=setting)
    hours, _, minutes = value.strip().partition(":")
    try:
        total = int(hours) * 60 + int(minutes or "0")
    except ValueError:
        raise ClinicSettingsInvalid(setting=setting) from None
    if not 0 <= total <= MINUTES_PER_DAY or not 0 <= int(minutes or "0") < 60:
        raise ClinicSettingsInvalid(setting=setting)
    return total


def _range(value: object, setting: str) -> tuple[int, int]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ClinicSettingsInvalid(setting=setting)
    start, end = parse_clock(value[0], setting), parse_clock(value[1], setting)
    if end <= start:
        raise ClinicSettingsInvalid(setting=setting)
    return start, end


def _business_hours(raw: Mapping[str, Any] | None) -> dict[int, tuple[tuple[int, int], ...]]:
    """{"1": ["09:00", "18:00"], ...}; a day may also list several ranges: [["09:00", "12:00"], [...]]."""
    hours: dict[int, tuple[tuple[int, int], ...]] = {}
    for key, value in (raw or {}).items():
        try:
            weekday = int(key)
        except ValueError:
            raise ClinicSettingsInvalid(setting=L_("business hours")) from None
        if not 1 <= weekday <= 7:
            raise ClinicSettingsInvalid(setting=L_("business hours"))
        if not value:
            continue
        several = isinstance(value, list | tuple) and isinstance(value[0], list | tuple)
        ranges = value if several else [value]
        hours[weekday] = tuple(sorted(_range(item, L_("business hours")) for item in ranges))
    return hours


def _periods(raw: Mapping[str, Any] | None) -> dict[DayPeriod, PeriodRule]:
    periods: dict[DayPeriod, PeriodRule] = {}
    for key, value in (raw or {}).items():
        try:
            period = DayPeriod(key)
        except ValueError:
            raise ClinicSettingsInvalid(setting=L_("time periods")) from None
        if not isinstance(value, Mapping):
            raise ClinicSettingsInvalid(setting=L_("time periods"))
        start, end = _range([value.get("start"), value.get("end")], L_("time periods"))
        capacity = value.get("capacity", 0)
        if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 0:
            raise ClinicSettingsInvalid(setting=L_("time periods"))
        periods[period] = PeriodRule(period, start, end, capacity)
    return periods


def appointment_length(minutes: int) -> timedelta:
    """A valid appointment length, or InvalidDuration."""
    if (
        isinstance(minutes, bool)
        or not isinstance(minutes, int)
        or not 0 < minutes <= MAX_APPOINTMENT_MINUTES
    ):
        raise InvalidDuration(max=MAX_APPOINTMENT_MINUTES)
    return timedelta(minutes=minutes)
