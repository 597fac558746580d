"""Whole pages of rows between the wire and the database, without a Python object per value.

A pulled page holds thousands of rows. Decoding each wire value into a Python object (a UUID, an
aware datetime, a Decimal) and then letting SQLAlchemy's bind processors turn it into what SQLite
stores was most of a sync's time, and the same held on the server the other way round. Here each
column gets ONE converter, built once from its type, that goes straight from one form to the
other: the hot ones (keys, instants, dates, times, enum values) by string slicing after a format
check, every other one by composing the very functions the slow path uses (the type's decoder or
encoder with the dialect's bind or result processor), so what is stored or sent is what the slow
path would store or send; tests/common/test_sync_bulk_apply.py holds the two side by side. A column
of repeats (the clinic's id, its doctors, a day's slot times, the catalog's prices) is converted
once per distinct value.

Device side: `upsert_rows` writes one table's rows of a page with the driver's executemany, inside
a savepoint, with the literal NULL for a column that is None in every row (the driver binds None
slowly); a row that would break a unique constraint other than the key (a card code, a
reservation id that moved to another row) makes it return None, and the caller takes the careful
path (evict the stale holder, then upsert) for that table. `defer_indexes`/`restore_indexes` let a
big initial sync build the plain (non-unique) indexes once at the end instead of row by row; the
dropped definitions are kept in the replica's sync state in the same transaction, so a sync killed
midway still restores them when a later pull finishes.

Server side: `raw_select` and `encode_raw_rows` read a table's rows as the driver returns them and
encode them for the wire (desk pages; a kiosk's projection keeps its own path in scope.py).
"""

from __future__ import annotations

import gc
import json
import re
import sqlite3
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from itertools import repeat
from operator import eq, methodcaller
from typing import Any, Final

from sqlalchemy import JSON, Boolean, Connection, Date, Dialect, Select, Time, Uuid, null, select, type_coerce
from sqlalchemy import Enum as SAEnum
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.types import NullType

from common.storage.search_index import rebuild_sql, search_triggers
from common.storage.types import MONEY_SCALE, Money, UTCDateTime
from common.sync import state
from common.sync.protocol import TableRows
from common.sync.tables import SERVER_ONLY_COLUMNS, SyncedTable, synced_tables
from common.sync.tracking import RowKey

Converter = Callable[[Any], Any]
# A whole column at once: values in, converted values out (None stays None).
ColumnConverter = Callable[[Sequence[Any]], list[Any]]

# sync_state key: the plain indexes dropped for an initial sync, as a JSON list of their SQL.
DEFERRED_INDEXES: Final = "deferred_indexes"
_SAVEPOINT: Final = "bulk_apply"
_SORT_THREADS: Final = 2
_KEEP: Final = object()  # "not found" / "no placeholder": a value no column holds


def _compose(first: Converter | None, second: Converter | None) -> Converter | None:
    if first is None:
        return second
    if second is None:
        return first

    def both(value: Any) -> Any:
        middle = first(value)
        return None if middle is None else second(middle)

    return both


def _each(convert: Converter) -> ColumnConverter:
    def column(values: Sequence[Any]) -> list[Any]:
        return [None if value is None else convert(value) for value in values]

    return column


# A column is converted once per distinct value when its first values repeat this much: a clinic's
# own id in every row, its few doctors, a day's slot times, the catalog's prices.
_SAMPLE: Final = 128
_FEW_IN_SAMPLE: Final = 32


def _once_per_distinct(convert: ColumnConverter) -> ColumnConverter:
    """`convert`, given each distinct value of a column of repeats once (the same values out:
    every converter maps a value alone, whatever its neighbours)."""

    def column(values: Sequence[Any]) -> list[Any]:
        if len(values) <= 2 * _SAMPLE:
            return convert(values)
        try:
            if len(set(values[:_SAMPLE])) > _FEW_IN_SAMPLE:
                return convert(values)
            distinct = list(set(values))
        except TypeError:  # an unhashable value (a hostile page): the converter refuses it
            return convert(values)
        # One type (and None): values of other types may be equal (1 == 1.0 == True) yet convert
        # or be refused differently.
        if len(distinct) * 4 > len(values) or len(set(map(type, values)) - {type(None)}) > 1:
            return convert(values)
        converted = dict(zip(distinct, convert(distinct), strict=True))
        return [converted[value] for value in values]

    return column


