"""Applying the server's rows to the device replica: pulled pages, push answers, poked pages.

Each page is applied with its new cursor in ONE local transaction (a crash anywhere resumes from
the last applied page). Rows are upserted with Core statements, bypassing the ORM's storage
rules: they are the server's rows with the server's `seq` and `version`. A page's rows go column
by column straight to what SQLite stores (common/sync/bulk_apply.py: the same values). Rows
written by outbox mutations still pending stay as the device wrote them until their answer
replaces them.

Foreign keys are not checked while applying: the server already enforced them, a kiosk's
projection deliberately lacks most referenced rows, and a row's latest version can come before
that of a row it references. Local writes (through the services) are still checked.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import Enum
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Table,
    UniqueConstraint,
    delete,
    func,
    select,
    true,
    tuple_,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from common.clinics.models import ClinicSequence
from common.sync import bulk_apply, state
from common.sync.models import OutboxStatus, SyncOutbox
from common.sync.protocol import (
    MutationAnswer,
    PokePage,
    PullResponse,
    PushResponse,
    TableChecksum,
    TableRows,
    cursor_seq,
)
from common.sync.tables import CLINICS, SyncedTable, synced_table, synced_tables
from common.sync.tracking import RowKey, decode_keys


@contextmanager
def replica_transaction(engine: Engine, *, replayable: bool = False) -> Iterator[Connection]:
    """One IMMEDIATE transaction with foreign-key checks off (restored afterwards).

    `replayable`: what it writes the server can send again (a pulled page with its cursor), so
    its commit skips the WAL's fsync (synchronous=NORMAL): a power cut may undo the last such
    commits, whole, and the next pull brings them again. Every other commit keeps FULL: it makes
    the earlier ones durable too."""
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys=OFF")
        if replayable:
            raw.execute("PRAGMA synchronous=NORMAL")
        try:
            with connection.begin():
                yield connection
        finally:
            raw.execute("PRAGMA foreign_keys=ON")
            if replayable:
                raw.execute("PRAGMA synchronous=FULL")


def pending_keys(connection: Connection, *, except_n: int | None = None) -> set[RowKey]:
    query = select(SyncOutbox.n, SyncOutbox.touched).where(SyncOutbox.status == OutboxStatus.PENDING)
    keys: set[RowKey] = set()
    for n, touched in connection.execute(query):
        if n != except_n:
            keys.update(decode_keys(touched))
    return keys


def apply_page(
    engine: Engine, page: PullResponse, clinic_id: uuid.UUID, now: datetime, *, defer_indexes: bool = False
) -> int:
    """Apply one pulled page and its cursor atomically; return the rows written.

    `defer_indexes` (the first page of a big initial sync): drop the plain indexes first; the
    page that ends a pull (no `has_more`) builds whatever a pull deferred, in its transaction.
    """
    with replica_transaction(engine, replayable=True) as connection, bulk_apply.paused_gc():
        keep = pending_keys(connection)
        if defer_indexes:
            bulk_apply.defer_indexes(connection)
        if page.reset:
            _drop_synced_rows(connection, keep)
        written = _write_page(connection, page.tables, keep, page.cursor, clinic_id, now)
        if not page.has_more:
            bulk_apply.restore_indexes(connection)
        return written


def apply_push_changes(
    engine: Engine, sent_cursor: str, response: PushResponse, clinic_id: uuid.UUID, now: datetime
) -> bool:
    """Move the cursor where a push's answer says it may (`PushResponse.cursor`), with the push's
    own changes applied as a pulled page would be, in one transaction; only if the cursor is still
    the one the push sent (else nothing: the next pull brings the same rows). True if it moved."""
    if response.cursor is None:
        return False
    with replica_transaction(engine) as connection, bulk_apply.paused_gc():
        if (state.get(connection, state.CURSOR) or "") != sent_cursor:
            return False
        _write_page(connection, response.changes, pending_keys(connection), response.cursor, clinic_id, now)
        return True


class PageFate(Enum):
    APPLIED = "applied"
    HELD = "held"  # the replica's cursor is already past the page
    MISSING_BEFORE = "missing_before"  # changes between the cursor and the page: pull


def apply_poke_page(engine: Engine, page: PokePage, clinic_id: uuid.UUID, now: datetime) -> PageFate:
    """Apply a page the poke stream brought, with its cursor, if it starts at the replica's cursor."""
    return apply_poke_pages(engine, [page], clinic_id, now)[0]


def apply_poke_pages(
    engine: Engine, pages: list[PokePage], clinic_id: uuid.UUID, now: datetime
) -> list[PageFate]:
    """`apply_poke_page` for each page in turn, all in one transaction."""
    fates: list[PageFate] = []
    with replica_transaction(engine, replayable=True) as connection, bulk_apply.paused_gc():
        held = state.get(connection, state.CURSOR) or ""
        keep = pending_keys(connection)
        for page in pages:
            if held == page.after:
                _write_page(connection, page.changes, keep, page.cursor, clinic_id, now)
                held = page.cursor
                fates.append(PageFate.APPLIED)
            elif cursor_seq(held) >= cursor_seq(page.cursor):
                fates.append(PageFate.HELD)  # a pull brought it already
            else:
                fates.append(PageFate.MISSING_BEFORE)
    return fates


