"""Stock items, movements and reorders. Stock is a sum of movements, never a stored number."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from common.inventory.models import InventoryCategory, MovementKind, ReorderStatus, UnitOfMeasure
from sync_server.barcodes.schemas import ScanOut
from sync_server.fields import (
    Count,
    Day,
    JsonObject,
    LongText,
    Money,
    Quantity,
    SignedQuantity,
    Text64,
    Text100,
    Text255,
    Text1000,
    Version,
)


class ItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    description: str | None
    category: InventoryCategory
    sku: str
    barcode_value: str | None
    current_quantity: int
    minimum_quantity: int
    maximum_quantity: int | None
    unit_of_measure: UnitOfMeasure
    last_restocked: date | None
    next_restock_date: date | None
    supplier_info: dict[str, Any]
    unit_cost: Decimal | None
    location: str | None
    is_tracked: bool
    version: int


class ItemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text255
    sku: Text100
    category: InventoryCategory
    unit_of_measure: UnitOfMeasure = UnitOfMeasure.EACH
    minimum_quantity: Count = 5
    maximum_quantity: Count | None = None
    description: LongText | None = None
    barcode_value: Text64 | None = None
    supplier_info: JsonObject | None = None
    unit_cost: Money | None = None
    location: Text100 | None = None
    is_tracked: bool = False
    next_restock_date: Day | None = None


class ItemUpdate(BaseModel):
    """The fields to change (absent = unchanged; null clears an optional field)."""

    model_config = ConfigDict(extra="forbid")

    expected_version: Version | None = None
    name: Text255 | None = None
    sku: Text100 | None = None
    category: InventoryCategory | None = None
    unit_of_measure: UnitOfMeasure | None = None
    minimum_quantity: Count | None = None
    maximum_quantity: Count | None = None
    description: LongText | None = None
    barcode_value: Text64 | None = None
    supplier_info: JsonObject | None = None
    unit_cost: Money | None = None
    location: Text100 | None = None
    is_tracked: bool | None = None
    next_restock_date: Day | None = None


class AdjustRequest(BaseModel):
    """A stock movement: `adjust` takes a signed quantity (a count's correction) and a reason;
    `receive`, `use` and `waste` take a positive quantity (waste needs a reason)."""

    model_config = ConfigDict(extra="forbid")

    item_id: uuid.UUID
    quantity: SignedQuantity
    kind: MovementKind = MovementKind.ADJUST
    reason: Text1000 | None = None
    unit_cost: Money | None = None


class StockChangeOut(BaseModel):
    movement_id: uuid.UUID
    item_id: uuid.UUID
    kind: MovementKind
    quantity: int
    occurred_at: datetime
    stock_after: int
    minimum_quantity: int
    is_low: bool
    is_negative: bool


class StockLevelOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    item_id: uuid.UUID
    name: str
    sku: str
    category: InventoryCategory
    unit_of_measure: UnitOfMeasure
    quantity: int
    minimum_quantity: int
    maximum_quantity: int | None
    is_tracked: bool


class InventoryScanRequest(BaseModel):
    """Scan a stock item's code (ours or the manufacturer's); with `quantity`, also book the
    movement (`use` by default, or `receive`)."""

    model_config = ConfigDict(extra="forbid")

    barcode_value: Text100
    movement: Literal["use", "receive"] = "use"
    quantity: Quantity | None = None
    reason: Text1000 | None = None
    location: Text100 | None = None


class InventoryScanOut(BaseModel):
    scan: ScanOut
    item: ItemOut | None = None
    stock_change: StockChangeOut | None = None


class ReorderRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_id: uuid.UUID
    quantity: Quantity
    supplier: Text255 | None = None
    notes: LongText | None = None


class ReorderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    item_id: uuid.UUID
    quantity: int
    status: ReorderStatus
    requested_by: uuid.UUID | None
    supplier: str | None
    notes: str | None
    ordered_at: datetime | None
    received_at: datetime | None
    created_at: datetime
