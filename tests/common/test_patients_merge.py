"""Merging duplicate patients: what moves, what is filled, the record kept, and the way back."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from common.barcodes.models import BarcodeEntityType, BarcodeMapping
from common.chat.models import ChatMessage
from common.errors import NotFound, PermissionDenied
from common.notifications.models import Notification
from common.patients import errors
from common.patients.merge import merge_patients, preview_merge, unmerge_patients
from common.patients.models import Patient, PatientMerge
from common.patients.search import search_patients
from common.patients.service import get_patient, update_patient
from common.payments.models import PaymentRecord
from common.scheduling.models import Appointment, WaitlistEntry
from common.treatments.models import TreatmentRecord
from tests.common.patients_support import AuditWatch, catalog_item, give_history, register
from tests.conftest import ClinicWorld

OWNERSHIP: dict[str, tuple[Any, Any]] = {
    "appointments": (Appointment, lambda pid: Appointment.patient_id == pid),
    "treatment_records": (TreatmentRecord, lambda pid: TreatmentRecord.patient_id == pid),
    "payment_records": (PaymentRecord, lambda pid: PaymentRecord.patient_id == pid),
    "barcode_mappings": (
        BarcodeMapping,
        lambda pid: (
            (BarcodeMapping.entity_type == BarcodeEntityType.PATIENT) & (BarcodeMapping.entity_id == pid)
        ),
    ),
    "chat_messages": (ChatMessage, lambda pid: ChatMessage.patient_id == pid),
    "waitlist_entries": (WaitlistEntry, lambda pid: WaitlistEntry.patient_id == pid),
    "notifications": (Notification, lambda pid: Notification.recipient_id == pid),
}


def owned_rows(world: ClinicWorld, patient_id: uuid.UUID) -> dict[str, set[uuid.UUID]]:
    """Every row (tombstones included) that belongs to the patient, by table."""
    with world.db.session(world.clinic_id) as session:
        return {
            table: set(
                session.scalars(
                    select(model.id).where(owned_by(patient_id)).execution_options(include_deleted=True)
                )
            )
            for table, (model, owned_by) in OWNERSHIP.items()
        }


def row_versions(world: ClinicWorld, patient_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    with world.db.session(world.clinic_id) as session:
        versions: dict[uuid.UUID, int] = {}
        for model, owned_by in OWNERSHIP.values():
            for patient_id in patient_ids:
                rows = session.execute(
                    select(model.id, model.version)
                    .where(owned_by(patient_id))
                    .execution_options(include_deleted=True)
                )
                versions.update({row_id: version for row_id, version in rows})
        return versions


def patient_row(world: ClinicWorld, patient_id: uuid.UUID) -> Patient:
    with world.db.session(world.clinic_id) as session:
        return session.scalars(
            select(Patient).where(Patient.id == patient_id).execution_options(include_deleted=True)
        ).one()


@pytest.fixture
def pair(world: ClinicWorld) -> tuple[uuid.UUID, uuid.UUID]:
    item = catalog_item(world)
    survivor = register(world, "doctor", allergies=["penicillin"], medical_history={"asthma": True}).id
    duplicate = register(
        world,
        "doctor",
        first_name="Anna",
        contact_email="ana@example.com",
        contact_phone="0912 345 678",
        emergency_contact={"name": "Luis", "phone": "0912 000 111"},
        allergies=["latex", "penicillin"],
        medical_history={"asthma": False, "diabetes": "type 2"},
        current_medications=["metformin"],
    ).id
    give_history(world, survivor, visits=1, treatment_type_id=item)
    give_history(world, duplicate, visits=3, treatment_type_id=item)
    return survivor, duplicate


def test_merge_moves_everything_fills_gaps_and_tombstones_the_duplicate(world, pair):
    survivor, duplicate = pair
    before_survivor = owned_rows(world, survivor)
    before_duplicate = owned_rows(world, duplicate)
    assert all(before_duplicate.values())  # the fixture gave the duplicate a row in every table

    watch = AuditWatch(world).start()
    with world.ctx("admin") as ctx:
        outcome = merge_patients(ctx, survivor, duplicate)
    [row] = watch.new()
    assert (row.action, row.entity_id, row.patient_id) == ("patient.merge", duplicate, survivor)
    assert "merged_into_id" in row.changed_fields

    after_survivor = owned_rows(world, survivor)
    for table, ids in before_duplicate.items():
        assert after_survivor[table] == before_survivor[table] | ids, table
        assert set(outcome.moved[table]) == ids
    assert not any(owned_rows(world, duplicate).values())

    kept = patient_row(world, survivor)
    assert kept.first_name == "Ana"  # the survivor's own values win
    assert kept.contact_email == "ana@example.com"  # empty fields are filled
    assert kept.contact_phone == "0912 345 678" and kept.phone_digits == "0912345678"
    assert kept.emergency_contact == {"name": "Luis", "phone": "0912 000 111"}
    assert kept.allergies == ["penicillin", "latex"]  # no allergy is ever lost
    assert kept.current_medications == ["metformin"]
    assert kept.medical_history == {"asthma": True, "diabetes": "type 2"}
    assert set(outcome.filled_fields) == {
        "contact_email",
        "contact_phone",
        "emergency_contact",
        "allergies",
        "current_medications",
        "medical_history",
    }
    gone = patient_row(world, duplicate)
    assert gone.merged_into_id == survivor and gone.deleted_at is not None

    with world.ctx("doctor") as ctx, pytest.raises(NotFound):
        get_patient(ctx, duplicate)
    with world.ctx("doctor") as ctx:
        found = [view.id for view in search_patients(ctx, "0912345678")]
    assert found == [survivor]  # the filled phone is searchable on the survivor

    with world.db.session(world.clinic_id) as session:
        merge = session.scalars(select(PatientMerge).where(PatientMerge.id == outcome.merge_id)).one()
    assert merge.merged_by == world.staff["admin"]
    assert {table: set(map(uuid.UUID, ids)) for table, ids in merge.moved.items()} == before_duplicate


def test_a_scan_of_the_duplicates_card_finds_the_survivor(world, pair):
    survivor, duplicate = pair
    code = patient_row(world, duplicate).barcode_id
    with world.ctx("admin") as ctx:
        merge_patients(ctx, survivor, duplicate)
    with world.ctx("receptionist") as ctx:
        assert [view.id for view in search_patients(ctx, code)] == [survivor]


def test_merge_then_unmerge_restores_every_row_and_field(world, pair):
    survivor, duplicate = pair
    before = {survivor: owned_rows(world, survivor), duplicate: owned_rows(world, duplicate)}
    survivor_before = patient_row(world, survivor)
    duplicate_before = patient_row(world, duplicate)
    versions_before = row_versions(world, [survivor, duplicate])

    with world.ctx("manager") as ctx:
        outcome = merge_patients(ctx, survivor, duplicate)
    watch = AuditWatch(world).start()
    with world.ctx("manager") as ctx:
        back = unmerge_patients(ctx, outcome.merge_id)
    [row] = watch.new()
    assert (row.action, row.entity_id, row.patient_id) == ("patient.unmerge", duplicate, survivor)

    assert {survivor: owned_rows(world, survivor), duplicate: owned_rows(world, duplicate)} == before
    assert {table: set(ids) for table, ids in back.moved.items()} == {
        table: ids for table, ids in before[duplicate].items() if ids
    }
    # Every moved row was edited through the ORM: versioned both ways, so devices sync it.
    versions_after = row_versions(world, [survivor, duplicate])
    for table, ids in before[duplicate].items():
        for row_id in ids:
            assert versions_after[row_id] == versions_before[row_id] + 2, table

    restored, revived = patient_row(world, survivor), patient_row(world, duplicate)
    for name in ("contact_email", "contact_phone", "emergency_contact", "allergies", "current_medications"):
        assert getattr(restored, name) == getattr(survivor_before, name), name
    assert restored.medical_history == survivor_before.medical_history
    assert restored.search_text == survivor_before.search_text
    assert revived.deleted_at is None and revived.merged_into_id is None
    assert revived.search_text == duplicate_before.search_text
    with world.ctx("doctor") as ctx:
        assert get_patient(ctx, duplicate)["first_name"] == "Anna"
        assert [view.id for view in search_patients(ctx, "0912345678")] == [duplicate]

    with world.ctx("manager") as ctx, pytest.raises(errors.MergeAlreadyReverted):
        unmerge_patients(ctx, outcome.merge_id)


def test_unmerge_keeps_survivor_fields_edited_since_the_merge(world, pair):
    survivor, duplicate = pair
    with world.ctx("admin") as ctx:
        outcome = merge_patients(ctx, survivor, duplicate)
    with world.ctx("receptionist") as ctx:
        update_patient(ctx, survivor, {"contact_email": "new@example.com"})
    with world.ctx("admin") as ctx:
        back = unmerge_patients(ctx, outcome.merge_id)
    assert "contact_email" not in back.filled_fields
    assert patient_row(world, survivor).contact_email == "new@example.com"
    assert patient_row(world, survivor).contact_phone is None


def test_unmerge_waits_for_a_later_merge_of_the_survivor(world, pair):
    survivor, duplicate = pair
    third = register(world, first_name="Ann").id
    with world.ctx("admin") as ctx:
        first = merge_patients(ctx, survivor, duplicate)
    with world.ctx("admin") as ctx:
        second = merge_patients(ctx, third, survivor)
    with world.ctx("admin") as ctx, pytest.raises(errors.MergeSurvivorMergedSince):
        unmerge_patients(ctx, first.merge_id)
    with world.ctx("admin") as ctx:
        unmerge_patients(ctx, second.merge_id)
    with world.ctx("admin") as ctx:
        unmerge_patients(ctx, first.merge_id)
    assert patient_row(world, duplicate).deleted_at is None


def test_preview_compares_side_by_side_within_what_the_role_sees(world, pair):
    survivor, duplicate = pair
    watch = AuditWatch(world).start()
    with world.ctx("manager") as ctx:
        preview = preview_merge(ctx, survivor, duplicate)
    [row] = watch.new()
    assert (row.action, row.entity_id, row.patient_id) == ("patient.merge_preview", duplicate, survivor)
    fields = {comparison.name: comparison for comparison in preview.fields}
    assert "medical_history" not in fields and "current_medications" not in fields  # a manager's view
    assert fields["first_name"].survivor == "Ana" and fields["first_name"].duplicate == "Anna"
    assert fields["first_name"].merged == "Ana" and not fields["first_name"].same
    assert fields["last_name"].same
    assert fields["contact_email"].merged == "ana@example.com"
    assert fields["allergies"].merged == ["penicillin", "latex"]
    assert preview.rows_to_move["appointments"] == 3  # live rows only; the tombstone moves too
    assert preview.rows_to_move["barcode_mappings"] == 2
    assert "medical_history" not in preview.survivor
    # A preview changes nothing.
    assert patient_row(world, duplicate).deleted_at is None


@pytest.mark.parametrize("who", ["doctor", "nurse", "receptionist"])
def test_only_admins_and_managers_merge(world, pair, who):
    survivor, duplicate = pair
    for operation in (merge_patients, preview_merge):
        with world.ctx(who) as ctx, pytest.raises(PermissionDenied):
            operation(ctx, survivor, duplicate)
    assert patient_row(world, duplicate).deleted_at is None


def test_merge_refusals(world, other_world, pair):
    survivor, duplicate = pair
    theirs = register(other_world).id
    with world.ctx("admin") as ctx, pytest.raises(errors.MergeSamePatient):
        merge_patients(ctx, survivor, survivor)
    with world.ctx("admin") as ctx, pytest.raises(NotFound):
        merge_patients(ctx, survivor, theirs)
    with world.ctx("admin") as ctx, pytest.raises(NotFound):
        merge_patients(ctx, theirs, survivor)
    with world.ctx("admin") as ctx:
        merge = merge_patients(ctx, survivor, duplicate)
    with world.ctx("admin") as ctx, pytest.raises(NotFound):
        merge_patients(ctx, survivor, duplicate)  # already merged away
    with other_world.ctx("admin") as ctx, pytest.raises(NotFound):
        unmerge_patients(ctx, merge.merge_id)
    assert patient_row(other_world, theirs).deleted_at is None


def test_merge_keeps_the_latest_visit_and_the_next_appointment(world):
    survivor = register(world).id
    duplicate = register(world, first_name="Anna").id
    with world.system() as ctx:
        for patient_id, last, upcoming in (
            (survivor, date(2026, 1, 5), date(2027, 3, 1)),
            (duplicate, date(2026, 6, 1), date(2026, 12, 1)),
        ):
            row = ctx.session.get(Patient, (world.clinic_id, patient_id))
            assert row is not None
            row.last_visit_date, row.next_appointment_date = last, upcoming
    with world.ctx("admin") as ctx:
        outcome = merge_patients(ctx, survivor, duplicate)
    kept = patient_row(world, survivor)
    assert (kept.last_visit_date, kept.next_appointment_date) == (date(2026, 6, 1), date(2026, 12, 1))
    with world.ctx("admin") as ctx:
        unmerge_patients(ctx, outcome.merge_id)
    kept = patient_row(world, survivor)
    assert (kept.last_visit_date, kept.next_appointment_date) == (date(2026, 1, 5), date(2027, 3, 1))
