"""Taking payments, refunding them, balances and the day's cash-up.

Money is append-only. A payment is one row; a refund is another row with negative amounts that
points at the payment (`refund_of_id`). The only in-place edit is the payment's status, which
becomes Refunded once its refunds add up to it. Totals are sums, so desks working offline converge.

Prices are tax-inclusive. Catalog prices are what the patient pays (as consumer prices must be
shown in Taiwan and Japan, this product's first markets), so tax never changes the bill: it is the
part of the amount paid that is tax, `final × rate / (1 + rate)`, rounded half-up to the
currency's minor unit, with `clinic.tax_rate` a fraction (0.05 = 5%).

A payment row:  amount (what it settles) - discount_applied = final_amount (money received);
                tax_amount is the tax inside final_amount.
A refund row:   the same four figures as a negative slice of its payment, in proportion to the
                money returned; the refund that completes a payment takes exactly what is left, so
                a fully refunded payment nets to zero in every column.

Every operation audits exactly one row (payments are patient data).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Final

from sqlalchemy import ColumnElement, func, or_, select

from common.access.permissions import Permission
from common.context import ServiceContext
from common.fields import optional_text
from common.i18n import L_
from common.ids import new_id
from common.inventory.stock import acting_staff_id
from common.payments.errors import (
    AlreadyFullyRefunded,
    BalanceTargetRequired,
    DiscountExceedsAmount,
    InvalidPaymentMethod,
    PaymentExceedsBalance,
    PaymentNotFound,
    PaymentNotRefundable,
    RefundExceedsPayment,
    RefundOfRefund,
    RefundReasonRequired,
    TaxRateInvalid,
    TreatmentAppointmentMismatch,
    TreatmentOfAnotherPatient,
)
from common.payments.models import PaymentKind, PaymentMethod, PaymentRecord, PaymentStatus
from common.payments.money import MoneyInput, in_currency, parse_money, round_money
from common.scheduling.errors import AppointmentNotFound
from common.scheduling.models import Appointment
from common.treatments.errors import TreatmentNotFound
from common.treatments.lookups import require_appointment, require_patient
from common.treatments.models import TreatmentRecord

P = Permission
ENTITY: Final = "payment"
ZERO: Final = Decimal(0)
# Rows that count: money that moved. (Pending and Failed are for card processing to come.)
SETTLED: Final = (PaymentStatus.COMPLETED, PaymentStatus.REFUNDED)
# How far back a payment recorded on an offline desk may be dated when it reaches the server.
OFFLINE_PAYMENT_DAYS: Final = timedelta(days=31)


@dataclass(frozen=True)
class Balance:
    """What a treatment or appointment charged, what payments settled (net of refunds and
    including payment discounts), the money actually received (net), and what is still owed
    (negative: paid in advance, e.g. a deposit on an appointment)."""

    currency: str
    charged: Decimal
    settled: Decimal
    received: Decimal
    outstanding: Decimal


@dataclass(frozen=True)
class MethodTotals:
    method: PaymentMethod | None
    currency: str
    payments_total: Decimal
    payment_count: int
    refunds_total: Decimal  # money given back, as a positive amount
    refund_count: int
    net_total: Decimal
    discount_total: Decimal  # net of the discount slices returned by refunds
    tax_total: Decimal


@dataclass(frozen=True)
class CashUp:
    day: date
    lines: tuple[MethodTotals, ...]

    def net_total(self, currency: str) -> Decimal:
        return sum((line.net_total for line in self.lines if line.currency == currency), ZERO)


def take_payment(
    ctx: ServiceContext,
    patient_id: uuid.UUID,
    amount: MoneyInput,
    method: PaymentMethod | str,
    *,
    appointment_id: uuid.UUID | None = None,
    treatment_id: uuid.UUID | None = None,
    discount: MoneyInput = ZERO,
    notes: str | None = None,
    transaction_id: str | None = None,
    payment_id: uuid.UUID | None = None,
    paid_at: datetime | None = None,
) -> PaymentRecord:
    """Record money received now. `amount` is what the payment settles; the patient pays
    `amount - discount`. Against a treatment, the amount cannot exceed what it still owes
    (an appointment alone may be paid in advance, as a deposit). `payment_id`: the row's id when
    the caller made it (a device taking the payment offline); `paid_at`: when the money changed
    hands there, so a payment synced the next day still counts in its own day's cash-up."""
    ctx.authorize(P.PAYMENT_TAKE, entity_type=ENTITY, patient_id=patient_id)
    require_patient(ctx, patient_id)
    payment_method = _method(method)
    currency = ctx.clinic.currency
    treatment: TreatmentRecord | None = None
    if treatment_id is not None:
        treatment = _treatment(ctx, treatment_id)
        if treatment.patient_id != patient_id:
            raise TreatmentOfAnotherPatient()
        if appointment_id is not None and treatment.appointment_id not in (None, appointment_id):
            raise TreatmentAppointmentMismatch()
        appointment_id = appointment_id or treatment.appointment_id
        currency = treatment.currency
    if appointment_id is not None:
        require_appointment(ctx, appointment_id, patient_id, open_only=False)
    gross = parse_money(amount, currency, field=L_("amount"), positive=True)
    discount_amount = parse_money(discount, currency, field=L_("discount"))
    if discount_amount > gross:
        raise DiscountExceedsAmount(amount=str(gross), currency=currency)
    if treatment is not None:
        owed = _treatment_balance(ctx, treatment).outstanding
        if gross > owed:
            raise PaymentExceedsBalance(
                outstanding=str(in_currency(max(owed, ZERO), currency)), currency=currency
            )
    final = gross - discount_amount
    now = _when_paid(ctx, paid_at)
    payment = PaymentRecord(
        id=payment_id or new_id(),
        clinic_id=ctx.clinic_id,
        patient_id=patient_id,
        appointment_id=appointment_id,
        treatment_id=treatment_id,
        kind=PaymentKind.PAYMENT,
        refund_of_id=None,
        amount=gross,
        currency=currency,
        payment_method=payment_method,
        payment_status=PaymentStatus.COMPLETED,
        transaction_id=optional_text(transaction_id, field=L_("transaction reference"), maximum=100),
        discount_applied=discount_amount,
        tax_amount=_tax_inside(final, currency, _tax_rate(ctx)),
        final_amount=final,
        notes=optional_text(notes, field=L_("notes")),
        payment_date=now.astimezone(ctx.tz).date(),
        paid_at=now,
        received_by=acting_staff_id(ctx),
    )
    ctx.session.add(payment)
    ctx.session.flush()
    ctx.audit("payment.take", ENTITY, payment.id, patient_id=patient_id, changed_fields=_fields(payment))
    return payment


