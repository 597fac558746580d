"""Inventory: items, stock movements, stock levels, low stock and reorder requests.

Stock is the sum of an item's insert-only movements (receive +, use -, adjust ±, waste -), so
desks that move stock offline converge when their movements meet on the server. A movement that
takes stock below zero is recorded, not refused: the local replica may not have seen another
desk's delivery yet, and the goods have physically moved either way. The result says so, and a
counted `adjust` puts the book right.

Inventory holds no patient data, so these operations are not audited (a treatment's use of
materials is part of the treatment's own audited operation).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from sqlalchemy import func, select

from common.access.permissions import Permission
from common.barcodes.models import BarcodeEntityType, BarcodeMapping
from common.catalog.models import TreatmentCatalogItem
from common.context import ServiceContext
from common.errors import Conflict
from common.fields import UNSET, Unset, optional_text
from common.i18n import L_
from common.ids import new_id
from common.inventory.errors import (
    DuplicateItemBarcode,
    DuplicateSku,
    InvalidAdjustment,
    InvalidItemBarcode,
    InvalidQuantity,
    InvalidStockLimits,
    InvalidUnitCost,
    InventoryItemNotFound,
    ItemInUseByCatalog,
    ItemNameRequired,
    ReasonRequired,
    ReorderNotFound,
    ReorderTransitionRefused,
    SkuRequired,
)
from common.inventory.models import (
    InventoryCategory,
    InventoryItem,
    InventoryMovement,
    MovementKind,
    ReorderRequest,
    ReorderStatus,
    UnitOfMeasure,
)
from common.inventory.stock import (
    MAX_MOVEMENT_QUANTITY,
    StockLevel,
    acting_staff_id,
    add_movement,
    levels_of,
    read_levels,
    stock_levels_query,
)
from common.storage.session import live_row
from common.storage.types import MONEY_SCALE

P = Permission
_REASON_MAX: Final = 500
_OPEN_REORDER: Final = frozenset({ReorderStatus.REQUESTED, ReorderStatus.ORDERED})


@dataclass(frozen=True)
class StockChange:
    """A recorded movement and the item's stock right after it."""

    movement: InventoryMovement
    stock_after: int
    minimum_quantity: int

    @property
    def is_negative(self) -> bool:
        return self.stock_after < 0

    @property
    def is_low(self) -> bool:
        return self.stock_after <= self.minimum_quantity


@dataclass(frozen=True)
class HistoryLine:
    """One movement of an item and the stock after it (in movement order)."""

    movement: InventoryMovement
    balance_after: int


# ---- items -------------------------------------------------------------------------------------


def create_item(
    ctx: ServiceContext,
    *,
    name: str,
    sku: str,
    category: InventoryCategory,
    unit_of_measure: UnitOfMeasure = UnitOfMeasure.EACH,
    minimum_quantity: int = 5,
    maximum_quantity: int | None = None,
    description: str | None = None,
    barcode_value: str | None = None,
    supplier_info: dict[str, Any] | None = None,
    unit_cost: Decimal | int | str | None = None,
    location: str | None = None,
    is_tracked: bool = False,
    next_restock_date: date | None = None,
    item_id: uuid.UUID | None = None,
) -> InventoryItem:
    """Add a stock item (its stock starts at zero: receive its first delivery). `item_id`: the id
    a device made for it, so the row is the same row on every replica."""
    ctx.authorize(P.INVENTORY_MANAGE, entity_type="inventory")
    clean_sku = _sku(sku)
    _ensure_sku_free(ctx, clean_sku, None)
    barcode = _barcode(barcode_value)
    if barcode is not None:
        _ensure_barcode_free(ctx, barcode, None)
    _check_limits(minimum_quantity, maximum_quantity)
    item = InventoryItem(
        id=item_id if item_id is not None else new_id(),
        clinic_id=ctx.clinic_id,
        name=_name(name),
        sku=clean_sku,
        category=InventoryCategory(category),
        unit_of_measure=UnitOfMeasure(unit_of_measure),
        minimum_quantity=minimum_quantity,
        maximum_quantity=maximum_quantity,
        description=optional_text(description, field=L_("description")),
        barcode_value=barcode,
        supplier_info=dict(supplier_info or {}),
        unit_cost=_unit_cost(unit_cost),
        location=optional_text(location, field=L_("location"), maximum=100),
        is_tracked=is_tracked,
        next_restock_date=next_restock_date,
    )
    ctx.session.add(item)
    ctx.session.flush()
    return item


