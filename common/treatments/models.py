"""What was done to a patient: treatment records."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from common.storage.base import Base, ClinicRecord, clinic_fk


class TreatmentRecord(ClinicRecord, Base):
    __tablename__ = "treatment_records"
    __table_args__ = (
        Index(None, "clinic_id", "patient_id", "treatment_date"),
        Index(None, "clinic_id", "treatment_date"),
        Index(None, "clinic_id", "doctor_id", "treatment_date"),
        clinic_fk("patient_id", "patients"),
        clinic_fk("appointment_id", "appointments"),
        clinic_fk("doctor_id", "staff_users"),
        clinic_fk("treatment_type_id", "treatment_catalog"),
        clinic_fk("recorded_by", "staff_users"),
    )

    patient_id: Mapped[uuid.UUID]
    appointment_id: Mapped[uuid.UUID | None]
    doctor_id: Mapped[uuid.UUID]
    treatment_date: Mapped[date]
    treatment_type_id: Mapped[uuid.UUID]
    treatment_name: Mapped[str]
    description: Mapped[str | None] = mapped_column(Text)
    duration_minutes: Mapped[int]
    materials_used: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    cost: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    discount_applied: Mapped[Decimal] = mapped_column(default=Decimal(0))
    final_amount: Mapped[Decimal]
    notes: Mapped[str | None] = mapped_column(Text)
    follow_up_required: Mapped[bool] = mapped_column(default=False)
    follow_up_date: Mapped[date | None]
    next_treatment_suggestion: Mapped[dict[str, Any]] = mapped_column(default=dict)
    complications: Mapped[str | None] = mapped_column(Text)
    patient_feedback: Mapped[str | None] = mapped_column(Text)
    barcode_scanned: Mapped[bool] = mapped_column(default=False)
    inventory_items_used: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    completed_at: Mapped[datetime | None]
    recorded_by: Mapped[uuid.UUID | None]
