"""Old tombstones are purged once every active desk has pulled past them; a desk left behind
starts again from the beginning.

Desks pull through the real app (TestClient) on SQLite and on PostgreSQL (as the app's role);
the purge runs as the scheduled job does, on the admin connection. A real desk (its engine and
replica, against a live server) shows the start-again end to end.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from common.clock import FrozenClock
from common.context import Actor
from common.database import Database
from common.patients.models import Patient
from common.sync.models import DeviceKind, SyncDevice, SyncPurgeHorizon
from common.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from sync_server.config import ConfigurationError
from sync_server.jobs import JOBS, run_job
from sync_server.sync.devices import PULLED_AT_GRAIN
from sync_server.sync.enrollment import create_enrollment_code, redeem
from sync_server.sync.pull import table_checksums
from sync_server.sync.purge import DEFAULT_RETENTION, purge_tombstones, tombstone_retention
from tests.common.scheduling_fixtures import SchedulingWorld, wall
from tests.conftest import ClinicWorld
from tests.e2e.conftest import SyncWorld, build_sync_world
from tests.e2e.support import differences, replica_tables, server_tables

RETENTION = timedelta(days=90)
PURGE = next(job for job in JOBS if job.name == "tombstone-purge")


def _desk(world: ClinicWorld, kind: DeviceKind = DeviceKind.FRONT_DESK) -> dict[str, str]:
    code, _ = create_enrollment_code(world.db, world.clinic_id, kind)
    done = redeem(world.db, code, "desk")
    return {"Authorization": f"Device {done.credential}", PROTOCOL_HEADER: str(PROTOCOL_VERSION)}


def _pull(client: TestClient, headers: dict[str, str], cursor: str, limit: int = 5_000) -> dict[str, Any]:
    response = client.get("/sync/pull", params={"cursor": cursor, "limit": limit}, headers=headers)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def _pull_to_end(client: TestClient, headers: dict[str, str], cursor: str = "", limit: int = 5_000) -> str:
    while True:
        page = _pull(client, headers, cursor, limit)
        cursor = page["cursor"]
        if not page["has_more"]:
            return cursor


def _tombstone(world: ClinicWorld, patient_id: uuid.UUID) -> None:
    with world.db.context(world.clinic_id, Actor.system()) as ctx:
        patient = ctx.session.get(Patient, (world.clinic_id, patient_id))
        assert patient is not None
        patient.deleted_at = ctx.now()


def _patient_exists(world: ClinicWorld, patient_id: uuid.UUID) -> bool:
    with world.db.session(world.clinic_id) as session:
        found = session.scalars(
            select(Patient.id).where(Patient.id == patient_id).execution_options(include_deleted=True)
        ).one_or_none()
        return found is not None


def _purge(engine: Engine, world: ClinicWorld, clock: FrozenClock) -> Any:
    with engine.connect() as connection, connection.begin():
        return purge_tombstones(connection, world.clinic_id, clock.now(), RETENTION)


def _checksums(world: ClinicWorld) -> dict[str, Any]:
    with world.db.session(world.clinic_id) as session, session.begin():
        return {name: sums.model_dump() for name, sums in table_checksums(session, world.clinic_id).items()}


def _ids(page: dict[str, Any], table: str) -> set[str]:
    for rows in page["tables"]:
        if rows["table"] == table:
            at = rows["columns"].index("id")
            return {row[at] for row in rows["rows"]}
    return set()


def test_old_tombstones_go_once_every_active_desk_is_past_them(
    client: TestClient, engine: Engine, clock: FrozenClock, world: ClinicWorld, other_world: ClinicWorld
) -> None:
    sched = SchedulingWorld.build(world, clock, patients=4)
    other = SchedulingWorld.build(other_world, clock, patients=1)
    gone, referenced, young = sched.patients[0], sched.patients[1], sched.patients[2]
    sched.book(wall(1, "10:00"), patient=1)  # an appointment still names this patient
    active, away = _desk(world), _desk(world)
    away_cursor = _pull_to_end(client, away, "")  # then away for good, before anything was deleted
    for patient_id in (gone, referenced):
        _tombstone(world, patient_id)
    _tombstone(other_world, other.patients[0])
    cursor = _pull_to_end(client, active, "")

    # Inside the retention window nothing goes, however far the desks are.
    clock.advance(RETENTION - timedelta(days=1))
    assert _pull(client, active, cursor)["rows_in_page"] == 0
    assert _purge(engine, world, clock).rows == 0

    clock.advance(timedelta(days=2))
    _tombstone(world, young)  # deleted just now: kept
    cursor = _pull_to_end(client, active, cursor)
    sums_before = _checksums(world)
    result = _purge(engine, world, clock)
    assert result.by_table == {"patients": 1}
    assert not _patient_exists(world, gone)
    assert _patient_exists(world, referenced) and _patient_exists(world, young)
    assert _patient_exists(other_world, other.patients[0])  # another clinic's: its own round
    # Checksums leave tombstones out: the desks, which keep theirs, still match.
    assert _checksums(world) == sums_before

    # The active desk carries on; the desk that was away is told to start again, once.
    assert _pull(client, active, cursor)["reset"] is False
    page = _pull(client, away, away_cursor)
    assert page["reset"] is True
    assert str(gone) not in _ids(page, "patients")
    assert {str(referenced), str(young)} <= _ids(page, "patients")
    assert _pull(client, away, page["cursor"])["reset"] is False


def test_a_desk_still_behind_holds_the_purge_back_and_a_reset_pages_without_looping(
    client: TestClient, engine: Engine, clock: FrozenClock, world: ClinicWorld
) -> None:
    sched = SchedulingWorld.build(world, clock, patients=6)
    behind, ahead = _desk(world), _desk(world)
    early = _pull_to_end(client, behind, "")
    for patient_id in sched.patients[:3]:
        _tombstone(world, patient_id)
    _pull_to_end(client, ahead, "")
    clock.advance(RETENTION + timedelta(days=1))
    _pull(client, behind, early)  # active, but still before the tombstones
    cursor = _pull_to_end(client, ahead, "")
    assert _purge(engine, world, clock).rows == 0
    assert all(_patient_exists(world, p) for p in sched.patients[:3])

    # Once the slow desk is past them too, they go; a new desk's first sync pages from the start
    # in small pages, below the horizon, and is never sent back to the beginning. A desk's
    # position is noted at most once per PULLED_AT_GRAIN (a steady pull writes nothing): the
    # purge sees the desks' new positions once it has passed.
    past = _pull_to_end(client, behind, early)
    _pull(client, behind, past)  # the next pull starts past them
    assert _purge(engine, world, clock).rows == 0
    clock.advance(PULLED_AT_GRAIN)
    _pull(client, behind, past)
    _pull(client, ahead, cursor)
    assert _purge(engine, world, clock).rows == 3
    newcomer = _desk(world)
    page = _pull(client, newcomer, "", limit=2)
    resets = [page["reset"]]
    while page["has_more"]:
        page = _pull(client, newcomer, page["cursor"], limit=2)
        resets.append(page["reset"])
    assert not any(resets) and len(resets) > 3


def test_the_job_purges_on_the_admin_connection_and_records_the_horizon(
    app_engine: Engine, engine: Engine, clock: FrozenClock, world: ClinicWorld
) -> None:
    sched = SchedulingWorld.build(world, clock, patients=2)
    _tombstone(world, sched.patients[0])
    with world.db.session(world.clinic_id) as session, session.begin():
        session.add(
            SyncDevice(
                clinic_id=world.clinic_id,
                id=uuid.uuid4(),
                name="withdrawn desk",
                kind=DeviceKind.FRONT_DESK,
                credential_hash="x" * 64,
                created_at=clock.now(),
                pulled_seq=0,
                pulled_at=clock.now(),
                revoked_at=clock.now(),  # withdrawn: holds nothing back
            )
        )
    clock.advance(DEFAULT_RETENTION + timedelta(hours=1))
    round_ = run_job(PURGE, Database(app_engine, clock=clock, chain_id="server"), engine)
    assert round_.ran and round_.refused == 0
    assert not _patient_exists(world, sched.patients[0])
    with world.db.session(world.clinic_id) as session:
        horizon = session.get(SyncPurgeHorizon, world.clinic_id)
        assert horizon is not None and horizon.rows_purged == 1 and horizon.purged_seq > 0


@pytest.fixture
def sync_world(
    engine: Engine, clock: FrozenClock, tmp_path: Path, staff_password_hash: str, sqlite_template: Path
) -> Iterator[SyncWorld]:
    yield from build_sync_world(engine, clock, tmp_path, staff_password_hash, sqlite_template)


def test_a_desk_left_behind_starts_again_and_keeps_its_pending_changes(
    sync_world: SyncWorld, engine: Engine
) -> None:
    sw = sync_world
    desk = sw.device("desk1")
    desk.sync()
    removed = sw.sched.patients[3]
    _tombstone(sw.world, removed)  # on the server, while the desk is away
    clerk = sw.staff("receptionist", desk)
    desk.run(clerk, "update_patient", {"patient_id": str(sw.sched.patients[0]), "changes": {"notes": "kept"}})
    sw.clock.advance(RETENTION + timedelta(days=1))
    assert _purge(engine, sw.world, sw.clock).by_table == {"patients": 1}

    desk.sync()  # pushes its change, then is told to start again, and does
    assert [row.status.value for row in desk.outbox()] == ["applied"]
    with desk.database.session(desk.info.clinic_id) as session:
        assert session.get(Patient, (sw.clinic_id, removed)) is None
        kept = session.get(Patient, (sw.clinic_id, sw.sched.patients[0]))
        assert kept is not None and kept.notes == "kept"
    assert differences(server_tables(sw.server_db, sw.clinic_id), replica_tables(desk)) == {}


def test_the_retention_is_configurable() -> None:
    assert tombstone_retention({}) == timedelta(days=90)
    assert tombstone_retention({"CLINIC_TOMBSTONE_RETENTION_DAYS": "30"}) == timedelta(days=30)
    for bad in ("0", "-3", "soon"):
        with pytest.raises(ConfigurationError):
            tombstone_retention({"CLINIC_TOMBSTONE_RETENTION_DAYS": bad})
