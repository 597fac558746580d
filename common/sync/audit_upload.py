"""Uploading the device's audit log to the server, chain by chain.

Each writer keeps its own hash chain (common/audit/chain.py); a device's chain lives in its
replica. The engine sends the links the server does not have yet, in order, in batches; the
server checks that they continue the copy it holds (number after number, each linked to the one
before, each hash recomputed) and stores them, or refuses the batch and reports the break. The
server answers how far it holds the chain, so a device that lost track (a replica restored from a
backup) simply continues from there.

Where each chain was uploaded to is kept in `sync_state` (`audit_uploaded`: chain id -> number).
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Final

from pydantic import AwareDatetime, Field, field_validator
from sqlalchemy import Connection, Engine, select

from common.audit.models import ActorType, AuditChainHead, AuditLog, AuditOutcome
from common.sync import state
from common.sync.protocol import Wire
from common.sync.replica import replica_transaction

if TYPE_CHECKING:
    from common.sync.client import SyncClient

MAX_AUDIT_ROWS: Final = 1_000
UPLOADED: Final = "audit_uploaded"
HASH_LENGTH: Final = 64
CHAIN_ID: Final = r"^[A-Za-z0-9._:@-]+$"
HEX: Final = r"^[0-9a-f]+$"


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; no link the audit code writes contains one.
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    return value


class AuditRowIn(Wire):
    id: uuid.UUID
    chain_seq: int = Field(ge=1, le=2**62)
    prev_hash: str = Field(min_length=HASH_LENGTH, max_length=HASH_LENGTH, pattern=HEX)
    row_hash: str = Field(min_length=HASH_LENGTH, max_length=HASH_LENGTH, pattern=HEX)
    occurred_at: AwareDatetime
    actor_type: ActorType
    actor_id: uuid.UUID | None = None
    device_id: uuid.UUID | None = None
    action: str = Field(max_length=100)
    entity_type: str = Field(max_length=50)
    entity_id: uuid.UUID | None = None
    patient_id: uuid.UUID | None = None
    outcome: AuditOutcome
    changed_fields: list[str] = Field(default_factory=list, max_length=500)
    ip_address: str | None = Field(default=None, max_length=45)
    user_agent: str | None = Field(default=None, max_length=200)

    @field_validator("action", "entity_type", "ip_address", "user_agent")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        return None if value is None else _no_nul(value)

    @field_validator("changed_fields")
    @classmethod
    def _names(cls, value: list[str]) -> list[str]:
        return [_no_nul(name) for name in value]


class AuditUpload(Wire):
    chain_id: str = Field(min_length=1, max_length=64, pattern=CHAIN_ID)
    rows: list[AuditRowIn] = Field(min_length=1, max_length=MAX_AUDIT_ROWS)


class AuditUploadAnswer(Wire):
    chain_id: str
    last_seq: int  # the server holds the chain up to this number (after this upload)
    stored: int  # links of this upload stored now (repeats and links after a gap are not)


def uploaded(engine: Engine) -> dict[str, int]:
    raw = state.get(engine, UPLOADED)
    try:
        found = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return {str(k): int(v) for k, v in found.items()} if isinstance(found, dict) else {}


def _note_uploaded(engine: Engine, chain_id: str, last_seq: int) -> None:
    with replica_transaction(engine) as connection:
        raw = state.get(connection, UPLOADED)
        try:
            marks = json.loads(raw) if raw else {}
        except ValueError:
            marks = {}
        marks[chain_id] = last_seq
        state.put(connection, UPLOADED, json.dumps(marks, sort_keys=True))


def _chains(connection: Connection, clinic_id: uuid.UUID) -> list[tuple[str, int]]:
    return [
        (str(chain_id), int(last_seq))
        for chain_id, last_seq in connection.execute(
            select(AuditChainHead.chain_id, AuditChainHead.last_seq)
            .where(AuditChainHead.clinic_id == clinic_id)
            .order_by(AuditChainHead.chain_id)
        )
    ]


def _rows_after(
    connection: Connection, clinic_id: uuid.UUID, chain_id: str, after: int, limit: int
) -> list[AuditRowIn]:
    columns = [getattr(AuditLog, name) for name in AuditRowIn.model_fields]
    result = connection.execute(
        select(*columns)
        .where(AuditLog.clinic_id == clinic_id, AuditLog.chain_id == chain_id, AuditLog.chain_seq > after)
        .order_by(AuditLog.chain_seq)
        .limit(limit)
    )
    return [AuditRowIn.model_validate(dict(row._mapping)) for row in result]


def upload_audit(engine: Engine, clinic_id: uuid.UUID, client: SyncClient, *, batch: int = 500) -> int:
    """Send every audit link the server does not hold yet; return how many it stored."""
    stored = 0
    marks = uploaded(engine)
    with engine.connect() as connection:
        chains = _chains(connection, clinic_id)
        connection.rollback()
    for chain_id, last_seq in chains:
        sent = marks.get(chain_id, 0)
        while sent < last_seq:
            with engine.connect() as connection:
                rows = _rows_after(connection, clinic_id, chain_id, sent, min(batch, MAX_AUDIT_ROWS))
                connection.rollback()
            if not rows:
                break
            answer = client.upload_audit(AuditUpload(chain_id=chain_id, rows=rows))
            stored += answer.stored
            if answer.last_seq == sent and answer.stored == 0 and rows[0].chain_seq == sent + 1:
                break  # nothing moved (should not happen): try again next cycle
            sent = answer.last_seq
            _note_uploaded(engine, chain_id, sent)
    return stored
