"""The catalog's additions for the desk and for sync: ids made by the device, the codes of
treatments, and the catalog's sync intents (applied as the server applies them, and queued locally
as a desk queues them); on both databases."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from common.barcodes.models import BarcodeEntityType, BarcodeMapping
from common.catalog import service as catalog
from common.catalog.errors import DuplicateTreatmentName, InvalidDuration
from common.catalog.models import TreatmentCatalogItem, TreatmentCategory, TreatmentKind
from common.context import Actor
from common.errors import PermissionDenied
from common.ids import new_id
from common.sync.intents import INTENTS
from common.sync.models import SyncOutbox
from common.sync.outbox import run_intent
from tests.common.commerce_support import make_item, make_treatment
from tests.conftest import ClinicWorld


def apply(world: ClinicWorld, who: str, name: str, args: dict[str, Any]) -> Any:
    """Run a sync intent the way the server does: parse, then apply in one transaction."""
    intent = INTENTS[name]
    with world.ctx(who) as ctx:
        return intent.apply(ctx, intent.parse(args))


def treatment(world: ClinicWorld, item_id: uuid.UUID) -> TreatmentCatalogItem:
    with world.db.session(world.clinic_id) as session:
        item = session.scalars(select(TreatmentCatalogItem).where(TreatmentCatalogItem.id == item_id)).one()
        session.expunge(item)
        return item


def codes_of(world: ClinicWorld, item_id: uuid.UUID) -> list[str]:
    with world.db.session(world.clinic_id) as session:
        return list(
            session.scalars(
                select(BarcodeMapping.barcode_value).where(
                    BarcodeMapping.entity_id == item_id, BarcodeMapping.is_active.is_(True)
                )
            )
        )


def test_a_device_made_id_is_the_row_id(world):
    category_id, item_id = new_id(), new_id()
    with world.ctx("manager") as ctx:
        category = catalog.create_category(
            ctx, "Lasers", kind=TreatmentKind.COSMETIC, category_id=category_id
        )
        item = catalog.create_treatment(
            ctx,
            name="Pico toning",
            duration_minutes=30,
            base_price="4500",
            category_id=category.id,
            item_id=item_id,
        )
    assert (category.id, item.id) == (category_id, item_id)
    assert treatment(world, item_id).category_id == category_id


def test_treatment_codes_are_the_active_ones_and_readable_by_every_role(world):
    coded = make_treatment(world, "Glow peel", issue_barcode=True)
    plain = make_treatment(world, "Consultation")
    with world.ctx("receptionist") as ctx:
        codes = catalog.treatment_codes(ctx)
        only = catalog.treatment_codes(ctx, [plain])
    assert set(codes) == {coded} and codes[coded] == codes_of(world, coded)[0]
    assert only == {}
    with world.ctx("admin") as ctx:
        newer = catalog.issue_treatment_code(ctx, coded).barcode_value
    with world.ctx("nurse") as ctx:
        assert catalog.treatment_codes(ctx)[coded] == newer  # the newest code wins
    with pytest.raises(PermissionDenied), world.db.context(world.clinic_id, Actor.kiosk(new_id())) as ctx:
        catalog.treatment_codes(ctx)


def test_create_treatment_intent_makes_the_row_with_its_materials_and_code(world):
    gauze = make_item(world, "Gauze")
    item_id = new_id()
    args = {
        "item_id": str(item_id),
        "name": "Lip filler",
        "duration_minutes": 45,
        "base_price": "15000",
        "kind": "Cosmetic",
        "cautions": ["Not with active cold sores."],
        "instructions": "Ice for ten minutes.",
        "default_inventory_items": [{"item_id": str(gauze), "quantity": 2}],
        "follow_up_interval_days": 14,
        "issue_barcode": True,
    }
    apply(world, "manager", "create_treatment", args)
    made = treatment(world, item_id)
    assert (made.name, made.base_price, made.cautions) == (
        "Lip filler",
        Decimal("15000"),
        ["Not with active cold sores."],
    )
    assert made.default_inventory_items == [{"item_id": str(gauze), "quantity": 2}]
    assert len(codes_of(world, item_id)) == 1
    with pytest.raises(PermissionDenied):
        apply(world, "receptionist", "create_treatment", {**args, "item_id": str(new_id()), "name": "Other"})


def test_a_desk_queues_the_intent_with_the_code_it_issued_and_the_server_keeps_that_code(world, other_world):
    """Device: run_intent applies and queues (with the code it printed); server: adopts that code."""
    item_id = new_id()
    args = {
        "item_id": str(item_id),
        "name": "Jaw slimming",
        "duration_minutes": 30,
        "base_price": "12000",
        "kind": "Cosmetic",
        "issue_barcode": True,
    }
    run_intent(world.db, world.actor("admin"), "create_treatment", args, clinic_id=world.clinic_id)
    with world.db.session(world.clinic_id) as session:
        queued = session.scalars(select(SyncOutbox).order_by(SyncOutbox.n.desc())).first()
    assert queued is not None and queued.intent == "create_treatment"
    device_code = codes_of(world, item_id)[0]
    assert queued.args["barcode_value"] == device_code

    # The "server" (here: the same intent in another clinic of the same database would be refused,
    # so replay it on a fresh treatment id with the device's code as the proposal).
    replay_id = new_id()
    with world.db.session(world.clinic_id) as session, session.begin():
        for mapping in session.scalars(select(BarcodeMapping).where(BarcodeMapping.entity_id == item_id)):
            mapping.is_active = False
            mapping.barcode_value = f"OLD-{mapping.id.hex[:8]}"
    apply(
        world,
        "admin",
        "create_treatment",
        {**queued.args, "item_id": str(replay_id), "name": "Jaw slimming 2"},
    )
    assert codes_of(world, replay_id) == [device_code]

    # Another clinic's code is never adopted: that clinic's server keeps its own.
    foreign_id = new_id()
    apply(
        other_world,
        "admin",
        "create_treatment",
        {**queued.args, "item_id": str(foreign_id), "name": "Jaw slimming"},
    )
    assert codes_of(other_world, foreign_id) not in ([], [device_code])


def test_update_intent_changes_only_the_named_fields(world):
    item_id = make_treatment(
        world, "Hydrafacial", cautions=["Not on sunburnt skin."], instructions="Cleanse."
    )
    apply(
        world,
        "manager",
        "update_treatment_catalog",
        {"item_id": str(item_id), "changes": {"base_price": "2200"}},
    )
    # Meanwhile another desk changed the instructions; its edit names only that field.
    apply(
        world,
        "admin",
        "update_treatment_catalog",
        {"item_id": str(item_id), "changes": {"instructions": "Cleanse, then tone."}},
    )
    after = treatment(world, item_id)
    assert (after.base_price, after.instructions, after.cautions) == (
        Decimal("2200"),
        "Cleanse, then tone.",
        ["Not on sunburnt skin."],
    )
    with pytest.raises(InvalidDuration):
        apply(
            world,
            "admin",
            "update_treatment_catalog",
            {"item_id": str(item_id), "changes": {"duration_minutes": 0}},
        )
    with pytest.raises(DuplicateTreatmentName):
        make_treatment(world, "Peel")
        apply(
            world, "admin", "update_treatment_catalog", {"item_id": str(item_id), "changes": {"name": "peel"}}
        )


@pytest.mark.parametrize(
    "changes",
    [
        {"colour": "red"},
        {"duration_minutes": "long"},
        {"name": None},
        {"default_inventory_items": [{"item_id": "x"}]},
    ],
)
def test_update_intent_refuses_unknown_fields_and_wrong_types_when_parsed(changes):
    with pytest.raises(ValidationError):
        INTENTS["update_treatment_catalog"].parse({"item_id": str(new_id()), "changes": changes})


def test_category_and_deactivation_intents(world):
    top, sub = new_id(), new_id()
    apply(
        world, "admin", "create_category", {"category_id": str(top), "name": "Peels", "kind": "Therapeutic"}
    )
    apply(
        world,
        "admin",
        "create_category",
        {"category_id": str(sub), "name": "Acid peels", "parent_id": str(top)},
    )
    apply(world, "admin", "update_category", {"category_id": str(sub), "name": "Chemical peels"})
    item_id = make_treatment(world, "Glycolic peel", category_id=sub, kind=None)
    apply(world, "admin", "deactivate_treatment", {"item_id": str(item_id)})
    assert treatment(world, item_id).is_active is False
    apply(world, "admin", "reactivate_treatment", {"item_id": str(item_id)})
    apply(world, "admin", "deactivate_category", {"category_id": str(sub)})
    with world.db.session(world.clinic_id) as session:
        rows = {c.id: c for c in session.scalars(select(TreatmentCategory))}
    assert (
        rows[sub].name == "Chemical peels"
        and rows[sub].is_active is False
        and rows[sub].kind is TreatmentKind.THERAPEUTIC
    )
    assert treatment(world, item_id).subcategory == "Chemical peels" and treatment(world, item_id).is_active


def test_issue_code_intent_adds_a_code_to_a_treatment_without_one(world):
    item_id = make_treatment(world, "Consultation")
    mapping = apply(world, "receptionist", "issue_treatment_code", {"item_id": str(item_id)})
    assert codes_of(world, item_id) == [mapping.barcode_value]
    with world.ctx("nurse") as ctx:
        assert catalog.treatment_codes(ctx, [item_id]) == {item_id: mapping.barcode_value}
    with world.db.session(world.clinic_id) as session:
        kind = session.scalars(
            select(BarcodeMapping.entity_type).where(BarcodeMapping.entity_id == item_id)
        ).one()
    assert kind is BarcodeEntityType.TREATMENT
