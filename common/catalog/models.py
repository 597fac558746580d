"""The clinic's treatment catalog: categories and treatments with prices and cautions."""

from __future__ import annotations

import uuid
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from common.storage.base import Base, ClinicRecord, clinic_fk, enum_column


class TreatmentKind(StrEnum):
    """The seed's fixed top-level category of a treatment."""

    COSMETIC = "Cosmetic"
    THERAPEUTIC = "Therapeutic"
    DIAGNOSTIC = "Diagnostic"
    PREVENTIVE = "Preventive"


class TreatmentCategory(ClinicRecord, Base):
    """A clinic-defined category; a category with a parent is a subcategory."""

    __tablename__ = "treatment_categories"
    __table_args__ = (
        UniqueConstraint("clinic_id", "parent_id", "name"),
        clinic_fk("parent_id", "treatment_categories"),
    )

    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[uuid.UUID | None]
    kind: Mapped[TreatmentKind] = mapped_column(enum_column(TreatmentKind, "kind"))
    sort_order: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)


class TreatmentCatalogItem(ClinicRecord, Base):
    __tablename__ = "treatment_catalog"
    __table_args__ = (
        UniqueConstraint("clinic_id", "name"),
        Index(None, "clinic_id", "category", "is_active"),
        clinic_fk("category_id", "treatment_categories"),
        clinic_fk("next_treatment_id", "treatment_catalog"),
    )

    name: Mapped[str]
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[TreatmentKind] = mapped_column(enum_column(TreatmentKind, "category"))
    subcategory: Mapped[str | None] = mapped_column(String(100))
    category_id: Mapped[uuid.UUID | None]
    duration_minutes: Mapped[int]
    base_price: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    advantages: Mapped[list[str]] = mapped_column(default=list)
    instructions: Mapped[str | None] = mapped_column(Text)
    cautions: Mapped[list[str]] = mapped_column(default=list)
    recommended_for: Mapped[list[str]] = mapped_column(default=list)
    is_active: Mapped[bool] = mapped_column(default=True)
    requires_doctor_approval: Mapped[bool] = mapped_column(default=False)
    material_requirements: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # [{"item_id": "<inventory item uuid>", "quantity": 2}, ...] used by one treatment
    default_inventory_items: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    # Suggestions: repeat after N days, then this treatment next.
    follow_up_interval_days: Mapped[int | None]
    next_treatment_id: Mapped[uuid.UUID | None]
