"""Fast bulk inserts for generated data: many rows, few Python calls per value.

SQLAlchemy's executemany builds a parameter dict per row and runs each value through its type's
bind processor; here the processors are looked up once per column and the rows go to the driver's
executemany as plain parameters. The column types still do the converting (UUIDs, UTC instants,
money, JSON), so what is stored is what the ORM would have stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final

from sqlalchemy import Column, Connection, Table

from common.storage.search_index import PATIENT_SEARCH, rebuild, search_triggers

BATCH: Final = 5_000
SEARCH_SOURCE: Final = "patients"  # the table of the patient search index

_Processor = Callable[[Any], Any] | None


def bulk_insert(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (dicts keyed by column) in batches, in the connection's transaction.

    Columns missing from the rows get their Python-side default (computed per row), else the
    server default, else NULL.
    """
    if not rows:
        return
    given = set(rows[0])
    unknown = given - set(table.columns.keys())
    if unknown:
        raise ValueError(f"{table.name} has no columns {sorted(unknown)}")
    dialect = connection.dialect
    columns = [c for c in table.columns if c.key in given or c.default is not None]
    defaults = [(c.key, _default_factory(c)) for c in columns if c.key not in given]
    compiled = table.insert().compile(dialect=dialect, column_keys=[c.key for c in columns])
    names = list(compiled.positiontup or []) if compiled.positional else [c.key for c in columns]
    processors: list[tuple[str, _Processor]] = [
        (name, table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in names
    ]
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        for key, factory in defaults:
            for row in batch:
                row[key] = factory()
        # Column by column: one processor lookup per column, and None (common) skips the call.
        columns_values = []
        for name, processor in processors:
            values = [row[name] for row in batch]
            if processor is not None:
                values = [None if value is None else processor(value) for value in values]
            columns_values.append(values)
        rows_values = zip(*columns_values, strict=True)
        params: list[Any] = (
            list(rows_values)
            if compiled.positional
            else [dict(zip(names, values, strict=True)) for values in rows_values]
        )
        connection.exec_driver_sql(compiled.string, params)


def _default_factory(column: Column[Any]) -> Callable[[], Any]:
    default: Any = column.default
    if default is None or not (default.is_scalar or default.is_callable):
        raise ValueError(f"{column.table.name}.{column.key}: only scalar or callable defaults are supported")
    if default.is_callable:
        return lambda: default.arg(None)
    return lambda: default.arg


@contextmanager
def deferred_patient_search_index(connection: Connection, new_rows: int) -> Iterator[None]:
    """On SQLite, fill the patient search index once after a bulk insert instead of row by row.

    A trigger indexes each inserted patient; for tens of thousands of rows a single rebuild is
    about ten times faster. The index's triggers are dropped and recreated from their own stored
    SQL, inside the caller's transaction, so a failure rolls both back. Skipped when the table
    already holds many more patients than are being added (the rebuild reads them all).
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    existing = connection.exec_driver_sql(f"SELECT count(*) FROM {SEARCH_SOURCE}").scalar_one()  # noqa: S608 - constant names
    triggers = [t for t in search_triggers(connection, {SEARCH_SOURCE}) if t.index == PATIENT_SEARCH]
    if not triggers or new_rows < 4 * existing:
        yield
        return
    for trigger in triggers:
        connection.exec_driver_sql(f'DROP TRIGGER "{trigger.name}"')
    yield
    for trigger in triggers:
        connection.exec_driver_sql(trigger.sql)
    rebuild(connection, PATIENT_SEARCH)
