"""Engines for the two databases the product runs on.

SQLite (the device replica, and the server's embedded default) is opened the same way everywhere:
WAL with synchronous=FULL (an acknowledged commit survives power loss), foreign keys on, a busy
timeout, `quick_check` at start, and write transactions that begin IMMEDIATE so that a
check-then-write (is the slot free? book it) holds the write lock from the check on.

The replica's file can later be opened through SQLCipher by passing another DB-API module as
`sqlite_module`: nothing else here changes.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError


class DatabaseDamaged(RuntimeError):
    """The replica failed its integrity check at start; restore from backup or resync."""


def sqlite_url(path: Path | str) -> str:
    return f"sqlite+pysqlite:///{Path(path)}"


def create_database_engine(
    url: str,
    *,
    echo: bool = False,
    sqlite_module: ModuleType | None = None,
    check_integrity: bool = True,
    pool_size: int = 5,
) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, echo=echo, sqlite_module=sqlite_module, check_integrity=check_integrity)
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, echo=echo, pool_size=pool_size, pool_pre_ping=True, hide_parameters=True)
    raise ValueError("DATABASE_URL must be a sqlite or postgresql URL")


def _sqlite_engine(
    url: str, *, echo: bool, sqlite_module: ModuleType | None, check_integrity: bool
) -> Engine:
    connect_args: dict[str, Any] = {"check_same_thread": False, "timeout": 30}
    kwargs: dict[str, Any] = {}
    if sqlite_module is not None:
        kwargs["module"] = sqlite_module
    in_memory = make_url(url).database in (None, "", ":memory:")
    engine = create_engine(
        url,
        echo=echo,
        # Statement parameters hold patients' details: keep them out of errors and logs.
        hide_parameters=True,
        connect_args=connect_args,
        # Pooled: reopening per operation would cost a WAL checkpoint each time the last one closes.
        pool_size=5,
        **kwargs,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Take transaction control from the driver, so BEGIN is ours (see "begin" below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return
        connection.exec_driver_sql(f"BEGIN {options.get('sqlite_begin', 'IMMEDIATE')}")

    if check_integrity and not in_memory:
        quick_check(engine)
    return engine


def quick_check(engine: Engine) -> None:
    try:
        with engine.connect() as connection:
            result = connection.exec_driver_sql("PRAGMA quick_check").scalar()
            connection.rollback()
    except DBAPIError as error:
        raise DatabaseDamaged(str(error.orig)) from error
    if result != "ok":
        raise DatabaseDamaged(str(result))


def read_only(engine: Engine) -> Engine:
    """The same engine, beginning DEFERRED transactions: for readers that must not take the write lock."""
    return engine.execution_options(sqlite_begin="DEFERRED")
