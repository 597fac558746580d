"""Faults: responses dropped after the server committed, requests duplicated and reordered, the
device killed -9 mid-sync, the server killed mid-request and restarted, skewed device clocks.

After healing: no acknowledged write lost, no mutation applied twice, every replica equals the server.
"""

from __future__ import annotations

import contextlib
import random
import sqlite3
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from common.inventory.models import InventoryMovement, MovementKind
from common.patients.models import Patient
from common.sync.intents import new_row_id
from common.sync.models import MergeReview, OutboxStatus, SyncAppliedMutation
from common.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, MutationIn, PushRequest
from tests.e2e.conftest import SyncWorld
from tests.e2e.faults import CuttingProxy, kill_hard, spawn, wait_for_line, wait_for_port
from tests.e2e.support import Device, differences, free_port, replica_tables, server_tables


def _use_stock(sw: SyncWorld, device: Device, times: int) -> None:
    for _ in range(times):
        device.run(sw.staff("receptionist", device), "use_stock", {"item_id": str(sw.item_id), "quantity": 1})


def _uses(sw: SyncWorld) -> int:
    with sw.server_db.session(sw.clinic_id) as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(InventoryMovement)
                .where(InventoryMovement.item_id == sw.item_id, InventoryMovement.kind == MovementKind.USE)
            )
            or 0
        )


def _applied(sw: SyncWorld, device: Device) -> int:
    with sw.server_db.session(sw.clinic_id) as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(SyncAppliedMutation)
                .where(SyncAppliedMutation.device_id == device.info.device_id)
            )
            or 0
        )


def _sync_until_done(device: Device, attempts: int = 20) -> int:
    failures = 0
    for _ in range(attempts):
        try:
            device.sync()
        except (httpx.HTTPError, OSError):
            failures += 1
            continue
        if device.pending() == 0:
            device.sync()
            return failures
    raise AssertionError("the device never finished syncing")


def test_responses_dropped_after_commit(sync_world: SyncWorld) -> None:
    sw = sync_world
    proxy = CuttingProxy(sw.server.port)
    try:
        desk = sw.device("desk")
        desk.connect(proxy.url)
        desk.sync()
        _use_stock(sw, desk, 6)
        desk.run(
            sw.staff("receptionist", desk),
            "register_patient",
            {
                "id": str(new_row_id()),
                "first_name": "Lost",
                "last_name": "Answer",
                "date_of_birth": "1980-01-01",
            },
        )
        desk.sync_engine.page_rows = 1  # small pushes and pages: more answers to lose
        proxy.cut_responses = 4
        failures = _sync_until_done(desk)
        # Four answers lost after the server committed; the client sends a request whose answer
        # was cut once more (common/sync/client.py), so the engine saw every second cut fail.
        assert proxy.cut_done == 4 and failures == 2
    finally:
        proxy.close()
    assert _uses(sw) == 6
    assert _applied(sw, desk) == 7
    assert {row.status for row in desk.outbox()} == {OutboxStatus.APPLIED}
    assert differences(server_tables(sw.server_db, sw.clinic_id), replica_tables(desk)) == {}


