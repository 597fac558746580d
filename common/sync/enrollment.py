"""Setting up a device: its replica file, its enrollment with the server, its credential.

A device's data directory holds `replica.db` (the local SQLite replica, migrated by Alembic) and,
on headless Linux, the encrypted keyring file (see credentials.py).
"""

from __future__ import annotations

import socket
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from sqlalchemy import Engine

from common.database import Database
from common.storage.engine import create_database_engine, sqlite_url
from common.storage.migrate import current_revision, upgrade
from common.sync import state
from common.sync.client import SyncClient
from common.sync.credentials import load_credential, save_credential
from common.sync.engine import SyncEngine
from common.sync.models import DeviceKind
from common.sync.replica import replica_transaction

REPLICA_FILE: Final = "replica.db"


class AlreadyEnrolled(RuntimeError):
    pass


@dataclass(frozen=True)
class DeviceInfo:
    device_id: uuid.UUID
    clinic_id: uuid.UUID
    kind: DeviceKind
    server_url: str


def open_replica(data_dir: Path) -> Engine:
    """The device's replica, created and migrated to the current schema if needed."""
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_database_engine(sqlite_url(data_dir / REPLICA_FILE))
    upgrade(engine)
    return engine


def enroll(server_url: str, code: str, data_dir: Path, device_name: str | None = None) -> DeviceInfo:
    """Enroll this device with a one-time code; keep the credential in the keyring."""
    engine = open_replica(data_dir)
    try:
        if state.get(engine, state.DEVICE_ID) is not None:
            raise AlreadyEnrolled(str(data_dir))
        schema = current_revision(engine) or ""
        client = SyncClient(server_url, None, schema)
        try:
            answer = client.enroll(code, device_name or socket.gethostname()[:100])
        finally:
            client.close()
        save_credential(data_dir, str(answer.device_id), answer.credential)
        record_enrollment(
            engine, DeviceInfo(answer.device_id, answer.clinic_id, DeviceKind(answer.kind), client.server_url)
        )
        return DeviceInfo(answer.device_id, answer.clinic_id, DeviceKind(answer.kind), client.server_url)
    finally:
        engine.dispose()


def record_enrollment(engine: Engine, info: DeviceInfo) -> None:
    with replica_transaction(engine) as connection:
        state.put(connection, state.DEVICE_ID, str(info.device_id))
        state.put(connection, state.CLINIC_ID, str(info.clinic_id))
        state.put(connection, state.KIND, info.kind.value)
        state.put(connection, state.SERVER_URL, info.server_url)
        state.put(connection, state.CURSOR, "")


def device_info(engine: Engine) -> DeviceInfo | None:
    device_id = state.get(engine, state.DEVICE_ID)
    if device_id is None:
        return None
    return DeviceInfo(
        uuid.UUID(device_id),
        uuid.UUID(state.get(engine, state.CLINIC_ID) or ""),
        DeviceKind(state.get(engine, state.KIND) or DeviceKind.FRONT_DESK.value),
        state.get(engine, state.SERVER_URL) or "",
    )


def enrolled_device(db: Database) -> DeviceInfo | None:
    """The device this database is the replica of, if it is one (enrolled with a server)."""
    return device_info(db.engine) if db.engine.dialect.name == "sqlite" else None


def device_database(engine: Engine) -> Database:
    info = device_info(engine)
    if info is None:
        raise state.NotEnrolled()
    return Database(engine, chain_id=str(info.device_id))


def engine_for(data_dir: Path, *, credential: str | None = None, listen: bool = True) -> SyncEngine:
    """A sync engine over the enrolled replica in `data_dir` (credential from the keyring)."""
    engine = open_replica(data_dir)
    info = device_info(engine)
    if info is None:
        raise state.NotEnrolled()
    secret = credential or load_credential(data_dir, str(info.device_id))
    if secret is None:
        raise state.NotEnrolled()
    schema = current_revision(engine) or ""
    events = SyncClient(info.server_url, secret, schema) if listen else None
    return SyncEngine(
        device_database(engine), SyncClient(info.server_url, secret, schema), events_client=events
    )