def _fast_column(check: _Check, make: ColumnConverter, slow: Converter) -> ColumnConverter:
    """A column whose values all pass `check` (C-level passes over the whole column) is converted
    by `make` at once; a column with any other value goes value by value through the slow path,
    which converts it the same way or refuses it as it always did."""
    return _once_per_distinct(_fast_column_of_all(check, make, slow))


def _fast_column_of_all(check: _Check, make: ColumnConverter, slow: Converter) -> ColumnConverter:
    each = _each(slow)

    def column(values: Sequence[Any]) -> list[Any]:
        present = [value for value in values if value is not None] if None in values else values
        if not present:
            return list(values)
        try:
            canonical = check(present)
        except (TypeError, ValueError, AttributeError):
            canonical = False
        if not canonical:
            return each(values)
        made = make(present)
        if present is values:
            return made
        out = iter(made)
        return [None if value is None else next(out) for value in values]

    return column


_Check = Callable[[Sequence[Any]], bool]
_WIRE_UUID_CHARS = re.compile(r"[0-9a-f\-\n]*", re.ASCII)
_HEX_CHARS = re.compile(r"[0-9a-f\n]*", re.ASCII)
_UTC_SUFFIX: Final = "+00:00"
_ZERO_MICROS: Final = ".000000"
_count_hyphens = methodcaller("count", "-")
_DAY_LAYOUT: Final = "9999-99-99"
_TIME_LAYOUT: Final = "99:99:99"
_WIRE_INSTANT_LAYOUT: Final = "9999-99-99T99:99:99+00:00"
_WIRE_INSTANT_MICROS_LAYOUT: Final = "9999-99-99T99:99:99.999999+00:00"
_STORED_INSTANT_LAYOUT: Final = "9999-99-99 99:99:99.999999"
_STORED_TIME_LAYOUT: Final = "99:99:99.999999"


def _one_per_line(values: Sequence[Any], chars: re.Pattern[str]) -> bool:
    joined = "\n".join(values)
    return joined.count("\n") == len(values) - 1 and chars.fullmatch(joined) is not None


def _same(made: Iterable[Any], values: Sequence[Any]) -> bool:
    return all(map(eq, made, values))


def _wire_uuids(values: Sequence[Any]) -> bool:
    # uuid.UUID() drops hyphens wherever they are: 32 hex digits and 4 hyphens is the whole rule.
    return (
        _one_per_line(values, _WIRE_UUID_CHARS)
        and set(map(len, values)) == {36}
        and set(map(_count_hyphens, values)) == {4}
    )


def _stored_uuids(values: Sequence[Any]) -> bool:
    return _one_per_line(values, _HEX_CHARS) and set(map(len, values)) == {32}


def _wire_instants(values: Sequence[Any]) -> bool:
    if _laid_out(values, _WIRE_INSTANT_LAYOUT) or _laid_out(values, _WIRE_INSTANT_MICROS_LAYOUT):
        return _all_parse(datetime.fromisoformat, values)  # and a real date and time
    # Some with microseconds, some without: value by value, isoformat() must give each back.
    parsed = map(datetime.fromisoformat, values)
    return _same(map(datetime.isoformat, parsed), values) and all(
        map(str.endswith, values, repeat(_UTC_SUFFIX))
    )


def _all_parse(parse: Converter, values: Sequence[Any]) -> bool:
    deque(map(parse, values), maxlen=0)  # a ValueError means: the slow path, which refuses it
    return True


def _laid_out(values: Sequence[Any], layout: str) -> bool:
    """Every value has exactly `layout`'s shape: the layout's characters where it has them and a
    digit wherever it has "9". C-level passes over the joined column, none per value."""
    joined = "\n".join(values)
    count = len(values)
    width = len(layout)
    period = width + 1
    if len(joined) != period * count - 1 or joined[width::period].count("\n") != count - 1:
        return False
    for place, mark in enumerate(layout):
        if mark != "9" and joined[place::period].count(mark) != count:
            return False
    # Every other place now holds a digit exactly when the digits add up.
    digits = sum(map(joined.count, "0123456789"))
    return digits == sum(mark.isdigit() for mark in layout) * count


