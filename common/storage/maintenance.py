"""Upkeep of a SQLite replica."""

from __future__ import annotations

from sqlalchemy import Engine

from common.storage.search_index import PATIENT_SEARCH, rebuild


def vacuum(engine: Engine) -> None:
    """Compact the file, then rebuild the patient search index.

    VACUUM may renumber the rowids of tables without an INTEGER PRIMARY KEY, and the FTS5 index
    over patients is keyed by rowid: rebuilding it is part of every VACUUM, never optional.
    """
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM")
    with engine.begin() as connection:
        rebuild(connection, PATIENT_SEARCH)
