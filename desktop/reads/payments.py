"""The Payments screen's contents: a day's payments and refunds, what is still owed, the cash-up.

The payments service answers per patient and per treatment; a desk's day needs the day's rows and
the open charges of the clinic, which are read here in two grouped queries (and audited once).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from common.access.permissions import Permission
from common.context import ServiceContext
from common.payments.models import PaymentKind, PaymentMethod, PaymentRecord, PaymentStatus
from common.payments.money import in_currency
from common.payments.service import SETTLED, CashUp, cash_up, outstanding_balance
from common.treatments.models import TreatmentRecord
from desktop.reads.appointments import patient_names

OPEN_CHARGE_DAYS = 30
ZERO = Decimal(0)


@dataclass(frozen=True)
class PaymentRow:
    id: uuid.UUID
    paid_at: datetime
    patient_id: uuid.UUID
    patient_name: str
    kind: PaymentKind
    method: PaymentMethod | None
    amount: Decimal
    discount: Decimal
    final_amount: Decimal
    currency: str
    status: PaymentStatus
    treatment_id: uuid.UUID | None
    treatment_name: str
    appointment_id: uuid.UUID | None
    refunded: Decimal  # money already given back (payments only)

    @property
    def refundable(self) -> Decimal:
        if self.kind is PaymentKind.REFUND or self.status is not PaymentStatus.COMPLETED:
            return ZERO
        return self.final_amount - self.refunded


@dataclass(frozen=True)
class OpenCharge:
    """A recorded treatment not yet fully paid."""

    treatment_id: uuid.UUID
    patient_id: uuid.UUID
    patient_name: str
    treatment_name: str
    treatment_date: date
    appointment_id: uuid.UUID | None
    charged: Decimal
    outstanding: Decimal
    currency: str


@dataclass(frozen=True)
class PaymentsDay:
    day: date
    payments: tuple[PaymentRow, ...]
    open_charges: tuple[OpenCharge, ...]
    cash_up: CashUp | None


def payments_day(ctx: ServiceContext, day: date) -> PaymentsDay:
    ctx.authorize(Permission.PAYMENT_READ, entity_type="payment")
    payments = _payments_of(ctx, day)
    charges = open_charges(ctx, day)
    ctx.audit("payment.list_day", "payment")
    totals = cash_up(ctx, day) if ctx.can(Permission.PAYMENT_CASH_UP) else None
    return PaymentsDay(day, tuple(payments), tuple(charges), totals)


def _payments_of(ctx: ServiceContext, day: date) -> list[PaymentRow]:
    rows = list(
        ctx.session.scalars(
            select(PaymentRecord)
            .where(PaymentRecord.payment_date == day)
            .order_by(PaymentRecord.paid_at.desc(), PaymentRecord.id)
        )
    )
    names = patient_names(ctx, {row.patient_id for row in rows})
    treatment_ids = {row.treatment_id for row in rows if row.treatment_id is not None}
    found = ctx.session.execute(
        select(TreatmentRecord.id, TreatmentRecord.treatment_name).where(
            TreatmentRecord.id.in_(treatment_ids)
        )
    )
    treatments = {treatment_id: name for treatment_id, name in found}
    refunded = _refunded(ctx, [row.id for row in rows if row.kind is PaymentKind.PAYMENT])
    tz = ctx.tz
    return [
        PaymentRow(
            id=row.id,
            paid_at=row.paid_at.astimezone(tz),
            patient_id=row.patient_id,
            patient_name=names.get(row.patient_id, ("", False))[0],
            kind=row.kind,
            method=row.payment_method,
            amount=in_currency(row.amount, row.currency),
            discount=in_currency(row.discount_applied, row.currency),
            final_amount=in_currency(row.final_amount, row.currency),
            currency=row.currency,
            status=row.payment_status,
            treatment_id=row.treatment_id,
            treatment_name=treatments.get(row.treatment_id, "") if row.treatment_id else "",
            appointment_id=row.appointment_id,
            refunded=refunded.get(row.id, ZERO),
        )
        for row in rows
    ]


def _refunded(ctx: ServiceContext, payment_ids: list[uuid.UUID]) -> dict[uuid.UUID, Decimal]:
    if not payment_ids:
        return {}
    rows = ctx.session.execute(
        select(PaymentRecord.refund_of_id, func.coalesce(func.sum(PaymentRecord.final_amount), 0))
        .where(
            PaymentRecord.refund_of_id.in_(payment_ids),
            PaymentRecord.kind == PaymentKind.REFUND,
            PaymentRecord.payment_status.in_(SETTLED),
        )
        .group_by(PaymentRecord.refund_of_id)
    )
    return {payment_id: -Decimal(total) for payment_id, total in rows if payment_id is not None}


def open_charges(ctx: ServiceContext, day: date) -> list[OpenCharge]:
    """Treatments of the last 30 days up to `day` with money still owed, oldest first."""
    first = day - timedelta(days=OPEN_CHARGE_DAYS)
    treatments = ctx.session.execute(
        select(
            TreatmentRecord.id,
            TreatmentRecord.patient_id,
            TreatmentRecord.treatment_name,
            TreatmentRecord.treatment_date,
            TreatmentRecord.appointment_id,
            TreatmentRecord.final_amount,
            TreatmentRecord.currency,
        )
        .where(TreatmentRecord.treatment_date >= first, TreatmentRecord.treatment_date <= day)
        .order_by(TreatmentRecord.treatment_date, TreatmentRecord.id)
    ).all()
    if not treatments:
        return []
    sums = ctx.session.execute(
        select(PaymentRecord.treatment_id, func.coalesce(func.sum(PaymentRecord.amount), 0))
        .where(
            PaymentRecord.treatment_id.in_([t.id for t in treatments]),
            PaymentRecord.payment_status.in_(SETTLED),
        )
        .group_by(PaymentRecord.treatment_id)
    )
    settled = {treatment_id: total for treatment_id, total in sums}
    owing = [
        (t, Decimal(t.final_amount) - Decimal(settled.get(t.id, 0)))
        for t in treatments
        if Decimal(t.final_amount) - Decimal(settled.get(t.id, 0)) > ZERO
    ]
    names = patient_names(ctx, {t.patient_id for t, _ in owing})
    return [
        OpenCharge(
            treatment_id=t.id,
            patient_id=t.patient_id,
            patient_name=names.get(t.patient_id, ("", False))[0],
            treatment_name=t.treatment_name,
            treatment_date=t.treatment_date,
            appointment_id=t.appointment_id,
            charged=in_currency(Decimal(t.final_amount), t.currency),
            outstanding=in_currency(outstanding, t.currency),
            currency=t.currency,
        )
        for t, outstanding in owing
    ]


def treatment_balance(ctx: ServiceContext, treatment_id: uuid.UUID) -> Decimal:
    return outstanding_balance(ctx, treatment_id=treatment_id).outstanding
