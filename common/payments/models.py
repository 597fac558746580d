"""Money taken and given back."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from common.storage.base import Base, ClinicRecord, clinic_fk, enum_column


class PaymentStatus(StrEnum):
    PENDING = "Pending"
    COMPLETED = "Completed"
    FAILED = "Failed"
    REFUNDED = "Refunded"


class PaymentMethod(StrEnum):
    CASH = "Cash"
    CARD = "Card"
    BANK_TRANSFER = "Bank Transfer"
    MOBILE = "Mobile Payment"
    INSURANCE = "Insurance"
    OTHER = "Other"


class PaymentKind(StrEnum):
    PAYMENT = "payment"
    REFUND = "refund"


class PaymentRecord(ClinicRecord, Base):
    """A payment, or a refund (a negative amount pointing at the payment it returns).

    Money is append-only: a refund never edits the payment; totals are sums.
    """

    __tablename__ = "payment_records"
    __table_args__ = (
        Index(None, "clinic_id", "payment_date"),
        Index(None, "clinic_id", "patient_id"),
        Index(None, "clinic_id", "appointment_id"),
        Index(None, "clinic_id", "treatment_id"),
        Index(None, "clinic_id", "refund_of_id"),
        clinic_fk("patient_id", "patients"),
        clinic_fk("appointment_id", "appointments"),
        clinic_fk("treatment_id", "treatment_records"),
        clinic_fk("refund_of_id", "payment_records"),
        clinic_fk("received_by", "staff_users"),
    )

    patient_id: Mapped[uuid.UUID]
    appointment_id: Mapped[uuid.UUID | None]
    treatment_id: Mapped[uuid.UUID | None]
    kind: Mapped[PaymentKind] = mapped_column(enum_column(PaymentKind, "kind"), default=PaymentKind.PAYMENT)
    refund_of_id: Mapped[uuid.UUID | None]
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    payment_method: Mapped[PaymentMethod | None] = mapped_column(enum_column(PaymentMethod, "payment_method"))
    payment_status: Mapped[PaymentStatus] = mapped_column(
        enum_column(PaymentStatus, "payment_status"), default=PaymentStatus.PENDING
    )
    transaction_id: Mapped[str | None] = mapped_column(String(100))
    discount_applied: Mapped[Decimal] = mapped_column(default=Decimal(0))
    tax_amount: Mapped[Decimal] = mapped_column(default=Decimal(0))
    final_amount: Mapped[Decimal]
    notes: Mapped[str | None] = mapped_column(Text)
    payment_date: Mapped[date]  # the clinic's wall-clock date, for the day's cash-up
    paid_at: Mapped[datetime]
    received_by: Mapped[uuid.UUID | None]
