"""Two offline desks book the same doctor at the same time: one booking survives, the other is in
the conflict inbox with both patients and free alternatives; nothing is dropped; staff resolve it."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select

from common.scheduling.models import Appointment, AppointmentStatus
from common.sync.intents import new_row_id
from common.sync.models import ConflictKind, ConflictStatus, OutboxStatus, SyncConflict
from common.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from tests.conftest import STAFF_PASSWORD
from tests.e2e.conftest import SyncWorld, wall
from tests.e2e.support import differences, replica_tables, server_tables


def _booking(sw: SyncWorld, patient: int, at: str = "14:00") -> dict[str, object]:
    return {
        "appointment_id": str(new_row_id()),
        "patient_id": str(sw.sched.patients[patient]),
        "doctor_id": str(sw.sched.doctor),
        "starts_at": wall(1, at).isoformat(),
        "duration_minutes": 30,
    }


def test_same_slot_booked_offline_on_two_desks(sync_world: SyncWorld) -> None:
    sw = sync_world
    desk1, desk2 = sw.device("desk1"), sw.device("desk2")
    desk1.sync()
    desk2.sync()
    first, second = _booking(sw, 0), _booking(sw, 1)
    desk1.run(sw.staff("receptionist", desk1), "book_appointment", first)
    desk2.run(sw.staff("receptionist", desk2), "book_appointment", second)
    # Both desks show their own booking (pending) while offline.
    for device, args in ((desk1, first), (desk2, second)):
        with device.database.session(device.info.clinic_id) as session:
            assert (
                session.get(Appointment, (device.info.clinic_id, uuid.UUID(str(args["appointment_id"]))))
                is not None
            )

    desk1.sync()
    desk2.sync()
    desk1.sync()

    assert [row.status for row in desk1.outbox()] == [OutboxStatus.APPLIED]
    assert [row.status for row in desk2.outbox()] == [OutboxStatus.CONFLICT]
    with sw.server_db.session(sw.clinic_id) as session:
        booked = list(
            session.scalars(
                select(Appointment).where(
                    Appointment.doctor_id == sw.sched.doctor, Appointment.starts_at == wall(1, "14:00")
                )
            )
        )
        assert [(a.id, a.status) for a in booked] == [
            (uuid.UUID(str(first["appointment_id"])), AppointmentStatus.SCHEDULED)
        ]
        conflict = session.scalars(select(SyncConflict)).one()
        assert conflict.kind is ConflictKind.SLOT
        assert conflict.status is ConflictStatus.OPEN
        assert conflict.patient_id == sw.sched.patients[1]
        assert conflict.other_patient_id == sw.sched.patients[0]
        assert conflict.other_entity_id == uuid.UUID(str(first["appointment_id"]))
        assert conflict.args["appointment_id"] == second["appointment_id"]
        assert conflict.alternatives, "free alternatives are offered"
        alternative = conflict.alternatives[0]
    # The loser's optimistic row is gone from its desk; the conflict is in both desks' inbox.
    server = server_tables(sw.server_db, sw.clinic_id)
    assert differences(server, replica_tables(desk1)) == {}
    assert differences(server, replica_tables(desk2)) == {}
    assert desk2.sync_engine.status.conflicts == 1

    # Staff resolve it from desk2 (offline-capable intent): rebook at the first alternative.
    desk2.run(
        sw.staff("receptionist", desk2),
        "resolve_conflict",
        {"conflict_id": str(conflict.id), "action": "rebook", "starts_at": alternative["starts_at"]},
    )
    desk2.sync()
    desk1.sync()
    assert [row.status for row in desk2.outbox()][-1] is OutboxStatus.APPLIED
    with sw.server_db.session(sw.clinic_id) as session:
        rebooked = session.get(Appointment, (sw.clinic_id, uuid.UUID(str(second["appointment_id"]))))
        assert rebooked is not None and rebooked.patient_id == sw.sched.patients[1]
        assert session.scalars(select(SyncConflict.status)).one() is ConflictStatus.RESOLVED
    server = server_tables(sw.server_db, sw.clinic_id)
    assert differences(server, replica_tables(desk1)) == {}
    assert differences(server, replica_tables(desk2)) == {}
    assert desk1.sync_engine.status.conflicts == 0


def test_conflict_inbox_endpoints(sync_world: SyncWorld) -> None:
    sw = sync_world
    desk = sw.device("desk")
    desk.sync()
    sw.sched.book(wall(1, "15:00"), patient=0)  # booked on the server while the desk is offline
    desk.run(sw.staff("receptionist", desk), "book_appointment", _booking(sw, 2, "15:00"))
    desk.sync()
    # The inbox acts as the staff member signed in on the desk: the token names them.
    login = httpx.post(
        f"{sw.server.url}/api/auth/staff/login",
        json={
            "clinic_id": str(sw.clinic_id),
            "email": f"receptionist@{sw.clinic_id.hex[:8]}.example",
            "password": STAFF_PASSWORD,
        },
    )
    assert login.status_code == 200, login.text
    headers = {
        "Authorization": f"Bearer {login.json()['access_token']}",
        PROTOCOL_HEADER: str(PROTOCOL_VERSION),
    }
    device_only = {"Authorization": f"Device {desk.credential}", PROTOCOL_HEADER: str(PROTOCOL_VERSION)}
    assert httpx.get(f"{sw.server.url}/sync/conflicts", headers=device_only).status_code == 401
    listed = httpx.get(f"{sw.server.url}/sync/conflicts", headers=headers)
    assert listed.status_code == 200, listed.text
    [entry] = listed.json()
    assert entry["patient_id"] == str(sw.sched.patients[2])
    assert entry["other_patient_id"] == str(sw.sched.patients[0])
    forged = httpx.post(
        f"{sw.server.url}/sync/conflicts/{entry['id']}/resolve",
        json={"staff_id": str(sw.world.staff["admin"]), "action": "dismiss"},
        headers=headers,
    )
    assert forged.status_code == 422  # the person acting comes from the token, never the body
    resolved = httpx.post(
        f"{sw.server.url}/sync/conflicts/{entry['id']}/resolve",
        json={"action": "dismiss", "note": "called the patient"},
        headers=headers,
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["status"] == "dismissed"
    with sw.server_db.session(sw.clinic_id) as session:
        closed = session.get(SyncConflict, (sw.clinic_id, uuid.UUID(entry["id"])))
        assert closed is not None and closed.resolved_by == sw.world.staff["receptionist"]
    again = httpx.get(f"{sw.server.url}/sync/conflicts", headers=headers)
    assert again.json() == []


def test_a_refused_change_is_undone_on_the_desk_with_its_reason(sync_world: SyncWorld) -> None:
    from common.patients.service import deactivate_patient

    sw = sync_world
    desk = sw.device("desk")
    desk.sync()
    with sw.world.ctx("admin") as ctx:  # meanwhile, on the server
        deactivate_patient(ctx, sw.sched.patients[2])
    booking = _booking(sw, 2, "16:00")
    desk.run(sw.staff("receptionist", desk), "book_appointment", booking)
    desk.sync()
    [row] = desk.outbox()
    assert row.status is OutboxStatus.REJECTED
    assert row.answer is not None and row.answer["code"] == "patient_not_bookable"
    assert "inactive" in str(row.answer["message"])
    with desk.database.session(desk.info.clinic_id) as session:
        gone = session.get(Appointment, (desk.info.clinic_id, uuid.UUID(str(booking["appointment_id"]))))
        assert gone is None
    assert differences(server_tables(sw.server_db, sw.clinic_id), replica_tables(desk)) == {}
    assert desk.sync_engine.status.rejected == 1
