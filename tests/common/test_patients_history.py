"""A patient's full history in one call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from common.context import Actor
from common.errors import NotFound, PermissionDenied
from common.ids import new_id
from common.patients.history import full_history
from tests.common.patients_support import ROLES, AuditWatch, catalog_item, give_history, register
from tests.conftest import ClinicWorld


@contextmanager
def counted_statements(world: ClinicWorld) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(world.db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(world.db.engine, "before_cursor_execute", record)


def test_history_holds_everything_newest_first(world, other_world):
    patient = register(world, "doctor", allergies=["latex"], medical_history={"asthma": True}).id
    other = register(world, first_name="Bo").id
    item = catalog_item(world)
    made = give_history(world, patient, visits=4, treatment_type_id=item)
    give_history(world, other, visits=2, treatment_type_id=item)
    give_history(other_world, register(other_world).id, visits=1)

    watch = AuditWatch(world).start()
    with world.ctx("doctor") as ctx:
        history = full_history(ctx, patient)
    [row] = watch.new()
    assert (row.action, row.entity_id, row.patient_id) == ("patient.history", patient, patient)

    assert history.patient.id == patient and history.patient["medical_history"] == {"asthma": True}
    assert (
        history.appointments is not None and history.treatments is not None and history.payments is not None
    )
    assert {a.id for a in history.appointments} < made.ids["appointments"]  # without the tombstone
    assert len(history.appointments) == 4
    assert [a.starts_at for a in history.appointments] == sorted(
        (a.starts_at for a in history.appointments), reverse=True
    )
    assert {t.id for t in history.treatments} == made.ids["treatment_records"]
    assert [t.treatment_date for t in history.treatments] == sorted(
        (t.treatment_date for t in history.treatments), reverse=True
    )
    assert {p.id for p in history.payments} == made.ids["payment_records"]
    assert len(history.barcodes) == 2 and history.patient["barcode_id"] in {
        b.barcode_value for b in history.barcodes
    }
    assert history.chat_message_count == 2


def test_history_costs_the_same_queries_for_few_or_many_visits(world):
    item = catalog_item(world)
    few, many = register(world).id, register(world, first_name="Bo").id
    give_history(world, few, visits=1, treatment_type_id=item)
    give_history(world, many, visits=12, treatment_type_id=item)
    counts = []
    for patient in (few, many):
        with counted_statements(world) as statements, world.ctx("receptionist") as ctx:
            full_history(ctx, patient)
        queries = [s.lstrip().upper() for s in statements]
        # Per-transaction plumbing (the RLS clinic setting, the sync poke) is not the history's cost.
        infrastructure = ("SELECT SET_CONFIG", "SELECT PG_NOTIFY")
        counts.append(
            len([q for q in queries if q.startswith("SELECT") and not q.startswith(infrastructure)])
        )
    assert counts[0] == counts[1] <= 8


@pytest.mark.parametrize("who", ROLES)
def test_each_role_gets_its_view_of_the_patient(world, who):
    patient = register(world, "doctor", allergies=["latex"], medical_history={"asthma": True}).id
    with world.ctx(who) as ctx:
        history = full_history(ctx, patient)
    assert ("medical_history" in history.patient) == (who in ("doctor", "nurse"))
    assert history.patient["allergies"] == ["latex"]
    assert history.appointments == () and history.treatments == () and history.payments == ()


def test_unknown_foreign_and_kiosk(world, other_world, db):
    theirs = register(other_world).id
    for patient in (theirs, new_id()):
        with world.ctx("doctor") as ctx, pytest.raises(NotFound):
            full_history(ctx, patient)
    mine = register(world).id
    with pytest.raises(PermissionDenied), db.context(world.clinic_id, Actor.kiosk(new_id())) as ctx:
        full_history(ctx, mine)
