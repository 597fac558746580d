"""The stock room's changes, as desk intents (desktop.actions.Intent): stock moved in, out or
corrected; items added and edited; their codes; reorder requests from request to delivery.

Each carries the arguments of its sync intent (common/sync/intents.py for stock movements,
common/sync/intent_sets/catalog.py for the rest) and applies through that intent, the same on a
local replica and on one enrolled with a server.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from common.ids import new_id
from common.inventory.service import StockChange
from desktop.actions import Intent
from desktop.screens.catalog.actions import synced


class Move(StrEnum):
    """What a person does with stock at the shelf."""

    RECEIVE = "receive"
    USE = "use"
    ADJUST = "adjust"
    DISCARD = "discard"


@dataclass(frozen=True)
class StockMoved:
    item_id: uuid.UUID
    move: Move
    quantity: int  # signed: what the stock changed by
    stock_after: int
    minimum_quantity: int

    @property
    def is_low(self) -> bool:
        return self.stock_after <= self.minimum_quantity


def _moved(move: Move) -> Any:
    def shape(change: StockChange) -> StockMoved:
        movement = change.movement
        return StockMoved(
            movement.item_id, move, movement.quantity, change.stock_after, change.minimum_quantity
        )

    return shape


def move_stock(
    item_id: uuid.UUID,
    move: Move,
    quantity: int,
    *,
    reason: str | None,
    unit_cost: Decimal | None = None,
) -> Intent:
    """`quantity`: how many came in or went out (positive), or the signed change of an adjustment."""
    item = str(item_id)
    if move is Move.RECEIVE:
        args: dict[str, Any] = {
            "item_id": item,
            "quantity": quantity,
            "reason": reason,
            "unit_cost": str(unit_cost) if unit_cost is not None else None,
        }
        return synced("receive_stock", args, shape=_moved(move))
    if move is Move.USE:
        return synced(
            "use_stock", {"item_id": item, "quantity": quantity, "reason": reason}, shape=_moved(move)
        )
    if move is Move.ADJUST:
        return synced(
            "adjust_stock", {"item_id": item, "delta": quantity, "reason": reason or ""}, shape=_moved(move)
        )
    return synced(
        "record_waste", {"item_id": item, "quantity": quantity, "reason": reason}, shape=_moved(move)
    )


# ---- items -------------------------------------------------------------------------------------


def create_item(values: Mapping[str, Any], *, item_id: uuid.UUID | None = None) -> Intent:
    """A new stock item from `values` (the item's fields as JSON values)."""
    return synced("create_inventory_item", {**values, "item_id": str(item_id or new_id())})


def edit_item(item_id: uuid.UUID, changes: Mapping[str, Any]) -> Intent:
    """Only the changed fields, so another desk's edit of other fields stands."""
    return synced("update_inventory_item", {"item_id": str(item_id), "changes": dict(changes)})


def issue_item_code(item_id: uuid.UUID) -> Intent:
    return synced(
        "issue_item_code",
        {"item_id": str(item_id), "barcode_value": None},
        shape=lambda mapping: mapping.barcode_value,
    )


# ---- reorder requests ------------------------------------------------------------------------------


def request_reorder(item_id: uuid.UUID, quantity: int, *, supplier: str | None, notes: str | None) -> Intent:
    return synced(
        "request_reorder",
        {
            "reorder_id": str(new_id()),
            "item_id": str(item_id),
            "quantity": quantity,
            "supplier": supplier,
            "notes": notes,
        },
    )


def mark_ordered(reorder_id: uuid.UUID) -> Intent:
    return synced("mark_reorder_ordered", {"reorder_id": str(reorder_id)})


def receive_delivery(reorder_id: uuid.UUID, quantity: int, unit_cost: Decimal | None) -> Intent:
    return synced(
        "receive_reorder",
        {
            "reorder_id": str(reorder_id),
            "quantity": quantity,
            "unit_cost": str(unit_cost) if unit_cost is not None else None,
        },
        shape=_moved(Move.RECEIVE),
    )


def cancel_reorder(reorder_id: uuid.UUID, reason: str) -> Intent:
    return synced("cancel_reorder", {"reorder_id": str(reorder_id), "reason": reason})
