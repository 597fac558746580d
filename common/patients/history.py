"""A patient's whole history in one call: one indexed query per table, newest first.

The history is a timeline, so each entry carries the columns a timeline shows, not whole
records (a record's details are opened by its own service). Loading 500 visits as full ORM
objects costs several times the SQL; these entries keep the call close to the query's cost.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from common.access.permissions import Permission
from common.barcodes.models import BarcodeEntityType, BarcodeMapping
from common.chat.models import ChatMessage
from common.context import ServiceContext
from common.patients.service import ENTITY, load_patient
from common.patients.views import PatientView, view_for
from common.payments.models import PaymentKind, PaymentMethod, PaymentRecord, PaymentStatus
from common.scheduling.models import Appointment, AppointmentStatus, AppointmentType, DayPeriod
from common.storage.base import Base
from common.treatments.models import TreatmentRecord

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


@dataclass(frozen=True, slots=True)
class AppointmentEntry:
    id: uuid.UUID
    reservation_id: str
    starts_at: datetime
    ends_at: datetime
    status: AppointmentStatus
    appointment_type: AppointmentType
    doctor_id: uuid.UUID
    treatment_type_id: uuid.UUID | None
    period: DayPeriod | None
    time_assigned: bool


@dataclass(frozen=True, slots=True)
class TreatmentEntry:
    id: uuid.UUID
    treatment_date: date
    treatment_name: str
    treatment_type_id: uuid.UUID
    doctor_id: uuid.UUID
    appointment_id: uuid.UUID | None
    final_amount: Decimal
    currency: str
    follow_up_date: date | None


@dataclass(frozen=True, slots=True)
class PaymentEntry:
    id: uuid.UUID
    paid_at: datetime
    kind: PaymentKind
    final_amount: Decimal
    currency: str
    payment_method: PaymentMethod | None
    payment_status: PaymentStatus
    appointment_id: uuid.UUID | None
    treatment_id: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class BarcodeEntry:
    id: uuid.UUID
    barcode_value: str
    is_active: bool
    generated_at: datetime
    expiry_date: date | None
    scan_count: int


@dataclass(frozen=True)
class PatientHistory:
    """Everything about one patient the reader may see, newest first. A section the reader's
    role may not see is None (not empty), so a screen can tell "none" from "not for you"."""

    patient: PatientView
    appointments: tuple[AppointmentEntry, ...] | None
    treatments: tuple[TreatmentEntry, ...] | None
    payments: tuple[PaymentEntry, ...] | None
    barcodes: tuple[BarcodeEntry, ...]
    chat_message_count: int | None


def _columns(model: type[Base], entry: type[DataclassInstance]) -> list[Any]:
    """The model's columns named by the entry's fields, in field order, so a row builds an entry
    positionally (much cheaper per row than by keyword from `row._mapping`)."""
    return [getattr(model, field.name) for field in fields(entry)]


_APPOINTMENT_COLUMNS = _columns(Appointment, AppointmentEntry)
_TREATMENT_COLUMNS = _columns(TreatmentRecord, TreatmentEntry)
_PAYMENT_COLUMNS = _columns(PaymentRecord, PaymentEntry)
_BARCODE_COLUMNS = _columns(BarcodeMapping, BarcodeEntry)


def full_history(ctx: ServiceContext, patient_id: uuid.UUID) -> PatientHistory:
    ctx.authorize(Permission.PATIENT_READ, entity_type=ENTITY, entity_id=patient_id, patient_id=patient_id)
    patient = load_patient(ctx, patient_id)
    history = PatientHistory(
        patient=view_for(ctx, patient),
        appointments=_appointments(ctx, patient.id) if ctx.can(Permission.APPOINTMENT_READ) else None,
        treatments=_treatments(ctx, patient.id) if ctx.can(Permission.TREATMENT_READ) else None,
        payments=_payments(ctx, patient.id) if ctx.can(Permission.PAYMENT_READ) else None,
        barcodes=_barcodes(ctx, patient.id),
        chat_message_count=_chat_count(ctx, patient.id) if ctx.can(Permission.CHAT_READ) else None,
    )
    ctx.audit("patient.history", ENTITY, patient.id, patient_id=patient.id)
    return history


def _appointments(ctx: ServiceContext, patient_id: uuid.UUID) -> tuple[AppointmentEntry, ...]:
    a = Appointment
    rows = ctx.session.execute(
        select(*_APPOINTMENT_COLUMNS).where(a.patient_id == patient_id).order_by(a.starts_at.desc(), a.id)
    )
    return tuple(AppointmentEntry(*row) for row in rows)


def _treatments(ctx: ServiceContext, patient_id: uuid.UUID) -> tuple[TreatmentEntry, ...]:
    t = TreatmentRecord
    rows = ctx.session.execute(
        select(*_TREATMENT_COLUMNS)
        .where(t.patient_id == patient_id)
        .order_by(t.treatment_date.desc(), t.id.desc())
    )
    return tuple(TreatmentEntry(*row) for row in rows)


def _payments(ctx: ServiceContext, patient_id: uuid.UUID) -> tuple[PaymentEntry, ...]:
    p = PaymentRecord
    rows = ctx.session.execute(
        select(*_PAYMENT_COLUMNS).where(p.patient_id == patient_id).order_by(p.paid_at.desc(), p.id)
    )
    return tuple(PaymentEntry(*row) for row in rows)


def _barcodes(ctx: ServiceContext, patient_id: uuid.UUID) -> tuple[BarcodeEntry, ...]:
    b = BarcodeMapping
    rows = ctx.session.execute(
        select(*_BARCODE_COLUMNS)
        .where(b.entity_type == BarcodeEntityType.PATIENT, b.entity_id == patient_id)
        .order_by(b.generated_at.desc(), b.id)
    )
    return tuple(BarcodeEntry(*row) for row in rows)


def _chat_count(ctx: ServiceContext, patient_id: uuid.UUID) -> int:
    return (
        ctx.session.scalar(select(func.count(ChatMessage.id)).where(ChatMessage.patient_id == patient_id))
        or 0
    )
