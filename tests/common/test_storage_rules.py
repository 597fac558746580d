"""The storage rules every service relies on: tenant scoping, tombstones, insert-only logs, change order."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, select, update

from common.ids import new_id
from common.inventory.models import InventoryCategory, InventoryItem, InventoryMovement, MovementKind
from common.patients.models import Patient
from common.patients.search_keys import search_text
from common.staff.models import StaffUser
from common.storage.session import (
    INCLUDE_DELETED,
    KEEP_FOUND_ROWS,
    KNOWN_ABSENT,
    StorageRuleViolation,
    TenantViolation,
    live_row,
    row_exists,
)


def new_patient(first: str = "Mei", last: str = "Lin") -> Patient:
    pid = new_id()
    return Patient(
        id=pid,
        barcode_id=f"TEST-{pid.hex[:12]}",
        qr_code_data=f"TEST-{pid.hex[:12]}",
        first_name=first,
        last_name=last,
        date_of_birth=date(1990, 5, 1),
        search_text=search_text(first, last),
    )


def test_queries_see_only_their_clinic(world, other_world):
    with world.system() as ctx:
        ctx.session.add(new_patient("Canary", "A"))
    with other_world.system() as ctx:
        ctx.session.add(new_patient("Canary", "B"))
        names = ctx.session.scalars(select(Patient.last_name)).all()
        assert names == ["B"]
        # Even an explicit filter on the other clinic's id finds nothing.
        assert ctx.session.scalars(select(Patient).where(Patient.clinic_id == world.clinic_id)).all() == []
        assert (
            ctx.session.scalars(select(StaffUser).where(StaffUser.clinic_id == world.clinic_id)).all() == []
        )


def test_bulk_update_cannot_reach_another_clinic(world, other_world):
    with world.system() as ctx:
        ctx.session.add(new_patient("Keep", "Me"))
    with other_world.system() as ctx:
        ctx.session.execute(update(Patient).values(notes="overwritten"))
    with world.system() as ctx:
        assert ctx.session.scalars(select(Patient.notes)).one() is None


def test_writing_a_row_of_another_clinic_is_refused(world, other_world):
    patient = new_patient()
    patient.clinic_id = world.clinic_id
    with pytest.raises(TenantViolation), other_world.system() as ctx:
        ctx.session.add(patient)
        ctx.session.flush()


def test_rows_are_tombstoned_never_deleted(world, clock):
    with world.system() as ctx:
        patient = new_patient()
        ctx.session.add(patient)
    with pytest.raises(StorageRuleViolation), world.system() as ctx:
        ctx.session.delete(ctx.session.get(Patient, (world.clinic_id, patient.id)))
        ctx.session.flush()
    with world.system() as ctx:
        row = ctx.session.get(Patient, (world.clinic_id, patient.id))
        row.deleted_at = clock.now()
    with world.system() as ctx:
        assert ctx.session.scalars(select(Patient)).all() == []
        hidden = ctx.session.scalars(select(Patient).execution_options(**{INCLUDE_DELETED: True})).all()
        assert [p.id for p in hidden] == [patient.id]


def test_insert_only_rows_cannot_be_edited(world):
    item_id = new_id()
    with world.system() as ctx:
        ctx.session.add(
            InventoryItem(
                id=item_id,
                name="Gauze",
                category=InventoryCategory.SUPPLY,
                sku="G-1",
                unit_cost=Decimal("1.5"),
            )
        )
        movement = InventoryMovement(
            item_id=item_id, kind=MovementKind.RECEIVE, quantity=10, occurred_at=ctx.now()
        )
        ctx.session.add(movement)
    with pytest.raises(StorageRuleViolation), world.system() as ctx:
        row = ctx.session.get(InventoryMovement, (world.clinic_id, movement.id))
        row.quantity = 100
        ctx.session.flush()


def test_edits_bump_version_and_timestamps(world, clock):
    with world.system() as ctx:
        patient = new_patient()
        ctx.session.add(patient)
    created = patient.created_at
    clock.advance(timedelta(minutes=5))
    with world.system() as ctx:
        row = ctx.session.get(Patient, (world.clinic_id, patient.id))
        row.contact_phone = "0912-345-678"
    with world.system() as ctx:
        row = ctx.session.get(Patient, (world.clinic_id, patient.id))
        assert row.version == 2
        assert row.created_at == created
        assert row.updated_at == created + timedelta(minutes=5)


def test_each_transaction_takes_the_next_change_number(world):
    with world.system() as ctx:
        first, second = new_patient("A", "One"), new_patient("B", "Two")
        ctx.session.add_all([first, second])
    with world.system() as ctx:
        third = new_patient("C", "Three")
        ctx.session.add(third)
    with world.system() as ctx:
        before = {p.last_name: p.seq for p in ctx.session.scalars(select(Patient))}
        row = ctx.session.get(Patient, (world.clinic_id, first.id))
        row.notes = "edited"
    with world.system() as ctx:
        after = {p.last_name: p.seq for p in ctx.session.scalars(select(Patient))}
    assert before["One"] == before["Two"] < before["Three"]
    assert after["One"] > before["Three"]
    assert after["Two"] == before["Two"]


def test_money_and_instants_round_trip_exactly(world, clock):
    from common.payments.models import PaymentRecord

    with world.system() as ctx:
        patient = new_patient()
        ctx.session.add(patient)
        ctx.session.flush()
        amounts = [
            Decimal("0.0001"),
            Decimal("12345678901.2345"),
            Decimal("-19.99"),
            Decimal("0.1") + Decimal("0.2"),
        ]
        for amount in amounts:
            ctx.session.add(
                PaymentRecord(
                    patient_id=patient.id,
                    amount=amount,
                    final_amount=amount,
                    payment_date=date(2026, 11, 23),
                    paid_at=clock.now(),
                )
            )
    with world.system() as ctx:
        from sqlalchemy import func

        stored = sorted(ctx.session.scalars(select(PaymentRecord.amount)))
        total = ctx.session.scalar(select(func.sum(PaymentRecord.amount)))
        instants = ctx.session.scalars(select(PaymentRecord.paid_at)).all()
    assert stored == sorted(amounts)
    assert Decimal(total) == sum(amounts)
    assert all(i == clock.now() and i.tzinfo is not None for i in instants)


def test_money_with_more_than_four_places_is_refused(world):
    from sqlalchemy.exc import StatementError

    with pytest.raises(StatementError), world.system() as ctx:
        ctx.session.add(
            InventoryItem(
                name="X", category=InventoryCategory.SUPPLY, sku="X-1", unit_cost=Decimal("1.00001")
            )
        )
        ctx.session.flush()


def test_a_change_number_taken_in_a_rolled_back_savepoint_is_not_reused(world):
    with world.system() as ctx:
        savepoint = ctx.session.begin_nested()
        ctx.session.add(new_patient("Gone", "Ghost"))
        ctx.session.flush()
        ghost_seq = next(iter(ctx.session.info["change_seqs"].values()))[0]
        savepoint.rollback()
        kept = new_patient("Kept", "Kept")
        ctx.session.add(kept)
    with world.system() as ctx:
        later = new_patient("Later", "Later")
        ctx.session.add(later)
    with world.system() as ctx:
        seqs = {p.last_name: p.seq for p in ctx.session.scalars(select(Patient))}
    assert "Ghost" not in seqs
    assert seqs["Kept"] == ghost_seq  # the counter rolled back with the savepoint: the number is taken again
    assert seqs["Kept"] < seqs["Later"]


def test_a_row_looked_up_by_id_is_the_clinics_own_and_alive(world, other_world, clock):
    patient = new_patient("Lookup", "Me")
    with world.system() as ctx:
        ctx.session.add(patient)
    with other_world.system() as ctx:
        assert live_row(ctx.session, Patient, patient.id) is None
    with world.system() as ctx:
        found = live_row(ctx.session, Patient, patient.id)
        assert found is not None and found.last_name == "Me"
        assert live_row(ctx.session, Patient, new_id()) is None
        found.deleted_at = clock.now()
        ctx.session.flush()
        assert live_row(ctx.session, Patient, patient.id) is None
    with world.system() as ctx:
        assert live_row(ctx.session, Patient, patient.id) is None


def test_a_session_that_keeps_found_rows_reads_each_once(world):
    patients = [new_patient("Kept", str(number)) for number in range(3)]
    with world.system() as ctx:
        ctx.session.add_all(patients)
    statements: list[str] = []
    with world.system() as ctx:
        ctx.session.info[KEEP_FOUND_ROWS] = set()
        event.listen(
            ctx.session.get_bind(), "before_cursor_execute", lambda *args: statements.append(args[2])
        )
        for _ in range(3):
            for patient in patients:
                assert live_row(ctx.session, Patient, patient.id) is not None
        selects = [
            sql for sql in statements if sql.lstrip().upper().startswith("SELECT") and "patients" in sql
        ]
        assert len(selects) == 3


def test_whether_an_id_is_used_counts_tombstones_and_only_this_clinic(world, other_world, clock):
    patient = new_patient("Used", "Once")
    with world.system() as ctx:
        ctx.session.add(patient)
    with other_world.system() as ctx:
        assert not row_exists(ctx.session, Patient, patient.id)
    with world.system() as ctx:
        assert row_exists(ctx.session, Patient, patient.id)
        loaded = live_row(ctx.session, Patient, patient.id)
        assert loaded is not None
        loaded.deleted_at = clock.now()
    with world.system() as ctx:
        assert row_exists(ctx.session, Patient, patient.id)  # a tombstone still holds its id
        fresh = new_id()
        ctx.session.info[KNOWN_ABSENT] = {(Patient, fresh)}
        assert not row_exists(ctx.session, Patient, fresh)  # known unused: no look of its own
        another = new_patient("Just", "Added")
        another.id = fresh
        ctx.session.add(another)
        ctx.session.flush()
        assert row_exists(ctx.session, Patient, fresh)  # the session's own insert comes first
