"""Stock primitives shared by the inventory service and the treatment service.

Stock is never stored: it is the sum of an item's movements. These helpers neither check
permissions nor audit; the operation that calls them does both.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import Select, and_, func, select

from common.audit.models import ActorType
from common.context import ServiceContext
from common.ids import new_id
from common.inventory.errors import InvalidMaterials, UnknownMaterial
from common.inventory.models import (
    InventoryCategory,
    InventoryItem,
    InventoryMovement,
    MovementKind,
    UnitOfMeasure,
)

MAX_MOVEMENT_QUANTITY: Final = 1_000_000


@dataclass(frozen=True)
class MaterialLine:
    """An inventory item and how many units of it one treatment uses."""

    item_id: uuid.UUID
    quantity: int

    def as_json(self) -> dict[str, Any]:
        return {"item_id": str(self.item_id), "quantity": self.quantity}


MaterialInput = MaterialLine | Mapping[str, Any]


@dataclass(frozen=True)
class StockLevel:
    item_id: uuid.UUID
    name: str
    sku: str
    category: InventoryCategory
    unit_of_measure: UnitOfMeasure
    quantity: int
    minimum_quantity: int
    maximum_quantity: int | None
    is_tracked: bool

    @property
    def is_low(self) -> bool:
        return self.quantity <= self.minimum_quantity

    @property
    def is_negative(self) -> bool:
        return self.quantity < 0


def parse_material_lines(ctx: ServiceContext, lines: Iterable[MaterialInput]) -> list[MaterialLine]:
    """Validate `[{item_id, quantity}]` (or `MaterialLine`s): live items, whole positive quantities.

    The same item listed twice is one line with the quantities added, in first-seen order.
    """
    merged: dict[uuid.UUID, int] = {}
    for line in lines:
        item_id, quantity = _line_parts(line)
        merged[item_id] = merged.get(item_id, 0) + quantity
        if merged[item_id] > MAX_MOVEMENT_QUANTITY:
            raise InvalidMaterials(maximum=MAX_MOVEMENT_QUANTITY)
    if merged:
        found = set(ctx.session.scalars(select(InventoryItem.id).where(InventoryItem.id.in_(list(merged)))))
        for item_id in merged:
            if item_id not in found:
                raise UnknownMaterial(item_id=str(item_id))
    return [MaterialLine(item_id, quantity) for item_id, quantity in merged.items()]


def _line_parts(line: MaterialInput) -> tuple[uuid.UUID, int]:
    if isinstance(line, MaterialLine):
        raw_id: Any = line.item_id
        quantity: Any = line.quantity
    else:
        raw_id, quantity = line.get("item_id"), line.get("quantity")
    try:
        item_id = raw_id if isinstance(raw_id, uuid.UUID) else uuid.UUID(str(raw_id))
    except ValueError:
        raise InvalidMaterials(maximum=MAX_MOVEMENT_QUANTITY) from None
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidMaterials(maximum=MAX_MOVEMENT_QUANTITY)
    if not 1 <= quantity <= MAX_MOVEMENT_QUANTITY:
        raise InvalidMaterials(maximum=MAX_MOVEMENT_QUANTITY)
    return item_id, quantity


def new_movement(
    ctx: ServiceContext,
    item_id: uuid.UUID,
    kind: MovementKind,
    quantity: int,
    *,
    reason: str | None = None,
    unit_cost: Decimal | None = None,
    treatment_record_id: uuid.UUID | None = None,
    reorder_request_id: uuid.UUID | None = None,
) -> InventoryMovement:
    """A movement happening now, by the acting staff member (not yet added to the session)."""
    return InventoryMovement(
        id=new_id(),
        clinic_id=ctx.clinic_id,
        item_id=item_id,
        kind=kind,
        quantity=quantity,
        reason=reason,
        unit_cost=unit_cost,
        treatment_record_id=treatment_record_id,
        reorder_request_id=reorder_request_id,
        occurred_at=ctx.now(),
        performed_by=acting_staff_id(ctx),
    )


def add_movement(
    ctx: ServiceContext,
    item_id: uuid.UUID,
    kind: MovementKind,
    quantity: int,
    *,
    reason: str | None = None,
    unit_cost: Decimal | None = None,
    reorder_request_id: uuid.UUID | None = None,
) -> InventoryMovement:
    movement = new_movement(
        ctx,
        item_id,
        kind,
        quantity,
        reason=reason,
        unit_cost=unit_cost,
        reorder_request_id=reorder_request_id,
    )
    ctx.session.add(movement)
    return movement


def treatment_use_movements(
    ctx: ServiceContext, lines: Sequence[MaterialLine], treatment_record_id: uuid.UUID
) -> list[InventoryMovement]:
    """One `use` movement (negative) per material of a treatment; the caller adds them once the
    treatment record is flushed (they reference it)."""
    return [
        new_movement(
            ctx, line.item_id, MovementKind.USE, -line.quantity, treatment_record_id=treatment_record_id
        )
        for line in lines
    ]


def stock_levels_query() -> Select[*tuple[Any, ...]]:
    """Every live item with its stock, in one grouped query (the item's key makes the other
    item columns functionally dependent, which PostgreSQL accepts in GROUP BY)."""
    stock = func.coalesce(func.sum(InventoryMovement.quantity), 0).label("quantity")
    return (
        select(
            InventoryItem.id,
            InventoryItem.name,
            InventoryItem.sku,
            InventoryItem.category,
            InventoryItem.unit_of_measure,
            stock,
            InventoryItem.minimum_quantity,
            InventoryItem.maximum_quantity,
            InventoryItem.is_tracked,
        )
        .outerjoin(
            InventoryMovement,
            and_(
                InventoryMovement.clinic_id == InventoryItem.clinic_id,
                InventoryMovement.item_id == InventoryItem.id,
            ),
        )
        .group_by(InventoryItem.clinic_id, InventoryItem.id)
        .order_by(InventoryItem.name, InventoryItem.id)
    )


def read_levels(ctx: ServiceContext, query: Select[*tuple[Any, ...]]) -> list[StockLevel]:
    return [
        StockLevel(
            item_id=row.id,
            name=row.name,
            sku=row.sku,
            category=row.category,
            unit_of_measure=row.unit_of_measure,
            quantity=int(row.quantity),
            minimum_quantity=row.minimum_quantity,
            maximum_quantity=row.maximum_quantity,
            is_tracked=row.is_tracked,
        )
        for row in ctx.session.execute(query)
    ]


def levels_of(ctx: ServiceContext, item_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, StockLevel]:
    ids = list(item_ids)
    if not ids:
        return {}
    levels = read_levels(ctx, stock_levels_query().where(InventoryItem.id.in_(ids)))
    return {level.item_id: level for level in levels}


def acting_staff_id(ctx: ServiceContext) -> uuid.UUID | None:
    """The acting staff member, for *_by columns (a kiosk or the system is no staff user)."""
    return ctx.actor.id if ctx.actor.type is ActorType.STAFF else None
