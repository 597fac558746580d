"""Revenue: money received by period, method, treatment, category and doctor; discounts, refunds;
and a day's cash-up.

Revenue is money that moved (cash basis): settled payments minus refunds, on the clinic-local
day the money moved (a refund counts on the day it was given, as in the cash-up). A payment is
attributed to a treatment, category and doctor through the treatment it paid for; payments not
tied to a treatment (deposits) have their own line. Amounts are in the clinic's currency.

Filters: payment methods; doctors, treatments and categories (which keep only payments tied to
such a treatment); granularity of the period table.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import ColumnElement, Select, and_, func, select

from common.catalog.models import TreatmentCatalogItem
from common.context import ServiceContext
from common.i18n import N_, LazyText
from common.payments.models import PaymentKind, PaymentRecord, PaymentStatus
from common.payments.money import in_currency
from common.payments.service import cash_up
from common.reports import periods
from common.reports.base import (
    NO_TREATMENT,
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
from common.reports.errors import CashUpNeedsOneDay
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

SETTLED: Final = (PaymentStatus.COMPLETED, PaymentStatus.REFUNDED)
TOP: Final = 10
P, T, C = PaymentRecord, TreatmentRecord, TreatmentCatalogItem
M, N = ValueKind.MONEY, ValueKind.COUNT


@dataclass
class Takings:
    """Money of one group: payments and refunds (refunds as positive amounts)."""

    payments: int = 0
    received: Decimal = ZERO
    refunds: int = 0
    refunded: Decimal = ZERO
    discount: Decimal = ZERO
    tax: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.received - self.refunded

    def add(self, kind: PaymentKind, count: int, final: Decimal, discount: Decimal, tax: Decimal) -> None:
        if kind is PaymentKind.REFUND:
            self.refunds += count
            self.refunded -= final
        else:
            self.payments += count
            self.received += final
        self.discount += discount
        self.tax += tax


def revenue_report(ctx: ServiceContext, period: ReportRange, filters: ReportFilters) -> ReportData:
    authorize(ctx, "revenue")
    currency = ctx.clinic.currency
    names = staff_names(ctx)
    granularity = filters.period_granularity(period)

    # Two grouped scans of the period's payments: by day and method, and by what they paid for.
    daily = _takings(ctx, period, filters, P.payment_date, P.payment_method)
    attributed = _takings(ctx, period, filters, T.treatment_type_id, T.treatment_name, T.doctor_id)
    kind_of = {item_id: kind for item_id, (_name, kind) in catalog_names(ctx).items()}
    by_day = _fold(daily, lambda key: key[0])
    by_period: dict[date, Takings] = {start: Takings() for start in periods.buckets(period, granularity)}
    for day, takings in by_day.items():
        _merge(by_period[periods.bucket(day, granularity)], takings)
    whole = Takings()
    for takings in by_day.values():
        _merge(whole, takings)

    methods = _fold(daily, lambda key: key[1])
    treatments = _fold(attributed, lambda key: (key[0], key[1]))
    kinds = _fold(attributed, lambda key: kind_of.get(key[0]) if key[0] else None)
    doctors = _fold(attributed, lambda key: key[2])
    billed_count, billed, treatment_discounts, discounted = _billed(ctx, period, filters)

    def shown(amount: Decimal) -> Decimal:
        return in_currency(amount, currency)

    figures = [
        Figure("net", N_("Net revenue"), shown(whole.net), M),
        Figure("received", N_("Payments received"), shown(whole.received), M),
        Figure("refunded", N_("Refunded"), shown(whole.refunded), M),
        Figure("payments", N_("Payments"), whole.payments, N),
        Figure("average", N_("Average payment"), shown(_average(whole.received, whole.payments)), M),
        Figure("discounts", N_("Discounts given"), shown(whole.discount + treatment_discounts), M),
        Figure("tax", N_("Tax included"), shown(whole.tax), M),
        Figure("billed", N_("Treatments billed"), shown(billed), M),
        Figure("treatments", N_("Treatments performed"), billed_count, N),
    ]

    period_rows = tuple(
        (start, t.payments, shown(t.received), t.refunds, shown(t.refunded), shown(t.net))
        for start, t in by_period.items()
    )
    period_section = Section(
        "by_period",
        N_("Net revenue by period"),
        Table(
            (
                Column("period", N_("Period"), periods.PERIOD_KIND[granularity]),
                Column("payments", N_("Payments"), N),
                Column("received", N_("Received"), M),
                Column("refunds", N_("Refunds"), N),
                Column("refunded", N_("Refunded"), M),
                Column("net", N_("Net"), M),
            ),
            period_rows,
            (
                LazyText(N_("Total")),
                whole.payments,
                shown(whole.received),
                whole.refunds,
                shown(whole.refunded),
                shown(whole.net),
            ),
        ),
        Chart(
            ChartKind.BAR,
            tuple(by_period),
            (Series(N_("Net"), tuple(shown(t.net) for t in by_period.values())),),
            M,
            periods.PERIOD_KIND[granularity],
        ),
        N_("Net revenue is money received minus refunds, on the day the money moved."),
    )

    method_section = _ranked_section(
        "by_method",
        N_("Payment methods"),
        N_("Method"),
        [(label(method.value if method else None), t) for method, t in methods.items()],
        shown,
        ChartKind.PIE,
        with_refunds=True,
    )
    treatment_section = _ranked_section(
        "by_treatment",
        N_("Revenue by treatment"),
        N_("Treatment"),
        [(key[1] if key[0] else NO_TREATMENT, t) for key, t in treatments.items()],
        shown,
        ChartKind.HBAR,
    )
    kind_section = _ranked_section(
        "by_category",
        N_("Revenue by category"),
        N_("Category"),
        [(label(kind.value) if kind else NO_TREATMENT, t) for kind, t in kinds.items()],
        shown,
        ChartKind.PIE,
    )
    doctor_section = _ranked_section(
        "by_doctor",
        N_("Revenue by doctor"),
        N_("Doctor"),
        [(staff_label(names, doctor) if doctor else NO_TREATMENT, t) for doctor, t in doctors.items()],
        shown,
        ChartKind.HBAR,
    )
    discount_section = _discount_section(treatments, discounted, shown)
    refund_section = _refund_section(daily, shown)
    return finish(
        ctx,
        "revenue",
        N_("Revenue report"),
        period,
        filters,
        figures,
        [
            period_section,
            method_section,
            treatment_section,
            kind_section,
            doctor_section,
            discount_section,
            refund_section,
        ],
    )


def cash_up_report(ctx: ServiceContext, period: ReportRange, filters: ReportFilters) -> ReportData:
    """One day's takings by payment method, as the payments service counts them for the till."""
    authorize(ctx, "cash-up")
    if period.days != 1:
        raise CashUpNeedsOneDay()
    day = cash_up(ctx, period.first)
    currency = ctx.clinic.currency
    lines = [line for line in day.lines if line.currency == currency]
    rows = tuple(
        (
            label(line.method.value if line.method else None),
            line.payment_count,
            line.payments_total,
            line.refund_count,
            line.refunds_total,
            line.net_total,
            line.discount_total,
            line.tax_total,
        )
        for line in lines
    )
    total = (
        LazyText(N_("Total")),
        sum(line.payment_count for line in lines),
        in_currency(sum((line.payments_total for line in lines), ZERO), currency),
        sum(line.refund_count for line in lines),
        in_currency(sum((line.refunds_total for line in lines), ZERO), currency),
        in_currency(day.net_total(currency), currency),
        in_currency(sum((line.discount_total for line in lines), ZERO), currency),
        in_currency(sum((line.tax_total for line in lines), ZERO), currency),
    )
    table = Table(
        (
            Column("method", N_("Method")),
            Column("payments", N_("Payments"), N),
            Column("received", N_("Received"), M),
            Column("refunds", N_("Refunds"), N),
            Column("refunded", N_("Refunded"), M),
            Column("net", N_("Net"), M),
            Column("discounts", N_("Discounts"), M),
            Column("tax", N_("Tax included"), M),
        ),
        rows,
        total,
    )
    figures = [
        Figure("net", N_("Net takings"), total[5], M),
        Figure("payments", N_("Payments"), total[1], N),
        Figure("refunded", N_("Refunded"), total[4], M),
    ]
    chart = Chart(
        ChartKind.PIE, tuple(row[0] for row in rows), (Series(N_("Net"), tuple(row[5] for row in rows)),), M
    )
    section = Section(
        "cash_up",
        N_("Takings by payment method"),
        table,
        chart,
        N_("Count the cash drawer against the Cash line's net amount."),
    )
    return finish(ctx, "cash-up", N_("Cash-up"), period, filters, figures, [section])


