"""What the Inventory screen shows, as frozen rows made on the database worker: every item with
its stock (the sum of its movements), its codes and where it is kept; the reorder requests; one
item's recent movements."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from common.context import ServiceContext
from common.inventory.models import InventoryCategory, MovementKind, ReorderStatus, UnitOfMeasure
from common.inventory.service import item_codes, item_history, list_items, list_reorders, stock_levels

OPEN_REORDERS = frozenset({ReorderStatus.REQUESTED, ReorderStatus.ORDERED})


@dataclass(frozen=True)
class ItemRow:
    id: uuid.UUID
    name: str
    sku: str
    category: InventoryCategory
    unit: UnitOfMeasure
    quantity: int
    minimum: int
    maximum: int | None
    is_tracked: bool
    location: str | None
    description: str | None
    manufacturer_code: str | None
    code: str | None  # the clinic's own code, if issued
    unit_cost: Decimal | None
    supplier: str | None
    supplier_phone: str | None
    supplier_email: str | None
    last_restocked: date | None
    on_order: int  # units in open reorder requests

    @property
    def is_low(self) -> bool:
        return self.quantity <= self.minimum

    @property
    def is_negative(self) -> bool:
        return self.quantity < 0

    @property
    def printable_code(self) -> str | None:
        return self.code or self.manufacturer_code

    @property
    def suggested_order(self) -> int:
        """Enough to reach the maximum, or twice the minimum when there is none."""
        target = self.maximum if self.maximum is not None else max(self.minimum * 2, self.minimum + 1)
        return max(1, target - self.quantity - self.on_order)


@dataclass(frozen=True)
class ReorderRow:
    id: uuid.UUID
    item_id: uuid.UUID
    item_name: str
    quantity: int
    status: ReorderStatus
    supplier: str | None
    notes: str | None
    requested_at: datetime
    requested_by: uuid.UUID | None
    ordered_at: datetime | None
    received_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REORDERS


@dataclass(frozen=True)
class MovementRow:
    id: uuid.UUID
    kind: MovementKind
    quantity: int
    balance_after: int
    reason: str | None
    occurred_at: datetime
    performed_by: uuid.UUID | None
    for_treatment: bool


@dataclass(frozen=True)
class InventoryView:
    items: tuple[ItemRow, ...]
    reorders: tuple[ReorderRow, ...]  # newest first

    def item(self, item_id: uuid.UUID | None) -> ItemRow | None:
        return next((row for row in self.items if row.id == item_id), None)

    def find_code(self, value: str) -> ItemRow | None:
        """The item whose own or manufacturer code is `value` (as typed or scanned)."""
        wanted = value.strip().replace("-", "").upper()
        if not wanted:
            return None
        for row in self.items:
            for code in (row.code, row.manufacturer_code):
                if code and code.replace("-", "").upper() == wanted:
                    return row
        return None


def _text(info: dict[str, object], key: str) -> str | None:
    value = info.get(key)
    return str(value) if value else None


def inventory_view(ctx: ServiceContext) -> InventoryView:
    levels = {level.item_id: level for level in stock_levels(ctx)}
    codes = item_codes(ctx)
    reorders = list_reorders(ctx)
    on_order: dict[uuid.UUID, int] = {}
    for request in reorders:
        if request.status in OPEN_REORDERS:
            on_order[request.item_id] = on_order.get(request.item_id, 0) + request.quantity
    items = []
    for item in list_items(ctx):
        level = levels.get(item.id)
        info = dict(item.supplier_info or {})
        items.append(
            ItemRow(
                id=item.id,
                name=item.name,
                sku=item.sku,
                category=item.category,
                unit=item.unit_of_measure,
                quantity=level.quantity if level is not None else 0,
                minimum=item.minimum_quantity,
                maximum=item.maximum_quantity,
                is_tracked=item.is_tracked,
                location=item.location,
                description=item.description,
                manufacturer_code=item.barcode_value,
                code=codes.get(item.id),
                unit_cost=item.unit_cost,
                supplier=_text(info, "name"),
                supplier_phone=_text(info, "phone"),
                supplier_email=_text(info, "email"),
                last_restocked=item.last_restocked,
                on_order=on_order.get(item.id, 0),
            )
        )
    names = {row.id: row.name for row in items}
    rows = tuple(
        ReorderRow(
            id=request.id,
            item_id=request.item_id,
            item_name=names.get(request.item_id, ""),
            quantity=request.quantity,
            status=request.status,
            supplier=request.supplier,
            notes=request.notes,
            requested_at=request.created_at,
            requested_by=request.requested_by,
            ordered_at=request.ordered_at,
            received_at=request.received_at,
        )
        for request in sorted(reorders, key=lambda r: (r.created_at, r.id), reverse=True)
    )
    return InventoryView(tuple(items), rows)


def movements_of(ctx: ServiceContext, item_id: uuid.UUID, limit: int = 40) -> tuple[MovementRow, ...]:
    return tuple(
        MovementRow(
            id=line.movement.id,
            kind=line.movement.kind,
            quantity=line.movement.quantity,
            balance_after=line.balance_after,
            reason=line.movement.reason,
            occurred_at=line.movement.occurred_at,
            performed_by=line.movement.performed_by,
            for_treatment=line.movement.treatment_record_id is not None,
        )
        for line in item_history(ctx, item_id, limit=limit)
    )