def _stored_instants(values: Sequence[Any]) -> bool:
    # Written by SQLAlchemy's SQLite DATETIME from real datetimes: the layout is the whole check.
    return _laid_out(values, _STORED_INSTANT_LAYOUT)


def _days(values: Sequence[Any]) -> bool:
    return _laid_out(values, _DAY_LAYOUT) and _all_parse(date.fromisoformat, values)


def _wire_times(values: Sequence[Any]) -> bool:
    if _laid_out(values, _TIME_LAYOUT) or _laid_out(values, _STORED_TIME_LAYOUT):
        return _all_parse(time.fromisoformat, values)
    return set(map(len, values)) <= {8, 15} and _same(
        map(time.isoformat, map(time.fromisoformat, values)), values
    )


def _stored_times(values: Sequence[Any]) -> bool:
    return _laid_out(values, _STORED_TIME_LAYOUT)


def _stored_days(values: Sequence[Any]) -> bool:
    return _laid_out(values, _DAY_LAYOUT)


def _unchanged(values: Sequence[Any]) -> list[Any]:
    return list(values)


def _strip_hyphens(values: Sequence[Any]) -> list[Any]:
    return [value.replace("-", "") for value in values]


def _add_hyphens(values: Sequence[Any]) -> list[Any]:
    return [f"{v[:8]}-{v[8:12]}-{v[12:16]}-{v[16:20]}-{v[20:]}" for v in values]


def _wire_instants_stored(values: Sequence[Any]) -> list[Any]:
    # "YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00" -> "YYYY-MM-DD HH:MM:SS.ffffff"
    return [f"{v[:10]} {v[11:26]}" if len(v) == 32 else f"{v[:10]} {v[11:19]}{_ZERO_MICROS}" for v in values]


def _stored_instants_wire(values: Sequence[Any]) -> list[Any]:
    # "YYYY-MM-DD HH:MM:SS.ffffff" -> isoformat() of the aware UTC instant (no zero microseconds)
    return [
        f"{v[:10]}T{v[11:19]}{_UTC_SUFFIX}" if v.endswith(_ZERO_MICROS) else f"{v[:10]}T{v[11:]}{_UTC_SUFFIX}"
        for v in values
    ]


def _wire_times_stored(values: Sequence[Any]) -> list[Any]:
    return [v if len(v) == 15 else v + _ZERO_MICROS for v in values]


def _stored_times_wire(values: Sequence[Any]) -> list[Any]:
    return [v[:8] if v.endswith(_ZERO_MICROS) else v for v in values]


def _enum_column(mapping: dict[Any, Any], slow: Converter) -> ColumnConverter:
    """A known enum value maps by a dict; an unknown one goes through the slow path (which refuses it)."""
    identity = all(type(key) is type(value) and key == value for key, value in mapping.items())
    known = frozenset(mapping)
    each = _each(slow)

    def column(values: Sequence[Any]) -> list[Any]:
        try:
            present = {value for value in values if value is not None}
        except TypeError:  # unhashable
            return each(values)
        if not present <= known:
            return each(values)
        if identity:
            return list(values)
        return [None if value is None else mapping[value] for value in values]

    return column


def _generic_to_stored(described: SyncedTable, name: str, dialect: Dialect) -> Converter | None:
    """The slow path's conversion of one column, wire value -> stored value: decode, then bind."""
    column = described.table.c[name]
    bind = column.type.dialect_impl(dialect).bind_processor(dialect)
    return _compose(described.decoders[name], bind)


def wire_to_stored(described: SyncedTable, name: str, dialect: Dialect) -> ColumnConverter | None:
    """One column's converter from wire values to the values the database stores."""
    converter = _wire_to_stored(described, name, dialect)
    # A bind processor sees None too: JSON stores it as the document 'null'.
    bind = described.table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
    stored_none = bind(None) if bind is not None else None
    if stored_none is None or converter is None:
        return converter
    convert = converter

    def column(values: Sequence[Any]) -> list[Any]:
        return [stored_none if value is None else value for value in convert(values)]

    return column