def update_item(
    ctx: ServiceContext,
    item_id: uuid.UUID,
    *,
    name: str | Unset = UNSET,
    sku: str | Unset = UNSET,
    category: InventoryCategory | Unset = UNSET,
    unit_of_measure: UnitOfMeasure | Unset = UNSET,
    minimum_quantity: int | Unset = UNSET,
    maximum_quantity: int | Unset | None = UNSET,
    description: str | Unset | None = UNSET,
    barcode_value: str | Unset | None = UNSET,
    supplier_info: dict[str, Any] | Unset = UNSET,
    unit_cost: Decimal | int | str | Unset | None = UNSET,
    location: str | Unset | None = UNSET,
    is_tracked: bool | Unset = UNSET,
    next_restock_date: date | Unset | None = UNSET,
    expected_version: int | None = None,
) -> InventoryItem:
    """Change the given fields only; stock itself is changed by movements, never here."""
    ctx.authorize(P.INVENTORY_MANAGE, entity_type="inventory", entity_id=item_id)
    item = _item(ctx, item_id)
    if expected_version is not None and item.version != expected_version:
        raise Conflict()
    changes: dict[str, Any] = {}
    if name is not UNSET:
        changes["name"] = _name(name)
    if sku is not UNSET:
        changes["sku"] = _sku(sku)
        if changes["sku"].upper() != item.sku.upper():
            _ensure_sku_free(ctx, changes["sku"], item.id)
    if category is not UNSET:
        changes["category"] = InventoryCategory(category)
    if unit_of_measure is not UNSET:
        changes["unit_of_measure"] = UnitOfMeasure(unit_of_measure)
    if minimum_quantity is not UNSET:
        changes["minimum_quantity"] = minimum_quantity
    if maximum_quantity is not UNSET:
        changes["maximum_quantity"] = maximum_quantity
    _check_limits(
        changes.get("minimum_quantity", item.minimum_quantity),
        changes.get("maximum_quantity", item.maximum_quantity),
    )
    if description is not UNSET:
        changes["description"] = optional_text(description, field=L_("description"))
    if barcode_value is not UNSET:
        changes["barcode_value"] = _barcode(barcode_value)
        if changes["barcode_value"] is not None:
            _ensure_barcode_free(ctx, changes["barcode_value"], item.id)
    if supplier_info is not UNSET:
        changes["supplier_info"] = dict(supplier_info)
    if unit_cost is not UNSET:
        changes["unit_cost"] = _unit_cost(unit_cost)
    if location is not UNSET:
        changes["location"] = optional_text(location, field=L_("location"), maximum=100)
    if is_tracked is not UNSET:
        changes["is_tracked"] = is_tracked
    if next_restock_date is not UNSET:
        changes["next_restock_date"] = next_restock_date
    for field, value in changes.items():
        if getattr(item, field) != value:
            setattr(item, field, value)
    ctx.session.flush()
    return item


def remove_item(ctx: ServiceContext, item_id: uuid.UUID) -> None:
    """Tombstone an item. Refused while an active treatment lists it as a default material,
    so recording that treatment cannot fail on a vanished item. Its movements stay."""
    ctx.authorize(P.INVENTORY_MANAGE, entity_type="inventory", entity_id=item_id)
    item = _item(ctx, item_id)
    key = str(item.id)
    defaults = ctx.session.scalars(
        select(TreatmentCatalogItem.default_inventory_items).where(TreatmentCatalogItem.is_active.is_(True))
    )
    users = sum(1 for lines in defaults if any(str(line.get("item_id")) == key for line in lines or []))
    if users:
        raise ItemInUseByCatalog(count=users)
    item.deleted_at = ctx.now()
    ctx.session.flush()


def get_item(ctx: ServiceContext, item_id: uuid.UUID) -> InventoryItem:
    ctx.authorize(P.INVENTORY_READ, entity_type="inventory", entity_id=item_id)
    return _item(ctx, item_id)


def list_items(ctx: ServiceContext, *, category: InventoryCategory | None = None) -> list[InventoryItem]:
    ctx.authorize(P.INVENTORY_READ, entity_type="inventory")
    query = select(InventoryItem).order_by(InventoryItem.name, InventoryItem.id)
    if category is not None:
        query = query.where(InventoryItem.category == category)
    return list(ctx.session.scalars(query))


def find_item_by_barcode(ctx: ServiceContext, barcode_value: str) -> InventoryItem | None:
    """The item with this manufacturer barcode (EAN/UPC/GS1), if any."""
    ctx.authorize(P.INVENTORY_READ, entity_type="inventory")
    value = barcode_value.strip()
    if not value:
        return None
    return ctx.session.scalars(select(InventoryItem).where(InventoryItem.barcode_value == value)).first()


