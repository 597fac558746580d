"""Purging old tombstones: rows deleted long ago that every desk has already been told about.

Deleted rows stay as tombstones so that a pull can tell a device a row is gone. After the retention
window (`CLINIC_TOMBSTONE_RETENTION_DAYS`, 90 by default) a tombstone is removed for good, but only
once every active desk of the clinic has pulled past its change number (`sync_devices.pulled_seq`,
noted by each pull; active: enrolled, not withdrawn, pulled within the window). The clinic's
horizon (`sync_purge_horizons.purged_seq`) remembers the highest change number removed: a desk
whose position is older (one that was away longer than the window, or restored from an old
backup) is told by its next pull to sync again from the start.

A tombstone another row still refers to (a merged duplicate its merge record names, a removed item
an old movement points at) is kept: the purge never breaks a reference. Tables are taken children
first, so a tombstone whose only referrers are purged in the same round goes in a later one.

It deletes rows, which the app's database role may not do (rows are tombstoned, never deleted):
it runs on the admin connection, as the scheduled job `tombstone-purge` (sync_server/jobs.py).
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Final

from sqlalchemy import ColumnElement, Connection, Table, and_, delete, exists, not_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from common.clinics.models import ClinicSequence
from common.sync.models import DeviceKind, SyncDevice, SyncPurgeHorizon
from common.sync.tables import CLINICS, synced_tables
from sync_server.config import ConfigurationError

log = logging.getLogger(__name__)

RETENTION_VARIABLE: Final = "CLINIC_TOMBSTONE_RETENTION_DAYS"
DEFAULT_RETENTION: Final = timedelta(days=90)


@dataclass(frozen=True)
class PurgeResult:
    clinic_id: uuid.UUID
    cutoff_seq: int  # tombstones at or below this change number could go
    horizon: int  # the clinic's purge horizon afterwards
    rows: int = 0
    by_table: Mapping[str, int] = field(default_factory=dict)


def tombstone_retention(env: Mapping[str, str] | None = None) -> timedelta:
    raw = (os.environ if env is None else env).get(RETENTION_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_RETENTION
    try:
        days = int(raw)
    except ValueError:
        raise ConfigurationError(
            f"{RETENTION_VARIABLE} must be a whole number of days, not {raw!r}"
        ) from None
    if days <= 0:
        raise ConfigurationError(f"{RETENTION_VARIABLE} must be greater than zero")
    return timedelta(days=days)


def purge_tombstones(
    connection: Connection, clinic_id: uuid.UUID, now: datetime, retention: timedelta
) -> PurgeResult:
    """Remove the clinic's tombstones older than `retention` that every active desk has pulled
    past, in the connection's current transaction (the caller commits)."""
    cutoff = _cutoff(connection, clinic_id, now - retention)
    deleted_before = now - retention
    by_table: dict[str, int] = {}
    highest = 0
    for table in _purgeable_tables():
        purged = connection.execute(
            delete(table)
            .where(
                table.c.clinic_id == clinic_id,
                table.c.deleted_at.is_not(None),
                table.c.deleted_at < deleted_before,
                table.c.seq <= cutoff,
                *_unreferenced(table),
            )
            .returning(table.c.seq)
        ).scalars()
        seqs = list(purged)
        if seqs:
            by_table[table.name] = len(seqs)
            highest = max(highest, *seqs)
    horizon = _raise_horizon(connection, clinic_id, highest, now, sum(by_table.values()))
    if by_table:
        log.info(
            "purged %d tombstones of clinic %s through change %d", sum(by_table.values()), clinic_id, horizon
        )
    return PurgeResult(clinic_id, cutoff, horizon, sum(by_table.values()), by_table)


def _cutoff(connection: Connection, clinic_id: uuid.UUID, active_since: datetime) -> int:
    """The lowest position of the clinic's active desks (or the committed counter, when none).

    The devices' rows are locked, so a pull noting its position at this moment waits for this
    purge (and then sees the new horizon) or is seen by it."""
    devices = connection.execute(
        select(SyncDevice.kind, SyncDevice.revoked_at, SyncDevice.pulled_seq, SyncDevice.pulled_at)
        .where(SyncDevice.clinic_id == clinic_id)
        .order_by(SyncDevice.id)
        .with_for_update()
    ).all()
    positions = [
        int(device.pulled_seq)
        for device in devices
        if device.kind is DeviceKind.FRONT_DESK
        and device.revoked_at is None
        and device.pulled_seq is not None
        and device.pulled_at is not None
        and device.pulled_at >= active_since
    ]
    if positions:
        return min(positions)
    high = connection.scalar(select(ClinicSequence.change_seq).where(ClinicSequence.clinic_id == clinic_id))
    return int(high or 0)


def _raise_horizon(
    connection: Connection, clinic_id: uuid.UUID, highest: int, now: datetime, rows: int
) -> int:
    current = connection.scalar(
        select(SyncPurgeHorizon.purged_seq).where(SyncPurgeHorizon.clinic_id == clinic_id)
    )
    if rows == 0:
        return int(current or 0)
    horizon = max(int(current or 0), highest)
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = insert(SyncPurgeHorizon).values(
        clinic_id=clinic_id, purged_seq=horizon, purged_at=now, rows_purged=rows
    )
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["clinic_id"],
            set_={
                "purged_seq": horizon,
                "purged_at": now,
                "rows_purged": SyncPurgeHorizon.rows_purged + rows,
            },
        )
    )
    return horizon


@cache
def _purgeable_tables() -> tuple[Table, ...]:
    """Synced tables with tombstones, children before the tables they refer to."""
    import common.models

    synced = {described.name for described in synced_tables()} - {CLINICS}
    ordered = reversed(common.models.metadata.sorted_tables)
    return tuple(t for t in ordered if t.name in synced and "deleted_at" in t.c)


def _unreferenced(table: Table) -> list[ColumnElement[bool]]:
    """No row of any table refers to the tombstone through a foreign key."""
    import common.models

    conditions: list[ColumnElement[bool]] = []
    for child in common.models.metadata.tables.values():
        for constraint in child.foreign_key_constraints:
            if constraint.referred_table is not table:
                continue
            referrer = child.alias() if child is table else child
            pairs = [
                referrer.c[element.parent.name] == table.c[element.column.name]
                for element in constraint.elements
            ]
            conditions.append(not_(exists().where(and_(*pairs))))
    return conditions