def _wire_to_stored(described: SyncedTable, name: str, dialect: Dialect) -> ColumnConverter | None:
    slow = _generic_to_stored(described, name, dialect)
    if slow is None:
        return None
    kind = described.table.c[name].type
    if isinstance(kind, JSON):
        return _json_documents(slow)
    if isinstance(kind, Boolean):
        return _enum_column({True: slow(True), False: slow(False)}, slow)
    if isinstance(kind, Money) and dialect.name == "sqlite":
        return _once_per_distinct(_money_stored(slow))
    if isinstance(kind, SAEnum) and kind.enum_class is not None:
        return _enum_column({member.value: slow(member.value) for member in kind.enum_class}, slow)
    if dialect.name != "sqlite":
        return _each(slow)
    if isinstance(kind, Uuid):
        return _fast_column(_wire_uuids, _strip_hyphens, slow)
    if isinstance(kind, UTCDateTime):
        return _fast_column(_wire_instants, _wire_instants_stored, slow)
    if isinstance(kind, Date):
        return _fast_column(_days, _unchanged, slow)
    if isinstance(kind, Time):
        return _fast_column(_wire_times, _wire_times_stored, slow)
    return _each(slow)


def _generic_to_wire(described: SyncedTable, name: str, dialect: Dialect, code: Any) -> Converter | None:
    """The slow path's conversion of one column, stored value -> wire value: result, then encode."""
    column = described.table.c[name]
    result = column.type.dialect_impl(dialect).result_processor(dialect, code)
    encoder = described.encoders[described.columns.index(name)]
    return _compose(result, encoder)


def stored_to_wire(
    described: SyncedTable, name: str, dialect: Dialect, code: Any = None
) -> ColumnConverter | None:
    """One column's converter from the values the driver returns (`code`: the driver's type code
    of the column) to wire values."""
    slow = _generic_to_wire(described, name, dialect, code)
    if slow is None:
        return None
    kind = described.table.c[name].type
    if isinstance(kind, SAEnum) and kind.enum_class is not None:
        bind = kind.dialect_impl(dialect).bind_processor(dialect)
        stored = {member: bind(member) if bind else member.value for member in kind.enum_class}
        return _enum_column({value: member.value for member, value in stored.items()}, slow)
    if dialect.name != "sqlite":
        return _each(slow)
    if isinstance(kind, Uuid):
        return _fast_column(_stored_uuids, _add_hyphens, slow)
    if isinstance(kind, UTCDateTime):
        return _fast_column(_stored_instants, _stored_instants_wire, slow)
    if isinstance(kind, Date):
        return _fast_column(_stored_days, _unchanged, slow)
    if isinstance(kind, Time):
        return _fast_column(_stored_times, _stored_times_wire, slow)
    if isinstance(kind, JSON):
        return _memo_each(slow)
    if isinstance(kind, Boolean):
        return _enum_column({stored: slow(stored) for stored in (0, 1)}, slow)
    if isinstance(kind, Money):
        return _once_per_distinct(_money_wire(slow))
    return _each(slow)


def _json_documents(serialize: Converter) -> ColumnConverter:
    """Empty lists and objects (most documents of a page) without a serialiser call each."""
    empty_list, empty_object = serialize([]), serialize({})

    def column(values: Sequence[Any]) -> list[Any]:
        return [
            None
            if value is None
            else empty_list
            if value == []
            else empty_object
            if value == {}
            else serialize(value)
            for value in values
        ]

    return column


def _money_stored(slow: Converter) -> ColumnConverter:
    """Decimal text -> 1/10,000ths as an integer (Money on SQLite), refusing what Money refuses."""
    each = _each(slow)

    def column(values: Sequence[Any]) -> list[Any]:
        try:
            scaled = [None if value is None else Decimal(value).scaleb(MONEY_SCALE) for value in values]
            if any(amount is not None and amount != amount.to_integral_value() for amount in scaled):
                return each(values)
            return [None if amount is None else int(amount) for amount in scaled]
        except (TypeError, ValueError, ArithmeticError):
            return each(values)

    return column


