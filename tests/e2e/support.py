"""End-to-end helpers: a real uvicorn server in a thread, device replicas in their own SQLite files,
and the checks every scenario ends with (replicas equal the server, table by table)."""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import Engine, select

from common.clock import Clock, FrozenClock
from common.context import Actor
from common.database import Database
from common.storage.engine import create_database_engine, sqlite_url
from common.storage.migrate import current_revision
from common.sync import state
from common.sync.client import SyncClient
from common.sync.engine import SyncEngine
from common.sync.enrollment import DeviceInfo, record_enrollment
from common.sync.models import DeviceKind, OutboxStatus, SyncOutbox
from common.sync.outbox import run_intent
from common.sync.tables import DEVICE_LOCAL_COLUMNS, synced_tables
from sync_server.config import load_server_settings
from sync_server.sync.enrollment import create_enrollment_code, redeem
from sync_server.sync.scope import kiosk_snapshot, project


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LiveServer:
    """The real app (create_app) served by uvicorn on a loopback port, in a thread."""

    def __init__(self, engine: Engine, clock: Clock, data_dir: Path, port: int | None = None) -> None:
        settings = load_server_settings(
            {
                "CLINIC_DATA_DIR": str(data_dir),
                "DATABASE_URL": engine.url.render_as_string(hide_password=False),
                "CLINIC_JWT_SECRET": "e2e-secret-" + "x" * 40,
                # Scheduled jobs stay off: tests run a job when they mean to, and a live server's
                # round must not hold a job's advisory lock while tests/sync_server/test_jobs runs.
                "CLINIC_RUN_JOBS": "0",
            }
        )
        self.app = _app(settings, engine, clock)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> LiveServer:
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", timeout_graceful_shutdown=1
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)


def _app(settings: Any, engine: Engine, clock: Clock) -> Any:
    """The server's real app; while the REST API's modules are being written, the sync router on
    its own with the same error handlers."""
    try:
        from sync_server.app import create_app
    except ImportError:
        from fastapi import FastAPI

        from sync_server.errors import install_error_handlers
        from sync_server.sync.endpoints import router

        app = FastAPI()
        app.state.database = Database(engine, clock=clock, chain_id="server")
        install_error_handlers(app)
        app.include_router(router)
        return app
    return create_app(settings, engine=engine, clock=clock)


@dataclass
class Device:
    """One device: its own replica file, its own clock, its own engine and credential."""

    name: str
    data_dir: Path
    engine: Engine
    database: Database
    info: DeviceInfo
    credential: str
    server_url: str
    clock: FrozenClock
    sync_engine: SyncEngine = field(init=False)

    def __post_init__(self) -> None:
        self.connect(self.server_url)

    def connect(self, server_url: str) -> None:
        schema = current_revision(self.engine) or ""
        self.server_url = server_url
        self.sync_engine = SyncEngine(
            self.database, SyncClient(server_url, self.credential, schema), page_rows=200
        )

    def run(self, actor: Actor, intent: str, args: dict[str, Any]) -> Any:
        return run_intent(self.database, actor, intent, args)

    def sync(self) -> Any:
        return self.sync_engine.sync_once()

    def outbox(self) -> list[SyncOutbox]:
        with self.database.session(None) as session:
            return list(session.scalars(select(SyncOutbox).order_by(SyncOutbox.n)))

    def pending(self) -> int:
        return sum(1 for row in self.outbox() if row.status is OutboxStatus.PENDING)

    def cursor(self) -> str:
        return state.get(self.engine, state.CURSOR) or ""

    def close(self) -> None:
        self.sync_engine.client.close()
        self.engine.dispose()


def make_device(
    name: str,
    server_db: Database,
    server_url: str,
    clinic_id: uuid.UUID,
    template: Path,
    root: Path,
    *,
    kind: DeviceKind = DeviceKind.FRONT_DESK,
    skew: timedelta = timedelta(0),
) -> Device:
    """Enroll a device (the server's own redeem, no keyring) on a copy of the migrated template."""
    data_dir = root / name
    data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, data_dir / "replica.db")
    engine = create_database_engine(sqlite_url(data_dir / "replica.db"))
    code, _ = create_enrollment_code(server_db, clinic_id, kind)
    done = redeem(server_db, code, name)
    info = DeviceInfo(done.device_id, done.clinic_id, done.kind, server_url)
    record_enrollment(engine, info)
    clock = FrozenClock(server_db.clock.now() + skew)
    database = Database(engine, clock=clock, chain_id=str(done.device_id))
    return Device(name, data_dir, engine, database, info, done.credential, server_url, clock)


def _encoded(described: Any, rows: list[Any], kiosk: bool, server: bool) -> list[str]:
    dropped = DEVICE_LOCAL_COLUMNS.get(described.name, frozenset())
    out = []
    for row in rows:
        values = project(described, tuple(row), kiosk) if server else list(row)
        encoded = described.encode_row(values)
        kept = {
            name: value for name, value in zip(described.columns, encoded, strict=True) if name not in dropped
        }
        out.append(json.dumps(kept, sort_keys=True, default=str))
    return sorted(out)


def server_tables(server_db: Database, clinic_id: uuid.UUID, *, kiosk: bool = False) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    with server_db.session(clinic_id) as session:
        if kiosk:
            snapshot = kiosk_snapshot(session, clinic_id, server_db.clock.now())
            for described in synced_tables():
                out[described.name] = _encoded(described, snapshot.get(described.name, []), True, True)
            return out
        for described in synced_tables():
            rows = list(session.execute(select(described.table).where(described.clinic_column == clinic_id)))
            out[described.name] = _encoded(described, rows, False, True)
    return out


def replica_tables(device: Device) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    with device.engine.connect() as connection:
        for described in synced_tables():
            rows = list(
                connection.execute(
                    select(described.table).where(described.clinic_column == device.info.clinic_id)
                )
            )
            out[described.name] = _encoded(described, rows, False, False)
        connection.rollback()
    return out


def differences(expected: dict[str, list[str]], actual: dict[str, list[str]]) -> dict[str, tuple[int, int]]:
    """Tables whose rows differ: name -> (rows only on the server, rows only on the replica)."""
    out = {}
    for name in expected:
        left, right = set(expected[name]), set(actual.get(name, []))
        if left != right:
            out[name] = (len(left - right), len(right - left))
    return out


@contextmanager
def live_server(engine: Engine, clock: Clock, data_dir: Path) -> Iterator[LiveServer]:
    server = LiveServer(engine, clock, data_dir).start()
    try:
        yield server
    finally:
        server.stop()