# ---- queries -------------------------------------------------------------------------------------


def _payments(
    ctx: ServiceContext, period: ReportRange, filters: ReportFilters, columns: Sequence[Any]
) -> Select[Any]:
    needs_treatment = bool(
        filters.doctor_ids or filters.treatment_type_ids or filters.treatment_kinds
    ) or any(_table_of(column) in ("treatment_records", "treatment_catalog") for column in columns)
    needs_catalog = bool(filters.treatment_kinds) or any(
        _table_of(column) == "treatment_catalog" for column in columns
    )
    query = select(
        *columns,
        P.kind,
        func.count(),
        func.coalesce(func.sum(P.final_amount), 0),
        func.coalesce(func.sum(P.discount_applied), 0),
        func.coalesce(func.sum(P.tax_amount), 0),
    ).select_from(P)
    if needs_treatment:
        query = query.outerjoin(T, and_(T.clinic_id == P.clinic_id, T.id == P.treatment_id))
    if needs_catalog:
        query = query.outerjoin(C, and_(C.clinic_id == T.clinic_id, C.id == T.treatment_type_id))
    conditions: list[ColumnElement[bool]] = [
        P.payment_date >= period.first,
        P.payment_date <= period.last,
        P.payment_status.in_(SETTLED),
        P.currency == ctx.clinic.currency,
    ]
    if filters.payment_methods:
        conditions.append(P.payment_method.in_(filters.payment_methods))
    if filters.doctor_ids:
        conditions.append(T.doctor_id.in_(filters.doctor_ids))
    if filters.treatment_type_ids:
        conditions.append(T.treatment_type_id.in_(filters.treatment_type_ids))
    if filters.treatment_kinds:
        conditions.append(C.category.in_(filters.treatment_kinds))
    return query.where(*conditions).group_by(*columns, P.kind)


