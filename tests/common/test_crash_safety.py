"""SECURITY.md row 24: a kill at any moment leaves the database valid and every operation whole."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from common.audit.chain import verify_chain
from common.audit.models import AuditLog
from common.database import Database
from common.inventory.models import InventoryCategory, InventoryItem, InventoryMovement
from common.patients.models import Patient
from common.storage.engine import create_database_engine, sqlite_url
from tests.conftest import make_clinic

ROOT = Path(__file__).resolve().parents[2]
KILLS = int(os.environ.get("CRASH_KILLS", "12"))


@pytest.mark.slow
def test_kill_9_loop_leaves_a_valid_database_and_whole_operations(sqlite_engine, clock, staff_password_hash):
    world = make_clinic(Database(sqlite_engine, clock=clock), staff_password_hash)
    db_path = Path(sqlite_engine.url.database)
    with world.system() as ctx:
        item = InventoryItem(name="Gauze", category=InventoryCategory.SUPPLY, sku="G", unit_cost=Decimal(1))
        ctx.session.add(item)
    sqlite_engine.dispose()
    rng = random.Random(2026)
    for _ in range(KILLS):
        writer = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.common.crash_writer",
                str(db_path),
                str(world.clinic_id),
                str(item.id),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
        )
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.05, 0.4))
        writer.send_signal(signal.SIGKILL)
        writer.wait()

    engine = create_database_engine(sqlite_url(db_path))  # runs quick_check
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    with world.db.session(world.clinic_id) as session:
        patients = session.scalar(select(func.count()).select_from(Patient))
        registered = session.scalar(select(func.count()).where(AuditLog.action == "patient.register"))
        used = session.scalar(select(func.coalesce(func.sum(InventoryMovement.quantity), 0)))
        report = verify_chain(session, world.clinic_id, "crash-desk")
    assert patients is not None and used is not None
    assert patients > 0
    # Each operation is all or nothing: a patient, its stock movement and its audit row.
    assert patients == registered == -used
    assert report.ok, report