def refund(
    ctx: ServiceContext,
    payment_id: uuid.UUID,
    amount: MoneyInput | None = None,
    *,
    reason: str,
    method: PaymentMethod | str | None = None,
    refund_id: uuid.UUID | None = None,
    paid_at: datetime | None = None,
) -> PaymentRecord:
    """Give back `amount` of a payment (all that is left of it when None). Partial refunds add
    up to at most the payment; the refund that completes it marks the payment Refunded.
    The money goes back by the payment's method unless another is given. `refund_id`: the refund
    row's id when the caller made it (a device refunding offline); `paid_at` as for a payment."""
    original = _load_payment(ctx, payment_id, P.PAYMENT_REFUND, lock=True)
    note = optional_text(reason, field=L_("reason"))
    if note is None:
        raise RefundReasonRequired()
    if original.kind is PaymentKind.REFUND:
        raise RefundOfRefund()
    if original.payment_status is PaymentStatus.REFUNDED:
        raise AlreadyFullyRefunded()
    if original.payment_status is not PaymentStatus.COMPLETED:
        raise PaymentNotRefundable(status=L_(original.payment_status.value))
    currency = original.currency
    earlier = _refunded_so_far(ctx, original.id)
    remaining = original.final_amount - earlier.money
    if remaining <= ZERO:
        raise AlreadyFullyRefunded()
    money = remaining if amount is None else parse_money(amount, currency, field=L_("refund"), positive=True)
    if money > remaining:
        raise RefundExceedsPayment(remaining=str(in_currency(remaining, currency)), currency=currency)
    completes = money == remaining
    if completes:
        discount = original.discount_applied - earlier.discount
        tax = original.tax_amount - earlier.tax
    else:
        share = money / original.final_amount
        discount = round_money(original.discount_applied * share, currency)
        tax = round_money(original.tax_amount * share, currency)
    now = max(_when_paid(ctx, paid_at), original.paid_at)
    refund_row = PaymentRecord(
        id=refund_id or new_id(),
        clinic_id=ctx.clinic_id,
        patient_id=original.patient_id,
        appointment_id=original.appointment_id,
        treatment_id=original.treatment_id,
        kind=PaymentKind.REFUND,
        refund_of_id=original.id,
        amount=-(money + discount),
        currency=currency,
        payment_method=original.payment_method if method is None else _method(method),
        payment_status=PaymentStatus.COMPLETED,
        discount_applied=-discount,
        tax_amount=-tax,
        final_amount=-money,
        notes=note,
        payment_date=now.astimezone(ctx.tz).date(),
        paid_at=now,
        received_by=acting_staff_id(ctx),
    )
    ctx.session.add(refund_row)
    if completes:
        original.payment_status = PaymentStatus.REFUNDED
    ctx.session.flush()
    ctx.audit(
        "payment.refund",
        ENTITY,
        refund_row.id,
        patient_id=original.patient_id,
        changed_fields=_fields(refund_row),
    )
    return refund_row