def issue_item_code(ctx: ServiceContext, item_id: uuid.UUID) -> BarcodeMapping:
    """Issue the clinic's own code for an item: a Medicine code for medicines, else Inventory."""
    from common.barcodes.service import issue_code

    ctx.authorize(P.BARCODE_MANAGE, entity_type="inventory", entity_id=item_id)
    item = _item(ctx, item_id)
    kind = (
        BarcodeEntityType.MEDICINE
        if item.category is InventoryCategory.MEDICINE
        else BarcodeEntityType.INVENTORY
    )
    return issue_code(ctx, kind, item.id)


def item_codes(ctx: ServiceContext, item_ids: Iterable[uuid.UUID] | None = None) -> dict[uuid.UUID, str]:
    """The clinic's own active code of each item that has one (of `item_ids`, or all); the newest
    wins. Items without one may still carry a manufacturer barcode (`barcode_value`)."""
    ctx.authorize(P.INVENTORY_READ, entity_type="inventory")
    query = (
        select(BarcodeMapping.entity_id, BarcodeMapping.barcode_value)
        .where(
            BarcodeMapping.entity_type.in_([BarcodeEntityType.INVENTORY, BarcodeEntityType.MEDICINE]),
            BarcodeMapping.is_active.is_(True),
        )
        .order_by(BarcodeMapping.generated_at, BarcodeMapping.id)
    )
    if item_ids is not None:
        query = query.where(BarcodeMapping.entity_id.in_(list(item_ids)))
    return {row.entity_id: row.barcode_value for row in ctx.session.execute(query)}


# ---- movements ---------------------------------------------------------------------------------


def receive_stock(
    ctx: ServiceContext,
    item_id: uuid.UUID,
    quantity: int,
    *,
    unit_cost: Decimal | int | str | None = None,
    reason: str | None = None,
) -> StockChange:
    """Goods in: a positive movement; the item's last restock date (clinic-local) and, if
    given, its unit cost follow the delivery."""
    ctx.authorize(P.INVENTORY_MOVE, entity_type="inventory", entity_id=item_id)
    item = _item(ctx, item_id)
    reason_text = optional_text(reason, field=L_("reason"), maximum=_REASON_MAX)
    return _receive(ctx, item, _quantity(quantity), _unit_cost(unit_cost), reason_text)


def use_stock(
    ctx: ServiceContext, item_id: uuid.UUID, quantity: int, *, reason: str | None = None
) -> StockChange:
    """Goods used outside a treatment record (a treatment records its own use)."""
    ctx.authorize(P.INVENTORY_MOVE, entity_type="inventory", entity_id=item_id)
    item = _item(ctx, item_id)
    movement = add_movement(
        ctx,
        item.id,
        MovementKind.USE,
        -_quantity(quantity),
        reason=optional_text(reason, field=L_("reason"), maximum=_REASON_MAX),
    )
    return _change(ctx, item, movement)


def adjust_stock(ctx: ServiceContext, item_id: uuid.UUID, delta: int, *, reason: str) -> StockChange:
    """A signed correction (after a count, a found box, a data-entry mistake); the reason is required."""
    ctx.authorize(P.INVENTORY_MOVE, entity_type="inventory", entity_id=item_id)
    item = _item(ctx, item_id)
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
        raise InvalidAdjustment()
    if abs(delta) > MAX_MOVEMENT_QUANTITY:
        raise InvalidQuantity(maximum=MAX_MOVEMENT_QUANTITY)
    movement = add_movement(ctx, item.id, MovementKind.ADJUST, delta, reason=_reason(reason))
    return _change(ctx, item, movement)


def record_waste(ctx: ServiceContext, item_id: uuid.UUID, quantity: int, *, reason: str) -> StockChange:
    """Goods thrown away (expired, broken, contaminated); the reason is required."""
    ctx.authorize(P.INVENTORY_MOVE, entity_type="inventory", entity_id=item_id)
    item = _item(ctx, item_id)
    movement = add_movement(ctx, item.id, MovementKind.WASTE, -_quantity(quantity), reason=_reason(reason))
    return _change(ctx, item, movement)