def _table_of(column: Any) -> str:
    table = getattr(column, "table", None)
    return str(getattr(table, "name", ""))


def _takings(
    ctx: ServiceContext, period: ReportRange, filters: ReportFilters, *columns: Any
) -> dict[Any, Takings]:
    found: dict[Any, Takings] = defaultdict(Takings)
    for row in ctx.session.execute(_payments(ctx, period, filters, columns)):
        *key, kind, count, final, discount, tax = row
        group = key[0] if len(key) == 1 else tuple(key)
        found[group].add(kind, int(count), money(final), money(discount), money(tax))
    return dict(found)


def _billed(
    ctx: ServiceContext, period: ReportRange, filters: ReportFilters
) -> tuple[int, Decimal, Decimal, dict[str, tuple[int, Decimal]]]:
    """Treatments performed in the period: count, what they were billed, and their discounts
    (per treatment name: how many were discounted and by how much)."""
    conditions = _treatment_conditions(ctx, period, filters)
    query = (
        select(
            T.treatment_name,
            func.count(),
            func.coalesce(func.sum(T.final_amount), 0),
            func.coalesce(func.sum(T.discount_applied), 0),
            func.count().filter(T.discount_applied > 0),
        )
        .select_from(T)
        .where(*conditions)
        .group_by(T.treatment_name)
    )
    if filters.treatment_kinds:
        query = query.join(C, and_(C.clinic_id == T.clinic_id, C.id == T.treatment_type_id)).where(
            C.category.in_(filters.treatment_kinds)
        )
    count, billed, discounts = 0, ZERO, ZERO
    discounted: dict[str, tuple[int, Decimal]] = {}
    for name, n, final, discount, n_discounted in ctx.session.execute(query):
        count += int(n)
        billed += money(final)
        discounts += money(discount)
        if n_discounted:
            discounted[name] = (int(n_discounted), money(discount))
    return count, billed, discounts, discounted


def _treatment_conditions(
    ctx: ServiceContext, period: ReportRange, filters: ReportFilters
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        T.treatment_date >= period.first,
        T.treatment_date <= period.last,
        T.currency == ctx.clinic.currency,
    ]
    if filters.doctor_ids:
        conditions.append(T.doctor_id.in_(filters.doctor_ids))
    if filters.treatment_type_ids:
        conditions.append(T.treatment_type_id.in_(filters.treatment_type_ids))
    return conditions


# ---- sections ------------------------------------------------------------------------------------


def _fold(groups: dict[Any, Takings], key_of: Callable[[Any], Any]) -> dict[Any, Takings]:
    folded: dict[Any, Takings] = {}
    for key, takings in groups.items():
        _merge(folded.setdefault(key_of(key), Takings()), takings)
    return folded


def _merge(into: Takings, other: Takings) -> None:
    into.payments += other.payments
    into.received += other.received
    into.refunds += other.refunds
    into.refunded += other.refunded
    into.discount += other.discount
    into.tax += other.tax


def _average(total: Decimal, count: int) -> Decimal:
    return total / count if count else ZERO


