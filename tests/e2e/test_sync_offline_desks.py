"""Two front desks and a kiosk work offline, then reconnect in every order: everything converges.

Patients registered on both desks, the same patient's phone changed on both, stock used on both,
a check-in on the kiosk. Afterwards: every replica equals the server table by table, stock is the
sum of all movements, and the phone the later desk overwrote is in the review list.
"""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from sqlalchemy import select

from common.inventory.models import InventoryMovement
from common.patients.models import Patient
from common.sync.models import DeviceKind, MergeReview, OutboxStatus
from tests.e2e.conftest import SyncWorld, wall
from tests.e2e.support import differences, replica_tables, server_tables


def _register(first: str) -> dict[str, object]:
    from common.sync.intents import new_row_id

    return {
        "id": str(new_row_id()),
        "first_name": first,
        "last_name": "Canary",
        "date_of_birth": "1990-05-01",
    }


@pytest.mark.parametrize("order", list(itertools.permutations(["desk1", "desk2", "kiosk"])))
def test_offline_edits_converge_in_every_reconnect_order(
    sync_world: SyncWorld, order: tuple[str, ...]
) -> None:
    sw = sync_world
    # Booked on the server before the devices go offline: today 09:00, checked in at the kiosk.
    visit = sw.sched.book(wall(0, "09:00"), patient=1)
    shared_patient = sw.sched.patients[0]
    devices = {
        "desk1": sw.device("desk1"),
        "desk2": sw.device("desk2"),
        "kiosk": sw.device("kiosk", DeviceKind.KIOSK),
    }
    for device in devices.values():
        device.sync()

    # ---- offline ----
    desk1, desk2, kiosk = devices["desk1"], devices["desk2"], devices["kiosk"]
    clerk1, clerk2 = sw.staff("receptionist", desk1), sw.staff("receptionist", desk2)
    new1, new2 = _register("Aiko"), _register("Bo")
    desk1.run(clerk1, "register_patient", new1)
    desk2.run(clerk2, "register_patient", new2)
    desk1.run(
        clerk1,
        "update_patient",
        {"patient_id": str(shared_patient), "changes": {"contact_phone": "0911 111 111"}},
    )
    desk2.run(
        clerk2,
        "update_patient",
        {"patient_id": str(shared_patient), "changes": {"contact_phone": "0922 222 222"}},
    )
    desk1.run(clerk1, "use_stock", {"item_id": str(sw.item_id), "quantity": 2})
    desk2.run(clerk2, "use_stock", {"item_id": str(sw.item_id), "quantity": 3})
    from common.context import Actor

    kiosk.run(Actor.kiosk(kiosk.info.device_id), "kiosk_check_in", {"appointment_id": str(visit.id)})

    # ---- reconnect in this order, then everyone syncs once more ----
    for name in order:
        devices[name].sync()
    for device in devices.values():
        device.sync()

    for device in devices.values():
        assert [row.status for row in device.outbox()] == [OutboxStatus.APPLIED] * len(device.outbox())

    server = server_tables(sw.server_db, sw.clinic_id)
    for name in ("desk1", "desk2"):
        assert differences(server, replica_tables(devices[name])) == {}, name
    kiosk_view = server_tables(sw.server_db, sw.clinic_id, kiosk=True)
    assert differences(kiosk_view, replica_tables(kiosk)) == {}

    with sw.server_db.session(sw.clinic_id) as session:
        moves = session.scalars(
            select(InventoryMovement.quantity).where(InventoryMovement.item_id == sw.item_id)
        )
        assert sum(moves) == 100 - 2 - 3
        phone_of = {"desk1": "0911 111 111", "desk2": "0922 222 222"}
        desks_in_order = [name for name in order if name != "kiosk"]
        patient = session.get(Patient, (sw.clinic_id, shared_patient))
        assert patient is not None
        assert patient.contact_phone is not None and patient.contact_phone.replace(" ", "") == phone_of[
            desks_in_order[1]
        ].replace(" ", "")
        reviews = list(session.scalars(select(MergeReview).where(MergeReview.entity_id == shared_patient)))
        assert [(r.field, str(r.overwritten_value["value"]).replace(" ", "")) for r in reviews] == [
            ("contact_phone", phone_of[desks_in_order[0]].replace(" ", ""))
        ]
        names = set(session.scalars(select(Patient.first_name)))
        assert {"Aiko", "Bo"} <= names
    assert visit.appointment_date == date(2026, 11, 23)