def _when_paid(ctx: ServiceContext, paid_at: datetime | None) -> datetime:
    """When money changed hands: now, or the time a device recorded it offline, kept within
    [now - OFFLINE_PAYMENT_DAYS, now] (a device's clock may be wrong; a payment is never in the
    future, and one older than a desk stays offline is dated as far back as that)."""
    now = ctx.now()
    if paid_at is None:
        return now
    if paid_at.tzinfo is None:
        raise ValueError("naive datetime given for paid_at; use an aware datetime")
    return min(max(paid_at.astimezone(UTC), now - OFFLINE_PAYMENT_DAYS), now)


def get_payment(ctx: ServiceContext, payment_id: uuid.UUID) -> PaymentRecord:
    payment = _load_payment(ctx, payment_id, P.PAYMENT_READ)
    ctx.audit("payment.read", ENTITY, payment.id, patient_id=payment.patient_id)
    return payment


def list_patient_payments(ctx: ServiceContext, patient_id: uuid.UUID) -> list[PaymentRecord]:
    """A patient's payments and refunds, newest first."""
    ctx.authorize(P.PAYMENT_READ, entity_type=ENTITY, patient_id=patient_id)
    require_patient(ctx, patient_id)
    rows = list(
        ctx.session.scalars(
            select(PaymentRecord)
            .where(PaymentRecord.patient_id == patient_id)
            .order_by(PaymentRecord.paid_at.desc(), PaymentRecord.id.desc())
        )
    )
    ctx.audit("payment.list", ENTITY, None, patient_id=patient_id)
    return rows


def refundable_amount(ctx: ServiceContext, payment_id: uuid.UUID) -> Decimal:
    """How much of a payment can still be given back."""
    payment = _load_payment(ctx, payment_id, P.PAYMENT_READ)
    ctx.audit("payment.read", ENTITY, payment.id, patient_id=payment.patient_id)
    if payment.kind is PaymentKind.REFUND or payment.payment_status is not PaymentStatus.COMPLETED:
        return ZERO
    return in_currency(payment.final_amount - _refunded_so_far(ctx, payment.id).money, payment.currency)


