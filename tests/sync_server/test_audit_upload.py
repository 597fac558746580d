"""A device's audit chain reaches the server, which stores only what continues the chain it holds.

The engine uploads the device's own links after each push; the server checks every link (number,
link to the previous hash, the hash itself) against the copy it holds, so the stored chain passes
`verify_chain` on the server exactly as on the device. A break (an altered, missing or forged link)
is refused whole, logged and recorded in the server's own chain; a chain is its writer's alone.

Devices on a live server (uvicorn) for the engine's side; the refusals through the app itself
(TestClient) as the app's role, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from common.audit.chain import GENESIS_HASH, row_hash, verify_chain
from common.audit.models import ActorType, AuditLog, AuditOutcome
from common.clock import FrozenClock
from common.sync import state
from common.sync.audit_upload import UPLOADED, AuditRowIn, AuditUpload, upload_audit
from common.sync.client import SyncClient
from common.sync.models import DeviceKind
from common.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from common.sync.replica import replica_transaction
from sync_server.sync.enrollment import create_enrollment_code, redeem
from tests.conftest import ClinicWorld
from tests.e2e.conftest import SyncWorld, build_sync_world


@pytest.fixture
def sync_world(
    engine: Engine, clock: FrozenClock, tmp_path: Path, staff_password_hash: str, sqlite_template: Path
) -> Iterator[SyncWorld]:
    yield from build_sync_world(engine, clock, tmp_path, staff_password_hash, sqlite_template)


def _server_chain(sw_db: Any, clinic_id: uuid.UUID, chain_id: str) -> tuple[int, bool]:
    with sw_db.session(clinic_id) as session:
        rows = session.scalar(
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.clinic_id == clinic_id, AuditLog.chain_id == chain_id)
        )
        return int(rows or 0), verify_chain(session, clinic_id, chain_id).ok


def _device_links(engine: Engine, clinic_id: uuid.UUID, chain_id: str) -> int:
    with engine.connect() as connection:
        count = connection.execute(
            select(func.count()).select_from(AuditLog).where(AuditLog.chain_id == chain_id)
        ).scalar_one()
        connection.rollback()
    return int(count)


def test_a_desks_audit_log_reaches_the_server_and_continues_there(sync_world: SyncWorld) -> None:
    sw = sync_world
    desk = sw.device("desk1")
    desk.sync()
    chain = desk.database.chain_id
    patient = sw.sched.patients[0]
    clerk = sw.staff("receptionist", desk)
    desk.run(clerk, "update_patient", {"patient_id": str(patient), "changes": {"notes": "first"}})
    desk.sync()
    held, ok = _server_chain(sw.server_db, sw.clinic_id, chain)
    assert ok and held == _device_links(desk.engine, sw.clinic_id, chain) > 0

    desk.run(clerk, "update_patient", {"patient_id": str(patient), "changes": {"notes": "second"}})
    desk.sync()
    held_after, ok = _server_chain(sw.server_db, sw.clinic_id, chain)
    assert ok and held_after == _device_links(desk.engine, sw.clinic_id, chain) > held

    # A device that lost track (its replica restored) sends from the start: nothing is stored twice.
    with replica_transaction(desk.engine) as connection:
        state.delete(connection, UPLOADED)
    client = SyncClient(desk.server_url, desk.credential, "")
    try:
        assert upload_audit(desk.engine, sw.clinic_id, client, batch=2) == 0
    finally:
        client.close()
    assert _server_chain(sw.server_db, sw.clinic_id, chain) == (held_after, True)


# ---- the server's checks, through the app ---------------------------------------------------------


def _device(world: ClinicWorld, kind: DeviceKind = DeviceKind.FRONT_DESK) -> dict[str, str]:
    code, _ = create_enrollment_code(world.db, world.clinic_id, kind)
    done = redeem(world.db, code, "desk")
    return {"Authorization": f"Device {done.credential}", PROTOCOL_HEADER: str(PROTOCOL_VERSION)}


def _links(clinic_id: uuid.UUID, chain_id: str, count: int, clock: FrozenClock) -> list[AuditRowIn]:
    """A well-formed chain of `count` links, hashed as common.audit.chain writes them."""
    out: list[AuditRowIn] = []
    previous = GENESIS_HASH
    for seq in range(1, count + 1):
        row = AuditLog(
            id=uuid.uuid4(),
            clinic_id=clinic_id,
            chain_id=chain_id,
            chain_seq=seq,
            prev_hash=previous,
            occurred_at=clock.now() + timedelta(seconds=seq),
            actor_type=ActorType.STAFF,
            actor_id=uuid.uuid4(),
            device_id=None,
            action="patient.read",
            entity_type="patient",
            entity_id=uuid.uuid4(),
            patient_id=None,
            outcome=AuditOutcome.SUCCESS,
            changed_fields=[],
            ip_address=None,
            user_agent=None,
        )
        row.row_hash = row_hash(row)
        previous = row.row_hash
        out.append(
            AuditRowIn.model_validate(
                {name: getattr(row, name) for name in AuditRowIn.model_fields}, from_attributes=False
            )
        )
    return out


def _upload(client: TestClient, headers: dict[str, str], chain_id: str, rows: list[AuditRowIn]) -> Any:
    body = AuditUpload(chain_id=chain_id, rows=rows).model_dump(mode="json")
    return client.post("/sync/audit", json=body, headers=headers)


def _held(world: ClinicWorld, chain_id: str) -> tuple[int, bool]:
    return _server_chain(world.db, world.clinic_id, chain_id)


def test_links_are_stored_in_order_once_and_a_gap_waits(
    client: TestClient, world: ClinicWorld, clock: FrozenClock
) -> None:
    headers = _device(world)
    links = _links(world.clinic_id, "desk-a", 6, clock)
    first = _upload(client, headers, "desk-a", links[:3])
    assert first.status_code == 200, first.text
    assert first.json() == {"chain_id": "desk-a", "last_seq": 3, "stored": 3}
    assert _upload(client, headers, "desk-a", links[:3]).json()["stored"] == 0  # sent again
    gap = _upload(client, headers, "desk-a", links[4:])
    assert gap.json() == {"chain_id": "desk-a", "last_seq": 3, "stored": 0}  # send from 4
    rest = _upload(client, headers, "desk-a", links[2:])  # overlapping the held part is fine
    assert rest.json() == {"chain_id": "desk-a", "last_seq": 6, "stored": 3}
    assert _held(world, "desk-a") == (6, True)


@pytest.mark.parametrize("damage", ["altered", "relinked", "missing", "rewritten"])
def test_a_broken_chain_is_refused_whole_and_reported(
    client: TestClient, world: ClinicWorld, clock: FrozenClock, damage: str
) -> None:
    headers = _device(world)
    links = _links(world.clinic_id, "desk-b", 6, clock)
    assert _upload(client, headers, "desk-b", links[:2]).status_code == 200
    batch = list(links[2:])
    if damage == "altered":  # an entry changed after it was written
        batch[1] = batch[1].model_copy(update={"action": "patient.export"})
    elif damage == "relinked":  # an entry that does not follow the one before
        batch[2] = batch[2].model_copy(update={"prev_hash": "f" * 64})
    elif damage == "missing":  # an entry taken out
        del batch[1]
    else:  # a link the server holds already, sent back different
        batch.insert(0, links[1].model_copy(update={"action": "patient.export"}))
    refused = _upload(client, headers, "desk-b", batch)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "audit_chain_broken"
    assert _held(world, "desk-b") == (2, True)  # nothing of the batch was stored
    with world.db.session(world.clinic_id) as session:
        [report] = session.scalars(
            select(AuditLog).where(
                AuditLog.chain_id == "server", AuditLog.action == "sync.audit_chain_broken"
            )
        ).all()
        assert report.outcome is AuditOutcome.FAILED and report.actor_type is ActorType.DEVICE


def test_a_chain_is_its_writers_alone(
    client: TestClient, world: ClinicWorld, other_world: ClinicWorld, clock: FrozenClock
) -> None:
    mine, another = _device(world), _device(world)
    links = _links(world.clinic_id, "desk-c", 3, clock)
    assert _upload(client, mine, "desk-c", links[:1]).status_code == 200
    taken = _upload(client, another, "desk-c", links[1:])
    assert taken.status_code == 403 and taken.json()["error"]["code"] == "audit_chain_not_yours"
    server_chain = _upload(client, mine, "server", _links(world.clinic_id, "server", 1, clock))
    assert server_chain.status_code == 403
    # Links hashed for another clinic do not verify under this device's clinic.
    foreign = _upload(client, mine, "desk-d", _links(other_world.clinic_id, "desk-d", 2, clock))
    assert foreign.status_code == 409
    assert _held(world, "desk-c") == (1, True)


def test_the_engine_reports_a_refused_upload_and_keeps_syncing(sync_world: SyncWorld) -> None:
    sw = sync_world
    desk, impostor = sw.device("desk1"), sw.device("desk2")
    desk.sync()
    chain = desk.database.chain_id
    # Another device took the desk's chain id first: the desk's own upload is refused.
    client = SyncClient(impostor.server_url, impostor.credential, "")
    try:
        client.upload_audit(AuditUpload(chain_id=chain, rows=_links(sw.clinic_id, chain, 1, sw.clock)))
    finally:
        client.close()
    events: list[str] = []
    desk.sync_engine.subscribe(lambda name, _payload: events.append(name))
    clerk = sw.staff("receptionist", desk)
    desk.run(clerk, "update_patient", {"patient_id": str(sw.sched.patients[0]), "changes": {"notes": "x"}})
    desk.sync()
    assert "audit_refused" in events
    assert [row.status.value for row in desk.outbox()] == ["applied"]  # the data still synced
