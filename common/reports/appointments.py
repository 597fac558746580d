"""Appointments: by status, doctor, type and booking mode; cancellation and no-show rates; how far
ahead patients book; when they arrive and how long they stay.

Appointments count on their clinic-local date. Rates:
- cancellation rate = cancelled / all appointments;
- no-show rate = no-shows / appointments that reached their time (attended or missed: Checked-in,
  In-progress, Completed, No-show), so cancellations and future bookings do not dilute it.
Lead time is the number of calendar days (clinic time) from booking to the appointment's day.

Filters: doctors, appointment types, booking modes, treatments, categories; granularity.
"""

from __future__ import annotations

import statistics
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import ColumnElement, Select, and_, func, select

from common.catalog.models import TreatmentCatalogItem
from common.context import ServiceContext
from common.i18n import L_, N_, LazyText
from common.reports import periods
from common.reports.base import ZERO, authorize, finish, label, one_place, rate, staff_label, staff_names
from common.reports.model import (
    Cell,
    Chart,
    ChartKind,
    Column,
    Figure,
    ReportData,
    ReportFilters,
    ReportRange,
    Section,
    Series,
    Table,
    ValueKind,
)
from common.scheduling.models import Appointment, AppointmentStatus

A, S = Appointment, AppointmentStatus
N, PCT, MIN = ValueKind.COUNT, ValueKind.PERCENT, ValueKind.MINUTES
REACHED_THEIR_TIME: Final = frozenset({S.CHECKED_IN, S.IN_PROGRESS, S.COMPLETED, S.NO_SHOW})
# Lead time buckets: (label, lowest days, highest days or None).
LEAD_BUCKETS: Final = (
    (L_("Same day"), 0, 0),
    (L_("1-2 days"), 1, 2),
    (L_("3-7 days"), 3, 7),
    (L_("8-14 days"), 8, 14),
    (L_("15-30 days"), 15, 30),
    (L_("More than 30 days"), 31, None),
)


@dataclass
class StatusCounts:
    by_status: Counter[AppointmentStatus] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    def of(self, status: AppointmentStatus) -> int:
        return self.by_status[status]

    @property
    def cancellation_rate(self) -> Decimal:
        return rate(self.of(S.CANCELLED), self.total)

    @property
    def no_show_rate(self) -> Decimal:
        reached = sum(self.by_status[status] for status in REACHED_THEIR_TIME)
        return rate(self.of(S.NO_SHOW), reached)

    def add(self, other: StatusCounts) -> None:
        self.by_status.update(other.by_status)


def appointments_report(ctx: ServiceContext, period: ReportRange, filters: ReportFilters) -> ReportData:
    authorize(ctx, "appointments")
    names = staff_names(ctx)
    granularity = filters.period_granularity(period)
    conditions = _conditions(ctx, period, filters)

    groups: dict[tuple[Any, ...], StatusCounts] = defaultdict(StatusCounts)
    query = _select(
        filters, conditions, A.doctor_id, A.appointment_type, A.booking_mode, A.status, func.count()
    ).group_by(A.doctor_id, A.appointment_type, A.booking_mode, A.status)
    for doctor_id, kind, mode, status, count in ctx.session.execute(query):
        groups[(doctor_id, kind, mode)].by_status[status] += int(count)
    whole = StatusCounts()
    for counts in groups.values():
        whole.add(counts)

    by_period: dict[date, StatusCounts] = {
        start: StatusCounts() for start in periods.buckets(period, granularity)
    }
    daily = _select(filters, conditions, A.appointment_date, A.status, func.count()).group_by(
        A.appointment_date, A.status
    )
    for day, status, count in ctx.session.execute(daily):
        by_period[periods.bucket(day, granularity)].by_status[status] += int(count)

    visits = ctx.session.execute(
        _select(
            filters,
            conditions,
            A.doctor_id,
            A.created_at,
            A.starts_at,
            A.check_in_time,
            A.check_out_time,
            A.duration_minutes,
        )
    ).all()
    zone = ctx.tz
    leads = [
        (periods.local_date(v.starts_at, zone) - periods.local_date(v.created_at, zone)).days for v in visits
    ]
    arrivals = _arrivals(visits)

    figures = [
        Figure("appointments", N_("Appointments"), whole.total, N),
        Figure("completed", N_("Completed"), whole.of(S.COMPLETED), N),
        Figure("cancellation_rate", N_("Cancellation rate"), whole.cancellation_rate, PCT),
        Figure("no_show_rate", N_("No-show rate"), whole.no_show_rate, PCT),
        Figure("median_lead_days", N_("Median lead time"), _median(leads), ValueKind.DAYS),
        Figure(
            "median_early_minutes",
            N_("Median arrival before the appointment"),
            _median(a.early for a in arrivals.get_all()),
            MIN,
        ),
    ]
    sections = [
        _status_section(whole),
        _period_section(by_period, granularity),
        _breakdown(
            "by_doctor",
            N_("Appointments by doctor"),
            N_("Doctor"),
            _fold(groups, lambda key: staff_label(names, key[0])),
            ChartKind.HBAR,
        ),
        _breakdown(
            "by_type",
            N_("Appointments by type"),
            N_("Type"),
            _fold(groups, lambda key: label(key[1].value)),
            None,
        ),
        _breakdown(
            "by_booking_mode",
            N_("Appointments by booking mode"),
            N_("Booking mode"),
            _fold(groups, lambda key: label(key[2].value)),
            None,
        ),
        _lead_section(leads),
        _arrival_section(arrivals, names),
    ]
    return finish(ctx, "appointments", N_("Appointments report"), period, filters, figures, sections)