def outstanding_balance(
    ctx: ServiceContext,
    *,
    treatment_id: uuid.UUID | None = None,
    appointment_id: uuid.UUID | None = None,
) -> Balance:
    """What a treatment (or all treatments of an appointment) still owes."""
    if (treatment_id is None) == (appointment_id is None):
        raise BalanceTargetRequired()
    if treatment_id is not None:
        treatment = ctx.session.scalars(
            select(TreatmentRecord).where(TreatmentRecord.id == treatment_id)
        ).one_or_none()
        ctx.authorize(
            P.PAYMENT_READ,
            entity_type=ENTITY,
            entity_id=treatment_id,
            patient_id=treatment.patient_id if treatment else None,
        )
        if treatment is None:
            raise TreatmentNotFound()
        balance = _treatment_balance(ctx, treatment)
        ctx.audit("payment.balance", "treatment", treatment.id, patient_id=treatment.patient_id)
        return balance
    assert appointment_id is not None
    patient_id = ctx.session.scalar(select(Appointment.patient_id).where(Appointment.id == appointment_id))
    ctx.authorize(P.PAYMENT_READ, entity_type=ENTITY, entity_id=appointment_id, patient_id=patient_id)
    if patient_id is None:
        raise AppointmentNotFound()
    balance = _appointment_balance(ctx, appointment_id)
    ctx.audit("payment.balance", "appointment", appointment_id, patient_id=patient_id)
    return balance


def cash_up(ctx: ServiceContext, day: date) -> CashUp:
    """The takings of one clinic-local day by method (and currency): payments, refunds, counts,
    discounts and tax, in one grouped query. Refunds count on the day they were given."""
    ctx.authorize(P.PAYMENT_CASH_UP, entity_type=ENTITY)
    rows = ctx.session.execute(
        select(
            PaymentRecord.payment_method,
            PaymentRecord.currency,
            PaymentRecord.kind,
            func.count(),
            func.coalesce(func.sum(PaymentRecord.final_amount), 0),
            func.coalesce(func.sum(PaymentRecord.discount_applied), 0),
            func.coalesce(func.sum(PaymentRecord.tax_amount), 0),
        )
        .where(PaymentRecord.payment_date == day, PaymentRecord.payment_status.in_(SETTLED))
        .group_by(PaymentRecord.payment_method, PaymentRecord.currency, PaymentRecord.kind)
    )
    totals: dict[tuple[PaymentMethod | None, str], dict[str, Decimal | int]] = {}
    for method, currency, kind, count, money, discount, tax in rows:
        line = totals.setdefault(
            (method, currency),
            {"paid": ZERO, "paid_n": 0, "refunded": ZERO, "refund_n": 0, "discount": ZERO, "tax": ZERO},
        )
        if kind is PaymentKind.REFUND:
            line["refunded"] = -_money(money)
            line["refund_n"] = int(count)
        else:
            line["paid"] = _money(money)
            line["paid_n"] = int(count)
        line["discount"] = Decimal(line["discount"]) + _money(discount)
        line["tax"] = Decimal(line["tax"]) + _money(tax)
    lines = tuple(
        MethodTotals(
            method=method,
            currency=currency,
            payments_total=in_currency(Decimal(line["paid"]), currency),
            payment_count=int(line["paid_n"]),
            refunds_total=in_currency(Decimal(line["refunded"]), currency),
            refund_count=int(line["refund_n"]),
            net_total=in_currency(Decimal(line["paid"]) - Decimal(line["refunded"]), currency),
            discount_total=in_currency(Decimal(line["discount"]), currency),
            tax_total=in_currency(Decimal(line["tax"]), currency),
        )
        for (method, currency), line in sorted(
            totals.items(), key=lambda pair: (pair[0][1], pair[0][0].value if pair[0][0] else "")
        )
    )
    ctx.audit("payment.cash_up", ENTITY, None)
    return CashUp(day, lines)


# ---- helpers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Refunded:
    money: Decimal
    discount: Decimal
    tax: Decimal


def _refunded_so_far(ctx: ServiceContext, payment_id: uuid.UUID) -> _Refunded:
    money, discount, tax = ctx.session.execute(
        select(
            func.coalesce(func.sum(PaymentRecord.final_amount), 0),
            func.coalesce(func.sum(PaymentRecord.discount_applied), 0),
            func.coalesce(func.sum(PaymentRecord.tax_amount), 0),
        ).where(
            PaymentRecord.refund_of_id == payment_id,
            PaymentRecord.kind == PaymentKind.REFUND,
            PaymentRecord.payment_status.in_(SETTLED),
        )
    ).one()
    return _Refunded(-_money(money), -_money(discount), -_money(tax))


def _treatment_balance(ctx: ServiceContext, treatment: TreatmentRecord) -> Balance:
    settled, received = _sums(ctx, PaymentRecord.treatment_id == treatment.id)
    return _balance(treatment.currency, treatment.final_amount, settled, received)


