"""Payments, refunds and the day's cash-up. Money is exact (decimal strings in JSON)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from common.payments.models import PaymentKind, PaymentMethod, PaymentStatus
from sync_server.fields import LongText, Money, Text100, Text1000


class PaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    patient_id: uuid.UUID
    appointment_id: uuid.UUID | None
    treatment_id: uuid.UUID | None
    kind: PaymentKind
    refund_of_id: uuid.UUID | None
    amount: Decimal
    currency: str
    payment_method: PaymentMethod | None
    payment_status: PaymentStatus
    transaction_id: str | None
    discount_applied: Decimal
    tax_amount: Decimal
    final_amount: Decimal
    notes: str | None
    payment_date: date
    paid_at: datetime
    received_by: uuid.UUID | None


class PaymentCreate(BaseModel):
    """`amount` is what the payment settles; the patient pays `amount - discount`."""

    model_config = ConfigDict(extra="forbid")

    patient_id: uuid.UUID
    amount: Money
    payment_method: PaymentMethod
    appointment_id: uuid.UUID | None = None
    treatment_id: uuid.UUID | None = None
    discount: Money = Decimal(0)
    notes: LongText | None = None
    transaction_id: Text100 | None = None


class RefundCreate(BaseModel):
    """`amount` absent: all that is left of the payment."""

    model_config = ConfigDict(extra="forbid")

    amount: Money | None = None
    reason: Text1000
    payment_method: PaymentMethod | None = None


class MethodTotalsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    method: PaymentMethod | None
    currency: str
    payments_total: Decimal
    payment_count: int
    refunds_total: Decimal
    refund_count: int
    net_total: Decimal
    discount_total: Decimal
    tax_total: Decimal


class CashUpOut(BaseModel):
    day: date
    lines: list[MethodTotalsOut]
