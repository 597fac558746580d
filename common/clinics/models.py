"""The clinic (tenant) and its settings."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from common.ids import new_id
from common.storage.base import Base, enum_column


class ClinicType(StrEnum):
    MEDICAL_AESTHETIC = "Medical Aesthetic"
    DENTAL = "Dental"
    PEDIATRIC = "Pediatric"
    DERMATOLOGY = "Dermatology"
    GENERAL_PRACTICE = "General Practice"
    OTHER = "Other"


class LicenseTier(StrEnum):
    S = "Tier S"
    M = "Tier M"
    L = "Tier L"
    XL = "Tier XL"


class SubscriptionStatus(StrEnum):
    ACTIVE = "Active"
    PAST_DUE = "Past Due"
    SUSPENDED = "Suspended"
    CANCELLED = "Cancelled"


class RevenueRange(StrEnum):
    ENTRY = "Entry-level"
    MID = "Mid-range"
    HIGH = "High"
    CUSTOM = "Custom"


class PaperSize(StrEnum):
    A4 = "A4"
    LETTER = "Letter"


def _default_business_hours() -> dict[str, Any]:
    # ISO weekday (1 = Monday) -> [open, close] in the clinic's wall-clock time; absent = closed.
    return {str(day): ["09:00", "18:00"] for day in range(1, 6)} | {"6": ["09:00", "13:00"]}


def _default_periods() -> dict[str, Any]:
    return {
        "morning": {"start": "09:00", "end": "12:00", "capacity": 4},
        "afternoon": {"start": "13:00", "end": "17:00", "capacity": 4},
        "evening": {"start": "17:00", "end": "20:00", "capacity": 2},
    }


class Clinic(Base):
    """A clinic is the tenant: every other row carries its id."""

    __tablename__ = "clinics"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str]
    clinic_type: Mapped[ClinicType] = mapped_column(enum_column(ClinicType, "clinic_type"))
    license_tier: Mapped[LicenseTier] = mapped_column(enum_column(LicenseTier, "license_tier"))
    subscription_status: Mapped[SubscriptionStatus] = mapped_column(
        enum_column(SubscriptionStatus, "subscription_status"), default=SubscriptionStatus.ACTIVE
    )
    max_users: Mapped[int]
    max_patients: Mapped[int]
    # Counted by the licensing service at each check and stored for display and sync.
    current_user_count: Mapped[int] = mapped_column(default=0)
    current_patient_count: Mapped[int] = mapped_column(default=0)
    quarterly_revenue_range: Mapped[RevenueRange | None] = mapped_column(
        enum_column(RevenueRange, "quarterly_revenue_range")
    )
    billing_contact_email: Mapped[str | None]
    technical_contact_email: Mapped[str | None]

    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    languages: Mapped[list[str]] = mapped_column(default=lambda: ["en"])
    default_language: Mapped[str] = mapped_column(String(8), default="en")
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    address: Mapped[str | None] = mapped_column(String(500))
    phone: Mapped[str | None] = mapped_column(String(50))
    email: Mapped[str | None]
    business_hours: Mapped[dict[str, Any]] = mapped_column(default=_default_business_hours)
    # Booking rules
    slot_minutes: Mapped[int] = mapped_column(default=15)
    booking_min_lead_minutes: Mapped[int] = mapped_column(default=0)
    booking_max_advance_days: Mapped[int] = mapped_column(default=90)
    time_periods: Mapped[dict[str, Any]] = mapped_column(default=_default_periods)
    no_show_after_minutes: Mapped[int] = mapped_column(default=30)
    check_in_early_minutes: Mapped[int] = mapped_column(default=60)
    check_in_late_minutes: Mapped[int] = mapped_column(default=15)
    waitlist_offer_hours: Mapped[int] = mapped_column(default=4)
    # Printing and money
    paper_size: Mapped[PaperSize] = mapped_column(enum_column(PaperSize, "paper_size"), default=PaperSize.A4)
    tax_rate: Mapped[Decimal] = mapped_column(default=Decimal(0))
    # Key for the check value of this clinic's barcodes (HMAC); synced to its devices only.
    barcode_secret: Mapped[bytes] = mapped_column(LargeBinary(32), default=lambda: secrets.token_bytes(32))

    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)


class ClinicSequence(Base):
    """The clinic's change counter. Each write transaction takes the next number by updating this
    row, so `seq` order is commit order and a reader polling "since N" never skips a late commit."""

    __tablename__ = "clinic_sequences"

    clinic_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinics.id"), primary_key=True)
    change_seq: Mapped[int] = mapped_column(BigInteger, default=0)
