"""The sync's own tables, in the one Alembic chain shared by the server and the device replica.

Device only (no clinic_id; unused on the server):
- `sync_outbox`: the device's mutations, numbered gaplessly, written in the transaction of the
  local change they describe;
- `sync_state`: key/value (device id, clinic, server URL, cursor, last sync, clock offset).

Server only (not synced; plain tables keyed by clinic so row-level security covers them):
- `sync_devices`: enrolled devices, their hashed credential and the last mutation number applied;
- `sync_enrollment_codes`: one-time enrollment codes, hashed;
- `sync_applied_mutations`: the answer given to each applied mutation (for duplicates);
- `sync_purge_horizons`: how far each clinic's tombstones were purged;
- `sync_audit_chains`: which device writes each uploaded audit chain.

Synced to front desks (clinic records, so they travel like any other row):
- `sync_conflicts`: the conflict inbox (a scarce thing another device took first);
- `merge_reviews`: values overwritten by a later edit of the same field, kept for staff.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from common.storage.base import Base, ClinicRecord, enum_column


class OutboxStatus(StrEnum):
    PENDING = "pending"
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"
    REJECTED = "rejected"


class DeviceKind(StrEnum):
    FRONT_DESK = "front-desk"
    KIOSK = "kiosk"


class ConflictKind(StrEnum):
    SLOT = "slot"
    PERIOD_FULL = "period_full"
    BARCODE = "barcode"
    LICENSE_SEAT = "license_seat"
    UNIQUE_VALUE = "unique_value"


class ConflictStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


class ReviewStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"


# ---- device only -------------------------------------------------------------------------------


class SyncOutbox(Base):
    __tablename__ = "sync_outbox"
    __table_args__ = (Index(None, "status", "n"),)

    # Gapless: max + 1, taken inside the IMMEDIATE write transaction of the local change.
    n: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    intent: Mapped[str] = mapped_column(String(64))
    args: Mapped[dict[str, Any]]
    actor_staff_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime]
    status: Mapped[OutboxStatus] = mapped_column(
        enum_column(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING
    )
    # The rows the local change wrote: [[table, id], ...]; a pull leaves them alone while pending.
    touched: Mapped[list[Any]] = mapped_column(default=list)
    answer: Mapped[dict[str, Any] | None]
    answered_at: Mapped[datetime | None]


class SyncState(Base):
    __tablename__ = "sync_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# ---- server only -------------------------------------------------------------------------------


class SyncDevice(Base):
    __tablename__ = "sync_devices"

    clinic_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinics.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[DeviceKind] = mapped_column(enum_column(DeviceKind, "device_kind"))
    credential_hash: Mapped[str] = mapped_column(String(64))
    last_applied_n: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    # Where the device's pulls stand (the change number its last pull started after; -1: from the
    # start) and when it last pulled: tombstones are purged only once every active desk is past.
    pulled_seq: Mapped[int | None] = mapped_column(BigInteger)
    pulled_at: Mapped[datetime | None]
    # The clinic's purge horizon when this device last began a pull from the start: a later purge
    # past its cursor means it must start again.
    resync_baseline: Mapped[int] = mapped_column(BigInteger, default=0)


class SyncPurgeHorizon(Base):
    """How far a clinic's tombstones have been purged: the highest change number removed."""

    __tablename__ = "sync_purge_horizons"

    clinic_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinics.id"), primary_key=True)
    purged_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    purged_at: Mapped[datetime]
    rows_purged: Mapped[int] = mapped_column(BigInteger, default=0)


class SyncAuditChain(Base):
    """An audit chain a device uploads: the device that first uploaded it is the only one that may
    continue it (a chain id is the writer's own)."""

    __tablename__ = "sync_audit_chains"

    clinic_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinics.id"), primary_key=True)
    chain_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    device_id: Mapped[uuid.UUID]
    first_uploaded_at: Mapped[datetime]
    last_uploaded_at: Mapped[datetime]


class SyncEnrollmentCode(Base):
    __tablename__ = "sync_enrollment_codes"
    __table_args__ = (UniqueConstraint("clinic_id", "code_hash"),)

    clinic_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinics.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[DeviceKind] = mapped_column(enum_column(DeviceKind, "enrollment_kind"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    device_id: Mapped[uuid.UUID | None]


class SyncAppliedMutation(Base):
    """What each applied mutation was answered, so a repeat gets the same outcome.

    Holds a hash of the mutation, never its arguments (they may hold a patient's details)."""

    __tablename__ = "sync_applied_mutations"

    clinic_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinics.id"), primary_key=True)
    device_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    intent: Mapped[str] = mapped_column(String(64))
    mutation_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[OutboxStatus] = mapped_column(enum_column(OutboxStatus, "applied_status"))
    code: Mapped[str | None] = mapped_column(String(64))
    conflict_id: Mapped[uuid.UUID | None]
    touched: Mapped[list[Any]] = mapped_column(default=list)
    applied_at: Mapped[datetime]


# ---- synced records ----------------------------------------------------------------------------


class SyncConflict(ClinicRecord, Base):
    """A mutation that lost a scarce thing (a doctor's time, a period's capacity, a barcode value,
    a license seat): kept whole for staff to resolve, never silently moved or dropped."""

    __tablename__ = "sync_conflicts"
    __table_args__ = (Index(None, "clinic_id", "status"),)

    kind: Mapped[ConflictKind] = mapped_column(enum_column(ConflictKind, "conflict_kind"))
    status: Mapped[ConflictStatus] = mapped_column(
        enum_column(ConflictStatus, "conflict_status"), default=ConflictStatus.OPEN
    )
    code: Mapped[str] = mapped_column(String(64))  # the refusal's code, for the translated message
    intent: Mapped[str] = mapped_column(String(64))
    args: Mapped[dict[str, Any]]
    device_id: Mapped[uuid.UUID | None]
    mutation_n: Mapped[int | None] = mapped_column(BigInteger)
    staff_id: Mapped[uuid.UUID | None]  # who made the losing change
    patient_id: Mapped[uuid.UUID | None]  # the loser's patient
    other_patient_id: Mapped[uuid.UUID | None]  # the winner's patient, when there is one
    other_entity_id: Mapped[uuid.UUID | None]  # the winner's row (an appointment)
    entity_id: Mapped[uuid.UUID | None]  # the row the losing change was about
    alternatives: Mapped[list[Any]] = mapped_column(default=list)
    occurred_at: Mapped[datetime]
    resolved_by: Mapped[uuid.UUID | None]
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[dict[str, Any]] = mapped_column(default=dict)


class MergeReview(ClinicRecord, Base):
    """A field value overwritten by a later edit made from an older version of the record."""

    __tablename__ = "merge_reviews"
    __table_args__ = (Index(None, "clinic_id", "status"), Index(None, "clinic_id", "entity_id"))

    entity_type: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[uuid.UUID]
    patient_id: Mapped[uuid.UUID | None]
    field: Mapped[str] = mapped_column(String(64))
    overwritten_value: Mapped[dict[str, Any]]  # {"value": ...}
    new_value: Mapped[dict[str, Any]]  # {"value": ...}
    base_version: Mapped[int | None]
    device_id: Mapped[uuid.UUID | None]
    mutation_n: Mapped[int | None] = mapped_column(BigInteger)
    staff_id: Mapped[uuid.UUID | None]
    status: Mapped[ReviewStatus] = mapped_column(
        enum_column(ReviewStatus, "review_status"), default=ReviewStatus.OPEN
    )
    reviewed_by: Mapped[uuid.UUID | None]
    reviewed_at: Mapped[datetime | None]
