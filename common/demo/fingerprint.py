"""A hash of one clinic's data, to show that the demo generator is deterministic.

Every row of every clinic table, in key order, with every column except those that are random by
design: the clinic's id and barcode secret, the barcode values made with that secret (and the
patient search text that contains them), and password hashes (salted).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import Connection, Table, select

import common.models

RANDOM_BY_DESIGN: Final = {
    "clinics": frozenset({"id", "barcode_secret"}),
    "staff_users": frozenset({"password_hash"}),
    "barcode_mappings": frozenset({"barcode_value"}),
    "patients": frozenset({"barcode_id", "qr_code_data", "search_text"}),
    "inventory_items": frozenset({"barcode_value"}),
}


def dataset_fingerprint(connection: Connection, clinic_id: uuid.UUID) -> str:
    digest = hashlib.sha256()
    for table in common.models.metadata.sorted_tables:
        if table.name == "clinics":
            rows = _rows(connection, table, table.c.id == clinic_id)
        elif "clinic_id" in table.c:
            rows = _rows(connection, table, table.c.clinic_id == clinic_id)
        else:
            continue
        skipped = RANDOM_BY_DESIGN.get(table.name, frozenset()) | {"clinic_id"}
        names = [c.key for c in table.columns if c.key not in skipped]
        digest.update(f"{table.name}:{len(rows)}\n".encode())
        for row in rows:
            digest.update(json.dumps([_canonical(row[name]) for name in names]).encode())
    return digest.hexdigest()


def _rows(connection: Connection, table: Table, condition: Any) -> list[dict[str, Any]]:
    rows = [dict(row._mapping) for row in connection.execute(select(table).where(condition))]
    key = [c.key for c in table.primary_key.columns]
    rows.sort(key=lambda row: tuple(str(row[k]) for k in key))
    return rows


def _canonical(value: Any) -> Any:
    if isinstance(value, uuid.UUID | Decimal):
        return str(value.normalize() if isinstance(value, Decimal) else value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value
