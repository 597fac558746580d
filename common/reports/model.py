"""What a report is: a period, its filters, headline figures and sections of tables and charts.

Values stay raw (int, Decimal, date) so CSV exports exact figures and the PDF formats them in the
reader's language. Text that is a word the code chose (a status, a column title) is a msgid
(`LazyText` for values, `N_` strings for titles) and is translated when rendered; text that is
data (a doctor's or a treatment's name) is shown as it is.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Final

from common.catalog.models import TreatmentKind
from common.inventory.models import InventoryCategory
from common.payments.models import PaymentMethod
from common.reports.errors import ReportRangeReversed, ReportRangeTooLong
from common.scheduling.models import AppointmentType, BookingMode

MAX_RANGE_DAYS: Final = 3 * 366 + 1

Cell = str | int | Decimal | date | None


class ValueKind(StrEnum):
    TEXT = "text"
    COUNT = "count"
    MONEY = "money"
    PERCENT = "percent"  # a Decimal fraction: 0.125 is 12.5%
    MINUTES = "minutes"  # a Decimal number of minutes
    DAYS = "days"  # a Decimal number of days
    DATE = "date"
    # A period's first day, shown as the period: a day, the week starting that Monday, a month.
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class Granularity(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class ChartKind(StrEnum):
    BAR = "bar"  # vertical bars over ordered categories (periods)
    HBAR = "hbar"  # horizontal bars for ranked names (top treatments)
    LINE = "line"
    PIE = "pie"


@dataclass(frozen=True)
class ReportRange:
    """Clinic-local calendar days, both ends included."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ReportRangeReversed(first=self.first.isoformat(), last=self.last.isoformat())
        if self.days > MAX_RANGE_DAYS:
            raise ReportRangeTooLong(days=MAX_RANGE_DAYS)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def end(self) -> date:
        """The day after the last: the exclusive end."""
        return self.last + timedelta(days=1)

    def auto_granularity(self) -> Granularity:
        if self.days <= 35:
            return Granularity.DAY
        if self.days <= 190:
            return Granularity.WEEK
        return Granularity.MONTH


@dataclass(frozen=True)
class ReportFilters:
    """Narrow a report. Each report applies the filters that make sense for it (see its docstring)."""

    doctor_ids: frozenset[uuid.UUID] = frozenset()
    treatment_type_ids: frozenset[uuid.UUID] = frozenset()
    treatment_kinds: frozenset[TreatmentKind] = frozenset()
    appointment_types: frozenset[AppointmentType] = frozenset()
    booking_modes: frozenset[BookingMode] = frozenset()
    payment_methods: frozenset[PaymentMethod] = frozenset()
    inventory_categories: frozenset[InventoryCategory] = frozenset()
    granularity: Granularity | None = None

    def period_granularity(self, period: ReportRange) -> Granularity:
        return self.granularity or period.auto_granularity()


@dataclass(frozen=True)
class Column:
    key: str
    title: str  # msgid
    kind: ValueKind = ValueKind.TEXT


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    total: tuple[Cell, ...] | None = None

    def column(self, key: str) -> list[Cell]:
        index = [column.key for column in self.columns].index(key)
        return [row[index] for row in self.rows]

    def row_for(self, label: str) -> dict[str, Cell]:
        """The row whose first cell is `label`, keyed by column (tests and previews)."""
        for row in self.rows:
            if row[0] == label:
                return {column.key: value for column, value in zip(self.columns, row, strict=True)}
        raise KeyError(label)


@dataclass(frozen=True)
class Series:
    name: str  # msgid
    values: tuple[int | Decimal, ...]


@dataclass(frozen=True)
class Chart:
    kind: ChartKind
    categories: tuple[Cell, ...]
    series: tuple[Series, ...]
    value_kind: ValueKind = ValueKind.COUNT
    category_kind: ValueKind = ValueKind.TEXT
    stacked: bool = False  # bars: the series are parts of one whole


@dataclass(frozen=True)
class Figure:
    """A headline number shown as a tile above the sections."""

    key: str
    label: str  # msgid
    value: Cell
    kind: ValueKind


@dataclass(frozen=True)
class Section:
    key: str
    title: str  # msgid
    table: Table
    chart: Chart | None = None
    note: str | None = None  # msgid: how a figure is defined


@dataclass(frozen=True)
class ReportData:
    name: str
    title: str  # msgid
    clinic_name: str
    currency: str
    timezone: str
    period: ReportRange
    filters: ReportFilters
    generated_at: datetime
    figures: tuple[Figure, ...] = ()
    sections: tuple[Section, ...] = ()
    filter_labels: tuple[str, ...] = field(default=())  # human-readable filters in effect (data)

    def section(self, key: str) -> Section:
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)

    def figure(self, key: str) -> Cell:
        for figure in self.figures:
            if figure.key == key:
                return figure.value
        raise KeyError(key)
