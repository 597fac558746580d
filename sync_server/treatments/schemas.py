"""Treatment records in the seed's field names (`treatment_type_id` is the catalog item)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict

from common.treatments.suggestions import SuggestionReason
from sync_server.catalog.schemas import Materials
from sync_server.fields import Day, LongText, Money, Version


class TreatmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    patient_id: uuid.UUID
    appointment_id: uuid.UUID | None
    doctor_id: uuid.UUID
    treatment_date: date
    treatment_type_id: uuid.UUID
    treatment_name: str
    description: str | None
    duration_minutes: int
    materials_used: list[dict[str, Any]]
    cost: Decimal
    currency: str
    discount_applied: Decimal
    final_amount: Decimal
    notes: str | None
    follow_up_required: bool
    follow_up_date: date | None
    next_treatment_suggestion: dict[str, Any]
    complications: str | None
    patient_feedback: str | None
    barcode_scanned: bool
    inventory_items_used: list[dict[str, Any]]
    completed_at: datetime | None
    recorded_by: uuid.UUID | None
    version: int
    created_at: datetime


class StockWarningOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    item_id: uuid.UUID
    item_name: str
    stock_after: int
    minimum_quantity: int
    is_tracked: bool
    negative: bool
    low: bool


class RecordedTreatmentOut(BaseModel):
    """The record, and the materials now below zero or at/below their minimum."""

    treatment: TreatmentOut
    stock_warnings: list[StockWarningOut]


class TreatmentCreate(BaseModel):
    """`materials_used` absent: the catalog item's default materials; `[]`: none."""

    model_config = ConfigDict(extra="forbid")

    patient_id: uuid.UUID
    treatment_type_id: uuid.UUID
    doctor_id: uuid.UUID
    appointment_id: uuid.UUID | None = None
    discount_applied: Money = Decimal(0)
    discount_percent: Money | None = None  # 0-100, judged by the discount rule
    materials_used: Materials | None = None
    notes: LongText | None = None
    description: LongText | None = None
    barcode_scanned: bool = False
    treatment_date: Day | None = None


class TreatmentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expected_version: Version | None = None
    notes: LongText | None = None
    complications: LongText | None = None
    patient_feedback: LongText | None = None
    description: LongText | None = None
    follow_up_required: bool | None = None
    follow_up_date: Day | None = None


class CompleteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    complications: LongText | None = None


class MaterialsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    materials: Materials


class SuggestionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    treatment_id: uuid.UUID
    session_number: int
    follow_up_required: bool
    follow_up_date: date | None
    reason: SuggestionReason | None
    next_catalog_item_id: uuid.UUID | None
    next_treatment_name: str | None
    suggested_date: date | None
    still_offered: bool
    already_booked: bool
