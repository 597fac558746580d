"""Barcode values mapped to what they identify, and every scan of them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from common.storage.base import Base, ClinicRecord, ClinicRow, clinic_fk, enum_column


class BarcodeEntityType(StrEnum):
    PATIENT = "Patient"
    TREATMENT = "Treatment"
    INVENTORY = "Inventory"
    MEDICINE = "Medicine"


class BarcodePurpose(StrEnum):
    IDENTIFICATION = "Identification"
    TREATMENT_TRACKING = "Treatment Tracking"
    INVENTORY_CONTROL = "Inventory Control"
    MEDICATION = "Medication"


class BarcodeMapping(ClinicRecord, Base):
    __tablename__ = "barcode_mappings"
    __table_args__ = (
        UniqueConstraint("clinic_id", "barcode_value"),
        Index(None, "clinic_id", "entity_type", "entity_id"),
        clinic_fk("generated_by", "staff_users"),
        clinic_fk("last_scanned_by", "staff_users"),
    )

    barcode_value: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[BarcodeEntityType] = mapped_column(enum_column(BarcodeEntityType, "entity_type"))
    entity_id: Mapped[uuid.UUID]
    purpose: Mapped[BarcodePurpose] = mapped_column(enum_column(BarcodePurpose, "purpose"))
    generated_at: Mapped[datetime]
    generated_by: Mapped[uuid.UUID | None]
    last_scanned_at: Mapped[datetime | None]
    last_scanned_by: Mapped[uuid.UUID | None]
    scan_count: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    expiry_date: Mapped[date | None]
    deactivated_reason: Mapped[str | None]


class ScanOutcome(StrEnum):
    RESOLVED = "resolved"
    MISTYPED = "mistyped"
    FOREIGN_CLINIC = "foreign_clinic"
    FORGED = "forged"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    DEACTIVATED = "deactivated"


class BarcodeScanEvent(ClinicRow, Base):
    """One scan, kept whatever its outcome (insert-only). Holds no personal data."""

    __tablename__ = "barcode_scan_events"
    __table_args__ = (
        Index(None, "clinic_id", "barcode_id", "scanned_at"),
        Index(None, "clinic_id", "scanned_at"),
        Index(None, "clinic_id", "entity_type", "entity_id", "scanned_at"),
        clinic_fk("barcode_id", "barcode_mappings"),
        clinic_fk("scanned_by", "staff_users"),
    )

    barcode_id: Mapped[uuid.UUID | None]
    # What the scan resolved to (also for a manufacturer's barcode, which has no mapping).
    entity_type: Mapped[BarcodeEntityType | None] = mapped_column(
        enum_column(BarcodeEntityType, "entity_type")
    )
    entity_id: Mapped[uuid.UUID | None]
    outcome: Mapped[ScanOutcome] = mapped_column(enum_column(ScanOutcome, "outcome"))
    scanner_type: Mapped[str | None] = mapped_column(String(50))
    location: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str | None] = mapped_column(String(50))
    scanned_at: Mapped[datetime]
    scanned_by: Mapped[uuid.UUID | None]
    device_id: Mapped[uuid.UUID | None]