def test_duplicated_and_reordered_requests(sync_world: SyncWorld) -> None:
    sw = sync_world
    desk = sw.device("desk")
    desk.sync()
    _use_stock(sw, desk, 4)
    rows = desk.outbox()
    mutations = [
        MutationIn(n=r.n, intent=r.intent, args=r.args, actor_staff_id=r.actor_staff_id) for r in rows
    ]
    headers = {
        "Authorization": f"Device {desk.credential}",
        PROTOCOL_HEADER: str(PROTOCOL_VERSION),
        "Content-Type": "application/json",
    }

    def push(batch: list[MutationIn]) -> list[dict[str, object]]:
        body = PushRequest(mutations=batch).model_dump_json()
        response = httpx.post(f"{sw.server.url}/sync/push", content=body, headers=headers, timeout=30)
        assert response.status_code == 200, response.text
        return list(response.json()["answers"])

    late = push(mutations[2:])  # arrives first: a gap, nothing applied
    assert [a["status"] for a in late] == ["gap"]
    results: list[list[dict[str, object]]] = []
    threads = [threading.Thread(target=lambda: results.append(push(mutations[:2]))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(str(a["status"]) for answers in results for a in answers)
    assert statuses == ["applied", "applied", "duplicate", "duplicate", "duplicate", "duplicate"]
    everything = push(mutations)
    assert [a["status"] for a in everything] == ["duplicate", "duplicate", "applied", "applied"]
    assert _uses(sw) == 4
    # A changed mutation under a used number is never acknowledged as applied.
    forged = mutations[0].model_copy(update={"args": {"item_id": str(sw.item_id), "quantity": 99}})
    assert push([forged])[0]["code"] == "mutation_number_reused"
    assert _uses(sw) == 4
    _sync_until_done(desk)
    assert differences(server_tables(sw.server_db, sw.clinic_id), replica_tables(desk)) == {}


def test_device_clocks_decide_nothing(sync_world: SyncWorld) -> None:
    """The later edit to reach the server wins, whatever the devices' clocks say."""
    sw = sync_world
    ahead = sw.device("ahead", skew=timedelta(hours=2))
    behind = sw.device("behind", skew=timedelta(hours=-2))
    ahead.sync()
    behind.sync()
    patient = sw.sched.patients[0]
    ahead.run(
        sw.staff("receptionist", ahead),
        "update_patient",
        {"patient_id": str(patient), "changes": {"notes": "from ahead"}},
    )
    behind.run(
        sw.staff("receptionist", behind),
        "update_patient",
        {"patient_id": str(patient), "changes": {"notes": "from behind"}},
    )
    ahead.sync()
    behind.sync()
    ahead.sync()
    with sw.server_db.session(sw.clinic_id) as session:
        row = session.get(Patient, (sw.clinic_id, patient))
        assert row is not None and row.notes == "from behind"
        review = session.scalars(select(MergeReview)).one()
        assert review.overwritten_value == {"value": "from ahead"}
    server = server_tables(sw.server_db, sw.clinic_id)
    assert differences(server, replica_tables(ahead)) == {}
    assert differences(server, replica_tables(behind)) == {}


def _add_patients(sw: SyncWorld, count: int) -> None:
    from datetime import date

    with sw.server_db.session(sw.clinic_id) as session, session.begin():
        for number in range(count):
            session.add(
                Patient(
                    id=new_row_id(),
                    barcode_id=f"P-{uuid.uuid4().hex[:12]}",
                    qr_code_data="x",
                    first_name=f"Bulk{number}",
                    last_name="Canary",
                    date_of_birth=date(1970, 1, 1),
                )
            )


def _integrity(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        connection.close()


@pytest.mark.slow
def test_device_killed_mid_push_and_mid_pull(sync_world: SyncWorld) -> None:
    sw = sync_world
    if sw.server_db.engine.dialect.name != "sqlite":
        pytest.skip(
            "what is killed is the device and its SQLite replica: once is enough (the server test runs on both)"
        )
    desk = sw.device("desk")
    rng = random.Random(7)
    staff = str(sw.world.staff["receptionist"])
    args = [str(desk.data_dir), sw.server.url, desk.credential, staff, "Receptionist", str(sw.item_id)]
    kills = 0
    for _round in range(6):
        _add_patients(sw, 80)  # several pages to pull each round
        process = spawn("tests.e2e.device_process", *args, "4", "40")
        wait_for_line(process, "START")
        time.sleep(rng.uniform(0.0, 1.5))  # mid initial pull, mid write, mid push or mid pull
        if process.poll() is None:
            kill_hard(process)
            kills += 1
        assert _integrity(desk.data_dir / "replica.db") == "ok"
    process = spawn("tests.e2e.device_process", *args, "0", "40")
    wait_for_line(process, "SYNCED", timeout=120)
    process.wait(30)
    assert kills >= 3
    assert _integrity(desk.data_dir / "replica.db") == "ok"
    outbox = desk.outbox()
    assert outbox and {row.status for row in outbox} == {OutboxStatus.APPLIED}
    # Exactly once: one applied record per queued mutation, one movement per applied stock use.
    assert _applied(sw, desk) == len(outbox)
    assert _uses(sw) == sum(1 for row in outbox if row.intent == "use_stock")
    desk.sync()
    assert differences(server_tables(sw.server_db, sw.clinic_id), replica_tables(desk)) == {}


@pytest.mark.slow
def test_server_killed_mid_request_and_restarted(sync_world: SyncWorld) -> None:
    sw = sync_world
    sw.server.stop()  # this test runs the server in its own process
    port = free_port()
    url = sw.server_db.engine.url.render_as_string(hide_password=False)
    data_dir = str(sw.root / "server-process")
    server = spawn("tests.e2e.server_process", url, str(port), data_dir)
    try:
        wait_for_port(port)
        desk = sw.device("desk")
        desk.connect(f"http://127.0.0.1:{port}")
        desk.sync()
        _use_stock(sw, desk, 40)
        desk.sync_engine.page_rows = 5
        rng = random.Random(11)
        for _round in range(3):
            worker = threading.Thread(target=lambda: _swallow(desk))
            worker.start()
            time.sleep(rng.uniform(0.05, 0.4))
            kill_hard(server)  # mid-request, most likely mid-push
            worker.join(60)
            server = spawn("tests.e2e.server_process", url, str(port), data_dir)
            wait_for_port(port)
        _sync_until_done(desk)
    finally:
        kill_hard(server)
    assert _uses(sw) == 40
    assert _applied(sw, desk) == 40
    assert differences(server_tables(sw.server_db, sw.clinic_id), replica_tables(desk)) == {}


def _swallow(device: Device) -> None:
    with contextlib.suppress(httpx.HTTPError, OSError):
        device.sync()
