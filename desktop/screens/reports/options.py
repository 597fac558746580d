"""What the reports screen offers: the report families in order, the filters each one applies,
and the period presets (calendar periods in the clinic's time)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Final

from common.i18n import N_


class FilterKind(StrEnum):
    DOCTOR = "doctor"
    CATEGORY = "category"  # the catalog's treatment kinds
    METHOD = "method"
    APPOINTMENT_TYPE = "appointment_type"
    BOOKING_MODE = "booking_mode"
    INVENTORY_CATEGORY = "inventory_category"
    GROUP_BY = "group_by"


F = FilterKind


@dataclass(frozen=True)
class Family:
    """A report as the screen offers it: its name in common.reports and the filters it honours."""

    name: str
    filters: tuple[FilterKind, ...]
    single_day: bool = False


FAMILIES: Final = (
    Family("revenue", (F.DOCTOR, F.CATEGORY, F.METHOD, F.GROUP_BY)),
    Family("cash-up", (), single_day=True),
    Family("appointments", (F.DOCTOR, F.CATEGORY, F.APPOINTMENT_TYPE, F.BOOKING_MODE, F.GROUP_BY)),
    Family("treatments", (F.DOCTOR, F.CATEGORY, F.GROUP_BY)),
    Family("patient-growth", (F.GROUP_BY,)),
    Family("staff-performance", (F.DOCTOR,)),
    Family("inventory", (F.INVENTORY_CATEGORY,)),
)
FAMILY_BY_NAME: Final = {family.name: family for family in FAMILIES}

FILTER_TITLES: Final = {
    F.DOCTOR: N_("Doctor"),
    F.CATEGORY: N_("Category"),
    F.METHOD: N_("Payment method"),
    F.APPOINTMENT_TYPE: N_("Appointment type"),
    F.BOOKING_MODE: N_("Booking mode"),
    F.INVENTORY_CATEGORY: N_("Stock category"),
    F.GROUP_BY: N_("Group by"),
}
# The first choice of each filter: no narrowing.
FILTER_ALL: Final = {
    F.DOCTOR: N_("All doctors"),
    F.CATEGORY: N_("All categories"),
    F.METHOD: N_("All methods"),
    F.APPOINTMENT_TYPE: N_("All types"),
    F.BOOKING_MODE: N_("Both modes"),
    F.INVENTORY_CATEGORY: N_("All stock"),
    F.GROUP_BY: N_("Automatic"),
}


class Preset(StrEnum):
    TODAY = "today"
    YESTERDAY = "yesterday"
    THIS_WEEK = "this_week"
    LAST_WEEK = "last_week"
    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"
    THIS_YEAR = "this_year"
    CUSTOM = "custom"


PRESET_TITLES: Final = {
    Preset.TODAY: N_("Today"),
    Preset.YESTERDAY: N_("Yesterday"),
    Preset.THIS_WEEK: N_("This week"),
    Preset.LAST_WEEK: N_("Last week"),
    Preset.THIS_MONTH: N_("This month"),
    Preset.LAST_MONTH: N_("Last month"),
    Preset.THIS_YEAR: N_("This year"),
    Preset.CUSTOM: N_("Custom"),
}
SINGLE_DAY_PRESETS: Final = (Preset.TODAY, Preset.YESTERDAY, Preset.CUSTOM)


def preset_range(preset: Preset, today: date) -> tuple[date, date] | None:
    """The first and last day of a preset around `today` (weeks start on Monday); None for custom."""
    if preset is Preset.TODAY:
        return today, today
    if preset is Preset.YESTERDAY:
        day = today - timedelta(days=1)
        return day, day
    if preset in (Preset.THIS_WEEK, Preset.LAST_WEEK):
        monday = today - timedelta(days=today.weekday())
        if preset is Preset.LAST_WEEK:
            monday -= timedelta(days=7)
        return monday, monday + timedelta(days=6)
    if preset is Preset.THIS_MONTH:
        return today.replace(day=1), _month_end(today)
    if preset is Preset.LAST_MONTH:
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    if preset is Preset.THIS_YEAR:
        return date(today.year, 1, 1), date(today.year, 12, 31)
    return None


def _month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)