def _ranked_section(
    key: str,
    title: str,
    label_title: str,
    groups: list[tuple[Cell, Takings]],
    shown: Any,
    chart_kind: ChartKind,
    *,
    with_refunds: bool = False,
) -> Section:
    merged: dict[Cell, Takings] = {}
    for name, takings in groups:
        _merge(merged.setdefault(name, Takings()), takings)
    ordered = sorted(merged.items(), key=lambda pair: (-pair[1].net, str(pair[0])))
    total_net = sum((t.net for _name, t in ordered), ZERO)
    columns = [Column("label", label_title), Column("payments", N_("Payments"), N)]
    if with_refunds:
        columns += [Column("received", N_("Received"), M), Column("refunded", N_("Refunded"), M)]
    columns += [Column("net", N_("Net"), M), Column("share", N_("Share"), ValueKind.PERCENT)]

    def cells(name: Cell, t: Takings) -> tuple[Cell, ...]:
        extra: tuple[Cell, ...] = (shown(t.received), shown(t.refunded)) if with_refunds else ()
        return (name, t.payments, *extra, shown(t.net), rate(t.net, total_net))

    whole = Takings()
    for _name, t in ordered:
        _merge(whole, t)
    rows = tuple(cells(name, t) for name, t in ordered)
    total = (*cells(LazyText(N_("Total")), whole)[:-1], rate(1, 1) if ordered else rate(0, 0))
    charted = ordered[:TOP] if chart_kind is ChartKind.HBAR else _pie_slices(ordered)
    chart = Chart(
        chart_kind,
        tuple(name for name, _t in charted),
        (Series(N_("Net"), tuple(shown(t.net) for _name, t in charted)),),
        M,
    )
    return Section(key, title, Table(tuple(columns), rows, total), chart if ordered else None)


def _pie_slices(ordered: list[tuple[Cell, Takings]]) -> list[tuple[Cell, Takings]]:
    """Positive slices only (a pie cannot show a net refund), the smallest folded into Other."""
    positive = [(name, t) for name, t in ordered if t.net > 0]
    if len(positive) <= 7:
        return positive
    other = Takings()
    for _name, t in positive[6:]:
        _merge(other, t)
    return [*positive[:6], (LazyText(N_("Other")), other)]


def _discount_section(
    treatments: dict[Any, Takings], discounted: dict[str, tuple[int, Decimal]], shown: Any
) -> Section:
    at_payment: dict[Cell, Decimal] = defaultdict(lambda: ZERO)
    for key, takings in treatments.items():
        at_payment[key[1] if key[0] else NO_TREATMENT] += takings.discount
    on_treatment: dict[Cell, tuple[int, Decimal]] = {name: value for name, value in discounted.items()}
    rows = []
    for name in sorted(set(on_treatment) | {n for n, a in at_payment.items() if a}, key=str):
        count, amount = on_treatment.get(name, (0, ZERO))
        payment_discount = at_payment.get(name, ZERO)
        rows.append((name, count, shown(amount), shown(payment_discount), shown(amount + payment_discount)))
    rows.sort(key=lambda row: (-row[4], str(row[0])))
    total = (
        LazyText(N_("Total")),
        sum(row[1] for row in rows),
        shown(sum((row[2] for row in rows), ZERO)),
        shown(sum((row[3] for row in rows), ZERO)),
        shown(sum((row[4] for row in rows), ZERO)),
    )
    return Section(
        "discounts",
        N_("Discounts given"),
        Table(
            (
                Column("treatment", N_("Treatment")),
                Column("discounted", N_("Discounted treatments"), N),
                Column("on_treatment", N_("Discounts on treatments"), M),
                Column("at_payment", N_("Discounts at payment"), M),
                Column("total", N_("Total discounts"), M),
            ),
            tuple(rows),
            total,
        ),
        note=N_(
            "Discounts on treatments count treatments performed in the period; "
            "discounts at payment count payments made in the period."
        ),
    )


def _refund_section(refunds: dict[Any, Takings], shown: Any) -> Section:
    rows = []
    for (day, method), takings in sorted(
        refunds.items(), key=lambda pair: (pair[0][0], pair[0][1].value if pair[0][1] else "")
    ):
        if takings.refunds:
            rows.append(
                (day, label(method.value if method else None), takings.refunds, shown(takings.refunded))
            )
    total = (
        LazyText(N_("Total")),
        None,
        sum(row[2] for row in rows),
        shown(sum((row[3] for row in rows), ZERO)),
    )
    return Section(
        "refunds",
        N_("Refunds"),
        Table(
            (
                Column("date", N_("Date"), ValueKind.DATE),
                Column("method", N_("Method")),
                Column("refunds", N_("Refunds"), N),
                Column("refunded", N_("Refunded"), M),
            ),
            tuple(rows),
            total,
        ),
    )
