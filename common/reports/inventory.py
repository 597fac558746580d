"""Inventory: stock on hand and its value at the end of the period, low stock, and what moved in
the period: received, used (by item and by treatment), adjusted and wasted.

Stock is the sum of an item's movements up to the end of the period's last day (clinic time).
Value is quantity x the item's unit cost (items without a cost are not valued), in the clinic's
currency.

Filters: inventory categories; treatments (usage by treatment).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Final

from sqlalchemy import and_, func, select

from common.context import ServiceContext
from common.i18n import N_, LazyText
from common.inventory.models import InventoryItem, InventoryMovement, MovementKind
from common.payments.money import in_currency
from common.reports import periods
from common.reports.base import ZERO, authorize, finish, label, rate
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

IT, MV, T = InventoryItem, InventoryMovement, TreatmentRecord
N, M = ValueKind.COUNT, ValueKind.MONEY
TOP: Final = 10


@dataclass
class Item:
    id: uuid.UUID
    name: str
    sku: str
    category: str
    minimum: int
    unit_cost: Decimal | None
    on_hand: int = 0
    moved: dict[MovementKind, int] = field(default_factory=lambda: defaultdict(int))

    def value(self, quantity: int) -> Decimal | None:
        return None if self.unit_cost is None else self.unit_cost * quantity


def inventory_report(ctx: ServiceContext, period: ReportRange, filters: ReportFilters) -> ReportData:
    authorize(ctx, "inventory")
    currency = ctx.clinic.currency
    start, end = periods.instant_bounds(period, ctx.tz)

    def shown(amount: Decimal | None) -> Decimal | None:
        return None if amount is None else in_currency(amount, currency)

    query = select(IT.id, IT.name, IT.sku, IT.category, IT.minimum_quantity, IT.unit_cost)
    if filters.inventory_categories:
        query = query.where(IT.category.in_(filters.inventory_categories))
    items = {
        row.id: Item(row.id, row.name, row.sku, row.category.value, row.minimum_quantity, row.unit_cost)
        for row in ctx.session.execute(query)
    }
    for item_id, on_hand in ctx.session.execute(
        select(MV.item_id, func.coalesce(func.sum(MV.quantity), 0))
        .where(MV.occurred_at < end)
        .group_by(MV.item_id)
    ):
        if item_id in items:
            items[item_id].on_hand = int(on_hand)
    for item_id, kind, quantity in ctx.session.execute(
        select(MV.item_id, MV.kind, func.coalesce(func.sum(MV.quantity), 0))
        .where(MV.occurred_at >= start, MV.occurred_at < end)
        .group_by(MV.item_id, MV.kind)
    ):
        if item_id in items:
            items[item_id].moved[kind] += int(quantity)

    ordered = sorted(items.values(), key=lambda item: (item.name, item.sku))
    stock_value = sum((item.value(max(item.on_hand, 0)) or ZERO for item in ordered), ZERO)
    low = [item for item in ordered if item.on_hand <= item.minimum]
    used_value = sum((item.value(-item.moved[MovementKind.USE]) or ZERO for item in ordered), ZERO)
    waste_value = sum((item.value(-item.moved[MovementKind.WASTE]) or ZERO for item in ordered), ZERO)

    by_value = sorted(ordered, key=lambda item: -(item.value(max(item.on_hand, 0)) or ZERO))[:TOP]
    stock = Section(
        "stock",
        N_("Stock and value at the end of the period"),
        Table(
            (
                Column("item", N_("Item")),
                Column("sku", N_("SKU")),
                Column("category", N_("Category")),
                Column("on_hand", N_("On hand"), N),
                Column("minimum", N_("Minimum"), N),
                Column("unit_cost", N_("Unit cost"), M),
                Column("value", N_("Value"), M),
            ),
            tuple(
                (
                    item.name,
                    item.sku,
                    label(item.category),
                    item.on_hand,
                    item.minimum,
                    shown(item.unit_cost),
                    shown(item.value(max(item.on_hand, 0))),
                )
                for item in ordered
            ),
            (
                LazyText(N_("Total")),
                None,
                None,
                sum(i.on_hand for i in ordered),
                None,
                None,
                shown(stock_value),
            ),
        ),
        Chart(
            ChartKind.HBAR,
            tuple(item.name for item in by_value),
            (
                Series(
                    N_("Value"), tuple(shown(item.value(max(item.on_hand, 0))) or ZERO for item in by_value)
                ),
            ),
            M,
        )
        if by_value
        else None,
        N_("Value: quantity on hand times the item's current unit cost."),
    )
    low_section = Section(
        "low_stock",
        N_("Low stock"),
        Table(
            (
                Column("item", N_("Item")),
                Column("sku", N_("SKU")),
                Column("on_hand", N_("On hand"), N),
                Column("minimum", N_("Minimum"), N),
                Column("short", N_("Below minimum by"), N),
            ),
            tuple(
                (item.name, item.sku, item.on_hand, item.minimum, item.minimum - item.on_hand) for item in low
            ),
        ),
        note=N_("Items at or below their minimum quantity at the end of the period."),
    )
    moved = [item for item in ordered if any(item.moved.values())]
    used_ranked = sorted(moved, key=lambda item: (item.moved[MovementKind.USE], item.name))[:TOP]

    def movement_cells(item: Item) -> tuple[Cell, ...]:
        return (
            item.moved[MovementKind.RECEIVE],
            -item.moved[MovementKind.USE],
            -item.moved[MovementKind.WASTE],
            item.moved[MovementKind.ADJUST],
            shown(item.value(-item.moved[MovementKind.USE])),
        )

    movements = Section(
        "usage",
        N_("Received, used and wasted by item"),
        Table(
            (
                Column("item", N_("Item")),
                Column("received", N_("Received"), N),
                Column("used", N_("Used"), N),
                Column("wasted", N_("Wasted"), N),
                Column("adjusted", N_("Adjusted"), N),
                Column("used_value", N_("Value used"), M),
            ),
            tuple((item.name, *movement_cells(item)) for item in moved),
            (
                LazyText(N_("Total")),
                sum(i.moved[MovementKind.RECEIVE] for i in moved),
                -sum(i.moved[MovementKind.USE] for i in moved),
                -sum(i.moved[MovementKind.WASTE] for i in moved),
                sum(i.moved[MovementKind.ADJUST] for i in moved),
                shown(used_value),
            ),
        ),
        Chart(
            ChartKind.HBAR,
            tuple(item.name for item in used_ranked if item.moved[MovementKind.USE]),
            (
                Series(
                    N_("Used"),
                    tuple(
                        -item.moved[MovementKind.USE] for item in used_ranked if item.moved[MovementKind.USE]
                    ),
                ),
            ),
            N,
        )
        if any(item.moved[MovementKind.USE] for item in used_ranked)
        else None,
    )
    waste_items = [item for item in moved if item.moved[MovementKind.WASTE]]
    waste = Section(
        "waste",
        N_("Waste"),
        Table(
            (
                Column("item", N_("Item")),
                Column("wasted", N_("Wasted"), N),
                Column("value", N_("Value"), M),
                Column("share", N_("Share of use"), ValueKind.PERCENT),
            ),
            tuple(
                (
                    item.name,
                    -item.moved[MovementKind.WASTE],
                    shown(item.value(-item.moved[MovementKind.WASTE])),
                    rate(
                        -item.moved[MovementKind.WASTE],
                        -item.moved[MovementKind.WASTE] - item.moved[MovementKind.USE],
                    ),
                )
                for item in waste_items
            ),
            (
                LazyText(N_("Total")),
                -sum(i.moved[MovementKind.WASTE] for i in waste_items),
                shown(waste_value),
                None,
            ),
        ),
        note=N_("Share of use: wasted out of wasted plus used."),
    )
    figures = [
        Figure("stock_value", N_("Stock value"), shown(stock_value), M),
        Figure("items", N_("Items"), len(ordered), N),
        Figure("low_stock", N_("Items low on stock"), len(low), N),
        Figure("used_value", N_("Value used"), shown(used_value), M),
        Figure("waste_value", N_("Value wasted"), shown(waste_value), M),
    ]
    sections = [
        stock,
        low_section,
        movements,
        _by_treatment(ctx, filters, items, start, end),
        waste,
    ]
    return finish(ctx, "inventory", N_("Inventory report"), period, filters, figures, sections)


def _by_treatment(
    ctx: ServiceContext,
    filters: ReportFilters,
    items: dict[uuid.UUID, Item],
    start: datetime,
    end: datetime,
) -> Section:
    query = (
        select(T.treatment_name, MV.item_id, func.count(func.distinct(T.id)), func.sum(MV.quantity))
        .select_from(MV)
        .join(T, and_(T.clinic_id == MV.clinic_id, T.id == MV.treatment_record_id))
        .where(MV.kind == MovementKind.USE, MV.occurred_at >= start, MV.occurred_at < end)
        .group_by(T.treatment_name, MV.item_id)
    )
    if filters.treatment_type_ids:
        query = query.where(T.treatment_type_id.in_(filters.treatment_type_ids))
    currency = ctx.clinic.currency
    rows: list[tuple[str, str, int, int, Decimal | None]] = []
    for name, item_id, treatments, quantity in ctx.session.execute(query):
        item = items.get(item_id)
        if item is not None:
            value = item.value(-int(quantity))
            rows.append((name, item.name, int(treatments), -int(quantity), value))
    rows.sort(key=lambda row: (row[0], row[1]))
    total_value = sum((row[4] or ZERO for row in rows), ZERO)
    return Section(
        "by_treatment",
        N_("Stock used by treatment"),
        Table(
            (
                Column("treatment", N_("Treatment")),
                Column("item", N_("Item")),
                Column("treatments", N_("Treatments"), N),
                Column("used", N_("Used"), N),
                Column("value", N_("Value used"), M),
            ),
            tuple((*row[:4], None if row[4] is None else in_currency(row[4], currency)) for row in rows),
            (
                LazyText(N_("Total")),
                None,
                None,
                sum(row[3] for row in rows),
                in_currency(total_value, currency),
            ),
        ),
    )
