"""Recording treatments: catalog fill, discounts, materials in the same transaction, follow-ups and
suggestions, audit; on both databases."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from common.catalog import service as catalog
from common.catalog.errors import CatalogItemInactive
from common.context import ServiceContext
from common.errors import ClinicReadOnly, Conflict, PermissionDenied
from common.inventory import service as inventory
from common.inventory.errors import InvalidMaterials, UnknownMaterial
from common.inventory.models import InventoryMovement, MovementKind
from common.patients.errors import PatientNotFound
from common.payments.money import AmountTooPrecise, InvalidPercent, NegativeAmount
from common.scheduling.errors import NotADoctor
from common.scheduling.models import Appointment, AppointmentStatus
from common.treatments import service as treatments
from common.treatments.errors import (
    AppointmentNotActive,
    AppointmentOfAnotherPatient,
    DiscountGivenTwice,
    InvalidDiscount,
    InvalidFollowUpDate,
    TreatmentAlreadyCompleted,
    TreatmentDateInFuture,
    TreatmentNotFound,
)
from common.treatments.models import TreatmentRecord
from common.treatments.service import RecordedTreatment
from common.treatments.suggestions import SuggestionReason
from tests.common.commerce_support import (
    audit_ids,
    make_appointment,
    make_item,
    make_patient,
    make_treatment,
    movements_of,
    new_audit_rows,
    suspend,
)
from tests.conftest import ClinicWorld

TODAY = date(2026, 11, 23)  # T0 in Taipei
Op = Callable[[ServiceContext], Any]


@pytest.fixture
def setup(world):
    """A patient, two stocked materials, and a treatment that uses them by default."""
    syringe = make_item(world, name="Syringe", minimum_quantity=2, is_tracked=True)
    gauze = make_item(world, name="Gauze", minimum_quantity=1)
    with world.ctx("nurse") as ctx:
        inventory.receive_stock(ctx, syringe, 10)
        inventory.receive_stock(ctx, gauze, 10)
    treatment = make_treatment(
        world,
        name="Filler",
        base_price=Decimal("12000"),
        duration_minutes=60,
        cautions=["Bruising"],
        instructions="Avoid alcohol",
        description="Hyaluronic filler",
        default_inventory_items=[{"item_id": syringe, "quantity": 2}, {"item_id": gauze, "quantity": 3}],
    )
    return {"patient": make_patient(world), "syringe": syringe, "gauze": gauze, "treatment": treatment}


def record(
    world: ClinicWorld, setup: dict[str, Any], who: str = "doctor", **fields: Any
) -> RecordedTreatment:
    with world.ctx(who) as ctx:
        return treatments.record_treatment(
            ctx, setup["patient"], setup["treatment"], doctor_id=world.staff["doctor"], **fields
        )


def stock(world: ClinicWorld, item_id: uuid.UUID) -> int:
    with world.ctx("nurse") as ctx:
        return inventory.get_item(ctx, item_id).current_quantity


# ---- recording ---------------------------------------------------------------------------------


def test_record_fills_from_the_catalog(world, setup):
    result = record(world, setup, notes="Left cheek", barcode_scanned=True, discount="1500")
    rec = result.record
    assert (rec.treatment_name, rec.description, rec.duration_minutes) == ("Filler", "Hyaluronic filler", 60)
    assert (rec.cost, rec.currency, rec.discount_applied, rec.final_amount) == (
        Decimal("12000"),
        "TWD",
        Decimal("1500"),
        Decimal("10500"),
    )
    assert rec.treatment_date == TODAY
    assert rec.barcode_scanned and rec.notes == "Left cheek"
    assert rec.recorded_by == world.staff["doctor"]
    assert rec.completed_at is None
    assert [(m["name"], m["quantity"]) for m in rec.materials_used] == [("Syringe", 2), ("Gauze", 3)]


def test_materials_are_used_in_the_same_transaction(world, setup):
    result = record(world, setup)
    assert (stock(world, setup["syringe"]), stock(world, setup["gauze"])) == (8, 7)
    uses = [m for m in movements_of(world, setup["syringe"]) if m.kind is MovementKind.USE]
    assert [(m.quantity, m.treatment_record_id) for m in uses] == [(-2, result.record.id)]
    # One transaction takes one change number: the record and its movements share it.
    assert {m.seq for m in result.movements} == {result.record.seq}
    assert {entry["movement_id"] for entry in result.record.inventory_items_used} == {
        str(m.id) for m in result.movements
    }
    assert result.record.version == 1


def test_explicit_materials_replace_the_defaults(world, setup):
    record(world, setup, materials=[{"item_id": setup["gauze"], "quantity": 1}])
    assert (stock(world, setup["syringe"]), stock(world, setup["gauze"])) == (10, 9)
    result = record(world, setup, materials=[])
    assert result.movements == () and result.record.materials_used == []


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"materials": [{"item_id": uuid.uuid4(), "quantity": 1}]}, UnknownMaterial),
        ({"materials": [{"item_id": "x", "quantity": 1}]}, InvalidMaterials),
        ({"discount": "12000.01"}, InvalidDiscount),
        ({"discount": "-1"}, NegativeAmount),
        ({"discount": "1.001"}, AmountTooPrecise),
        ({"discount_percent": 101}, InvalidPercent),
        ({"discount": 100, "discount_percent": 10}, DiscountGivenTwice),
        ({"treatment_date": TODAY + timedelta(days=1)}, TreatmentDateInFuture),
    ],
)
def test_nothing_is_written_when_validation_fails(world, setup, fields, error):
    before = audit_ids(world)
    with pytest.raises(error):
        record(world, setup, **fields)
    with world.ctx("admin") as ctx:
        assert ctx.session.scalars(select(TreatmentRecord)).all() == []
        uses = ctx.session.scalars(
            select(InventoryMovement).where(InventoryMovement.kind == MovementKind.USE)
        )
        assert uses.all() == []
    assert new_audit_rows(world, before) == []
    assert stock(world, setup["syringe"]) == 10


def test_percentage_discount(world, setup):
    result = record(world, setup, discount_percent="12.5")
    assert (result.record.discount_applied, result.record.final_amount) == (Decimal("1500"), Decimal("10500"))
    assert treatments.percent_discount(Decimal("1999"), 15, "TWD") == Decimal("299.85")
    assert treatments.percent_discount(Decimal("1999"), 15, "JPY") == Decimal("300")
    assert record(world, setup, discount="12000").record.final_amount == Decimal("0")


def test_negative_stock_is_recorded_and_flagged_not_refused(world, setup):
    with world.ctx("nurse") as ctx:
        inventory.use_stock(ctx, setup["syringe"], 9)
    result = record(world, setup)
    warnings = {w.item_id: w for w in result.stock_warnings}
    assert warnings[setup["syringe"]].stock_after == -1
    assert warnings[setup["syringe"]].negative and warnings[setup["syringe"]].is_tracked
    assert setup["gauze"] not in warnings  # 7 left, minimum 1
    assert stock(world, setup["syringe"]) == -1


def test_low_stock_is_flagged(world, setup):
    with world.ctx("nurse") as ctx:
        inventory.use_stock(ctx, setup["syringe"], 6)
    (warning,) = record(world, setup).stock_warnings
    assert (warning.item_name, warning.stock_after, warning.low, warning.negative) == (
        "Syringe",
        2,
        True,
        False,
    )


def test_refusals(world, setup, other_world):
    other_patient = make_patient(world, "Ken", "Lee")
    theirs = make_appointment(world, other_patient)
    cancelled = make_appointment(world, setup["patient"], status=AppointmentStatus.CANCELLED)
    retired = make_treatment(world, name="Retired")
    with world.ctx("admin") as ctx:
        catalog.deactivate_treatment(ctx, retired)
    cases: list[tuple[dict[str, Any], type[Exception]]] = [
        ({"appointment_id": theirs}, AppointmentOfAnotherPatient),
        ({"appointment_id": cancelled}, AppointmentNotActive),
    ]
    for fields, error in cases:
        with pytest.raises(error):
            record(world, setup, **fields)
    with pytest.raises(NotADoctor), world.ctx("doctor") as ctx:
        treatments.record_treatment(ctx, setup["patient"], setup["treatment"], doctor_id=world.staff["nurse"])
    with pytest.raises(CatalogItemInactive), world.ctx("doctor") as ctx:
        treatments.record_treatment(ctx, setup["patient"], retired, doctor_id=world.staff["doctor"])
    foreign_patient = make_patient(other_world)
    with pytest.raises(PatientNotFound), world.ctx("doctor") as ctx:
        treatments.record_treatment(ctx, foreign_patient, setup["treatment"], doctor_id=world.staff["doctor"])


def test_a_checked_in_appointment_moves_to_in_progress(world, setup):
    checked_in = make_appointment(world, setup["patient"], status=AppointmentStatus.CHECKED_IN)
    scheduled = make_appointment(world, setup["patient"], status=AppointmentStatus.SCHEDULED)
    before = audit_ids(world)
    result = record(world, setup, appointment_id=checked_in)
    (row,) = new_audit_rows(world, before)
    assert "appointment.status" in row.changed_fields
    record(world, setup, appointment_id=scheduled)
    with world.ctx("admin") as ctx:
        rows = ctx.session.execute(
            select(Appointment.id, Appointment.status).where(Appointment.id.in_([checked_in, scheduled]))
        )
        statuses = {row.id: row.status for row in rows}
    assert result.record.appointment_id == checked_in
    assert statuses == {checked_in: AppointmentStatus.IN_PROGRESS, scheduled: AppointmentStatus.SCHEDULED}


# ---- follow-ups and suggestions ----------------------------------------------------------------


def test_a_course_counts_sessions_and_suggests_the_next(world, setup, clock):
    course = make_treatment(world, name="Laser course", follow_up_interval_days=28)
    with world.ctx("admin") as ctx:
        catalog.update_treatment(ctx, course, next_treatment_id=course)
    numbers = []
    for week in range(3):
        clock.set(datetime(2026, 11, 23, 2, tzinfo=UTC) + timedelta(weeks=week))
        with world.ctx("doctor") as ctx:
            rec = treatments.record_treatment(
                ctx, setup["patient"], course, doctor_id=world.staff["doctor"], materials=[]
            ).record
        numbers.append(rec.next_treatment_suggestion["session_number"])
    assert numbers == [1, 2, 3]
    assert rec.follow_up_required and rec.follow_up_date == date(2026, 12, 7) + timedelta(days=28)
    assert rec.next_treatment_suggestion == {
        "session_number": 3,
        "reason": "repeat",
        "catalog_item_id": str(course),
        "treatment_name": "Laser course",
        "suggested_date": "2027-01-04",
    }


def test_next_treatment_suggestion_and_booking_state(world, setup):
    maintenance = make_treatment(world, name="Maintenance")
    first = make_treatment(world, name="Initial", follow_up_interval_days=14, next_treatment_id=maintenance)
    with world.ctx("doctor") as ctx:
        rec = treatments.record_treatment(
            ctx, setup["patient"], first, doctor_id=world.staff["doctor"]
        ).record
    with world.ctx("doctor") as ctx:
        suggestion = treatments.suggestions(ctx, rec.id)
    assert suggestion.reason is SuggestionReason.NEXT_TREATMENT
    assert (suggestion.next_catalog_item_id, suggestion.next_treatment_name) == (maintenance, "Maintenance")
    assert suggestion.suggested_date == suggestion.follow_up_date == TODAY + timedelta(days=14)
    assert suggestion.still_offered and not suggestion.already_booked
    make_appointment(
        world,
        setup["patient"],
        status=AppointmentStatus.SCHEDULED,
        starts_at=datetime(2026, 12, 7, 2, tzinfo=UTC),
        treatment_type_id=maintenance,
    )
    with world.ctx("admin") as ctx:
        catalog.update_treatment(ctx, maintenance, name="Maintenance visit")
        catalog.deactivate_treatment(ctx, maintenance)
    with world.ctx("nurse") as ctx:
        later = treatments.suggestions(ctx, rec.id)
    assert later.already_booked and not later.still_offered
    assert later.next_treatment_name == "Maintenance visit"


def test_no_interval_no_next_means_no_follow_up(world, setup):
    rec = record(world, setup).record
    assert (rec.follow_up_required, rec.follow_up_date) == (False, None)
    assert rec.next_treatment_suggestion == {"session_number": 1}
    with world.ctx("doctor") as ctx:
        suggestion = treatments.suggestions(ctx, rec.id)
    assert suggestion.reason is None and suggestion.next_catalog_item_id is None


# ---- updating, completing, reading -------------------------------------------------------------


def test_update_and_complete(world, setup, clock):
    rec = record(world, setup).record
    before = audit_ids(world)
    with world.ctx("nurse") as ctx:
        updated = treatments.update_treatment(
            ctx, rec.id, complications="Mild swelling", patient_feedback="Happy", notes=None
        )
    (row,) = new_audit_rows(world, before)
    assert (row.action, row.entity_id, row.patient_id) == ("treatment.update", rec.id, setup["patient"])
    assert sorted(row.changed_fields) == ["complications", "patient_feedback"]
    assert updated.version == 2
    with pytest.raises(Conflict), world.ctx("nurse") as ctx:
        treatments.update_treatment(ctx, rec.id, notes="x", expected_version=1)
    with pytest.raises(InvalidFollowUpDate), world.ctx("nurse") as ctx:
        treatments.update_treatment(ctx, rec.id, follow_up_date=TODAY - timedelta(days=1))
    with world.ctx("doctor") as ctx:
        done = treatments.complete_treatment(ctx, rec.id)
    assert done.completed_at == clock.now()
    with pytest.raises(TreatmentAlreadyCompleted), world.ctx("doctor") as ctx:
        treatments.complete_treatment(ctx, rec.id)
    with world.ctx("doctor") as ctx:
        treatments.update_treatment(ctx, rec.id, complications="Resolved")  # still allowed after completion


def test_each_operation_writes_exactly_one_audit_row(world, setup):
    rec_id: Any = None
    operations: list[tuple[str, Op]] = [
        (
            "treatment.record",
            lambda ctx: (
                treatments.record_treatment(
                    ctx, setup["patient"], setup["treatment"], doctor_id=world.staff["doctor"]
                ).record.id
            ),
        ),
        ("treatment.read", lambda ctx: treatments.get_treatment(ctx, rec_id).id),
        ("treatment.list", lambda ctx: treatments.list_patient_treatments(ctx, setup["patient"])),
        ("treatment.suggestions", lambda ctx: treatments.suggestions(ctx, rec_id)),
        ("treatment.update", lambda ctx: treatments.update_treatment(ctx, rec_id, notes="n")),
        ("treatment.complete", lambda ctx: treatments.complete_treatment(ctx, rec_id)),
    ]
    for action, operation in operations:
        before = audit_ids(world)
        with world.ctx("doctor") as ctx:
            result = operation(ctx)
        rec_id = rec_id or result
        rows = new_audit_rows(world, before)
        assert [(r.action, r.patient_id, r.actor_id) for r in rows] == [
            (action, setup["patient"], world.staff["doctor"])
        ]


def test_record_audit_names_fields_not_values(world, setup):
    before = audit_ids(world)
    rec = record(world, setup, notes="Very private note").record
    (row,) = new_audit_rows(world, before)
    assert row.entity_id == rec.id and "notes" in row.changed_fields
    assert "Very private note" not in repr(row.changed_fields)


def test_list_for_a_patient_newest_first(world, setup, clock):
    first = record(world, setup).record
    clock.advance(timedelta(days=1))
    second = record(world, setup).record
    other = make_patient(world, "Ken", "Lee")
    with world.ctx("doctor") as ctx:
        treatments.record_treatment(ctx, other, setup["treatment"], doctor_id=world.staff["doctor"])
    with world.ctx("receptionist") as ctx:
        assert [r.id for r in treatments.list_patient_treatments(ctx, setup["patient"])] == [
            second.id,
            first.id,
        ]
        assert [r.id for r in treatments.list_patient_treatments(ctx, setup["patient"], limit=1)] == [
            second.id
        ]


def test_another_clinics_record_is_not_found(world, other_world, setup):
    rec = record(world, setup).record
    with pytest.raises(TreatmentNotFound), other_world.ctx("doctor") as ctx:
        treatments.get_treatment(ctx, rec.id)


# ---- prefill -----------------------------------------------------------------------------------


def test_prefill_from_catalog(world, setup):
    with world.ctx("nurse") as ctx:
        inventory.use_stock(ctx, setup["syringe"], 9)
    with world.ctx("doctor") as ctx:
        form = treatments.prefill_from_catalog(ctx, setup["treatment"])
    assert (form.name, form.price, form.currency, form.duration_minutes) == (
        "Filler",
        Decimal("12000"),
        "TWD",
        60,
    )
    assert (form.cautions, form.instructions) == (("Bruising",), "Avoid alcohol")
    assert [(m.name, m.quantity, m.current_stock, m.enough_stock) for m in form.materials] == [
        ("Syringe", 2, 1, False),
        ("Gauze", 3, 10, True),
    ]
    assert form.missing_item_ids == ()


def test_prefill_reads_no_patient_data_and_refuses_retired_treatments(world, setup):
    before = audit_ids(world)
    with world.ctx("receptionist") as ctx:
        treatments.prefill_from_catalog(ctx, setup["treatment"])
    assert new_audit_rows(world, before) == []
    with world.ctx("admin") as ctx:
        catalog.deactivate_treatment(ctx, setup["treatment"])
    with pytest.raises(CatalogItemInactive), world.ctx("doctor") as ctx:
        treatments.prefill_from_catalog(ctx, setup["treatment"])


# ---- permissions and suspension ----------------------------------------------------------------


def test_permissions_and_refusals_are_audited(world, setup):
    before = audit_ids(world)
    with pytest.raises(PermissionDenied), world.ctx("receptionist") as ctx:
        treatments.record_treatment(
            ctx, setup["patient"], setup["treatment"], doctor_id=world.staff["doctor"]
        )
    (denial,) = new_audit_rows(world, before)
    assert (denial.action, denial.patient_id, denial.outcome.value) == (
        "denied:treatment.record",
        setup["patient"],
        "denied",
    )
    rec = record(world, setup, who="nurse").record
    with world.ctx("receptionist") as ctx:
        assert treatments.get_treatment(ctx, rec.id).id == rec.id
    with pytest.raises(PermissionDenied), world.ctx("manager") as ctx:
        treatments.update_treatment(ctx, rec.id, notes="x")


def test_suspended_clinic_refuses_writes_but_reads(world, setup):
    rec = record(world, setup).record
    suspend(world)
    for action in (
        lambda ctx: treatments.record_treatment(
            ctx, setup["patient"], setup["treatment"], doctor_id=world.staff["doctor"]
        ),
        lambda ctx: treatments.update_treatment(ctx, rec.id, notes="x"),
        lambda ctx: treatments.complete_treatment(ctx, rec.id),
    ):
        with pytest.raises(ClinicReadOnly), world.ctx("doctor") as ctx:
            action(ctx)
    with world.ctx("doctor") as ctx:
        assert [r.id for r in treatments.list_patient_treatments(ctx, setup["patient"])] == [rec.id]
        assert treatments.prefill_from_catalog(ctx, setup["treatment"]).name == "Filler"
    assert stock(world, setup["syringe"]) == 8