def _appointment_balance(ctx: ServiceContext, appointment_id: uuid.UUID) -> Balance:
    treatments = ctx.session.execute(
        select(TreatmentRecord.id, TreatmentRecord.final_amount, TreatmentRecord.currency).where(
            TreatmentRecord.appointment_id == appointment_id
        )
    ).all()
    charged = sum((_money(row.final_amount) for row in treatments), ZERO)
    currency = treatments[0].currency if treatments else ctx.clinic.currency
    ids = [row.id for row in treatments]
    condition = PaymentRecord.appointment_id == appointment_id
    if ids:
        condition = or_(condition, PaymentRecord.treatment_id.in_(ids))
    settled, received = _sums(ctx, condition)
    return _balance(currency, charged, settled, received)


def _balance(currency: str, charged: Decimal, settled: Decimal, received: Decimal) -> Balance:
    def shown(amount: Decimal) -> Decimal:
        return in_currency(amount, currency)

    return Balance(currency, shown(charged), shown(settled), shown(received), shown(charged - settled))


def _sums(ctx: ServiceContext, condition: ColumnElement[bool]) -> tuple[Decimal, Decimal]:
    settled, received = ctx.session.execute(
        select(
            func.coalesce(func.sum(PaymentRecord.amount), 0),
            func.coalesce(func.sum(PaymentRecord.final_amount), 0),
        ).where(condition, PaymentRecord.payment_status.in_(SETTLED))
    ).one()
    return _money(settled), _money(received)


def _money(value: object) -> Decimal:
    # SUM/COALESCE keep the Money type, so sums arrive as Decimal on both databases.
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _load_payment(
    ctx: ServiceContext, payment_id: uuid.UUID, permission: Permission, *, lock: bool = False
) -> PaymentRecord:
    query = select(PaymentRecord).where(PaymentRecord.id == payment_id)
    if lock:
        # Two refunds of one payment at once: the second waits and then sees the first.
        query = query.with_for_update().execution_options(populate_existing=True)
    payment = ctx.session.scalars(query).one_or_none()
    ctx.authorize(
        permission,
        entity_type=ENTITY,
        entity_id=payment_id,
        patient_id=payment.patient_id if payment else None,
    )
    if payment is None:
        raise PaymentNotFound()
    return payment


def _treatment(ctx: ServiceContext, treatment_id: uuid.UUID) -> TreatmentRecord:
    # Locked, so two desks paying the same treatment at once cannot both pass the balance check.
    treatment = ctx.session.scalars(
        select(TreatmentRecord).where(TreatmentRecord.id == treatment_id).with_for_update()
    ).one_or_none()
    if treatment is None:
        raise TreatmentNotFound()
    return treatment


def _method(method: PaymentMethod | str) -> PaymentMethod:
    try:
        return PaymentMethod(method)
    except ValueError:
        raise InvalidPaymentMethod() from None


def _tax_rate(ctx: ServiceContext) -> Decimal:
    rate = ctx.clinic.tax_rate or ZERO
    if not ZERO <= rate < 1:
        raise TaxRateInvalid()
    return rate


def _tax_inside(final: Decimal, currency: str, rate: Decimal) -> Decimal:
    """The tax contained in a tax-inclusive amount."""
    if rate == ZERO:
        return round_money(ZERO, currency)
    return round_money(final * rate / (1 + rate), currency)


def _fields(row: PaymentRecord) -> Iterable[str]:
    names = {
        "patient_id": row.patient_id,
        "appointment_id": row.appointment_id,
        "treatment_id": row.treatment_id,
        "kind": row.kind,
        "refund_of_id": row.refund_of_id,
        "amount": row.amount,
        "currency": row.currency,
        "payment_method": row.payment_method,
        "payment_status": row.payment_status,
        "transaction_id": row.transaction_id,
        "discount_applied": row.discount_applied,
        "tax_amount": row.tax_amount,
        "final_amount": row.final_amount,
        "notes": row.notes,
        "payment_date": row.payment_date,
        "paid_at": row.paid_at,
        "received_by": row.received_by,
    }
    return [name for name, value in names.items() if value is not None]
