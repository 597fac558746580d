"""Which synced rows a unit of work wrote: recorded at every flush of a tracked session.

The device keeps the set with each outbox mutation (a pull leaves those rows alone while the
mutation is pending); the server answers each mutation with the current state of the rows both
sides touched, so a device can restore what a refused mutation had changed optimistically.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from common.clinics.models import Clinic
from common.storage.base import ClinicRow
from common.storage.session import ClinicSession
from common.sync.tables import is_synced_name

RowKey = tuple[str, uuid.UUID]
_KEY = "sync_touched"


@contextmanager
def tracking(session: Session) -> Iterator[list[RowKey]]:
    """Collect, in first-write order, the synced rows written through `session` in the block."""
    touched: list[RowKey] = []
    session.info[_KEY] = touched
    try:
        yield touched
    finally:
        session.info.pop(_KEY, None)


@event.listens_for(ClinicSession, "after_flush")
def _record_touched(session: Session, _context: Any) -> None:
    touched: list[RowKey] | None = session.info.get(_KEY)
    if touched is None:
        return
    seen = set(touched)
    for obj in [*session.new, *session.dirty]:
        if not isinstance(obj, ClinicRow | Clinic):
            continue
        name = obj.__table__.name  # type: ignore[union-attr]
        if not is_synced_name(name):
            continue
        key = (name, obj.id)
        if key not in seen:
            seen.add(key)
            touched.append(key)


def encode_keys(keys: list[RowKey]) -> list[list[str]]:
    return [[name, str(row_id)] for name, row_id in keys]


def decode_keys(raw: Any) -> list[RowKey]:
    keys: list[RowKey] = []
    for item in raw or []:
        name, row_id = item
        keys.append((str(name), uuid.UUID(str(row_id))))
    return keys
