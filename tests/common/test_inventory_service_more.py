"""The inventory's additions for the desk and for sync: ids made by the device, the clinic's own
codes of items, and the stock room's sync intents (items, codes, reorder requests); on both
databases."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from common.barcodes.models import BarcodeEntityType, BarcodeMapping
from common.context import Actor
from common.errors import PermissionDenied
from common.ids import new_id
from common.inventory import service as inventory
from common.inventory.errors import DuplicateSku, ReorderTransitionRefused
from common.inventory.models import InventoryCategory, InventoryItem, ReorderRequest, ReorderStatus
from common.sync.intents import INTENTS
from tests.common.commerce_support import make_item
from tests.conftest import ClinicWorld


def apply(world: ClinicWorld, who: str, name: str, args: dict[str, Any]) -> Any:
    intent = INTENTS[name]
    with world.ctx(who) as ctx:
        return intent.apply(ctx, intent.parse(args))


def item(world: ClinicWorld, item_id: uuid.UUID) -> InventoryItem:
    with world.ctx("nurse") as ctx:
        found = inventory.get_item(ctx, item_id)
        ctx.session.expunge(found)
        return found


def reorder(world: ClinicWorld, reorder_id: uuid.UUID) -> ReorderRequest:
    with world.db.session(world.clinic_id) as session:
        row = session.scalars(select(ReorderRequest).where(ReorderRequest.id == reorder_id)).one()
        session.expunge(row)
        return row


def test_device_made_ids_are_the_row_ids(world):
    item_id, reorder_id = new_id(), new_id()
    with world.ctx("manager") as ctx:
        made = inventory.create_item(
            ctx, name="Cannula 25G", sku="CAN-25", category=InventoryCategory.CONSUMABLE, item_id=item_id
        )
        request = inventory.request_reorder(ctx, made.id, 50, reorder_id=reorder_id)
    assert (made.id, request.id, request.item_id) == (item_id, reorder_id, item_id)


def test_item_codes_name_the_clinics_own_codes(world):
    medicine = make_item(world, "Lidocaine cream", category=InventoryCategory.MEDICINE)
    supply = make_item(world, "Gauze")
    make_item(world, "Gloves")
    with world.ctx("admin") as ctx:
        medicine_code = inventory.issue_item_code(ctx, medicine).barcode_value
        supply_code = inventory.issue_item_code(ctx, supply).barcode_value
    with world.ctx("receptionist") as ctx:
        assert inventory.item_codes(ctx) == {medicine: medicine_code, supply: supply_code}
        assert inventory.item_codes(ctx, [supply]) == {supply: supply_code}
    with pytest.raises(PermissionDenied), world.db.context(world.clinic_id, Actor.kiosk(new_id())) as ctx:
        inventory.item_codes(ctx)


def test_item_intents_create_and_edit_only_the_named_fields(world):
    item_id = new_id()
    apply(
        world,
        "manager",
        "create_inventory_item",
        {
            "item_id": str(item_id),
            "name": "Hyaluronic acid filler, 1 ml",
            "sku": "HA-1ML",
            "category": "Medicine",
            "unit_of_measure": "Box",
            "minimum_quantity": 8,
            "unit_cost": "4200.50",
            "location": "Medicine fridge",
            "supplier_info": {"name": "Pacific Aesthetics"},
            "is_tracked": True,
        },
    )
    apply(
        world,
        "manager",
        "update_inventory_item",
        {"item_id": str(item_id), "changes": {"minimum_quantity": 12}},
    )
    apply(
        world,
        "admin",
        "update_inventory_item",
        {"item_id": str(item_id), "changes": {"location": "Fridge B"}},
    )
    made = item(world, item_id)
    assert (made.minimum_quantity, made.location, made.unit_cost, made.current_quantity) == (
        12,
        "Fridge B",
        Decimal("4200.50"),
        0,
    )
    with pytest.raises(DuplicateSku):
        apply(
            world,
            "admin",
            "create_inventory_item",
            {"item_id": str(new_id()), "name": "Other", "sku": "ha-1ml", "category": "Supply"},
        )
    with pytest.raises(PermissionDenied):
        apply(world, "nurse", "update_inventory_item", {"item_id": str(item_id), "changes": {"name": "X"}})
    with pytest.raises(ValidationError):
        INTENTS["update_inventory_item"].parse({"item_id": str(item_id), "changes": {"current_quantity": 5}})


def test_issue_item_code_intent_gives_a_medicine_code(world):
    medicine = make_item(world, "Botulinum toxin, 50 U", category=InventoryCategory.MEDICINE)
    mapping = apply(world, "receptionist", "issue_item_code", {"item_id": str(medicine)})
    with world.db.session(world.clinic_id) as session:
        kind = session.scalars(
            select(BarcodeMapping.entity_type).where(BarcodeMapping.barcode_value == mapping.barcode_value)
        ).one()
    assert kind is BarcodeEntityType.MEDICINE


def test_reorder_intents_from_request_to_delivery(world):
    gauze = make_item(world, "Gauze")
    first, second = new_id(), new_id()
    apply(
        world,
        "nurse",
        "request_reorder",
        {"reorder_id": str(first), "item_id": str(gauze), "quantity": 40, "supplier": "Formosa"},
    )
    apply(
        world,
        "receptionist",
        "request_reorder",
        {"reorder_id": str(second), "item_id": str(gauze), "quantity": 5},
    )
    with pytest.raises(PermissionDenied):
        apply(world, "nurse", "mark_reorder_ordered", {"reorder_id": str(first)})
    apply(world, "manager", "mark_reorder_ordered", {"reorder_id": str(first)})
    apply(world, "nurse", "receive_reorder", {"reorder_id": str(first), "quantity": 36})
    apply(world, "manager", "cancel_reorder", {"reorder_id": str(second), "reason": "Ordered twice"})
    assert reorder(world, first).status is ReorderStatus.RECEIVED
    cancelled = reorder(world, second)
    assert cancelled.status is ReorderStatus.CANCELLED and cancelled.notes == "Ordered twice"
    assert item(world, gauze).current_quantity == 36
    with pytest.raises(ReorderTransitionRefused):
        apply(world, "manager", "cancel_reorder", {"reorder_id": str(first)})
