"""Patients and the record of merged duplicates."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeEngine

from common.storage.base import Base, ClinicRecord, clinic_fk, enum_column


class PreferredLanguage(StrEnum):
    EN = "EN"
    ZH_TW = "ZH-TW"
    ZH_CN = "ZH-CN"
    JA = "JA"


def _key_type(length: int) -> TypeEngine[str]:
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class Patient(ClinicRecord, Base):
    __tablename__ = "patients"
    __table_args__ = (
        UniqueConstraint("clinic_id", "barcode_id"),
        Index(None, "clinic_id", "last_name_key", "first_name_key"),
        Index(None, "clinic_id", "first_name_key"),
        Index(None, "clinic_id", "phone_digits"),
        Index(None, "clinic_id", "contact_email"),
        Index(None, "clinic_id", "is_active"),
        clinic_fk("merged_into_id", "patients"),
    )

    barcode_id: Mapped[str] = mapped_column(String(64))
    qr_code_data: Mapped[str] = mapped_column(String(255))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date]
    contact_email: Mapped[str | None]
    contact_phone: Mapped[str | None] = mapped_column(String(50))
    emergency_contact: Mapped[dict[str, Any]] = mapped_column(default=dict)
    medical_history: Mapped[dict[str, Any]] = mapped_column(default=dict)
    allergies: Mapped[list[Any]] = mapped_column(default=list)
    current_medications: Mapped[list[Any]] = mapped_column(default=list)
    last_visit_date: Mapped[date | None]
    next_appointment_date: Mapped[date | None]
    is_active: Mapped[bool] = mapped_column(default=True)
    preferred_language: Mapped[PreferredLanguage] = mapped_column(
        enum_column(PreferredLanguage, "preferred_language"), default=PreferredLanguage.EN
    )
    notes: Mapped[str | None] = mapped_column(Text)
    marketing_opt_in: Mapped[bool] = mapped_column(default=False)
    # Consent to name treatments in messages (SECURITY.md row 19).
    treatment_details_opt_in: Mapped[bool] = mapped_column(default=False)
    merged_into_id: Mapped[uuid.UUID | None]
    # Field name -> the record version that last changed it: the base of a field-level three-way
    # merge (a stale edit conflicts only on fields changed after the version it was based on).
    field_versions: Mapped[dict[str, Any]] = mapped_column(default=dict)

    # Search keys, kept by the patient service: case- and accent-folded names, digits of the phone,
    # and one text of all searchable values (indexed by FTS5 on SQLite, pg_trgm on PostgreSQL).
    # The keys compare in code point order on both databases (SQLite's BINARY; "C" on PostgreSQL),
    # so a prefix search is an index range and results come out of the index in order.
    first_name_key: Mapped[str] = mapped_column(_key_type(100), default="")
    last_name_key: Mapped[str] = mapped_column(_key_type(100), default="")
    phone_digits: Mapped[str | None] = mapped_column(_key_type(32))
    search_text: Mapped[str] = mapped_column(Text, default="")


class PatientMerge(ClinicRecord, Base):
    """What a merge moved, table by table, so it can be reviewed and undone."""

    __tablename__ = "patient_merges"
    __table_args__ = (
        clinic_fk("survivor_id", "patients"),
        clinic_fk("merged_id", "patients"),
        clinic_fk("merged_by", "staff_users"),
    )

    survivor_id: Mapped[uuid.UUID]
    merged_id: Mapped[uuid.UUID]
    moved: Mapped[dict[str, Any]] = mapped_column(default=dict)  # table name -> [row ids]
    # Survivor fields the merge filled from the duplicate: name -> {"before": ..., "after": ...},
    # so an unmerge puts back what it changed (unless someone edited the field since).
    survivor_fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    merged_by: Mapped[uuid.UUID | None]
    merged_at: Mapped[datetime]
    reverted_at: Mapped[datetime | None]
    reverted_by: Mapped[uuid.UUID | None]
