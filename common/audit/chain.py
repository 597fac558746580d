"""The hash chain of the audit log: append a link, verify a chain."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, cast

from sqlalchemy import Table, event, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, SessionTransaction

from common.audit.models import ActorType, AuditChainHead, AuditLog, AuditOutcome
from common.ids import new_id
from common.storage.session import ALL_CLINICS, next_change_seq

GENESIS_HASH = "0" * 64
_AUDIT_LOGS: Final = cast(Table, AuditLog.__table__)
# session.info keys: the chain heads this transaction has locked (later links skip the lock), and
# the links kept in memory until the end of a `deferred_links` block.
_HELD = "audit_chain_heads"
_DEFERRED = "audit_links_deferred"


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


_HASHED: Final = (
    "id",
    "clinic_id",
    "chain_id",
    "chain_seq",
    "prev_hash",
    "occurred_at",
    "actor_type",
    "actor_id",
    "device_id",
    "action",
    "entity_type",
    "entity_id",
    "patient_id",
    "outcome",
    "changed_fields",
    "ip_address",
    "user_agent",
)


def row_hash(row: AuditLog) -> str:
    return values_hash({name: getattr(row, name) for name in _HASHED})


def values_hash(values: Mapping[str, Any]) -> str:
    """The hash of one link: its fields and the previous link's hash."""
    parts = [
        str(values["id"]),
        str(values["clinic_id"]),
        values["chain_id"],
        str(values["chain_seq"]),
        values["prev_hash"],
        _instant(values["occurred_at"]),
        str(values["actor_type"]),
        _opt(values["actor_id"]),
        _opt(values["device_id"]),
        values["action"],
        values["entity_type"],
        _opt(values["entity_id"]),
        _opt(values["patient_id"]),
        str(values["outcome"]),
        ",".join(values["changed_fields"] or []),
        values["ip_address"] or "",
        values["user_agent"] or "",
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _opt(value: uuid.UUID | None) -> str:
    return "" if value is None else str(value)


def _instant(value: datetime) -> str:
    return value.isoformat(timespec="microseconds")


def append(session: Session, clinic_id: uuid.UUID, chain_id: str, entry: AuditEntry, at: datetime) -> None:
    """Append one link to `chain_id`'s chain, in the caller's transaction.

    Locks are always taken in one order — the clinic's change counter, then the chain head — so a
    transaction that only audits a read cannot deadlock with one that writes.
    """
    seq = next_change_seq(session, clinic_id)
    deferred: dict[tuple[uuid.UUID, str], _Pending] | None = session.info.get(_DEFERRED)
    if deferred is not None:
        pending = deferred.get((clinic_id, chain_id)) or _defer(session, deferred, clinic_id, chain_id)
        values = _link(clinic_id, chain_id, pending.last_seq, pending.last_hash, entry, at)
        # The columns the session's storage rules fill in at a flush: the links skip the ORM.
        values.update(created_at=at, seq=seq)
        pending.links.append((values, _current(session)))
        pending.last_seq, pending.last_hash = values["chain_seq"], values["row_hash"]
        return
    head = _lock_head(session, clinic_id, chain_id)
    values = _link(clinic_id, chain_id, head.last_seq, head.last_hash, entry, at)
    head.last_seq = values["chain_seq"]
    head.last_hash = values["row_hash"]
    session.add(AuditLog(**values))


def _link(
    clinic_id: uuid.UUID, chain_id: str, last_seq: int, last_hash: str, entry: AuditEntry, at: datetime
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": new_id(),
        "clinic_id": clinic_id,
        "chain_id": chain_id,
        "chain_seq": last_seq + 1,
        "prev_hash": last_hash,
        "occurred_at": at,
        "actor_type": entry.actor_type,
        "actor_id": entry.actor_id,
        "device_id": entry.device_id,
        "action": entry.action,
        "entity_type": entry.entity_type,
        "entity_id": entry.entity_id,
        "patient_id": entry.patient_id,
        "outcome": entry.outcome,
        "changed_fields": sorted(entry.changed_fields),
        "ip_address": entry.ip_address,
        "user_agent": entry.user_agent,
    }
    values["row_hash"] = values_hash(values)
    return values


def hold_head(session: Session, clinic_id: uuid.UUID, chain_id: str) -> None:
    """Lock the chain head (after the clinic's change counter) for the rest of the transaction.

    Taken outside any savepoint, the lock and the head read last until the commit, so every
    link appended afterwards, savepoints included, reuses them (a batch of sync mutations).
    """
    next_change_seq(session, clinic_id)
    deferred: dict[tuple[uuid.UUID, str], _Pending] | None = session.info.get(_DEFERRED)
    if deferred is None:
        _lock_head(session, clinic_id, chain_id)
    elif (clinic_id, chain_id) not in deferred:
        _defer(session, deferred, clinic_id, chain_id)


@dataclass
class _Pending:
    """A chain's links appended in a `deferred_links` block and not yet written."""

    head: AuditChainHead
    owner: SessionTransaction  # the transaction or savepoint that holds the head's lock
    last_seq: int
    last_hash: str
    base_seq: int
    base_hash: str
    links: list[tuple[dict[str, Any], SessionTransaction]] = field(default_factory=list)  # a row's values


@contextmanager
def deferred_links(session: Session) -> Iterator[None]:
    """Keep the links appended in the block in memory and write them when it ends (one insert,
    one head update, instead of both per link): for a transaction that audits many operations.

    A savepoint rolled back in the block drops the links appended inside it, as it would have
    dropped the written rows. Links still pending at a commit are written by it.
    """
    session.info[_DEFERRED] = {}
    try:
        yield
        write_links(session)
    finally:
        session.info.pop(_DEFERRED, None)


def write_links(session: Session) -> None:
    """Add the pending links of a `deferred_links` block to the session (the next flush writes them)."""
    deferred: dict[tuple[uuid.UUID, str], _Pending] | None = session.info.get(_DEFERRED)
    if not deferred:
        return
    rows: list[dict[str, Any]] = []
    for pending in deferred.values():
        if pending.links:
            pending.head.last_seq, pending.head.last_hash = pending.last_seq, pending.last_hash
            rows.extend(values for values, _ in pending.links)
    # Written links follow the ordinary rules from here (a savepoint rolled back expires the
    # head): the next link starts again from the head.
    deferred.clear()
    if rows:  # one statement, no ORM object per link (a batch of sync mutations audits hundreds)
        session.execute(insert(_AUDIT_LOGS), rows)


def _defer(
    session: Session, deferred: dict[tuple[uuid.UUID, str], _Pending], clinic_id: uuid.UUID, chain_id: str
) -> _Pending:
    head = _lock_head(session, clinic_id, chain_id)
    pending = _Pending(head, _current(session), head.last_seq, head.last_hash, head.last_seq, head.last_hash)
    deferred[(clinic_id, chain_id)] = pending
    return pending


def _current(session: Session) -> SessionTransaction:
    owner = session.get_nested_transaction() or session.get_transaction()
    assert owner is not None
    return owner


def _within(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_rollback")
def _drop_rolled_back_links(session: Session) -> None:
    deferred: dict[tuple[uuid.UUID, str], _Pending] | None = session.info.get(_DEFERRED)
    if not deferred:
        return
    savepoint = session.get_nested_transaction()
    if savepoint is None:  # the whole transaction
        deferred.clear()
        return
    if savepoint.is_active:  # not the one rolled back (never expected): keep every link
        return
    for key, pending in list(deferred.items()):
        if _within(pending.owner, savepoint):  # its lock went with the savepoint
            del deferred[key]
            continue
        kept = next(
            (i for i, (_, owner) in enumerate(pending.links) if _within(owner, savepoint)), len(pending.links)
        )
        del pending.links[kept:]
        last = pending.links[-1][0] if pending.links else None
        pending.last_seq = last["chain_seq"] if last is not None else pending.base_seq
        pending.last_hash = last["row_hash"] if last is not None else pending.base_hash


@event.listens_for(Session, "before_commit")
def _write_pending_links(session: Session) -> None:
    if session.get_nested_transaction() is None:  # the hook runs for savepoints too
        write_links(session)


def _lock_head(session: Session, clinic_id: uuid.UUID, chain_id: str) -> AuditChainHead:
    held: dict[tuple[uuid.UUID, str], tuple[AuditChainHead, SessionTransaction]] = session.info.setdefault(
        _HELD, {}
    )
    found = held.get((clinic_id, chain_id))
    if found is not None and found[0] in session:
        # Locked earlier in this transaction: nobody else can have moved it. A savepoint rolled
        # back since expired it, and the next read reloads what the database holds.
        return found[0]
    locking = (
        select(AuditChainHead)
        .where(AuditChainHead.clinic_id == clinic_id, AuditChainHead.chain_id == chain_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    head = session.scalars(locking).one_or_none()
    if head is None:  # the chain's first link
        dialect = session.get_bind().dialect.name
        upsert = pg_insert if dialect == "postgresql" else sqlite_insert
        session.execute(
            upsert(AuditChainHead)
            .values(clinic_id=clinic_id, chain_id=chain_id, last_seq=0, last_hash=GENESIS_HASH)
            .on_conflict_do_nothing()
        )
        head = session.scalars(locking).one()
    held[(clinic_id, chain_id)] = (head, _current(session))
    return head


@event.listens_for(Session, "after_transaction_end")
def _forget_heads(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_HELD, None)
        deferred = session.info.get(_DEFERRED)
        if deferred:
            deferred.clear()
    elif transaction.nested:
        # A lock taken inside a savepoint goes with it if it rolls back: take it again next time.
        held: dict[tuple[uuid.UUID, str], tuple[AuditChainHead, SessionTransaction]] = session.info.get(
            _HELD, {}
        )
        for key in [key for key, (_, owner) in held.items() if owner is transaction]:
            del held[key]


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
