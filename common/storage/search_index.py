"""SQLite's full-text indexes over a table's rows (FTS5 with external content, migration 0002),
kept in step by triggers on that table.

Row by row, the triggers make an insert about three times as slow; a bulk load drops them and
refills the index once with FTS5's 'rebuild' command, which reads the whole table.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Final

from sqlalchemy import Connection

PATIENT_SEARCH: Final = "patient_search"  # over patients.search_text

_CONTENT = re.compile(r"USING\s+fts5\s*\(.*\bcontent\s*=\s*'(\w+)'", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class SearchTrigger:
    index: str  # the FTS5 table it keeps
    name: str
    sql: str  # as sqlite_master holds it, to create it again


def search_triggers(connection: Connection, tables: Collection[str]) -> list[SearchTrigger]:
    """The triggers keeping an external-content FTS5 index of any of `tables`, by index and name."""
    indexes = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql LIKE '%USING fts5%' ORDER BY name"
    ).all()
    found: list[SearchTrigger] = []
    for index, sql in indexes:
        content = _CONTENT.search(sql)
        if content is None or content.group(1) not in tables:
            continue
        triggers = connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? AND sql LIKE ? "
            "ORDER BY name",
            (content.group(1), f"%{index}%"),
        ).all()
        found.extend(SearchTrigger(index, name, trigger_sql) for name, trigger_sql in triggers)
    return found


def rebuild_sql(index: str) -> str:
    """The statement that refills `index` from its table (`index` comes from sqlite_master or a
    constant, never from input)."""
    return f"INSERT INTO {index}({index}) VALUES ('rebuild')"  # noqa: S608


def rebuild(connection: Connection, index: str) -> None:
    connection.exec_driver_sql(rebuild_sql(index))
