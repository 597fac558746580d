"""The device's sync state: a small key/value table in the replica itself (`sync_state`).

Keys: device_id, clinic_id, kind, server_url, cursor, last_sync_at, clock_offset_seconds,
resnapshot (set when a checkpoint found the replica drifted).
"""

from __future__ import annotations

import uuid
from typing import Final

from sqlalchemy import Connection, Engine, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from common.sync.models import SyncState

DEVICE_ID: Final = "device_id"
CLINIC_ID: Final = "clinic_id"
KIND: Final = "kind"
SERVER_URL: Final = "server_url"
CURSOR: Final = "cursor"
LAST_SYNC_AT: Final = "last_sync_at"
CLOCK_OFFSET: Final = "clock_offset_seconds"
RESNAPSHOT: Final = "resnapshot"
SCHEMA: Final = "schema"


class NotEnrolled(RuntimeError):
    """This replica has not been enrolled with a server yet (run `clinic-sync enroll`)."""


def get(bind: Session | Connection | Engine, key: str) -> str | None:
    query = select(SyncState.value).where(SyncState.key == key)
    if isinstance(bind, Engine):
        with bind.connect() as connection:
            value = connection.execute(query).scalar_one_or_none()
            connection.rollback()
            return value
    return bind.execute(query).scalar_one_or_none()


def put(bind: Session | Connection, key: str, value: str) -> None:
    statement = sqlite_insert(SyncState).values(key=key, value=value)
    bind.execute(statement.on_conflict_do_update(index_elements=["key"], set_={"value": value}))


def delete(bind: Session | Connection, key: str) -> None:
    bind.execute(SyncState.__table__.delete().where(SyncState.key == key))  # type: ignore[attr-defined]


def clinic_id(engine: Engine) -> uuid.UUID:
    value = get(engine, CLINIC_ID)
    if value is None:
        raise NotEnrolled()
    return uuid.UUID(value)
