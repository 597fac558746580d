"""The treatment catalog in the seed's field names (a treatment's `category` is its kind)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from common.catalog.models import TreatmentKind
from sync_server.fields import (
    JsonObject,
    LongText,
    Minutes,
    Money,
    Quantity,
    Text16,
    Text100,
    Text255,
    TextList,
    Version,
)

FollowUpDays = Annotated[int, Field(ge=1, le=3650)]
SortOrder = Annotated[int, Field(ge=-100_000, le=100_000)]


class MaterialIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_id: uuid.UUID
    quantity: Quantity


Materials = Annotated[list[MaterialIn], Field(max_length=100)]


class TreatmentItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    description: str | None
    category: TreatmentKind
    subcategory: str | None
    category_id: uuid.UUID | None
    duration_minutes: int
    base_price: Decimal
    currency: str
    advantages: list[str]
    instructions: str | None
    cautions: list[str]
    recommended_for: list[str]
    is_active: bool
    requires_doctor_approval: bool
    material_requirements: dict[str, Any]
    default_inventory_items: list[dict[str, Any]]
    follow_up_interval_days: int | None
    next_treatment_id: uuid.UUID | None
    version: int


class TreatmentItemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text255
    duration_minutes: Minutes
    base_price: Money
    category: TreatmentKind | None = None
    category_id: uuid.UUID | None = None
    currency: Text16 | None = None
    description: LongText | None = None
    advantages: TextList = []
    cautions: TextList = []
    recommended_for: TextList = []
    instructions: LongText | None = None
    requires_doctor_approval: bool = False
    material_requirements: JsonObject | None = None
    default_inventory_items: Materials = []
    follow_up_interval_days: FollowUpDays | None = None
    next_treatment_id: uuid.UUID | None = None
    issue_barcode: bool = False


class TreatmentItemUpdate(BaseModel):
    """The fields to change (absent = unchanged; null clears an optional field)."""

    model_config = ConfigDict(extra="forbid")

    expected_version: Version | None = None
    name: Text255 | None = None
    duration_minutes: Minutes | None = None
    base_price: Money | None = None
    category: TreatmentKind | None = None
    category_id: uuid.UUID | None = None
    currency: Text16 | None = None
    description: LongText | None = None
    advantages: TextList | None = None
    cautions: TextList | None = None
    recommended_for: TextList | None = None
    instructions: LongText | None = None
    requires_doctor_approval: bool | None = None
    material_requirements: JsonObject | None = None
    default_inventory_items: Materials | None = None
    follow_up_interval_days: FollowUpDays | None = None
    next_treatment_id: uuid.UUID | None = None


class CategoryOut(BaseModel):
    id: uuid.UUID
    name: str
    parent_id: uuid.UUID | None
    kind: TreatmentKind
    sort_order: int
    is_active: bool
    subcategories: list[CategoryOut] = []


class CategoryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text100
    kind: TreatmentKind | None = None
    parent_id: uuid.UUID | None = None
    sort_order: SortOrder = 0


class PriceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    item_id: uuid.UUID
    name: str
    kind: TreatmentKind
    subcategory: str | None
    base_price: Decimal
    currency: str
    duration_minutes: int
    is_active: bool


class PricingUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_price: Money
    currency: Text16 | None = None