def _money_wire(slow: Converter) -> ColumnConverter:
    """1/10,000ths (SQLite's integers) -> the Decimal's text, as Money and the encoder give it."""
    each = _each(slow)

    def column(values: Sequence[Any]) -> list[Any]:
        if not {type(value) for value in values} <= {int, type(None)}:
            return each(values)
        return [None if value is None else str(Decimal(value).scaleb(-MONEY_SCALE)) for value in values]

    return column


def _memo_each(convert: Converter) -> ColumnConverter:
    """Per distinct stored text, once: most JSON documents of a page are the same few defaults.
    (Rows share the parsed object: pages are only serialised, never changed.)"""

    def column(values: Sequence[Any]) -> list[Any]:
        done: dict[Any, Any] = {}
        out: list[Any] = []
        for value in values:
            if value is None:
                out.append(None)
                continue
            try:
                found = done.get(value, _KEEP)
            except TypeError:  # a driver that parses JSON itself gives unhashable documents
                out.append(convert(value))
                continue
            if found is _KEEP:
                found = done[value] = convert(value)
            out.append(found)
        return out

    return column


@contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic collector off while a page's hundreds of thousands of short-lived values are
    made (they are freed by reference counting; collecting them cost a quarter of the time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# ---- device: pulled rows into the replica -------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    names: tuple[str, ...]  # the local columns
    positions: tuple[int, ...]  # for each of them, its place on the wire
    converters: tuple[ColumnConverter | None, ...]
    # Whether a None may be written as the literal NULL (JSON stores None as the document 'null').
    null_literal: tuple[bool, ...]
    id_position: int
    width: int


_PlanKey = tuple[str, tuple[str, ...], str, str]
_PLANS: dict[_PlanKey, _Plan | None] = {}
_STATEMENTS: dict[tuple[_PlanKey, tuple[int, ...]], tuple[str, tuple[int, ...]]] = {}


def _plan_key(described: SyncedTable, wire_columns: tuple[str, ...], dialect: Dialect) -> _PlanKey:
    return (described.name, wire_columns, dialect.name, dialect.driver)


def _plan(described: SyncedTable, wire_columns: tuple[str, ...], dialect: Dialect) -> _Plan | None:
    key = _plan_key(described, wire_columns, dialect)
    if key not in _PLANS:
        _PLANS[key] = _make_plan(described, wire_columns, dialect)
    return _PLANS[key]


def _make_plan(described: SyncedTable, wire_columns: tuple[str, ...], dialect: Dialect) -> _Plan | None:
    """How to upsert rows sent with these columns; None when the wire lacks a local column (an
    older sender: the slow path fills in the column's default as the ORM would)."""
    local = described.columns
    if not set(local) <= set(wire_columns):
        return None
    order = list(local)
    binds = [described.table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in order]
    return _Plan(
        names=tuple(order),
        positions=tuple(wire_columns.index(name) for name in order),
        converters=tuple(wire_to_stored(described, name, dialect) for name in order),
        null_literal=tuple(bind is None or bind(None) is None for bind in binds),
        id_position=wire_columns.index("id"),
        width=len(wire_columns),
    )


def _statement(
    described: SyncedTable, plan: _Plan, dialect: Dialect, nulls: tuple[int, ...]
) -> tuple[str, tuple[int, ...]]:
    """The upsert, with the literal NULL for the columns at `nulls` (None in every row of a page:
    the driver binds no value for them, where binding a None costs it an adapter lookup each),
    and the places in `plan.names` of its parameters, in order."""
    key = (_plan_key(described, plan.names, dialect), nulls)
    if key not in _STATEMENTS:
        statement = sqlite_insert(described.table).values({plan.names[at]: null() for at in nulls})
        statement = statement.on_conflict_do_update(
            index_elements=list(described.key),
            set_={name: statement.excluded[name] for name in plan.names if name not in described.key},
        )
        bound = [name for at, name in enumerate(plan.names) if at not in nulls]
        compiled = statement.compile(dialect=dialect, column_keys=bound)
        order = list(compiled.positiontup or [])
        if sorted(order) != sorted(bound):
            raise RuntimeError(f"{described.name}: the upsert does not bind every column")
        _STATEMENTS[key] = (compiled.string, tuple(plan.names.index(name) for name in order))
    return _STATEMENTS[key]


def _statement_and_params(
    described: SyncedTable, plan: _Plan, rows: Sequence[Sequence[Any]], dialect: Dialect
) -> tuple[str, list[tuple[Any, ...]]]:
    if any(len(row) != plan.width for row in rows):
        raise ValueError("a row's length differs from its columns")
    columns = list(zip(*rows, strict=True))
    count = len(rows)
    nulls: list[int] = []
    converted: dict[int, Sequence[Any]] = {}
    for at, (position, converter) in enumerate(zip(plan.positions, plan.converters, strict=True)):
        values = columns[position]
        if plan.null_literal[at] and values.count(None) == count:
            nulls.append(at)
        else:
            converted[at] = values if converter is None else converter(values)
    sql, order = _statement(described, plan, dialect, tuple(nulls))
    return sql, list(zip(*(converted[at] for at in order), strict=True))


def upsert_rows(
    connection: Connection, described: SyncedTable, table_rows: TableRows, keep: set[RowKey]
) -> int | None:
    """Upsert one table's rows of a page; the rows written, or None to take the careful path
    (the wire lacks a local column, or a row clashes on a unique value with another local row)."""
    plan = _plan(described, tuple(table_rows.columns), connection.dialect)
    if plan is None:
        return None
    rows: Sequence[Sequence[Any]] = table_rows.rows
    held = {row_id for name, row_id in keep if name == described.name}
    if held:
        rows = [row for row in rows if uuid.UUID(row[plan.id_position]) not in held]
    if not rows:
        return 0
    sql, params = _statement_and_params(described, plan, rows, connection.dialect)
    raw = connection.connection.driver_connection
    assert raw is not None
    integrity_error = getattr(raw, "IntegrityError", sqlite3.IntegrityError)
    cursor = raw.cursor()
    try:
        cursor.execute(f"SAVEPOINT {_SAVEPOINT}")
        try:
            cursor.executemany(sql, params)
        except integrity_error:
            cursor.execute(f"ROLLBACK TO {_SAVEPOINT}")
            return None
        finally:
            cursor.execute(f"RELEASE {_SAVEPOINT}")
    finally:
        cursor.close()
    return len(rows)


def defer_indexes(connection: Connection) -> int:
    """Drop the synced tables' plain indexes (unique ones stay: they are rules) and the triggers
    that keep a full-text index of a synced table, remembering how to build them again in the sync
    state of the same transaction; the number of indexes and triggers dropped."""
    names = [described.name for described in synced_tables()]
    marks = ",".join("?" for _ in names)
    found = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "  # noqa: S608 - placeholders only
        f"AND tbl_name IN ({marks}) ORDER BY name",
        tuple(names),
    ).all()
    plain = [(name, sql) for name, sql in found if not sql.lstrip().upper().startswith("CREATE UNIQUE")]
    search = search_triggers(connection, names)
    if not plain and not search:
        return 0
    rebuilds = [rebuild_sql(index) for index in sorted({trigger.index for trigger in search})]
    later = [sql for _, sql in plain] + rebuilds + [_if_not_exists(trigger.sql) for trigger in search]
    already = json.loads(state.get(connection, DEFERRED_INDEXES) or "[]")
    state.put(connection, DEFERRED_INDEXES, json.dumps(already + later))
    for name, _sql in plain:
        connection.exec_driver_sql(f'DROP INDEX "{name}"')
    for trigger in search:
        connection.exec_driver_sql(f'DROP TRIGGER "{trigger.name}"')
    return len(plain) + len(search)


