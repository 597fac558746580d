"""The treatment catalog: categories, treatments, prices; on both databases."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from common.barcodes.models import BarcodeEntityType
from common.catalog import service as catalog
from common.catalog.errors import (
    CatalogItemInactive,
    CatalogItemNotFound,
    CategoryHasChildren,
    CategoryInactive,
    CategoryKindMismatch,
    CategoryKindRequired,
    DuplicateCategoryName,
    DuplicateTreatmentName,
    InvalidDuration,
    InvalidFollowUpInterval,
    SubcategoryTooDeep,
    TreatmentNameRequired,
    UnknownNextTreatment,
)
from common.catalog.models import TreatmentCatalogItem, TreatmentKind
from common.context import ServiceContext
from common.errors import ClinicReadOnly, Conflict, PermissionDenied
from common.fields import InvalidTextList
from common.inventory.errors import InvalidMaterials, UnknownMaterial
from common.payments.money import (
    AmountTooLarge,
    AmountTooPrecise,
    InvalidAmount,
    NegativeAmount,
    UnknownCurrency,
)
from tests.common.commerce_support import audit_ids, make_item, make_treatment, new_audit_rows, suspend
from tests.conftest import ClinicWorld

COSMETIC = TreatmentKind.COSMETIC
Op = Callable[[ServiceContext], Any]


def create(world: ClinicWorld, who: str = "admin", **fields: Any) -> TreatmentCatalogItem:
    values: dict[str, Any] = {
        "name": "Laser toning",
        "kind": COSMETIC,
        "duration_minutes": 30,
        "base_price": Decimal("3000"),
    }
    values.update(fields)
    with world.ctx(who) as ctx:
        return catalog.create_treatment(ctx, **values)


# ---- categories --------------------------------------------------------------------------------


def test_category_tree(world):
    with world.ctx("manager") as ctx:
        skin = catalog.create_category(ctx, "Skin", kind=COSMETIC, sort_order=1)
        body = catalog.create_category(ctx, "Body", kind=TreatmentKind.THERAPEUTIC, sort_order=2)
        laser = catalog.create_category(ctx, "Laser", parent_id=skin.id)
        peel = catalog.create_category(ctx, "Peels", parent_id=skin.id)
    assert laser.kind is COSMETIC  # a subcategory inherits its parent's kind
    with world.ctx("nurse") as ctx:
        tree = catalog.list_categories(ctx)
    assert [(node.category.id, [c.id for c in node.subcategories]) for node in tree] == [
        (skin.id, [laser.id, peel.id]),
        (body.id, []),
    ]


def test_category_rules(world):
    with world.ctx("admin") as ctx:
        skin = catalog.create_category(ctx, "Skin", kind=COSMETIC)
        laser = catalog.create_category(ctx, "Laser", parent_id=skin.id)
    refusals: list[tuple[Op, type[Exception]]] = [
        (lambda ctx: catalog.create_category(ctx, "No kind"), CategoryKindRequired),
        (lambda ctx: catalog.create_category(ctx, "Deep", parent_id=laser.id), SubcategoryTooDeep),
        (
            lambda ctx: catalog.create_category(ctx, "Odd", parent_id=skin.id, kind=TreatmentKind.DIAGNOSTIC),
            CategoryKindMismatch,
        ),
        (lambda ctx: catalog.create_category(ctx, "skin", kind=COSMETIC), DuplicateCategoryName),
        (lambda ctx: catalog.create_category(ctx, "LASER", parent_id=skin.id), DuplicateCategoryName),
        (lambda ctx: catalog.deactivate_category(ctx, skin.id), CategoryHasChildren),
    ]
    for action, error in refusals:
        with pytest.raises(error), world.ctx("admin") as ctx:
            action(ctx)
    with world.ctx("admin") as ctx:
        body = catalog.create_category(ctx, "Body", kind=COSMETIC)
        catalog.create_category(ctx, "Laser", parent_id=body.id)  # same name, another parent


def test_deactivated_category_cannot_take_new_treatments(world):
    with world.ctx("admin") as ctx:
        skin = catalog.create_category(ctx, "Skin", kind=COSMETIC)
        laser = catalog.create_category(ctx, "Laser", parent_id=skin.id)
        catalog.deactivate_category(ctx, laser.id)
        catalog.deactivate_category(ctx, skin.id)
    with world.ctx("admin") as ctx:
        assert catalog.list_categories(ctx) == []
        assert len(catalog.list_categories(ctx, include_inactive=True)) == 1
    with pytest.raises(CategoryInactive), world.ctx("admin") as ctx:
        catalog.create_treatment(ctx, name="X", category_id=laser.id, duration_minutes=10, base_price=1)
    with pytest.raises(CategoryInactive), world.ctx("admin") as ctx:
        catalog.reactivate_category(ctx, laser.id)  # its parent is still off
    with world.ctx("admin") as ctx:
        catalog.reactivate_category(ctx, skin.id)
        catalog.reactivate_category(ctx, laser.id)


def test_treatment_placed_in_a_subcategory_takes_its_kind_and_name(world):
    with world.ctx("admin") as ctx:
        skin = catalog.create_category(ctx, "Skin", kind=COSMETIC)
        laser = catalog.create_category(ctx, "Laser", parent_id=skin.id)
        diagnostics = catalog.create_category(ctx, "Diagnostics", kind=TreatmentKind.DIAGNOSTIC)
    item = create(world, kind=None, category_id=laser.id)
    assert (item.category, item.subcategory, item.category_id) == (COSMETIC, "Laser", laser.id)
    with world.ctx("admin") as ctx:
        catalog.update_category(ctx, laser.id, name="Lasers")
        assert catalog.get_treatment(ctx, item.id).subcategory == "Lasers"
        assert [t.id for t in catalog.list_treatments(ctx, category_id=skin.id)] == [item.id]
        moved = catalog.update_treatment(ctx, item.id, category_id=diagnostics.id)
    assert (moved.category, moved.subcategory) == (TreatmentKind.DIAGNOSTIC, None)
    with pytest.raises(CategoryKindMismatch), world.ctx("admin") as ctx:
        catalog.update_treatment(ctx, item.id, kind=COSMETIC)
    with world.ctx("admin") as ctx:
        loose = catalog.update_treatment(ctx, item.id, category_id=None)
    assert (loose.category, loose.category_id) == (TreatmentKind.DIAGNOSTIC, None)


# ---- treatments --------------------------------------------------------------------------------


def test_create_treatment_fills_defaults(world):
    item_id = make_item(world)
    item = create(
        world,
        name="  Botox forehead ",
        base_price="4500",
        advantages=["Quick", "  ", " No downtime "],
        cautions=["Not during pregnancy"],
        recommended_for=["Forehead lines"],
        instructions="No exercise for 24 hours.",
        default_inventory_items=[
            {"item_id": str(item_id), "quantity": 1},
            {"item_id": item_id, "quantity": 2},
        ],
        follow_up_interval_days=90,
    )
    assert item.name == "Botox forehead"
    assert (item.base_price, item.currency) == (Decimal("4500.00"), "TWD")
    assert item.advantages == ["Quick", "No downtime"]
    assert item.default_inventory_items == [{"item_id": str(item_id), "quantity": 3}]
    assert item.is_active and item.version == 1


def test_price_rules(world):
    with world.ctx("admin") as ctx:
        free = catalog.create_treatment(ctx, name="Consult", kind=COSMETIC, duration_minutes=15, base_price=0)
        yen = catalog.create_treatment(
            ctx, name="Imported", kind=COSMETIC, duration_minutes=15, base_price="12000", currency="jpy"
        )
    assert free.base_price == Decimal("0.00")
    assert (yen.currency, yen.base_price) == ("JPY", Decimal("12000"))
    cases: list[tuple[Any, str | None, type[Exception]]] = [
        (Decimal("-1"), None, NegativeAmount),
        (Decimal("100.001"), None, AmountTooPrecise),
        (Decimal("100.5"), "JPY", AmountTooPrecise),
        ("ten", None, InvalidAmount),
        (Decimal("NaN"), None, InvalidAmount),
        (10.5, None, InvalidAmount),
        (Decimal("1e13"), None, AmountTooLarge),
        (Decimal(1), "XYZ", UnknownCurrency),
    ]
    for price, currency, error in cases:
        with pytest.raises(error), world.ctx("admin") as ctx:
            catalog.create_treatment(
                ctx, name="P", kind=COSMETIC, duration_minutes=10, base_price=price, currency=currency
            )


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"name": " "}, TreatmentNameRequired),
        ({"kind": None}, CategoryKindRequired),
        ({"duration_minutes": 0}, InvalidDuration),
        ({"duration_minutes": 24 * 60 + 1}, InvalidDuration),
        ({"follow_up_interval_days": 0}, InvalidFollowUpInterval),
        ({"advantages": "not a list"}, InvalidTextList),
        ({"default_inventory_items": [{"item_id": "nonsense", "quantity": 1}]}, InvalidMaterials),
        ({"next_treatment_id": __import__("uuid").uuid4()}, UnknownNextTreatment),
    ],
)
def test_treatment_validation(world, fields, error):
    with pytest.raises(error):
        create(world, **fields)


def test_default_materials_must_exist_in_this_clinic(world, other_world):
    mine = make_item(world)
    theirs = make_item(other_world)
    with pytest.raises(UnknownMaterial):
        create(
            world,
            default_inventory_items=[{"item_id": mine, "quantity": 1}, {"item_id": theirs, "quantity": 1}],
        )
    with pytest.raises(InvalidMaterials):
        create(world, default_inventory_items=[{"item_id": mine, "quantity": 0}])
    with pytest.raises(InvalidMaterials):
        create(world, default_inventory_items=[{"item_id": mine, "quantity": 1.5}])


def test_names_are_unique_per_clinic_case_and_accent_insensitively(world, other_world):
    create(world, name="Café peel")
    for name in ("café peel", "CAFE PEEL"):
        with pytest.raises(DuplicateTreatmentName):
            create(world, name=name)
    create(other_world, name="Café peel")
    deactivated = create(world, name="Old facial")
    with world.ctx("admin") as ctx:
        catalog.deactivate_treatment(ctx, deactivated.id)
    with pytest.raises(DuplicateTreatmentName):
        create(world, name="Old Facial")


def test_update_changes_only_what_is_given(world):
    item = create(world, cautions=["Sun exposure"])
    with world.ctx("manager") as ctx:
        same = catalog.update_treatment(ctx, item.id, name="Laser toning", cautions=["Sun exposure"])
        assert same.version == 1
        changed = catalog.update_treatment(ctx, item.id, duration_minutes=40, instructions="Use SPF 50")
    assert (changed.duration_minutes, changed.instructions, changed.version) == (40, "Use SPF 50", 2)
    assert changed.cautions == ["Sun exposure"]
    with pytest.raises(Conflict), world.ctx("manager") as ctx:
        catalog.update_treatment(ctx, item.id, duration_minutes=50, expected_version=1)
    with pytest.raises(DuplicateTreatmentName), world.ctx("manager") as ctx:
        other = catalog.create_treatment(ctx, name="Peel", kind=COSMETIC, duration_minutes=5, base_price=1)
        catalog.update_treatment(ctx, other.id, name="LASER TONING")


def test_next_treatment_may_be_itself_or_another_active_one(world):
    first = create(world, name="Session")
    second = create(world, name="Maintenance")
    with world.ctx("admin") as ctx:
        assert (
            catalog.update_treatment(ctx, first.id, next_treatment_id=first.id).next_treatment_id == first.id
        )
        assert (
            catalog.update_treatment(ctx, first.id, next_treatment_id=second.id).next_treatment_id
            == second.id
        )
        catalog.deactivate_treatment(ctx, second.id)
    with pytest.raises(UnknownNextTreatment), world.ctx("admin") as ctx:
        catalog.update_treatment(ctx, first.id, next_treatment_id=second.id)


def test_deactivated_treatments_leave_lists_and_search(world):
    kept = create(world, name="Kept")
    gone = create(world, name="Gone")
    with world.ctx("admin") as ctx:
        catalog.deactivate_treatment(ctx, gone.id)
    with world.ctx("receptionist") as ctx:
        assert [t.id for t in catalog.list_treatments(ctx)] == [kept.id]
        assert {t.id for t in catalog.list_treatments(ctx, include_inactive=True)} == {kept.id, gone.id}
        assert catalog.search_treatments(ctx, "gone") == []
        assert catalog.get_treatment(ctx, gone.id).is_active is False
        with pytest.raises(CatalogItemInactive):
            catalog.issue_treatment_code(ctx, gone.id)
    with world.ctx("admin") as ctx:
        assert catalog.reactivate_treatment(ctx, gone.id).is_active


def test_search_is_case_accent_and_cjk_insensitive(world):
    facial = create(world, name="Hydrating Facial", description="Deep moisture for dry skin")
    peel = create(world, name="Glycolic peel", description="A facial peel")
    cjk = create(world, name="皮秒雷射", description="淡斑")
    create(world, name="Crème massage")
    with world.ctx("nurse") as ctx:
        assert [t.id for t in catalog.search_treatments(ctx, "FACIAL")] == [facial.id, peel.id]
        assert [t.name for t in catalog.search_treatments(ctx, "creme")] == ["Crème massage"]
        assert [t.id for t in catalog.search_treatments(ctx, "雷射")] == [cjk.id]
        assert [t.id for t in catalog.search_treatments(ctx, "dry facial")] == [facial.id]
        assert len(catalog.search_treatments(ctx, "  ")) == 4


def test_pricing(world):
    item = create(world, base_price="3000")
    with world.ctx("manager") as ctx:
        priced = catalog.update_pricing(ctx, item.id, "3200.50")
        assert (priced.base_price, priced.currency) == (Decimal("3200.50"), "TWD")
        catalog.update_pricing(ctx, item.id, 10000, currency="JPY")
    with pytest.raises(AmountTooPrecise), world.ctx("manager") as ctx:
        catalog.update_treatment(ctx, item.id, currency="JPY", base_price="99.5")
    with world.ctx("receptionist") as ctx:
        (entry,) = catalog.price_list(ctx)
    assert (entry.name, entry.base_price, entry.currency, entry.duration_minutes) == (
        "Laser toning",
        Decimal("10000"),
        "JPY",
        30,
    )


def test_issue_treatment_code(world):
    item = create(world)
    with world.ctx("receptionist") as ctx:
        mapping = catalog.issue_treatment_code(ctx, item.id)
    assert (mapping.entity_type, mapping.entity_id) == (BarcodeEntityType.TREATMENT, item.id)
    issued = create(world, name="With code", issue_barcode=True)
    with world.ctx("admin") as ctx:
        from sqlalchemy import select

        from common.barcodes.models import BarcodeMapping

        assert ctx.session.scalar(select(BarcodeMapping.id).where(BarcodeMapping.entity_id == issued.id))


def test_catalog_is_not_patient_data_so_not_audited(world):
    before = audit_ids(world)
    item_id = make_treatment(world)
    with world.ctx("nurse") as ctx:
        catalog.get_treatment(ctx, item_id)
    assert new_audit_rows(world, before) == []


def test_unknown_and_foreign_treatments_are_not_found(world, other_world):
    foreign = create(other_world)
    with pytest.raises(CatalogItemNotFound), world.ctx("admin") as ctx:
        catalog.get_treatment(ctx, foreign.id)
    with pytest.raises(CatalogItemNotFound), world.ctx("admin") as ctx:
        catalog.update_pricing(ctx, foreign.id, 1)


def test_permissions(world):
    item = create(world)
    for who in ("receptionist", "doctor", "nurse"):
        with pytest.raises(PermissionDenied), world.ctx(who) as ctx:
            catalog.update_pricing(ctx, item.id, 1)
        with pytest.raises(PermissionDenied), world.ctx(who) as ctx:
            catalog.create_category(ctx, "X", kind=COSMETIC)
        with world.ctx(who) as ctx:
            assert catalog.list_treatments(ctx)
    with pytest.raises(PermissionDenied), world.ctx("doctor") as ctx:
        catalog.issue_treatment_code(ctx, item.id)


def test_suspended_clinic_refuses_writes_but_reads(world):
    item = create(world)
    suspend(world)
    for action in (
        lambda ctx: catalog.create_treatment(ctx, name="N", kind=COSMETIC, duration_minutes=5, base_price=1),
        lambda ctx: catalog.update_pricing(ctx, item.id, 1),
        lambda ctx: catalog.deactivate_treatment(ctx, item.id),
        lambda ctx: catalog.create_category(ctx, "C", kind=COSMETIC),
    ):
        with pytest.raises(ClinicReadOnly), world.ctx("admin") as ctx:
            action(ctx)
    with world.ctx("admin") as ctx:
        assert [t.id for t in catalog.list_treatments(ctx)] == [item.id]
        assert catalog.price_list(ctx)[0].base_price == Decimal("3000.00")
