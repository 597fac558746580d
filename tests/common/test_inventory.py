"""Inventory: items, movements (stock = their sum), levels, low stock, reorders; on both databases."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from common.barcodes.models import BarcodeEntityType
from common.errors import ClinicReadOnly, Conflict, PermissionDenied
from common.inventory import service as inventory
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
    ReorderTransitionRefused,
    SkuRequired,
)
from common.inventory.models import (
    InventoryCategory,
    InventoryItem,
    InventoryMovement,
    MovementKind,
    ReorderStatus,
)
from common.treatments import service as treatments
from tests.common.commerce_support import (
    make_item,
    make_patient,
    make_treatment,
    movements_of,
    sql_statements,
    suspend,
)
from tests.conftest import ClinicWorld


def stock_of(world, item_id) -> int:
    with world.ctx("nurse") as ctx:
        return inventory.get_item(ctx, item_id).current_quantity


# ---- items -------------------------------------------------------------------------------------


def test_create_item_with_defaults(world):
    with world.ctx("manager") as ctx:
        item = inventory.create_item(
            ctx,
            name="  Hyaluronic filler 1 ml ",
            sku=" HA-1ML ",
            category=InventoryCategory.MEDICINE,
            unit_cost="1200.5",
            barcode_value="4712345678901",
        )
    assert item.name == "Hyaluronic filler 1 ml"
    assert item.sku == "HA-1ML"
    assert item.minimum_quantity == 5
    assert item.unit_cost == Decimal("1200.5")
    assert stock_of(world, item.id) == 0


def test_sku_is_unique_per_clinic_case_insensitively(world, other_world):
    make_item(world, sku="GAUZE-10")
    with pytest.raises(DuplicateSku), world.ctx("admin") as ctx:
        inventory.create_item(ctx, name="Other gauze", sku="gauze-10", category=InventoryCategory.SUPPLY)
    # Another clinic may use the same SKU.
    make_item(other_world, sku="GAUZE-10")


def test_a_removed_items_sku_stays_taken(world):
    item_id = make_item(world, sku="OLD-1")
    with world.ctx("admin") as ctx:
        inventory.remove_item(ctx, item_id)
    with pytest.raises(DuplicateSku), world.ctx("admin") as ctx:
        inventory.create_item(ctx, name="New", sku="OLD-1", category=InventoryCategory.SUPPLY)


def test_manufacturer_barcode_is_unique_and_findable(world):
    item_id = make_item(world, barcode_value="4711111111111")
    with pytest.raises(DuplicateItemBarcode), world.ctx("admin") as ctx:
        inventory.create_item(
            ctx, name="Clash", sku="CLASH", category=InventoryCategory.SUPPLY, barcode_value="4711111111111"
        )
    with pytest.raises(InvalidItemBarcode), world.ctx("admin") as ctx:
        inventory.create_item(
            ctx, name="Bad", sku="BAD", category=InventoryCategory.SUPPLY, barcode_value="47 11"
        )
    with world.ctx("receptionist") as ctx:
        found = inventory.find_item_by_barcode(ctx, " 4711111111111 ")
        assert found is not None and found.id == item_id
        assert inventory.find_item_by_barcode(ctx, "0000") is None


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"name": "  "}, ItemNameRequired),
        ({"sku": ""}, SkuRequired),
        ({"minimum_quantity": -1}, InvalidStockLimits),
        ({"minimum_quantity": 10, "maximum_quantity": 5}, InvalidStockLimits),
        ({"unit_cost": Decimal("-1")}, InvalidUnitCost),
        ({"unit_cost": Decimal("0.00001")}, InvalidUnitCost),
        ({"unit_cost": "abc"}, InvalidUnitCost),
    ],
)
def test_item_validation(world, fields, error):
    values = {"name": "Item", "sku": "V-1", "category": InventoryCategory.SUPPLY} | fields
    with pytest.raises(error), world.ctx("admin") as ctx:
        inventory.create_item(ctx, **values)


def test_update_item_changes_only_what_is_given(world):
    item_id = make_item(world, location="Cabinet A")
    with world.ctx("admin") as ctx:
        item = inventory.update_item(ctx, item_id, location="Cabinet A")
        assert item.version == 1  # nothing changed, nothing written
        item = inventory.update_item(ctx, item_id, location="Fridge", minimum_quantity=1)
    assert (item.location, item.minimum_quantity, item.version) == ("Fridge", 1, 2)
    with pytest.raises(Conflict), world.ctx("admin") as ctx:
        inventory.update_item(ctx, item_id, location="Shelf", expected_version=1)
    with world.ctx("admin") as ctx:
        inventory.update_item(ctx, item_id, location=None)
        assert inventory.get_item(ctx, item_id).location is None


def test_remove_item_refused_while_a_treatment_uses_it(world):
    item_id = make_item(world)
    treatment_id = make_treatment(world, default_inventory_items=[{"item_id": item_id, "quantity": 1}])
    with pytest.raises(ItemInUseByCatalog), world.ctx("admin") as ctx:
        inventory.remove_item(ctx, item_id)
    from common.catalog import service as catalog

    with world.ctx("admin") as ctx:
        catalog.deactivate_treatment(ctx, treatment_id)
    with world.ctx("admin") as ctx:
        inventory.remove_item(ctx, item_id)
    with world.ctx("admin") as ctx:
        assert item_id not in {level.item_id for level in inventory.stock_levels(ctx)}
        with pytest.raises(InventoryItemNotFound):
            inventory.get_item(ctx, item_id)


def test_issue_item_code_by_category(world):
    medicine = make_item(world, category=InventoryCategory.MEDICINE)
    supply = make_item(world)
    with world.ctx("receptionist") as ctx:
        assert inventory.issue_item_code(ctx, medicine).entity_type is BarcodeEntityType.MEDICINE
        assert inventory.issue_item_code(ctx, supply).entity_type is BarcodeEntityType.INVENTORY


def test_another_clinics_item_is_not_found(world, other_world):
    item_id = make_item(other_world)
    with pytest.raises(InventoryItemNotFound), world.ctx("admin") as ctx:
        inventory.get_item(ctx, item_id)
    with pytest.raises(InventoryItemNotFound), world.ctx("admin") as ctx:
        inventory.receive_stock(ctx, item_id, 5)


# ---- movements ---------------------------------------------------------------------------------


def test_receive_adds_stock_and_stamps_the_restock(world, clock):
    item_id = make_item(world)
    # 17:00 UTC on the 23rd is already the 24th in Taipei.
    clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
    with world.ctx("receptionist") as ctx:
        change = inventory.receive_stock(ctx, item_id, 20, unit_cost="12.5")
    assert (change.stock_after, change.movement.quantity, change.movement.kind) == (
        20,
        20,
        MovementKind.RECEIVE,
    )
    assert change.movement.unit_cost == Decimal("12.5")
    assert change.movement.performed_by == world.staff["receptionist"]
    with world.ctx("admin") as ctx:
        item = inventory.get_item(ctx, item_id)
    assert item.last_restocked == date(2026, 11, 24)
    assert item.unit_cost == Decimal("12.5")


def test_use_and_waste_take_stock_out_and_may_go_below_zero(world):
    item_id = make_item(world, minimum_quantity=3)
    with world.ctx("nurse") as ctx:
        inventory.receive_stock(ctx, item_id, 5)
        used = inventory.use_stock(ctx, item_id, 2)
        assert (used.movement.quantity, used.stock_after, used.is_low) == (-2, 3, True)
        wasted = inventory.record_waste(ctx, item_id, 4, reason="Expired")
    assert (wasted.movement.quantity, wasted.stock_after, wasted.is_negative) == (-4, -1, True)
    assert wasted.movement.reason == "Expired"
    assert stock_of(world, item_id) == -1


def test_adjust_is_signed_and_needs_a_reason(world):
    item_id = make_item(world)
    with world.ctx("nurse") as ctx:
        assert inventory.adjust_stock(ctx, item_id, 7, reason="Counted").stock_after == 7
        assert inventory.adjust_stock(ctx, item_id, -3, reason="Counted again").stock_after == 4
    for reason in ("", "   "):
        with pytest.raises(ReasonRequired), world.ctx("nurse") as ctx:
            inventory.adjust_stock(ctx, item_id, 1, reason=reason)
    with pytest.raises(ReasonRequired), world.ctx("nurse") as ctx:
        inventory.record_waste(ctx, item_id, 1, reason=" ")
    with pytest.raises(InvalidAdjustment), world.ctx("nurse") as ctx:
        inventory.adjust_stock(ctx, item_id, 0, reason="Nothing")
    assert [m.kind for m in movements_of(world, item_id)] == [MovementKind.ADJUST, MovementKind.ADJUST]


@pytest.mark.parametrize("quantity", [0, -1, True, 1_000_001])
def test_movement_quantities_are_whole_and_positive(world, quantity):
    item_id = make_item(world)
    with pytest.raises(InvalidQuantity), world.ctx("nurse") as ctx:
        inventory.receive_stock(ctx, item_id, quantity)


def test_item_history_newest_first_with_running_balance(world, clock):
    from datetime import timedelta

    item_id = make_item(world)
    with world.ctx("nurse") as ctx:
        inventory.receive_stock(ctx, item_id, 10)
    clock.advance(timedelta(minutes=1))
    with world.ctx("nurse") as ctx:
        inventory.use_stock(ctx, item_id, 3)
    clock.advance(timedelta(minutes=1))
    with world.ctx("nurse") as ctx:
        inventory.adjust_stock(ctx, item_id, -1, reason="Counted")
    with world.ctx("receptionist") as ctx:
        history = inventory.item_history(ctx, item_id)
        latest = inventory.item_history(ctx, item_id, limit=1)
    assert [(line.movement.quantity, line.balance_after) for line in history] == [(-1, 6), (-3, 7), (10, 10)]
    assert [(line.movement.quantity, line.balance_after) for line in latest] == [(-1, 6)]


# ---- levels ------------------------------------------------------------------------------------


def test_stock_levels_in_one_grouped_query(world, other_world, engine):
    items = [make_item(world, name=f"Item {n}") for n in range(3)]
    foreign = make_item(other_world, name="Item 0")
    with world.ctx("nurse") as ctx:
        inventory.receive_stock(ctx, items[0], 4)
        inventory.use_stock(ctx, items[0], 1)
        inventory.receive_stock(ctx, items[1], 9)
    with other_world.ctx("nurse") as ctx:
        inventory.receive_stock(ctx, foreign, 100)
    with world.ctx("nurse") as ctx, sql_statements(engine) as statements:
        levels = inventory.stock_levels(ctx)
    assert [(level.name, level.quantity) for level in levels] == [("Item 0", 3), ("Item 1", 9), ("Item 2", 0)]
    assert len([s for s in statements if "inventory_movements" in s]) == 1


def test_low_stock_is_at_or_below_minimum(world):
    at_minimum = make_item(world, name="At minimum", minimum_quantity=2)
    above = make_item(world, name="Above", minimum_quantity=2)
    empty = make_item(world, name="Empty", minimum_quantity=0)
    with world.ctx("nurse") as ctx:
        inventory.receive_stock(ctx, at_minimum, 2)
        inventory.receive_stock(ctx, above, 3)
    with world.ctx("nurse") as ctx:
        low = inventory.low_stock(ctx)
    assert {level.item_id for level in low} == {at_minimum, empty}
    assert all(level.is_low for level in low)
    assert above not in {level.item_id for level in low}


# ---- reorders ----------------------------------------------------------------------------------


def test_reorder_lifecycle_receiving_books_stock(world, clock):
    item_id = make_item(world)
    with world.ctx("nurse") as ctx:
        request = inventory.request_reorder(ctx, item_id, 50, supplier="MedSupply Co.")
    assert request.status is ReorderStatus.REQUESTED
    assert request.requested_by == world.staff["nurse"]
    with world.ctx("manager") as ctx:
        ordered = inventory.mark_reorder_ordered(ctx, request.id)
    assert ordered.status is ReorderStatus.ORDERED and ordered.ordered_at == clock.now()
    with world.ctx("nurse") as ctx:
        change = inventory.receive_reorder(ctx, request.id, quantity=48, unit_cost="3.25")
    assert change.stock_after == 48
    assert change.movement.reorder_request_id == request.id
    with world.ctx("nurse") as ctx:
        (done,) = inventory.list_reorders(ctx, status=ReorderStatus.RECEIVED)
        assert inventory.list_reorders(ctx, open_only=True) == []
    assert done.id == request.id and done.received_at == clock.now()


def test_reorder_received_without_ordering_uses_the_requested_quantity(world):
    item_id = make_item(world)
    with world.ctx("nurse") as ctx:
        request = inventory.request_reorder(ctx, item_id, 12)
    with world.ctx("nurse") as ctx:
        assert inventory.receive_reorder(ctx, request.id).stock_after == 12


def test_illegal_reorder_transitions(world):
    item_id = make_item(world)
    with world.ctx("manager") as ctx:
        received = inventory.request_reorder(ctx, item_id, 5)
        inventory.receive_reorder(ctx, received.id)
        cancelled = inventory.request_reorder(ctx, item_id, 5)
        inventory.cancel_reorder(ctx, cancelled.id, reason="Supplier out of stock")
    for action in (
        lambda ctx: inventory.mark_reorder_ordered(ctx, received.id),
        lambda ctx: inventory.cancel_reorder(ctx, received.id),
        lambda ctx: inventory.receive_reorder(ctx, received.id),
        lambda ctx: inventory.receive_reorder(ctx, cancelled.id),
        lambda ctx: inventory.mark_reorder_ordered(ctx, cancelled.id),
    ):
        with pytest.raises(ReorderTransitionRefused), world.ctx("manager") as ctx:
            action(ctx)
    assert stock_of(world, item_id) == 5


# ---- permissions and suspension ----------------------------------------------------------------


def test_permissions(world):
    item_id = make_item(world)
    with pytest.raises(PermissionDenied), world.ctx("receptionist") as ctx:
        inventory.create_item(ctx, name="X", sku="X", category=InventoryCategory.SUPPLY)
    with pytest.raises(PermissionDenied), world.ctx("doctor") as ctx:
        inventory.update_item(ctx, item_id, name="Y")
    with world.ctx("nurse") as ctx:
        request = inventory.request_reorder(ctx, item_id, 1)
    with pytest.raises(PermissionDenied), world.ctx("nurse") as ctx:
        inventory.mark_reorder_ordered(ctx, request.id)
    with world.ctx("receptionist") as ctx:
        inventory.receive_stock(ctx, item_id, 1)


def test_suspended_clinic_refuses_writes_but_reads(world):
    item_id = make_item(world)
    with world.ctx("nurse") as ctx:
        inventory.receive_stock(ctx, item_id, 3)
    suspend(world)
    for action in (
        lambda ctx: inventory.receive_stock(ctx, item_id, 1),
        lambda ctx: inventory.use_stock(ctx, item_id, 1),
        lambda ctx: inventory.adjust_stock(ctx, item_id, 1, reason="Count"),
        lambda ctx: inventory.record_waste(ctx, item_id, 1, reason="Broken"),
        lambda ctx: inventory.create_item(ctx, name="N", sku="N", category=InventoryCategory.SUPPLY),
        lambda ctx: inventory.request_reorder(ctx, item_id, 1),
    ):
        with pytest.raises(ClinicReadOnly), world.ctx("admin") as ctx:
            action(ctx)
    with world.ctx("admin") as ctx:
        assert [level.quantity for level in inventory.stock_levels(ctx)] == [3]
        assert len(inventory.item_history(ctx, item_id)) == 1
        assert inventory.low_stock(ctx) == []


# ---- the property: stock is the sum of movements -----------------------------------------------

step = st.one_of(
    st.tuples(st.just("receive"), st.integers(1, 40)),
    st.tuples(st.just("use"), st.integers(1, 40)),
    st.tuples(st.just("adjust"), st.integers(-40, 40).filter(bool)),
    st.tuples(st.just("waste"), st.integers(1, 40)),
    st.tuples(st.just("treatment"), st.integers(1, 5)),
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=10))
def test_stock_always_equals_the_sum_of_movements(world, steps):
    item_id = make_item(world)
    other_id = make_item(world)
    patient_id = make_patient(world)
    running = 0
    for kind, quantity in steps:
        with world.ctx("nurse") as ctx:
            if kind == "receive":
                change = inventory.receive_stock(ctx, item_id, quantity)
                running += quantity
            elif kind == "use":
                change = inventory.use_stock(ctx, item_id, quantity)
                running -= quantity
            elif kind == "adjust":
                change = inventory.adjust_stock(ctx, item_id, quantity, reason="Count")
                running += quantity
            elif kind == "waste":
                change = inventory.record_waste(ctx, item_id, quantity, reason="Expired")
                running -= quantity
            else:
                treatment_id = make_treatment_once(world)
                recorded = treatments.record_treatment(
                    ctx,
                    patient_id,
                    treatment_id,
                    doctor_id=world.staff["doctor"],
                    materials=[
                        {"item_id": item_id, "quantity": quantity},
                        {"item_id": other_id, "quantity": 1},
                    ],
                )
                running -= quantity
                change = None
                assert {w.item_id for w in recorded.stock_warnings if w.negative} == (
                    {item_id} if running < 0 else set()
                ) | {other_id}
        if change is not None:
            assert change.stock_after == running
        with world.ctx("nurse") as ctx:
            summed = ctx.session.scalar(
                select(func.coalesce(func.sum(InventoryMovement.quantity), 0)).where(
                    InventoryMovement.item_id == item_id
                )
            )
            derived = ctx.session.scalars(
                select(InventoryItem)
                .where(InventoryItem.id == item_id)
                .execution_options(populate_existing=True)
            ).one()
            levels = {level.item_id: level.quantity for level in inventory.stock_levels(ctx)}
            history = inventory.item_history(ctx, item_id)
        assert summed == derived.current_quantity == levels[item_id] == running
        assert history[0].balance_after == running


_treatment_ids: dict[uuid.UUID, uuid.UUID] = {}


def make_treatment_once(world: ClinicWorld) -> uuid.UUID:
    """One catalog item per world (hypothesis reuses the world across examples)."""
    key = world.clinic_id
    if key not in _treatment_ids:
        _treatment_ids[key] = make_treatment(world, name=f"Property treatment {key}")
    return _treatment_ids[key]