# ---- queries -------------------------------------------------------------------------------------


def _select(filters: ReportFilters, conditions: list[ColumnElement[bool]], *columns: Any) -> Select[Any]:
    query = select(*columns).select_from(A)
    if filters.treatment_kinds:
        C = TreatmentCatalogItem
        query = query.join(C, and_(C.clinic_id == A.clinic_id, C.id == A.treatment_type_id))
    return query.where(*conditions)


def _conditions(
    ctx: ServiceContext, period: ReportRange, filters: ReportFilters
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        A.appointment_date >= period.first,
        A.appointment_date <= period.last,
    ]
    if filters.doctor_ids:
        conditions.append(A.doctor_id.in_(filters.doctor_ids))
    if filters.appointment_types:
        conditions.append(A.appointment_type.in_(filters.appointment_types))
    if filters.booking_modes:
        conditions.append(A.booking_mode.in_(filters.booking_modes))
    if filters.treatment_type_ids:
        conditions.append(A.treatment_type_id.in_(filters.treatment_type_ids))
    if filters.treatment_kinds:
        conditions.append(TreatmentCatalogItem.category.in_(filters.treatment_kinds))
    return conditions


def _fold(groups: dict[tuple[Any, ...], StatusCounts], key_of: Any) -> dict[Cell, StatusCounts]:
    folded: dict[Cell, StatusCounts] = defaultdict(StatusCounts)
    for key, counts in groups.items():
        folded[key_of(key)].add(counts)
    return dict(folded)


def _median(values: Iterable[int | Decimal]) -> Decimal:
    ordered = [Decimal(value) for value in values]
    return one_place(Decimal(statistics.median(ordered))) if ordered else one_place(ZERO)


# ---- sections ------------------------------------------------------------------------------------

STATUS_COLUMNS: Final = (
    Column("appointments", N_("Appointments"), N),
    Column("completed", N_("Completed"), N),
    Column("cancelled", N_("Cancelled"), N),
    Column("no_show", N_("No-show"), N),
    Column("cancellation_rate", N_("Cancellation rate"), PCT),
    Column("no_show_rate", N_("No-show rate"), PCT),
)


def _status_cells(counts: StatusCounts) -> tuple[Cell, ...]:
    return (
        counts.total,
        counts.of(S.COMPLETED),
        counts.of(S.CANCELLED),
        counts.of(S.NO_SHOW),
        counts.cancellation_rate,
        counts.no_show_rate,
    )


def _status_section(whole: StatusCounts) -> Section:
    rows = tuple(
        (LazyText(status.value), whole.of(status), rate(whole.of(status), whole.total))
        for status in AppointmentStatus
        if whole.of(status)
    )
    return Section(
        "by_status",
        N_("Appointments by status"),
        Table(
            (
                Column("status", N_("Status")),
                Column("appointments", N_("Appointments"), N),
                Column("share", N_("Share"), PCT),
            ),
            rows,
            (LazyText(N_("Total")), whole.total, rate(whole.total, whole.total)),
        ),
        Chart(
            ChartKind.PIE,
            tuple(row[0] for row in rows),
            (Series(N_("Appointments"), tuple(row[1] for row in rows)),),
        ),
        N_(
            "No-show rate: no-shows out of the appointments that reached their time (attended or missed). "
            "Cancellation rate: cancellations out of all appointments."
        ),
    )


def _period_section(by_period: dict[date, StatusCounts], granularity: Any) -> Section:
    whole = StatusCounts()
    for counts in by_period.values():
        whole.add(counts)
    kind = periods.PERIOD_KIND[granularity]
    other = [
        counts.total - counts.of(S.COMPLETED) - counts.of(S.CANCELLED) - counts.of(S.NO_SHOW)
        for counts in by_period.values()
    ]
    return Section(
        "by_period",
        N_("Appointments by period"),
        Table(
            (Column("period", N_("Period"), kind), *STATUS_COLUMNS),
            tuple((start, *_status_cells(counts)) for start, counts in by_period.items()),
            (LazyText(N_("Total")), *_status_cells(whole)),
        ),
        Chart(
            ChartKind.BAR,
            tuple(by_period),
            (
                Series(N_("Completed"), tuple(c.of(S.COMPLETED) for c in by_period.values())),
                Series(N_("Cancelled"), tuple(c.of(S.CANCELLED) for c in by_period.values())),
                Series(N_("No-show"), tuple(c.of(S.NO_SHOW) for c in by_period.values())),
                Series(N_("Booked or in progress"), tuple(other)),
            ),
            N,
            kind,
            stacked=True,
        ),
    )