def item_history(ctx: ServiceContext, item_id: uuid.UUID, *, limit: int | None = None) -> list[HistoryLine]:
    """An item's movements, newest first, each with the stock after it (one windowed query)."""
    ctx.authorize(P.INVENTORY_READ, entity_type="inventory", entity_id=item_id)
    item = _item(ctx, item_id)
    order = (InventoryMovement.occurred_at, InventoryMovement.created_at, InventoryMovement.id)
    # The window runs oldest first whatever order the rows come back in.
    balance = func.sum(InventoryMovement.quantity).over(order_by=order)
    query = (
        select(InventoryMovement, balance)
        .where(InventoryMovement.item_id == item.id)
        .order_by(*(column.desc() for column in order))
    )
    if limit is not None:
        query = query.limit(limit)
    return [HistoryLine(row[0], int(row[1])) for row in ctx.session.execute(query)]


# ---- stock levels ------------------------------------------------------------------------------


def stock_levels(ctx: ServiceContext, *, category: InventoryCategory | None = None) -> list[StockLevel]:
    """Every item's stock, in one grouped query."""
    ctx.authorize(P.INVENTORY_READ, entity_type="inventory")
    query = stock_levels_query()
    if category is not None:
        query = query.where(InventoryItem.category == category)
    return read_levels(ctx, query)


def low_stock(ctx: ServiceContext) -> list[StockLevel]:
    """Items at or below their minimum quantity, in one grouped query."""
    ctx.authorize(P.INVENTORY_READ, entity_type="inventory")
    stock = func.coalesce(func.sum(InventoryMovement.quantity), 0)
    return read_levels(ctx, stock_levels_query().having(stock <= InventoryItem.minimum_quantity))


# ---- reorder requests --------------------------------------------------------------------------


def request_reorder(
    ctx: ServiceContext,
    item_id: uuid.UUID,
    quantity: int,
    *,
    supplier: str | None = None,
    notes: str | None = None,
    reorder_id: uuid.UUID | None = None,
) -> ReorderRequest:
    """Ask for more of an item. `reorder_id`: the id a device made for the request."""
    ctx.authorize(P.INVENTORY_MOVE, entity_type="inventory", entity_id=item_id)
    item = _item(ctx, item_id)
    request = ReorderRequest(
        id=reorder_id if reorder_id is not None else new_id(),
        clinic_id=ctx.clinic_id,
        item_id=item.id,
        quantity=_quantity(quantity),
        status=ReorderStatus.REQUESTED,
        requested_by=acting_staff_id(ctx),
        supplier=optional_text(supplier, field=L_("supplier"), maximum=255),
        notes=optional_text(notes, field=L_("notes")),
    )
    ctx.session.add(request)
    ctx.session.flush()
    return request


def mark_reorder_ordered(ctx: ServiceContext, reorder_id: uuid.UUID) -> ReorderRequest:
    ctx.authorize(P.INVENTORY_MANAGE, entity_type="inventory", entity_id=reorder_id)
    request = _reorder(ctx, reorder_id)
    _transition(request, ReorderStatus.ORDERED, allowed_from={ReorderStatus.REQUESTED})
    request.ordered_at = ctx.now()
    ctx.session.flush()
    return request


def receive_reorder(
    ctx: ServiceContext,
    reorder_id: uuid.UUID,
    *,
    quantity: int | None = None,
    unit_cost: Decimal | int | str | None = None,
) -> StockChange:
    """The delivery arrived: mark the request received and book a `receive` movement for it
    (the requested quantity unless the delivery differs)."""
    ctx.authorize(P.INVENTORY_MOVE, entity_type="inventory", entity_id=reorder_id)
    request = _reorder(ctx, reorder_id)
    _transition(request, ReorderStatus.RECEIVED, allowed_from=_OPEN_REORDER)
    item = _item(ctx, request.item_id)
    received = _quantity(request.quantity if quantity is None else quantity)
    request.received_at = ctx.now()
    return _receive(ctx, item, received, _unit_cost(unit_cost), None, reorder_request_id=request.id)


def cancel_reorder(
    ctx: ServiceContext, reorder_id: uuid.UUID, *, reason: str | None = None
) -> ReorderRequest:
    ctx.authorize(P.INVENTORY_MANAGE, entity_type="inventory", entity_id=reorder_id)
    request = _reorder(ctx, reorder_id)
    _transition(request, ReorderStatus.CANCELLED, allowed_from=_OPEN_REORDER)
    note = optional_text(reason, field=L_("reason"))
    if note is not None:
        request.notes = f"{request.notes}\n{note}" if request.notes else note
    ctx.session.flush()
    return request


def list_reorders(
    ctx: ServiceContext, *, status: ReorderStatus | None = None, open_only: bool = False
) -> list[ReorderRequest]:
    ctx.authorize(P.INVENTORY_READ, entity_type="inventory")
    query = select(ReorderRequest).order_by(ReorderRequest.created_at, ReorderRequest.id)
    if status is not None:
        query = query.where(ReorderRequest.status == status)
    if open_only:
        query = query.where(ReorderRequest.status.in_(_OPEN_REORDER))
    return list(ctx.session.scalars(query))


