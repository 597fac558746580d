"""`/api/payments`: take a payment, refund it, a patient's payments, the day's cash-up."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from common.access.permissions import Permission
from common.payments import service as payments
from sync_server.appointments.service import clinic_today
from sync_server.auth.dependencies import ApiContext
from sync_server.errors import ERROR_RESPONSES
from sync_server.fields import Day
from sync_server.payments.schemas import CashUpOut, MethodTotalsOut, PaymentCreate, PaymentOut, RefundCreate
from sync_server.permissions import requires

router = APIRouter(prefix="/api/payments", tags=["payments"], responses=ERROR_RESPONSES)


@router.post(
    "",
    response_model=PaymentOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=requires(Permission.PAYMENT_TAKE),
)
def take(body: PaymentCreate, ctx: ApiContext) -> PaymentOut:
    payment = payments.take_payment(
        ctx,
        body.patient_id,
        body.amount,
        body.payment_method,
        appointment_id=body.appointment_id,
        treatment_id=body.treatment_id,
        discount=body.discount,
        notes=body.notes,
        transaction_id=body.transaction_id,
    )
    return PaymentOut.model_validate(payment)


@router.get("", response_model=list[PaymentOut], openapi_extra=requires(Permission.PAYMENT_READ))
def list_for_patient(patient_id: uuid.UUID, ctx: ApiContext) -> list[PaymentOut]:
    """A patient's payments and refunds, newest first."""
    return [PaymentOut.model_validate(p) for p in payments.list_patient_payments(ctx, patient_id)]


@router.get("/cash-up", response_model=CashUpOut, openapi_extra=requires(Permission.PAYMENT_CASH_UP))
def cash_up(ctx: ApiContext, date: Day | None = None) -> CashUpOut:
    """One clinic day's takings by method and currency (default: today, clinic time)."""
    result = payments.cash_up(ctx, date or clinic_today(ctx))
    return CashUpOut(day=result.day, lines=[MethodTotalsOut.model_validate(line) for line in result.lines])


@router.get("/{payment_id}", response_model=PaymentOut, openapi_extra=requires(Permission.PAYMENT_READ))
def read(payment_id: uuid.UUID, ctx: ApiContext) -> PaymentOut:
    return PaymentOut.model_validate(payments.get_payment(ctx, payment_id))


@router.post(
    "/{payment_id}/refund",
    response_model=PaymentOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=requires(Permission.PAYMENT_REFUND),
)
def refund(payment_id: uuid.UUID, body: RefundCreate, ctx: ApiContext) -> PaymentOut:
    """Give back some or all of a payment (partial refunds add up to at most the payment)."""
    given = payments.refund(ctx, payment_id, body.amount, reason=body.reason, method=body.payment_method)
    return PaymentOut.model_validate(given)