def _write_page(
    connection: Connection,
    tables: list[TableRows],
    keep: set[RowKey],
    cursor: str,
    clinic_id: uuid.UUID,
    now: datetime,
) -> int:
    """The rows of a page (but those pending changes hold) and the cursor after it; rows written."""
    written = sum(_upsert(connection, table_rows, keep, fast=True) for table_rows in tables)
    _ensure_change_counter(connection, clinic_id)
    state.put(connection, state.CURSOR, cursor)
    state.put(connection, state.LAST_SYNC_AT, now.isoformat())
    return written


def apply_answer(engine: Engine, answer: MutationAnswer, now: datetime) -> None:
    """Record the server's answer to mutation n and replace the rows it touched with the server's."""
    with replica_transaction(engine) as connection:
        keep = pending_keys(connection, except_n=answer.n)
        for name, row_id in answer.absent:
            if (name, row_id) not in keep:
                _delete(connection, name, [row_id])
        for table_rows in answer.rows:
            _upsert(connection, table_rows, keep)
        status = answer.original_status if answer.status == OutboxStatus.DUPLICATE.value else answer.status
        final = OutboxStatus(status) if status in {s.value for s in OutboxStatus} else OutboxStatus.APPLIED
        connection.execute(
            SyncOutbox.__table__.update()  # type: ignore[attr-defined]
            .where(SyncOutbox.n == answer.n)
            .values(
                status=final,
                answer=answer.model_dump(mode="json", exclude={"rows", "absent"}),
                answered_at=now,
            )
        )


def live_rows(described: SyncedTable) -> ColumnElement[bool]:
    """Rows that are not tombstones (checksums leave tombstones out: the server purges old ones)."""
    table = described.table
    return table.c.deleted_at.is_(None) if "deleted_at" in table.c else true()


def local_checksums(connection: Connection, clinic_id: uuid.UUID) -> dict[str, TableChecksum]:
    out: dict[str, TableChecksum] = {}
    for described in synced_tables():
        seq = described.table.c.seq
        rows, total = connection.execute(
            select(func.count(), func.coalesce(func.sum(seq), 0)).where(
                described.clinic_column == clinic_id, live_rows(described)
            )
        ).one()
        out[described.name] = TableChecksum(
            rows=int(rows), seq_sum=0 if described.name == "staff_users" else int(total)
        )
    return out


def _upsert(connection: Connection, table_rows: TableRows, keep: set[RowKey], *, fast: bool = False) -> int:
    try:
        described = synced_table(table_rows.table)
    except KeyError:
        return 0  # a table of a newer schema
    if fast:  # the same rows, converted column by column (common/sync/bulk_apply.py)
        written = bulk_apply.upsert_rows(connection, described, table_rows, keep)
        if written is not None:
            return written
    values = [described.decode_row(table_rows.columns, row) for row in table_rows.rows]
    if keep:
        values = [row for row in values if (described.name, row["id"]) not in keep]
    if not values:
        return 0
    table = described.table
    columns = list(values[0])
    _evict_unique_clashes(connection, described.table, values)
    statement = sqlite_insert(table)
    updates = {name: statement.excluded[name] for name in columns if name not in described.key}
    statement = statement.on_conflict_do_update(index_elements=list(described.key), set_=updates)
    for start in range(0, len(values), 2_000):
        connection.execute(statement, values[start : start + 2_000])
    return len(values)


def _evict_unique_clashes(connection: Connection, table: Table, values: list[dict[str, Any]]) -> None:
    """Drop local rows holding a unique value (a card code, a reservation id, an email) that an
    incoming row of another id now holds: the server's state is consistent, so such a local row
    is stale and its own current state comes in this pull, a later one, or its mutation's answer."""
    for columns in _secondary_unique_columns(table):
        if not all(name in values[0] for name in columns):
            continue
        for start in range(0, len(values), 500):
            chunk = values[start : start + 500]
            wanted = [tuple(row[name] for name in columns) for row in chunk]
            ids = [row["id"] for row in chunk]
            key = tuple_(*(table.c[name] for name in columns))
            connection.execute(delete(table).where(key.in_(wanted), table.c.id.not_in(ids)))


@cache
def _secondary_unique_columns(table: Table) -> tuple[tuple[str, ...], ...]:
    found: list[tuple[str, ...]] = []
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint):
            found.append(tuple(c.name for c in constraint.columns))
    for index in table.indexes:
        if index.unique:
            found.append(tuple(c.name for c in index.columns))
    return tuple(columns for columns in found if "id" not in columns)


def _delete(connection: Connection, name: str, ids: Iterable[uuid.UUID]) -> None:
    try:
        described = synced_table(name)
    except KeyError:
        return
    connection.execute(delete(described.table).where(described.table.c.id.in_(list(ids))))


def _drop_synced_rows(connection: Connection, keep: set[RowKey]) -> None:
    for described in synced_tables():
        if described.name == CLINICS:
            continue  # replaced in place by the page (the clinic row is always in it)
        kept = [row_id for name, row_id in keep if name == described.name]
        condition = described.table.c.id.not_in(kept) if kept else true()
        connection.execute(delete(described.table).where(condition))


def _ensure_change_counter(connection: Connection, clinic_id: uuid.UUID) -> None:
    """Local writes take local change numbers from the clinic's counter row: make sure it exists."""
    connection.execute(
        sqlite_insert(ClinicSequence).values(clinic_id=clinic_id, change_seq=0).on_conflict_do_nothing()
    )


def data_rows(connection: Connection, name: str, clinic_id: uuid.UUID) -> list[Any]:
    described = synced_table(name)
    return list(connection.execute(select(described.table).where(described.clinic_column == clinic_id)))