# ---- helpers -----------------------------------------------------------------------------------


def _item(ctx: ServiceContext, item_id: uuid.UUID) -> InventoryItem:
    item = live_row(ctx.session, InventoryItem, item_id)
    if item is None:
        raise InventoryItemNotFound()
    return item


def _reorder(ctx: ServiceContext, reorder_id: uuid.UUID) -> ReorderRequest:
    request = live_row(ctx.session, ReorderRequest, reorder_id)
    if request is None:
        raise ReorderNotFound()
    return request


def _transition(
    request: ReorderRequest,
    target: ReorderStatus,
    *,
    allowed_from: frozenset[ReorderStatus] | set[ReorderStatus],
) -> None:
    if request.status not in allowed_from:
        raise ReorderTransitionRefused(status=L_(request.status.value), target=L_(target.value))
    request.status = target


def _receive(
    ctx: ServiceContext,
    item: InventoryItem,
    quantity: int,
    unit_cost: Decimal | None,
    reason: str | None,
    *,
    reorder_request_id: uuid.UUID | None = None,
) -> StockChange:
    movement = add_movement(
        ctx,
        item.id,
        MovementKind.RECEIVE,
        quantity,
        reason=reason,
        unit_cost=unit_cost,
        reorder_request_id=reorder_request_id,
    )
    today = _local_date(ctx, ctx.now())
    if item.last_restocked != today:
        item.last_restocked = today
    if unit_cost is not None and item.unit_cost != unit_cost:
        item.unit_cost = unit_cost
    return _change(ctx, item, movement)


def _change(ctx: ServiceContext, item: InventoryItem, movement: InventoryMovement) -> StockChange:
    level = levels_of(ctx, [item.id])[item.id]
    return StockChange(movement, level.quantity, level.minimum_quantity)


def _local_date(ctx: ServiceContext, instant: datetime) -> date:
    return instant.astimezone(ctx.tz).date()


def _name(name: str) -> str:
    text = optional_text(name, field=L_("name"), maximum=255)
    if text is None:
        raise ItemNameRequired()
    return text


def _sku(sku: str) -> str:
    text = optional_text(sku, field=L_("SKU"), maximum=100)
    if text is None:
        raise SkuRequired()
    return text


def _barcode(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    if len(text) > 64 or not text.isprintable() or any(ch.isspace() for ch in text):
        raise InvalidItemBarcode()
    return text


def _reason(reason: str | None) -> str:
    text = optional_text(reason, field=L_("reason"), maximum=_REASON_MAX)
    if text is None:
        raise ReasonRequired()
    return text


def _quantity(quantity: int) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidQuantity(maximum=MAX_MOVEMENT_QUANTITY)
    if not 1 <= quantity <= MAX_MOVEMENT_QUANTITY:
        raise InvalidQuantity(maximum=MAX_MOVEMENT_QUANTITY)
    return quantity


def _unit_cost(value: Decimal | int | str | None) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise InvalidUnitCost()
    try:
        cost = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        raise InvalidUnitCost() from None
    if not cost.is_finite() or cost < 0 or cost >= Decimal("1e12"):
        raise InvalidUnitCost()
    quantum = Decimal(1).scaleb(-MONEY_SCALE)
    if cost.quantize(quantum) != cost:
        raise InvalidUnitCost()
    return cost.quantize(quantum)


def _check_limits(minimum: int, maximum: int | None) -> None:
    if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 0:
        raise InvalidStockLimits()
    if maximum is not None and (
        isinstance(maximum, bool) or not isinstance(maximum, int) or maximum < minimum
    ):
        raise InvalidStockLimits()


def _ensure_sku_free(ctx: ServiceContext, sku: str, own_id: uuid.UUID | None) -> None:
    # Removed items keep their SKU (the unique key covers tombstones), so they are checked too.
    clash = ctx.session.scalars(
        select(InventoryItem.id)
        .where(func.upper(InventoryItem.sku) == sku.upper())
        .execution_options(include_deleted=True)
    ).all()
    if any(found != own_id for found in clash):
        raise DuplicateSku(sku=sku)


def _ensure_barcode_free(ctx: ServiceContext, barcode: str, own_id: uuid.UUID | None) -> None:
    clash = ctx.session.scalars(select(InventoryItem.id).where(InventoryItem.barcode_value == barcode)).all()
    if any(found != own_id for found in clash):
        raise DuplicateItemBarcode()
