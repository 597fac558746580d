"""`/api/inventory`: items, scans, stock movements, low stock and reorders."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse

from common.access.permissions import Permission
from common.barcodes.models import BarcodeEntityType
from common.barcodes.scanning import resolve_scan
from common.errors import ValidationFailed
from common.fields import UNSET
from common.i18n import N_
from common.inventory import service as inventory
from common.inventory.models import InventoryCategory, MovementKind
from common.inventory.service import StockChange
from sync_server.auth.dependencies import ApiContext
from sync_server.barcodes.schemas import ScanOut
from sync_server.errors import ERROR_RESPONSES, domain_error_response
from sync_server.inventory.schemas import (
    AdjustRequest,
    InventoryScanOut,
    InventoryScanRequest,
    ItemCreate,
    ItemOut,
    ItemUpdate,
    ReorderOut,
    ReorderRequestIn,
    StockChangeOut,
    StockLevelOut,
)
from sync_server.permissions import requires

router = APIRouter(prefix="/api/inventory", tags=["inventory"], responses=ERROR_RESPONSES)
STOCK_CODES = frozenset({BarcodeEntityType.INVENTORY, BarcodeEntityType.MEDICINE})


class NotAStockCode(ValidationFailed):
    code = "not_a_stock_code"
    message = N_("This code is not a stock item's. Scan the label on the item or its box.")


@router.get("/items", response_model=list[ItemOut], openapi_extra=requires(Permission.INVENTORY_READ))
def list_items(ctx: ApiContext, category: InventoryCategory | None = None) -> list[ItemOut]:
    return [ItemOut.model_validate(item) for item in inventory.list_items(ctx, category=category)]


@router.post(
    "/items",
    response_model=ItemOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=requires(Permission.INVENTORY_MANAGE),
)
def add_item(body: ItemCreate, ctx: ApiContext) -> ItemOut:
    return ItemOut.model_validate(inventory.create_item(ctx, **body.model_dump()))


@router.get("/items/{item_id}", response_model=ItemOut, openapi_extra=requires(Permission.INVENTORY_READ))
def read_item(item_id: uuid.UUID, ctx: ApiContext) -> ItemOut:
    return ItemOut.model_validate(inventory.get_item(ctx, item_id))


@router.put("/items/{item_id}", response_model=ItemOut, openapi_extra=requires(Permission.INVENTORY_MANAGE))
def edit_item(item_id: uuid.UUID, body: ItemUpdate, ctx: ApiContext) -> ItemOut:
    """Change the given fields only; stock is changed by movements (`/adjust`), never here."""
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    expected_version = changes.pop("expected_version", None)
    for required in ("name", "sku", "category", "unit_of_measure", "minimum_quantity", "is_tracked"):
        if changes.get(required, UNSET) is None:
            changes[required] = UNSET  # null on a required field leaves it as it is
    if changes.get("supplier_info", UNSET) is None:
        changes["supplier_info"] = {}
    return ItemOut.model_validate(
        inventory.update_item(ctx, item_id, expected_version=expected_version, **changes)
    )


@router.delete(
    "/items/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    openapi_extra=requires(Permission.INVENTORY_MANAGE),
)
def remove_item(item_id: uuid.UUID, ctx: ApiContext) -> None:
    """Remove an item (its movements stay); refused while a catalog treatment uses it."""
    inventory.remove_item(ctx, item_id)


@router.post("/scan", response_model=InventoryScanOut, openapi_extra=requires(Permission.INVENTORY_READ))
def scan(body: InventoryScanRequest, ctx: ApiContext, request: Request) -> InventoryScanOut | JSONResponse:
    """Resolve a stock code (recorded as an Inventory Control scan) and, with `quantity`, book
    the use or receipt of that many units."""
    ctx.authorize(Permission.INVENTORY_READ, entity_type="inventory")
    result = resolve_scan(ctx, body.barcode_value, scanner_type="Inventory Control", location=body.location)
    if result.refusal is not None:
        return domain_error_response(result.refusal, request)  # the scan stays recorded
    scanned = ScanOut(
        scan_id=result.scan_id,
        outcome=result.outcome,
        entity_type=result.entity_type,
        entity_id=result.entity_id,
        entity_data=dict(result.entity_data),
        action_required=result.action,
        appointment_id=result.appointment_id,
        manufacturer_code=result.manufacturer_code,
    )
    if result.entity_type not in STOCK_CODES or result.entity_id is None:
        if body.quantity is not None:
            return domain_error_response(NotAStockCode(), request)
        return InventoryScanOut(scan=scanned)
    change = None
    if body.quantity is not None:
        if body.movement == MovementKind.RECEIVE.value:
            change = inventory.receive_stock(ctx, result.entity_id, body.quantity, reason=body.reason)
        else:
            change = inventory.use_stock(ctx, result.entity_id, body.quantity, reason=body.reason)
    item = inventory.get_item(ctx, result.entity_id)
    ctx.session.refresh(item)  # its stock after the movement
    return InventoryScanOut(
        scan=scanned,
        item=ItemOut.model_validate(item),
        stock_change=_change(change) if change is not None else None,
    )


@router.post(
    "/adjust",
    response_model=StockChangeOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=requires(Permission.INVENTORY_MOVE),
)
def adjust(body: AdjustRequest, ctx: ApiContext) -> StockChangeOut:
    """Book a stock movement: adjust (signed, with a reason), receive, use or waste."""
    if body.kind is MovementKind.ADJUST:
        change = inventory.adjust_stock(ctx, body.item_id, body.quantity, reason=body.reason or "")
    elif body.kind is MovementKind.RECEIVE:
        change = inventory.receive_stock(
            ctx, body.item_id, body.quantity, unit_cost=body.unit_cost, reason=body.reason
        )
    elif body.kind is MovementKind.USE:
        change = inventory.use_stock(ctx, body.item_id, body.quantity, reason=body.reason)
    else:
        change = inventory.record_waste(ctx, body.item_id, body.quantity, reason=body.reason or "")
    return _change(change)


@router.get(
    "/low-stock", response_model=list[StockLevelOut], openapi_extra=requires(Permission.INVENTORY_READ)
)
def low_stock(ctx: ApiContext) -> list[StockLevelOut]:
    """Items at or below their minimum quantity."""
    return [StockLevelOut.model_validate(level) for level in inventory.low_stock(ctx)]


@router.post(
    "/reorder",
    response_model=ReorderOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=requires(Permission.INVENTORY_MOVE),
)
def reorder(body: ReorderRequestIn, ctx: ApiContext) -> ReorderOut:
    request = inventory.request_reorder(
        ctx, body.item_id, body.quantity, supplier=body.supplier, notes=body.notes
    )
    return ReorderOut.model_validate(request)


def _change(change: StockChange) -> StockChangeOut:
    movement = change.movement
    return StockChangeOut(
        movement_id=movement.id,
        item_id=movement.item_id,
        kind=movement.kind,
        quantity=movement.quantity,
        occurred_at=movement.occurred_at,
        stock_after=change.stock_after,
        minimum_quantity=change.minimum_quantity,
        is_low=change.is_low,
        is_negative=change.is_negative,
    )
