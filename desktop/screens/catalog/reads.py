"""What the Catalog screen shows, as frozen rows made on the database worker: the category tree,
every treatment (deactivated ones too) with its code and its materials named, and the stock items
a treatment may use."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from common.catalog.models import TreatmentKind
from common.catalog.service import list_categories, list_treatments, treatment_codes
from common.context import ServiceContext
from common.inventory.models import UnitOfMeasure
from common.inventory.service import stock_levels
from common.payments.money import in_currency


@dataclass(frozen=True)
class CategoryRow:
    id: uuid.UUID
    name: str
    kind: TreatmentKind
    parent_id: uuid.UUID | None
    sort_order: int
    is_active: bool


@dataclass(frozen=True)
class StockChoice:
    """An inventory item a treatment can use, with its stock now."""

    id: uuid.UUID
    name: str
    sku: str
    unit: UnitOfMeasure
    stock: int
    is_low: bool


@dataclass(frozen=True)
class MaterialRow:
    item_id: uuid.UUID
    quantity: int
    name: str | None  # None: the item was removed from the inventory


@dataclass(frozen=True)
class TreatmentRow:
    id: uuid.UUID
    name: str
    kind: TreatmentKind
    category_id: uuid.UUID | None
    subcategory: str | None
    duration_minutes: int
    price: Decimal
    currency: str
    is_active: bool
    requires_doctor_approval: bool
    description: str | None
    instructions: str | None
    cautions: tuple[str, ...]
    advantages: tuple[str, ...]
    recommended_for: tuple[str, ...]
    materials: tuple[MaterialRow, ...]
    follow_up_interval_days: int | None
    next_treatment_id: uuid.UUID | None
    code: str | None


@dataclass(frozen=True)
class CatalogView:
    categories: tuple[CategoryRow, ...]  # top-level ones, each followed by its subcategories
    treatments: tuple[TreatmentRow, ...]
    stock: tuple[StockChoice, ...]

    def category(self, category_id: uuid.UUID | None) -> CategoryRow | None:
        return next((row for row in self.categories if row.id == category_id), None)

    def treatment(self, item_id: uuid.UUID | None) -> TreatmentRow | None:
        return next((row for row in self.treatments if row.id == item_id), None)

    def children(self, category_id: uuid.UUID) -> tuple[CategoryRow, ...]:
        return tuple(row for row in self.categories if row.parent_id == category_id)


def catalog_view(ctx: ServiceContext) -> CatalogView:
    categories: list[CategoryRow] = []
    for node in list_categories(ctx, include_inactive=True):
        for category in (node.category, *node.subcategories):
            categories.append(
                CategoryRow(
                    category.id,
                    category.name,
                    category.kind,
                    category.parent_id,
                    category.sort_order,
                    category.is_active,
                )
            )
    stock = tuple(
        StockChoice(level.item_id, level.name, level.sku, level.unit_of_measure, level.quantity, level.is_low)
        for level in stock_levels(ctx)
    )
    names = {choice.id: choice.name for choice in stock}
    codes = treatment_codes(ctx)
    treatments = tuple(
        TreatmentRow(
            id=item.id,
            name=item.name,
            kind=item.category,
            category_id=item.category_id,
            subcategory=item.subcategory,
            duration_minutes=item.duration_minutes,
            price=in_currency(item.base_price, item.currency),
            currency=item.currency,
            is_active=item.is_active,
            requires_doctor_approval=item.requires_doctor_approval,
            description=item.description,
            instructions=item.instructions,
            cautions=tuple(item.cautions or ()),
            advantages=tuple(item.advantages or ()),
            recommended_for=tuple(item.recommended_for or ()),
            materials=tuple(_materials(item.default_inventory_items or [], names)),
            follow_up_interval_days=item.follow_up_interval_days,
            next_treatment_id=item.next_treatment_id,
            code=codes.get(item.id),
        )
        for item in list_treatments(ctx, include_inactive=True)
    )
    return CatalogView(tuple(categories), treatments, stock)


def _materials(lines: list[dict[str, object]], names: dict[uuid.UUID, str]) -> list[MaterialRow]:
    rows = []
    for line in lines:
        try:
            item_id = uuid.UUID(str(line.get("item_id")))
            quantity = int(str(line.get("quantity")))
        except ValueError:
            continue
        rows.append(MaterialRow(item_id, quantity, names.get(item_id)))
    return rows
