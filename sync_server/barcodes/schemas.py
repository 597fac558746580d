"""Barcodes: issued codes, lookups and scans. Codes carry no personal data (DESIGN.md)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from common.barcodes.models import BarcodeEntityType, BarcodePurpose, ScanOutcome
from common.barcodes.scanning import ScanAction
from sync_server.fields import Day, Text50, Text100, Text255


class BarcodeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    barcode_value: str
    entity_type: BarcodeEntityType
    entity_id: uuid.UUID
    purpose: BarcodePurpose
    is_active: bool
    expiry_date: date | None
    generated_at: datetime
    scan_count: int


class BarcodeInfoOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    value: str
    display_value: str
    entity_type: BarcodeEntityType
    entity_id: uuid.UUID
    barcode_id: uuid.UUID | None
    purpose: BarcodePurpose | None
    is_active: bool
    expiry_date: date | None
    is_expired: bool
    deactivated_reason: str | None
    generated_at: datetime | None
    scan_count: int
    last_scanned_at: datetime | None
    manufacturer_code: bool


class ScanRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    barcode_value: Text100
    scanner_type: Literal["Patient Check-in", "Treatment Verification", "Inventory Control"] | None = None
    location: Text100 | None = None


class ScanOut(BaseModel):
    """The seed's scan answer (`entity_type`, `entity_data`, `action_required`) and the scan's ids."""

    scan_id: uuid.UUID
    outcome: ScanOutcome
    entity_type: BarcodeEntityType | None
    entity_id: uuid.UUID | None
    entity_data: dict[str, Any]
    action_required: ScanAction | None
    appointment_id: uuid.UUID | None
    manufacturer_code: bool


class GenerateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entity_type: BarcodeEntityType
    entity_id: uuid.UUID
    expiry_date: Day | None = None


class RegenerateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Text255 | None = None
    expiry_date: Day | None = None


class ScanEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    barcode_id: uuid.UUID | None
    entity_type: BarcodeEntityType | None
    entity_id: uuid.UUID | None
    outcome: ScanOutcome
    scanner_type: str | None
    location: str | None
    action: str | None
    scanned_at: datetime
    scanned_by: uuid.UUID | None
    device_id: uuid.UUID | None


ScannerLabel = Text50
