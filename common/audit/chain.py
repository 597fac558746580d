"""The hash chain of the audit log: append a link, verify a chain."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from common.audit.models import ActorType, AuditChainHead, AuditLog, AuditOutcome
from common.ids import new_id
from common.storage.session import ALL_CLINICS, next_change_seq

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    actor_type: ActorType
    actor_id: uuid.UUID | None
    device_id: uuid.UUID | None
    action: str
    entity_type: str
    entity_id: uuid.UUID | None = None
    patient_id: uuid.UUID | None = None
    outcome: AuditOutcome = AuditOutcome.SUCCESS
    changed_fields: tuple[str, ...] = ()
    ip_address: str | None = None
    user_agent: str | None = None


def row_hash(row: AuditLog) -> str:
    parts = [
        str(row.id),
        str(row.clinic_id),
        row.chain_id,
        str(row.chain_seq),
        row.prev_hash,
        _instant(row.occurred_at),
        str(row.actor_type),
        _opt(row.actor_id),
        _opt(row.device_id),
        row.action,
        row.entity_type,
        _opt(row.entity_id),
        _opt(row.patient_id),
        str(row.outcome),
        ",".join(row.changed_fields or []),
        row.ip_address or "",
        row.user_agent or "",
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _opt(value: uuid.UUID | None) -> str:
    return "" if value is None else str(value)


def _instant(value: datetime) -> str:
    return value.isoformat(timespec="microseconds")


def append(
    session: Session, clinic_id: uuid.UUID, chain_id: str, entry: AuditEntry, at: datetime
) -> AuditLog:
    """Append one link to `chain_id`'s chain, in the caller's transaction.

    Locks are always taken in one order — the clinic's change counter, then the chain head — so a
    transaction that only audits a read cannot deadlock with one that writes.
    """
    next_change_seq(session, clinic_id)
    head = _lock_head(session, clinic_id, chain_id)
    row = AuditLog(
        id=new_id(),
        clinic_id=clinic_id,
        chain_id=chain_id,
        chain_seq=head.last_seq + 1,
        prev_hash=head.last_hash,
        row_hash="",
        occurred_at=at,
        actor_type=entry.actor_type,
        actor_id=entry.actor_id,
        device_id=entry.device_id,
        action=entry.action,
        entity_type=entry.entity_type,
        entity_id=entry.entity_id,
        patient_id=entry.patient_id,
        outcome=entry.outcome,
        changed_fields=sorted(entry.changed_fields),
        ip_address=entry.ip_address,
        user_agent=entry.user_agent,
    )
    row.row_hash = row_hash(row)
    head.last_seq = row.chain_seq
    head.last_hash = row.row_hash
    session.add(row)
    return row


def _lock_head(session: Session, clinic_id: uuid.UUID, chain_id: str) -> AuditChainHead:
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(AuditChainHead)
        .values(clinic_id=clinic_id, chain_id=chain_id, last_seq=0, last_hash=GENESIS_HASH)
        .on_conflict_do_nothing()
    )
    return session.scalars(
        select(AuditChainHead)
        .where(AuditChainHead.clinic_id == clinic_id, AuditChainHead.chain_id == chain_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


@dataclass(frozen=True)
class ChainReport:
    chain_id: str
    rows_checked: int
    first_bad_seq: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.first_bad_seq is None


def verify_chain(session: Session, clinic_id: uuid.UUID, chain_id: str) -> ChainReport:
    """Walk one chain; name the first number where it breaks and why."""
    rows = session.scalars(
        select(AuditLog)
        .where(AuditLog.clinic_id == clinic_id, AuditLog.chain_id == chain_id)
        .order_by(AuditLog.chain_seq)
        .execution_options(**{ALL_CLINICS: True})
    )
    expected_seq, expected_prev, checked = 1, GENESIS_HASH, 0
    for row in rows:
        checked += 1
        if row.chain_seq != expected_seq:
            return ChainReport(chain_id, checked, expected_seq, "missing row")
        if row.prev_hash != expected_prev:
            return ChainReport(chain_id, checked, row.chain_seq, "link to the previous row broken")
        if row_hash(row) != row.row_hash:
            return ChainReport(chain_id, checked, row.chain_seq, "row altered")
        expected_seq, expected_prev = expected_seq + 1, row.row_hash
    head = session.scalars(
        select(AuditChainHead).where(
            AuditChainHead.clinic_id == clinic_id, AuditChainHead.chain_id == chain_id
        )
    ).one_or_none()
    if head is not None and (head.last_seq != expected_seq - 1 or head.last_hash != expected_prev):
        return ChainReport(chain_id, checked, expected_seq, "rows missing at the end")
    return ChainReport(chain_id, checked)


def chain_ids(session: Session, clinic_id: uuid.UUID) -> list[str]:
    return list(session.scalars(select(AuditChainHead.chain_id).where(AuditChainHead.clinic_id == clinic_id)))