def restore_indexes(connection: Connection) -> int:
    """Build what `defer_indexes` dropped, if anything; the number of statements run."""
    saved = state.get(connection, DEFERRED_INDEXES)
    if saved is None:
        return 0
    statements: list[str] = json.loads(saved)
    # SQLite may sort an index's keys in helper threads: the last page is in, the server is idle.
    connection.exec_driver_sql(f"PRAGMA threads = {_SORT_THREADS}")
    try:
        for sql in statements:
            connection.exec_driver_sql(_if_not_exists(sql))
    finally:
        connection.exec_driver_sql("PRAGMA threads = 0")
    state.delete(connection, DEFERRED_INDEXES)
    return len(statements)


def indexes_deferred(connection: Connection) -> bool:
    return state.get(connection, DEFERRED_INDEXES) is not None


def _if_not_exists(sql: str) -> str:
    stripped = sql.lstrip()
    for head in ("CREATE INDEX ", "CREATE TRIGGER "):
        upper = stripped.upper()
        if upper.startswith(head) and not upper.startswith(head + "IF NOT EXISTS"):
            return head + "IF NOT EXISTS " + stripped[len(head) :]
    return sql


# ---- server: stored rows onto the wire ----------------------------------------------------------

RawSelect = Select[*tuple[Any, ...]]