def _breakdown(
    key: str, title: str, label_title: str, groups: dict[Cell, StatusCounts], chart: ChartKind | None
) -> Section:
    ordered = sorted(groups.items(), key=lambda pair: (-pair[1].total, str(pair[0])))
    whole = StatusCounts()
    for _name, counts in ordered:
        whole.add(counts)
    return Section(
        key,
        title,
        Table(
            (Column("label", label_title), *STATUS_COLUMNS),
            tuple((name, *_status_cells(counts)) for name, counts in ordered),
            (LazyText(N_("Total")), *_status_cells(whole)),
        ),
        Chart(
            chart,
            tuple(name for name, _c in ordered[:12]),
            (
                Series(N_("Completed"), tuple(c.of(S.COMPLETED) for _n, c in ordered[:12])),
                Series(N_("Cancelled"), tuple(c.of(S.CANCELLED) for _n, c in ordered[:12])),
                Series(N_("No-show"), tuple(c.of(S.NO_SHOW) for _n, c in ordered[:12])),
            ),
            stacked=True,
        )
        if chart is not None and ordered
        else None,
    )


def _lead_section(leads: list[int]) -> Section:
    counts = Counter[int]()
    for days in leads:
        for index, (_name, low, high) in enumerate(LEAD_BUCKETS):
            if days >= low and (high is None or days <= high):
                counts[index] += 1
                break
    rows = tuple(
        (name, counts[index], rate(counts[index], len(leads)))
        for index, (name, _l, _h) in enumerate(LEAD_BUCKETS)
    )
    return Section(
        "lead_time",
        N_("How far ahead appointments are booked"),
        Table(
            (
                Column("lead", N_("Booked ahead")),
                Column("appointments", N_("Appointments"), N),
                Column("share", N_("Share"), PCT),
            ),
            rows,
            (LazyText(N_("Total")), len(leads), rate(len(leads), len(leads))),
        ),
        Chart(
            ChartKind.BAR,
            tuple(row[0] for row in rows),
            (Series(N_("Appointments"), tuple(row[1] for row in rows)),),
        ),
        N_("Lead time: calendar days from the day of booking to the day of the appointment."),
    )


@dataclass(frozen=True)
class Arrival:
    early: int  # minutes checked in before the booked start (negative: late)
    in_clinic: int | None  # minutes from check-in to check-out
    delay: (
        int | None
    )  # minutes the visit ran past its booked length, counted from the later of arrival and start


@dataclass
class Arrivals:
    by_doctor: dict[uuid.UUID, list[Arrival]] = field(default_factory=lambda: defaultdict(list))

    def get_all(self) -> list[Arrival]:
        return [arrival for arrivals in self.by_doctor.values() for arrival in arrivals]


def _minutes(start: datetime, end: datetime) -> int:
    return int((end - start).total_seconds() // 60)


def _arrivals(visits: Iterable[Any]) -> Arrivals:
    found = Arrivals()
    for visit in visits:
        if visit.check_in_time is None:
            continue
        in_clinic = delay = None
        if visit.check_out_time is not None:
            in_clinic = _minutes(visit.check_in_time, visit.check_out_time)
            seen_from = max(visit.check_in_time, visit.starts_at)
            delay = max(0, _minutes(seen_from, visit.check_out_time) - visit.duration_minutes)
        found.by_doctor[visit.doctor_id].append(
            Arrival(_minutes(visit.check_in_time, visit.starts_at), in_clinic, delay)
        )
    return found


def _arrival_cells(arrivals: list[Arrival]) -> tuple[Cell, ...]:
    stays = [a.in_clinic for a in arrivals if a.in_clinic is not None]
    delays = [a.delay for a in arrivals if a.delay is not None]
    return (
        len(arrivals),
        _median(a.early for a in arrivals),
        sum(1 for a in arrivals if a.early < 0),
        _median(stays),
        _median(delays),
    )


def _arrival_section(arrivals: Arrivals, names: dict[uuid.UUID, str]) -> Section:
    rows = sorted(
        (
            (staff_label(names, doctor), *_arrival_cells(items))
            for doctor, items in arrivals.by_doctor.items()
        ),
        key=lambda row: str(row[0]),
    )
    return Section(
        "check_in",
        N_("Check-in and time in the clinic"),
        Table(
            (
                Column("doctor", N_("Doctor")),
                Column("checked_in", N_("Checked in"), N),
                Column("median_early", N_("Median minutes early"), MIN),
                Column("late", N_("Late arrivals"), N),
                Column("median_in_clinic", N_("Median time in clinic"), MIN),
                Column("median_delay", N_("Median wait past booked time"), MIN),
            ),
            tuple(rows),
            (LazyText(N_("Total")), *_arrival_cells(arrivals.get_all())),
        ),
        note=N_(
            "Minutes early: from check-in to the booked start (late arrivals are negative). "
            "Wait past booked time: how long a visit ran beyond its booked length, counted from the "
            "later of the arrival and the booked start."
        ),
    )
