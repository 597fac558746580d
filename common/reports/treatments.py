"""Treatments: how many were performed and billed, the top treatments, categories, doctors, and
the follow-ups falling due.

Treatments count on their clinic-local treatment date; billed is their final amount (after the
treatment's discount), in the clinic's currency. A follow-up is due on the date the treatment
record set; the patient "came back" if they had any later treatment.

Filters: doctors, treatments, categories; granularity.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, select
from sqlalchemy.orm import aliased

from common.catalog.models import TreatmentCatalogItem
from common.context import ServiceContext
from common.i18n import N_, LazyText
from common.payments.money import in_currency
from common.reports import periods
from common.reports.base import (
    ZERO,
    authorize,
    catalog_names,
    finish,
    label,
    money,
    rate,
    staff_label,
    staff_names,
)
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
from common.treatments.models import TreatmentRecord

T, C = TreatmentRecord, TreatmentCatalogItem
N, M, PCT = ValueKind.COUNT, ValueKind.MONEY, ValueKind.PERCENT
TOP: Final = 10


@dataclass
class Performed:
    count: int = 0
    billed: Decimal = ZERO
    discounts: Decimal = ZERO

    def add(self, other: Performed) -> None:
        self.count += other.count
        self.billed += other.billed
        self.discounts += other.discounts


def treatments_report(ctx: ServiceContext, period: ReportRange, filters: ReportFilters) -> ReportData:
    authorize(ctx, "treatments")
    currency = ctx.clinic.currency
    names = staff_names(ctx)
    granularity = filters.period_granularity(period)

    def shown(amount: Decimal) -> Decimal:
        return in_currency(amount, currency)

    # Two small aggregates over the period's treatments (by day; by treatment and doctor) rather
    # than one by all three, which has about as many groups as there are treatments.
    def grouped(*columns: Any) -> dict[Any, Performed]:
        query = _select(
            ctx,
            period,
            filters,
            *columns,
            func.count(),
            func.coalesce(func.sum(T.final_amount), 0),
            func.coalesce(func.sum(T.discount_applied), 0),
        ).group_by(*columns)
        found: dict[Any, Performed] = {}
        for *key, count, billed, discount in ctx.session.execute(query):
            found[key[0] if len(key) == 1 else tuple(key)] = Performed(
                int(count), money(billed), money(discount)
            )
        return found

    daily = grouped(T.treatment_date)
    by_item_doctor = grouped(T.treatment_type_id, T.treatment_name, T.doctor_id)
    category_of = {item_id: kind for item_id, (_name, kind) in catalog_names(ctx).items()}

    whole = Performed()
    by_period: dict[date, Performed] = {start: Performed() for start in periods.buckets(period, granularity)}
    for day, performed in daily.items():
        whole.add(performed)
        by_period[periods.bucket(day, granularity)].add(performed)
    by_name: dict[str, Performed] = defaultdict(Performed)
    name_kind: dict[str, Any] = {}
    by_kind: dict[Cell, Performed] = defaultdict(Performed)
    by_doctor: dict[Cell, Performed] = defaultdict(Performed)
    for (type_id, name, doctor), performed in by_item_doctor.items():
        kind = category_of.get(type_id)
        by_name[name].add(performed)
        name_kind.setdefault(name, kind)
        by_kind[label(kind.value) if kind else LazyText(N_("Not recorded"))].add(performed)
        by_doctor[staff_label(names, doctor)].add(performed)

    due = _follow_ups(ctx, period, filters)
    figures = [
        Figure("performed", N_("Treatments performed"), whole.count, N),
        Figure("billed", N_("Treatments billed"), shown(whole.billed), M),
        Figure(
            "average",
            N_("Average per treatment"),
            shown(whole.billed / whole.count if whole.count else ZERO),
            M,
        ),
        Figure("discounts", N_("Discounts on treatments"), shown(whole.discounts), M),
        Figure("kinds", N_("Different treatments"), len(by_name), N),
        Figure("follow_ups_due", N_("Follow-ups due"), sum(d.due for d in due.values()), N),
    ]
    kind_of = periods.PERIOD_KIND[granularity]
    period_section = Section(
        "by_period",
        N_("Treatments by period"),
        Table(
            (
                Column("period", N_("Period"), kind_of),
                Column("performed", N_("Performed"), N),
                Column("billed", N_("Billed"), M),
                Column("discounts", N_("Discounts"), M),
            ),
            tuple((start, p.count, shown(p.billed), shown(p.discounts)) for start, p in by_period.items()),
            (LazyText(N_("Total")), whole.count, shown(whole.billed), shown(whole.discounts)),
        ),
        Chart(
            ChartKind.BAR,
            tuple(by_period),
            (Series(N_("Performed"), tuple(p.count for p in by_period.values())),),
            N,
            kind_of,
        ),
    )
    ranked = sorted(by_name.items(), key=lambda pair: (-pair[1].count, -pair[1].billed, pair[0]))
    top_section = Section(
        "top",
        N_("Top treatments"),
        Table(
            (
                Column("treatment", N_("Treatment")),
                Column("category", N_("Category")),
                Column("performed", N_("Performed"), N),
                Column("billed", N_("Billed"), M),
                Column("discounts", N_("Discounts"), M),
                Column("share", N_("Share"), PCT),
            ),
            tuple(
                (
                    name,
                    label(name_kind[name].value) if name_kind[name] else None,
                    p.count,
                    shown(p.billed),
                    shown(p.discounts),
                    rate(p.count, whole.count),
                )
                for name, p in ranked
            ),
            (
                LazyText(N_("Total")),
                None,
                whole.count,
                shown(whole.billed),
                shown(whole.discounts),
                rate(1, 1),
            ),
        ),
        Chart(
            ChartKind.HBAR,
            tuple(name for name, _p in ranked[:TOP]),
            (Series(N_("Performed"), tuple(p.count for _n, p in ranked[:TOP])),),
            N,
        )
        if ranked
        else None,
    )
    sections = [
        period_section,
        top_section,
        _grouped(
            "by_category", N_("Treatments by category"), N_("Category"), by_kind, whole, shown, ChartKind.PIE
        ),
        _grouped(
            "by_doctor", N_("Treatments by doctor"), N_("Doctor"), by_doctor, whole, shown, ChartKind.HBAR
        ),
        _follow_up_section(due),
    ]
    return finish(ctx, "treatments", N_("Treatments report"), period, filters, figures, sections)


def _select(
    ctx: ServiceContext,
    period: ReportRange,
    filters: ReportFilters,
    *columns: Any,
    catalog: bool = False,
    date_column: Any = None,
) -> Select[Any]:
    conditions = _conditions(
        ctx, period, filters, date_column if date_column is not None else T.treatment_date
    )
    query = select(*columns).select_from(T)
    if catalog or filters.treatment_kinds:
        query = query.outerjoin(C, and_(C.clinic_id == T.clinic_id, C.id == T.treatment_type_id))
    return query.where(*conditions)


def _conditions(
    ctx: ServiceContext, period: ReportRange, filters: ReportFilters, day: Any
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        day >= period.first,
        day <= period.last,
        T.currency == ctx.clinic.currency,
    ]
    if filters.doctor_ids:
        conditions.append(T.doctor_id.in_(filters.doctor_ids))
    if filters.treatment_type_ids:
        conditions.append(T.treatment_type_id.in_(filters.treatment_type_ids))
    if filters.treatment_kinds:
        conditions.append(C.category.in_(filters.treatment_kinds))
    return conditions


def _grouped(
    key: str,
    title: str,
    label_title: str,
    groups: dict[Cell, Performed],
    whole: Performed,
    shown: Any,
    chart_kind: ChartKind,
) -> Section:
    ordered = sorted(groups.items(), key=lambda pair: (-pair[1].count, str(pair[0])))
    return Section(
        key,
        title,
        Table(
            (
                Column("label", label_title),
                Column("performed", N_("Performed"), N),
                Column("billed", N_("Billed"), M),
                Column("share", N_("Share"), PCT),
            ),
            tuple((name, p.count, shown(p.billed), rate(p.count, whole.count)) for name, p in ordered),
            (LazyText(N_("Total")), whole.count, shown(whole.billed), rate(1, 1)),
        ),
        Chart(
            chart_kind,
            tuple(name for name, _p in ordered[:TOP]),
            (Series(N_("Performed"), tuple(p.count for _n, p in ordered[:TOP])),),
            N,
        )
        if ordered
        else None,
    )


@dataclass
class FollowUps:
    due: int = 0
    came_back: int = 0


def _follow_ups(ctx: ServiceContext, period: ReportRange, filters: ReportFilters) -> dict[str, FollowUps]:
    """Follow-ups due in the period, per treatment, and how many of those patients came back (had
    a later treatment): counted in SQL, one index seek per due record, 1 row per treatment out."""
    later = aliased(TreatmentRecord)
    returned = (
        exists()
        .where(
            later.clinic_id == T.clinic_id,
            later.patient_id == T.patient_id,
            later.treatment_date > T.treatment_date,
        )
        .correlate(T)
    )
    came_back = func.coalesce(func.sum(case((returned, 1), else_=0)), 0)
    query = (
        _select(ctx, period, filters, T.treatment_name, func.count(), came_back, date_column=T.follow_up_date)
        .where(T.follow_up_required.is_(True))
        .group_by(T.treatment_name)
    )
    return {name: FollowUps(int(due), int(back)) for name, due, back in ctx.session.execute(query)}


def _follow_up_section(due: dict[str, FollowUps]) -> Section:
    ordered: Sequence[tuple[str, FollowUps]] = sorted(due.items(), key=lambda pair: (-pair[1].due, pair[0]))
    total = FollowUps(sum(f.due for f in due.values()), sum(f.came_back for f in due.values()))

    def cells(f: FollowUps) -> tuple[Cell, ...]:
        return (f.due, f.came_back, f.due - f.came_back, rate(f.came_back, f.due))

    return Section(
        "follow_ups",
        N_("Follow-ups due"),
        Table(
            (
                Column("treatment", N_("Treatment")),
                Column("due", N_("Due"), N),
                Column("came_back", N_("Came back"), N),
                Column("not_back", N_("Not back yet"), N),
                Column("rate", N_("Came back"), PCT),
            ),
            tuple((name, *cells(f)) for name, f in ordered),
            (LazyText(N_("Total")), *cells(total)),
        ),
        note=N_(
            "Follow-ups whose due date falls in the period; came back: the patient had a later treatment."
        ),
    )