def raw_select(described: SyncedTable) -> RawSelect:
    """The table's columns as the driver returns them (no result processing)."""
    table = described.table
    columns: list[Any] = [type_coerce(table.c[name], NullType()).label(name) for name in described.columns]
    return select(*columns)


_WirePlan = tuple[tuple[int, ColumnConverter | None, Any], ...]
_WIRE_PLANS: dict[tuple[str, str, str, tuple[Any, ...]], _WirePlan] = {}


def fetch_raw(connection: Connection, statement: RawSelect) -> tuple[list[Any], tuple[Any, ...]]:
    """The rows of a `raw_select` and the driver's type code of each column (what SQLAlchemy hands
    a type's result processor: PostgreSQL's NUMERIC needs it)."""
    result = connection.execute(statement)
    cursor = result.cursor
    if cursor is None:
        return [], ()
    codes = tuple(column[1] for column in cursor.description or ())
    # The driver's tuples as they are: a Row object each was a seventh of a big pull's time.
    rows = list(cursor.fetchall())
    result.close()
    return rows, codes


def _wire_plan(described: SyncedTable, dialect: Dialect, codes: tuple[Any, ...]) -> _WirePlan:
    key = (described.name, dialect.name, dialect.driver, codes)
    if key not in _WIRE_PLANS:
        _WIRE_PLANS[key] = _make_wire_plan(described, dialect, codes)
    return _WIRE_PLANS[key]


def _make_wire_plan(described: SyncedTable, dialect: Dialect, codes: tuple[Any, ...]) -> _WirePlan:
    """Per column: its place, its converter, and (for a server-only column) the placeholder."""
    hidden = SERVER_ONLY_COLUMNS.get(described.name, {})
    plan: list[tuple[int, ColumnConverter | None, Any]] = []
    for index, name in enumerate(described.columns):
        if name in hidden:
            encoder = described.encoders[index]
            placeholder = hidden[name]
            plan.append(
                (index, None, placeholder if placeholder is None or encoder is None else encoder(placeholder))
            )
        else:
            code = codes[index] if index < len(codes) else None
            plan.append((index, stored_to_wire(described, name, dialect, code), _KEEP))
    return tuple(plan)


def encode_raw_rows(
    described: SyncedTable, rows: Sequence[Sequence[Any]], dialect: Dialect, codes: tuple[Any, ...] = ()
) -> TableRows:
    """Raw rows (from `fetch_raw`) as a front desk receives them."""
    if not rows:
        return TableRows.model_construct(table=described.name, columns=list(described.columns), rows=[])
    columns = list(zip(*rows, strict=True))
    out: list[Sequence[Any]] = []
    for index, converter, placeholder in _wire_plan(described, dialect, codes):
        if placeholder is not _KEEP:
            out.append((placeholder,) * len(rows))
            continue
        values = columns[index]
        out.append(values if converter is None else converter(values))
    return TableRows.model_construct(
        table=described.name,
        columns=list(described.columns),
        rows=[list(row) for row in zip(*out, strict=True)],
    )
