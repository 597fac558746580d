"""The audit log: append-only and hash-chained (SECURITY.md rows 16-17)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from common.storage.base import Base, ClinicRow, enum_column


class ActorType(StrEnum):
    PATIENT = "Patient"
    STAFF = "Staff"
    DEVICE = "Device"
    SYSTEM = "System"


class AuditOutcome(StrEnum):
    SUCCESS = "success"
    DENIED = "denied"
    FAILED = "failed"


class AuditLog(ClinicRow, Base):
    """Who did what to which record, when, from where, and how it ended. Ids only, never values.

    Each writer (a device, or the server) keeps its own chain: `chain_seq` counts up without gaps
    and `row_hash` covers the row and the previous row's hash, so an edited, deleted or inserted
    row breaks the chain at its number.
    """

    __tablename__ = "audit_logs"
    __table_args__ = (
        UniqueConstraint("clinic_id", "chain_id", "chain_seq"),
        Index(None, "clinic_id", "patient_id", "occurred_at"),
        Index(None, "clinic_id", "entity_type", "entity_id"),
        Index(None, "clinic_id", "occurred_at"),
    )

    chain_id: Mapped[str] = mapped_column(String(64))
    chain_seq: Mapped[int] = mapped_column(BigInteger)
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime]
    actor_type: Mapped[ActorType] = mapped_column(enum_column(ActorType, "actor_type"))
    actor_id: Mapped[uuid.UUID | None]
    device_id: Mapped[uuid.UUID | None]
    action: Mapped[str] = mapped_column(String(100))
    entity_type: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[uuid.UUID | None]
    patient_id: Mapped[uuid.UUID | None]
    outcome: Mapped[AuditOutcome] = mapped_column(enum_column(AuditOutcome, "outcome"))
    changed_fields: Mapped[list[str]] = mapped_column(default=list)  # names, never values
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))


class AuditChainHead(Base):
    """The last link of one writer's chain; updating it serialises that writer's appends."""

    __tablename__ = "audit_chain_heads"

    clinic_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinics.id"), primary_key=True)
    chain_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
