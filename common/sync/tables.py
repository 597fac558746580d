"""Which tables travel, in what order, and how their values cross the wire.

Every clinic row with a change number (`seq`) syncs, except the audit log (each writer keeps its
own chain) and the sync's server-only bookkeeping; the clinic's own row travels too. A new
feature's table therefore syncs to front desks without being listed here; what a kiosk gets is
an explicit allow-list (`kiosk_scope.py`).

Wire values are JSON-safe: UUIDs as strings, instants as ISO 8601 in UTC, dates and times as ISO,
money as a decimal string, bytes as base64, enums as their stored value, JSON documents as is.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache
from typing import Any, Final

from sqlalchemy import JSON, Column, Date, Index, LargeBinary, MetaData, Table, Time, Uuid
from sqlalchemy import Enum as SAEnum

from common.storage.types import Money, UTCDateTime

CLINICS: Final = "clinics"
# Tables that never leave the server or the device that wrote them.
NOT_SYNCED: Final = frozenset(
    {"audit_logs", "sync_devices", "sync_enrollment_codes", "sync_applied_mutations"}
)
# Columns no device receives (replaced by a placeholder): secrets that stay on the server.
SERVER_ONLY_COLUMNS: Final[dict[str, dict[str, Any]]] = {
    "staff_users": {"totp_secret": None, "totp_last_used_step": None},
}
# Columns a device writes for itself (local sign-in bookkeeping), left out of replica checksums.
DEVICE_LOCAL_COLUMNS: Final[dict[str, frozenset[str]]] = {
    "staff_users": frozenset(
        {"last_login", "failed_login_count", "locked_until", "version", "seq", "updated_at", "password_hash"}
    ),
}

Encoder = Callable[[Any], Any]


@dataclass(frozen=True)
class SyncedTable:
    table: Table
    name: str
    key: tuple[str, ...]  # ("clinic_id", "id"), or ("id",) for the clinics table
    columns: tuple[str, ...]
    encoders: tuple[Encoder | None, ...]
    decoders: dict[str, Encoder | None]

    @property
    def clinic_column(self) -> Column[Any]:
        return self.table.c.id if self.name == CLINICS else self.table.c.clinic_id

    def encode_row(self, row: Sequence[Any]) -> list[Any]:
        return [
            value if encoder is None or value is None else encoder(value)
            for value, encoder in zip(row, self.encoders, strict=True)
        ]

    def decode_row(self, columns: Sequence[str], row: Sequence[Any]) -> dict[str, Any]:
        decoded: dict[str, Any] = {}
        for name, value in zip(columns, row, strict=True):
            if name not in self.decoders:
                continue  # a column of a newer schema: the device's schema does not have it yet
            decoder = self.decoders[name]
            decoded[name] = value if decoder is None or value is None else decoder(value)
        return decoded


def index_change_order(metadata: MetaData) -> None:
    """Give every synced table an index on (clinic_id, seq, id): pulls read "since seq N" by it."""
    for table in metadata.tables.values():
        if not _is_synced(table) or table.name == CLINICS:
            continue
        wanted = ("clinic_id", "seq", "id")
        if not any(tuple(c.name for c in index.columns) == wanted for index in table.indexes):
            Index(None, table.c.clinic_id, table.c.seq, table.c.id)


@cache
def synced_tables() -> tuple[SyncedTable, ...]:
    """All synced tables, ordered by name (the order of rows inside one change number)."""
    import common.models

    tables = [t for t in common.models.metadata.tables.values() if _is_synced(t)]
    return tuple(_describe(table) for table in sorted(tables, key=lambda t: t.name))


@cache
def synced_table(name: str) -> SyncedTable:
    for described in synced_tables():
        if described.name == name:
            return described
    raise KeyError(name)


def is_synced_name(name: str) -> bool:
    return any(described.name == name for described in synced_tables())


def _is_synced(table: Table) -> bool:
    if table.name in NOT_SYNCED or "seq" not in table.c:
        return False
    return table.name == CLINICS or "clinic_id" in table.c


def _describe(table: Table) -> SyncedTable:
    columns = tuple(c.name for c in table.columns)
    key = ("id",) if table.name == CLINICS else ("clinic_id", "id")
    return SyncedTable(
        table=table,
        name=table.name,
        key=key,
        columns=columns,
        encoders=tuple(_encoder(table.c[name]) for name in columns),
        decoders={name: _decoder(table.c[name]) for name in columns},
    )


def _encoder(column: Column[Any]) -> Encoder | None:
    kind = column.type
    if isinstance(kind, Uuid):
        return str
    if isinstance(kind, UTCDateTime | Date | Time):
        return _isoformat
    if isinstance(kind, Money):
        return str
    if isinstance(kind, LargeBinary):
        return _b64
    if isinstance(kind, SAEnum):
        return _enum_value
    return None


def _decoder(column: Column[Any]) -> Encoder | None:
    kind = column.type
    if isinstance(kind, Uuid):
        return uuid.UUID
    if isinstance(kind, UTCDateTime):
        return datetime.fromisoformat
    if isinstance(kind, Date):
        return date.fromisoformat
    if isinstance(kind, Time):
        return time.fromisoformat
    if isinstance(kind, Money):
        return Decimal
    if isinstance(kind, LargeBinary):
        return base64.b64decode
    if isinstance(kind, SAEnum) and kind.enum_class is not None:
        return kind.enum_class
    if isinstance(kind, JSON):
        return None
    return None


def _isoformat(value: Any) -> str:
    return str(value.isoformat())


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _enum_value(value: Any) -> Any:
    return getattr(value, "value", value)


def table_names(tables: Iterable[SyncedTable]) -> list[str]:
    return [t.name for t in tables]
