"""`clinic-sync enroll | run --once | status` against a live server, the credential in the file keyring."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from common.context import Actor
from common.database import Database
from common.staff.models import Role
from common.storage.engine import create_database_engine, sqlite_url
from common.sync.enrollment import device_info
from common.sync.outbox import run_intent
from sync_server.sync.enrollment import create_enrollment_code
from tests.e2e.conftest import SyncWorld
from tests.e2e.faults import ROOT


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "common.sync_cli", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_enroll_run_once_and_status(sync_world_sqlite: SyncWorld, tmp_path) -> None:
    sw = sync_world_sqlite
    env = {"CLINIC_KEYRING": "file", "CLINIC_KEYRING_PASSWORD": "test keyring password"}
    data_dir = tmp_path / "desk"
    code, _ = create_enrollment_code(sw.server_db, sw.clinic_id, "front-desk")

    enrolled = _cli("enroll", "--server", sw.server.url, "--code", code, "--data-dir", str(data_dir), env=env)
    assert enrolled.returncode == 0, enrolled.stderr
    assert json.loads(enrolled.stdout)["clinic_id"] == str(sw.clinic_id)
    assert (data_dir / "keyring.cfg").exists()
    assert code.split(".")[1].replace("-", "") not in (data_dir / "keyring.cfg").read_text()
    again = _cli(
        "enroll", "--server", sw.server.url, "--code", code, "--data-dir", str(tmp_path / "other"), env=env
    )
    assert again.returncode == 1 and "not valid" in again.stderr  # one-time

    first = _cli("run", "--data-dir", str(data_dir), "--once", env=env)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["pulled"] > 0

    engine = create_database_engine(sqlite_url(data_dir / "replica.db"))
    info = device_info(engine)
    assert info is not None
    database = Database(engine, chain_id=str(info.device_id))
    actor = Actor.staff(sw.world.staff["receptionist"], Role.RECEPTIONIST, info.device_id)
    run_intent(database, actor, "use_stock", {"item_id": str(sw.item_id), "quantity": 2})
    engine.dispose()

    waiting = json.loads(_cli("status", "--data-dir", str(data_dir), env=env).stdout)
    assert waiting["pending"] == 1 and waiting["clinic_id"] == str(sw.clinic_id)
    second = _cli("run", "--data-dir", str(data_dir), "--once", env=env)
    assert json.loads(second.stdout)["answers"] == {"applied": 1}
    done = json.loads(_cli("status", "--data-dir", str(data_dir), env=env).stdout)
    assert done["pending"] == 0 and done["last_sync_at"]


def test_refuses_plain_http_to_another_host(tmp_path) -> None:
    result = _cli(
        "enroll",
        "--server",
        "http://clinic.example",
        "--code",
        "x" * 20,
        "--data-dir",
        str(tmp_path / "d"),
        env={"CLINIC_KEYRING": "file", "CLINIC_KEYRING_PASSWORD": "p"},
    )
    assert result.returncode == 1 and "https://" in result.stderr
