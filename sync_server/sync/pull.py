"""Pull: pages of row states since a device's cursor, in `seq` order, tombstones included.

Front desk (incremental): the page's upper bound is first read from the clinic's committed change
counter `high`; every row with seq <= high belongs to a committed transaction (each write
transaction takes its number by updating the counter row, so numbers commit in order), and rows
are then read per table with seq in (cursor, high]. A row updated meanwhile moves above `high` and
comes in a later page; nothing can be skipped. A page holds whole change numbers, except a single
number bigger than a page (a bulk import), which is split by (table, id) with a compound cursor.

Kiosk (snapshot): its scope is a moving window (today and tomorrow), so it gets its whole scope
again, with `reset`, whenever anything in the clinic changed or the day turned.
"""

from __future__ import annotations

import heapq
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Final

from sqlalchemy import (
    ColumnElement,
    Connection,
    String,
    and_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from common.clinics.models import ClinicSequence
from common.sync.bulk_apply import encode_raw_rows, fetch_raw, paused_gc, raw_select
from common.sync.protocol import PullResponse, TableChecksum, TableRows
from common.sync.replica import live_rows
from common.sync.tables import CLINICS, SyncedTable, synced_table, synced_tables
from sync_server.sync.devices import DeviceIdentity
from sync_server.sync.scope import encode_rows, kiosk_days, kiosk_snapshot

KIOSK_PREFIX: Final = "k"
# A change number with at most this many times a page's rows is kept whole in one page.
WHOLE_GROUP_FACTOR: Final = 4


class BadCursor(ValueError):
    pass


@dataclass(frozen=True, order=True)
class Position:
    """A place in (seq, table, id) order; `table is None` means "after all of `seq`"."""

    seq: int
    table: str | None = None
    row_id: uuid.UUID | None = None

    def text(self) -> str:
        if self.table is None:
            return str(self.seq)
        return f"{self.seq}:{self.table}:{self.row_id}"


def parse_cursor(raw: str) -> Position:
    if raw in ("", None):
        return Position(-1)
    try:
        parts = raw.split(":")
        if len(parts) == 1:
            return Position(int(parts[0]))
        if len(parts) == 3:
            synced_table(parts[1])
            return Position(int(parts[0]), parts[1], uuid.UUID(parts[2]))
    except (ValueError, KeyError):
        pass
    raise BadCursor(raw)


def pull_page(
    session: Session,
    device: DeviceIdentity,
    cursor: str,
    limit: int,
    now: datetime,
    *,
    estimate: bool = False,
    checksums: bool = False,
) -> PullResponse:
    if device.is_kiosk:
        return _kiosk_page(session, device, cursor, now)
    return _desk_page(session, device.clinic_id, cursor, limit, now, estimate=estimate, checksums=checksums)


def committed_high(session: Session, clinic_id: uuid.UUID) -> int:
    value = session.scalar(select(ClinicSequence.change_seq).where(ClinicSequence.clinic_id == clinic_id))
    return int(value or 0)


def _desk_page(
    session: Session,
    clinic_id: uuid.UUID,
    cursor: str,
    limit: int,
    now: datetime,
    *,
    estimate: bool,
    checksums: bool,
) -> PullResponse:
    if cursor.startswith(KIOSK_PREFIX):
        cursor = ""
    start = parse_cursor(cursor)
    # Core statements on the session's connection: the clinic filter is explicit in each one.
    connection = session.connection()
    high = committed_high(session, clinic_id)
    tables = synced_tables()
    with_rows: set[str] = set()
    if start.table is None and start.seq >= high:
        end, has_more = Position(high), False  # nothing new
    else:
        # Inside a split change number, the end is found key by key.
        whole = (
            None
            if start.table is not None
            else _whole_numbers_end(connection, clinic_id, start.seq, high, limit)
        )
        if whole is not None:
            end_seq, with_rows = whole
            end, has_more = Position(end_seq), end_seq < high
        else:
            end, has_more, with_rows = _keyed_end(connection, clinic_id, start, high, limit)
    out: list[TableRows] = []
    count = 0
    for described in tables:
        if described.name not in with_rows:
            continue
        # The stored values, encoded for the wire column by column (common/sync/bulk_apply.py):
        # what encode_rows would send, without a Python object per value.
        with paused_gc():
            rows, codes = fetch_raw(
                connection,
                raw_select(described)
                .where(_in_clinic(described, clinic_id), _after(described, start), _not_after(described, end))
                .order_by(described.table.c.seq, described.table.c.id),
            )
            if rows:
                out.append(encode_raw_rows(described, rows, connection.dialect, codes))
                count += len(rows)
    remaining = _remaining(session, clinic_id, end) if estimate else 0
    sums = table_checksums(session, clinic_id, end.seq) if checksums and not has_more else None
    return PullResponse.model_construct(  # every part built here already has its wire shape
        reset=False,
        cursor=end.text(),
        has_more=has_more,
        tables=out,
        rows_in_page=count,
        remaining_estimate=remaining,
        checksums=sums,
        server_time=now.isoformat(),
    )


def _whole_numbers_end(
    connection: Connection, clinic_id: uuid.UUID, start_seq: int, high: int, limit: int
) -> tuple[int, set[str]] | None:
    """Where a page after change number `start_seq` ends when it ends after a whole change number
    (the usual case), and the tables with rows in it; None when the page must split one.

    Counted by the database on the (clinic_id, seq, id) indexes: the `limit`-th change number
    after the start, then per table the rows before it and in it. No key travels to Python.
    """
    params = {"clinic_id": clinic_id, "start_seq": start_seq, "high": high, "limit": limit}
    nth = connection.execute(_nth_seq_statement(), {**params, "offset": limit - 1}).scalar()
    last = high if nth is None else int(nth)
    below = at = 0
    with_rows: set[str] = set()
    for name, before, within in connection.execute(_count_statement(), {**params, "last": last}).all():
        below, at = below + int(before or 0), at + int(within or 0)
        if before or within:
            with_rows.add(name)
    if nth is not None:
        rest = at - (limit - below)  # the rows of the last change number past the limit
        if rest > (WHOLE_GROUP_FACTOR - 1) * limit:
            return None
    return last, with_rows


@cache
def _nth_seq_statement() -> Any:
    """The `offset`-th smallest change number after `start_seq` up to `high`, counting each row
    (each table's first `limit` rows are enough: only `limit` rows can come before it)."""
    parts = []
    for described in synced_tables():
        seq = described.table.c.seq
        parts.append(
            select(seq.label("seq"))
            .where(
                described.clinic_column == bindparam("clinic_id"),
                seq > bindparam("start_seq"),
                seq <= bindparam("high"),
            )
            .order_by(seq)
            .limit(bindparam("limit"))
            .subquery()
        )
    numbers = union_all(*(select(part.c.seq) for part in parts)).subquery()
    return select(numbers.c.seq).order_by(numbers.c.seq).limit(1).offset(bindparam("offset"))


@cache
def _count_statement() -> Any:
    """Per table: its rows after `start_seq` before `last`, and its rows in `last`."""
    parts = []
    for described in synced_tables():
        seq = described.table.c.seq
        parts.append(
            select(
                literal_column(f"'{described.name}'", String).label("name"),
                func.count().filter(seq < bindparam("last")).label("before"),
                func.count().filter(seq == bindparam("last")).label("within"),
            ).where(
                described.clinic_column == bindparam("clinic_id"),
                seq > bindparam("start_seq"),
                seq <= bindparam("last"),
            )
        )
    return union_all(*parts)


def _keyed_end(
    connection: Connection, clinic_id: uuid.UUID, start: Position, high: int, limit: int
) -> tuple[Position, bool, set[str]]:
    """The page's end found key by key: inside a change number bigger than a page, the end may
    fall between two rows of it (a compound cursor)."""
    candidates = _candidate_keys(connection, clinic_id, start, high, limit)
    truncated = {name for name, keys in candidates.items() if len(keys) >= limit}
    merged = list(heapq.merge(*candidates.values()))
    if not truncated and len(merged) <= limit:
        return Position(high), False, set(candidates)
    seq, name, raw_id = merged[limit - 1]
    last = Position(seq, name, _as_uuid(raw_id))
    # The rows of the last change number past the limit: a truncated table's are counted where
    # they are stored (it has more than were fetched), the others' among the keys fetched.
    rest = sum(1 for key in merged[limit:] if key[0] == last.seq and key[1] not in truncated)
    rest += sum(_group_rows_after(connection, synced_table(name), clinic_id, last) for name in truncated)
    end = Position(last.seq) if rest <= (WHOLE_GROUP_FACTOR - 1) * limit else last
    return end, True, set(candidates)


def _candidate_keys(
    connection: Connection,
    clinic_id: uuid.UUID,
    start: Position,
    high: int,
    limit: int,
) -> dict[str, list[tuple[int, str, Any]]]:
    """Per table, the first `limit` (seq, table, id) keys after `start` up to `high`, in order.

    One statement for all tables (a UNION ALL of one limited select each), built once per shape
    of cursor: a small pull costs one round trip and no statement building. Ids stay as the
    driver returns them (hex on SQLite, UUIDs on PostgreSQL: both sort as the database orders
    them); only a split page's end becomes a UUID.
    """
    params: dict[str, Any] = {"clinic_id": clinic_id, "start_seq": start.seq, "high": high, "limit": limit}
    if start.table is not None:
        params["start_id"] = start.row_id
    found: dict[str, list[tuple[int, str, Any]]] = {}
    for seq, row_id, name in connection.execute(_candidates_statement(start.table), params).all():
        found.setdefault(name, []).append((int(seq), name, row_id))
    for keys in found.values():
        keys.sort()  # a union keeps no order
    return found


@cache
def _candidates_statement(start_table: str | None) -> Any:
    parts = []
    for described in synced_tables():
        table = described.table
        seq, row_id = table.c.seq, table.c.id
        after: ColumnElement[bool]
        if start_table is None or described.name < start_table:
            after = seq > bindparam("start_seq")
        elif described.name == start_table:
            after = or_(
                seq > bindparam("start_seq"),
                and_(seq == bindparam("start_seq"), row_id > bindparam("start_id")),
            )
        else:
            after = seq >= bindparam("start_seq")
        parts.append(
            select(
                seq.label("seq"),
                type_coerce(row_id, NullType()).label("id"),
                literal_column(f"'{described.name}'", String).label("name"),
            )
            .where(described.clinic_column == bindparam("clinic_id"), after, seq <= bindparam("high"))
            .order_by(seq, row_id)
            .limit(bindparam("limit"))
            .subquery()
        )
    return union_all(*(select(part.c.seq, part.c.id, part.c.name) for part in parts))


def _as_uuid(raw: Any) -> uuid.UUID:
    return raw if isinstance(raw, uuid.UUID) else uuid.UUID(hex=str(raw))


def _in_clinic(described: SyncedTable, clinic_id: uuid.UUID) -> ColumnElement[bool]:
    return described.clinic_column == clinic_id


def _after(described: SyncedTable, start: Position) -> ColumnElement[bool]:
    seq, row_id = described.table.c.seq, described.table.c.id
    if start.table is None:
        return seq > start.seq
    if described.name < start.table:
        return seq > start.seq
    if described.name == start.table:
        return or_(seq > start.seq, and_(seq == start.seq, row_id > start.row_id))
    return seq >= start.seq


def _not_after(described: SyncedTable, end: Position) -> ColumnElement[bool]:
    seq, row_id = described.table.c.seq, described.table.c.id
    if end.table is None:
        return seq <= end.seq
    if described.name < end.table:
        return seq <= end.seq
    if described.name == end.table:
        return or_(seq < end.seq, and_(seq == end.seq, row_id <= end.row_id))
    return seq < end.seq


def _group_rows_after(
    connection: Connection, described: SyncedTable, clinic_id: uuid.UUID, position: Position
) -> int:
    """How many rows of one table in `position.seq` come after `position`."""
    condition = and_(
        _in_clinic(described, clinic_id), described.table.c.seq == position.seq, _after(described, position)
    )
    return int(
        connection.execute(select(func.count()).select_from(described.table).where(condition)).scalar() or 0
    )


def _remaining(session: Session, clinic_id: uuid.UUID, after: Position) -> int:
    total = 0
    for described in synced_tables():
        condition = and_(_in_clinic(described, clinic_id), _after(described, after))
        total += int(
            session.connection()
            .execute(select(func.count()).select_from(described.table).where(condition))
            .scalar()
            or 0
        )
    return total


def table_checksums(
    session: Session, clinic_id: uuid.UUID, high: int | None = None
) -> dict[str, TableChecksum]:
    """Per table: row count and the sum of `seq` (a stale or missing row changes one of them).

    Staff rows carry device-local sign-in bookkeeping, so they are compared by count only.
    Tombstones are left out: the purge removes old ones here while devices keep theirs.
    """
    out: dict[str, TableChecksum] = {}
    for described in synced_tables():
        seq = described.table.c.seq
        bound = seq <= high if high is not None else true()
        rows, total = (
            session.connection()
            .execute(
                select(func.count(), func.coalesce(func.sum(seq), 0)).where(
                    _in_clinic(described, clinic_id), bound, live_rows(described)
                )
            )
            .one()
        )
        out[described.name] = TableChecksum(
            rows=int(rows), seq_sum=0 if described.name == "staff_users" else int(total)
        )
    return out


def _kiosk_page(session: Session, device: DeviceIdentity, cursor: str, now: datetime) -> PullResponse:
    high = committed_high(session, device.clinic_id)
    today, _ = kiosk_days(session, device.clinic_id, now)
    current = f"{KIOSK_PREFIX}{high}@{today.isoformat()}"
    if cursor == current:
        return PullResponse(
            cursor=current,
            has_more=False,
            tables=[],
            rows_in_page=0,
            remaining_estimate=0,
            server_time=now.isoformat(),
        )
    snapshot = kiosk_snapshot(session, device.clinic_id, now)
    out = [encode_rows(synced_table(name), rows, kiosk=True) for name, rows in snapshot.items() if rows]
    return PullResponse(
        cursor=current,
        has_more=False,
        reset=True,
        tables=out,
        rows_in_page=sum(len(t.rows) for t in out),
        remaining_estimate=0,
        server_time=now.isoformat(),
    )


def rows_by_key(
    session: Session,
    clinic_id: uuid.UUID,
    keys: list[tuple[str, uuid.UUID]],
    *,
    kiosk: bool,
    now: datetime,
) -> tuple[list[TableRows], list[tuple[str, uuid.UUID]]]:
    """The current state of some rows as the device may hold them, and which of them do not exist."""
    from sync_server.sync.scope import kiosk_may_hold

    by_table: dict[str, list[uuid.UUID]] = {}
    for name, row_id in keys:
        try:
            synced_table(name)
        except KeyError:
            continue
        if name == CLINICS and row_id != clinic_id:
            continue
        if kiosk and not kiosk_may_hold(session, clinic_id, name, row_id, now):
            continue
        by_table.setdefault(name, []).append(row_id)
    found: list[TableRows] = []
    absent: list[tuple[str, uuid.UUID]] = []
    for name, ids in by_table.items():
        described = synced_table(name)
        rows: list[Any] = []
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            condition: ColumnElement[bool] = described.table.c.id.in_(chunk)
            if name != CLINICS:
                condition = and_(condition, described.table.c.clinic_id == clinic_id)
            rows.extend(session.connection().execute(select(described.table).where(condition)))
        present = {row._mapping["id"] for row in rows}
        absent.extend((name, row_id) for row_id in ids if row_id not in present)
        if rows:
            found.append(encode_rows(described, rows, kiosk=kiosk))
    return found, absent
