"""Every change the desk makes, in one module, as an intent: a name and JSON-able arguments (what
the sync outbox will carry to the server) plus the service call that applies it locally.

`perform` is the one place writes go through. Today it applies the service in one local
transaction. When the sync engine's `common.sync.intents.run_intent(db, actor, name, args)` lands
(the service and the outbox append in one transaction), `perform` switches to it, here and only
here; the intents' names and arguments are already what it takes.
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from common.barcodes.scanning import ScanResult, resolve_scan
from common.context import Actor, ServiceContext
from common.database import Database
from common.ids import new_id
from common.patients.merge import merge_patients, unmerge_patients
from common.patients.service import NewPatient, register_patient, update_patient
from common.payments.models import PaymentMethod
from common.payments.service import refund, take_payment
from common.scheduling.booking import BookingRequest, assign_time, book_appointment, reschedule_appointment
from common.scheduling.models import AppointmentType, DayPeriod
from common.scheduling.status import (
    cancel_appointment,
    check_in,
    check_out,
    confirm_appointment,
    mark_no_show,
)
from common.scheduling.waitlist import accept_offer, add_to_waitlist, cancel_waitlist_entry, decline_offer
from common.treatments.service import RecordedTreatment, record_treatment


@dataclass(frozen=True)
class Intent:
    """One change: its sync name and JSON-able arguments, the service call that applies it
    (returning the service's own result), and how that result is shaped for the screens."""

    name: str
    args: Mapping[str, Any]
    apply: Callable[[ServiceContext], Any]
    shape: Callable[[Any], Any] = lambda result: result
    # Runs after the transaction committed (a scan's refusal is raised once the scan is recorded).
    after: Callable[[Any], Any] | None = None
    changes: frozenset[str] = field(default_factory=frozenset)


def perform(db: Database, clinic_id: uuid.UUID, actor: Actor, intent: Intent) -> Any:
    """Apply one intent in one transaction: the one place every write of the desk goes through.

    On a replica enrolled with a clinic server, an intent the sync engine knows goes through
    `run_intent` (the change and its outbox mutation in one transaction); on a local-only replica
    (the demo clinic), and for changes that do not sync, the service is called directly."""
    run_intent = _sync_run_intent(intent.name)
    if run_intent is not None and _enrolled(db):
        raw = run_intent(db, actor, intent.name, dict(intent.args), clinic_id=clinic_id)
    else:
        with db.context(clinic_id, actor) as ctx:
            raw = intent.apply(ctx)
    result = intent.shape(raw)
    return intent.after(result) if intent.after is not None else result


def _sync_run_intent(name: str) -> Callable[..., Any] | None:
    try:
        intents = importlib.import_module("common.sync.intents")
        outbox = importlib.import_module("common.sync.outbox")
    except ImportError:
        return None
    if name not in getattr(intents, "INTENTS", {}):
        return None
    run = getattr(outbox, "run_intent", None)
    return run if callable(run) else None


def _enrolled(db: Database) -> bool:
    """Whether this replica belongs to a clinic server (sync_state names its clinic)."""
    try:
        state = importlib.import_module("common.sync.state")
        return state.get(db.engine, state.CLINIC_ID) is not None
    except (ImportError, SQLAlchemyError):
        return False


def _id(value: uuid.UUID | None) -> str | None:
    return str(value) if value is not None else None


def _when(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


# ---- appointments ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Booked:
    appointment_id: uuid.UUID
    reservation_id: str
    starts_at: datetime


def _booked(appointment: Any) -> Booked:
    return Booked(appointment.id, appointment.reservation_id, appointment.starts_at)


def _row_id(row: Any) -> Any:
    return getattr(row, "id", row)


def book(request: BookingRequest) -> Intent:
    if request.appointment_id is None:
        request = replace(request, appointment_id=new_id())
    return Intent(
        "book_appointment",
        {
            "appointment_id": _id(request.appointment_id),
            "patient_id": _id(request.patient_id),
            "doctor_id": _id(request.doctor_id),
            "starts_at": _when(request.starts_at),
            "day": _when(request.day),
            "period": request.period.value if request.period else None,
            "appointment_type": request.appointment_type.value,
            "duration_minutes": request.duration_minutes,
            "treatment_type_id": _id(request.treatment_type_id),
            "reason_for_visit": request.reason_for_visit,
            "notes": request.notes,
        },
        lambda ctx: book_appointment(ctx, request),
        shape=_booked,
    )


def assign_exact_time(appointment_id: uuid.UUID, starts_at: datetime) -> Intent:
    return Intent(
        "assign_time",
        {"appointment_id": str(appointment_id), "starts_at": starts_at.isoformat()},
        lambda ctx: assign_time(ctx, appointment_id, starts_at),
        shape=_row_id,
    )


def reschedule(
    appointment_id: uuid.UUID,
    *,
    starts_at: datetime | None = None,
    day: date | None = None,
    period: DayPeriod | None = None,
    doctor_id: uuid.UUID | None = None,
) -> Intent:
    return Intent(
        "reschedule_appointment",
        {
            "appointment_id": str(appointment_id),
            "starts_at": _when(starts_at),
            "day": _when(day),
            "period": period.value if period else None,
            "doctor_id": _id(doctor_id),
        },
        lambda ctx: reschedule_appointment(
            ctx, appointment_id, starts_at=starts_at, day=day, period=period, doctor_id=doctor_id
        ),
        shape=_row_id,
    )


def _appointment_move(
    name: str, appointment_id: uuid.UUID, move: Callable[[ServiceContext, uuid.UUID], Any]
) -> Intent:
    return Intent(
        name, {"appointment_id": str(appointment_id)}, lambda ctx: move(ctx, appointment_id), shape=_row_id
    )


def confirm(appointment_id: uuid.UUID) -> Intent:
    return _appointment_move("confirm_appointment", appointment_id, confirm_appointment)


def check_patient_in(appointment_id: uuid.UUID) -> Intent:
    return _appointment_move("check_in", appointment_id, check_in)


def check_patient_out(appointment_id: uuid.UUID) -> Intent:
    return _appointment_move("check_out", appointment_id, check_out)


def no_show(appointment_id: uuid.UUID) -> Intent:
    return _appointment_move("mark_no_show", appointment_id, mark_no_show)


def cancel(appointment_id: uuid.UUID, reason: str) -> Intent:
    return Intent(
        "cancel_appointment",
        {"appointment_id": str(appointment_id), "reason": reason},
        lambda ctx: cancel_appointment(ctx, appointment_id, reason),
        shape=_row_id,
    )


def join_waitlist(
    patient_id: uuid.UUID,
    wanted_date: date,
    *,
    doctor_id: uuid.UUID | None,
    period: DayPeriod | None,
    treatment_type_id: uuid.UUID | None,
    duration_minutes: int | None,
    appointment_type: AppointmentType,
    notes: str | None,
) -> Intent:
    return Intent(
        "add_to_waitlist",
        {
            "patient_id": str(patient_id),
            "wanted_date": wanted_date.isoformat(),
            "doctor_id": _id(doctor_id),
            "period": period.value if period else None,
            "treatment_type_id": _id(treatment_type_id),
            "duration_minutes": duration_minutes,
            "appointment_type": appointment_type.value,
            "notes": notes,
        },
        lambda ctx: add_to_waitlist(
            ctx,
            patient_id,
            wanted_date,
            doctor_id=doctor_id,
            period=period,
            duration_minutes=duration_minutes,
            treatment_type_id=treatment_type_id,
            appointment_type=appointment_type,
            notes=notes,
        ),
        shape=_row_id,
    )


def leave_waitlist(entry_id: uuid.UUID) -> Intent:
    return Intent(
        "cancel_waitlist_entry",
        {"entry_id": str(entry_id)},
        lambda ctx: cancel_waitlist_entry(ctx, entry_id),
        shape=_row_id,
    )


def accept_waitlist_offer(offer_id: uuid.UUID) -> Intent:
    return Intent(
        "accept_offer", {"offer_id": str(offer_id)}, lambda ctx: accept_offer(ctx, offer_id), shape=_row_id
    )


def decline_waitlist_offer(offer_id: uuid.UUID) -> Intent:
    return Intent(
        "decline_offer", {"offer_id": str(offer_id)}, lambda ctx: decline_offer(ctx, offer_id), shape=_row_id
    )


# ---- scans -----------------------------------------------------------------------------------


def scan(value: str, *, scanner_type: str = "keyboard_wedge", location: str = "front_desk") -> Intent:
    """Resolve and record a scan; its refusal is raised after the scan is committed."""
    return Intent(
        "resolve_scan",
        {"value": value, "scanner_type": scanner_type, "location": location},
        lambda ctx: resolve_scan(ctx, value, scanner_type=scanner_type, location=location),
        after=lambda result: result.raise_if_refused() if isinstance(result, ScanResult) else result,
    )


# ---- patients ----------------------------------------------------------------------------------


def register(patient: NewPatient) -> Intent:
    if patient.id is None:
        patient = replace(patient, id=new_id())
    values = {key: _json(value) for key, value in patient.__dict__.items()}
    return Intent("register_patient", values, lambda ctx: register_patient(ctx, patient), shape=_row_id)


def edit_patient(patient_id: uuid.UUID, changes: Mapping[str, Any], base_version: int | None) -> Intent:
    return Intent(
        "update_patient",
        {
            "patient_id": str(patient_id),
            "changes": {key: _json(value) for key, value in changes.items()},
            "base_version": base_version,
        },
        lambda ctx: update_patient(ctx, patient_id, changes, base_version),
        shape=_row_id,
    )


def merge(survivor_id: uuid.UUID, duplicate_id: uuid.UUID) -> Intent:
    return Intent(
        "merge_patients",
        {"survivor_id": str(survivor_id), "duplicate_id": str(duplicate_id)},
        lambda ctx: merge_patients(ctx, survivor_id, duplicate_id),
    )


def unmerge(merge_id: uuid.UUID) -> Intent:
    return Intent(
        "unmerge_patients", {"merge_id": str(merge_id)}, lambda ctx: unmerge_patients(ctx, merge_id)
    )


# ---- treatments and payments -------------------------------------------------------------------


@dataclass(frozen=True)
class TreatmentRecorded:
    treatment_id: uuid.UUID
    patient_id: uuid.UUID
    appointment_id: uuid.UUID | None
    treatment_name: str
    final_amount: Decimal
    currency: str
    follow_up_date: date | None
    suggestion: Mapping[str, Any]
    stock_warnings: tuple[tuple[str, int, int], ...]  # (item name, stock after, minimum)


def _recorded(done: RecordedTreatment) -> TreatmentRecorded:
    record = done.record
    return TreatmentRecorded(
        record.id,
        record.patient_id,
        record.appointment_id,
        record.treatment_name,
        record.final_amount,
        record.currency,
        record.follow_up_date,
        dict(record.next_treatment_suggestion or {}),
        tuple((w.item_name, w.stock_after, w.minimum_quantity) for w in done.stock_warnings),
    )


def record(
    patient_id: uuid.UUID,
    catalog_item_id: uuid.UUID,
    *,
    doctor_id: uuid.UUID,
    appointment_id: uuid.UUID | None,
    materials: Sequence[Mapping[str, Any]] | None,
    discount: Decimal,
    discount_percent: Decimal | None,
    notes: str | None,
    barcode_scanned: bool,
) -> Intent:
    lines = [dict(line) for line in materials] if materials is not None else None
    return Intent(
        "record_treatment",
        {
            "patient_id": str(patient_id),
            "catalog_item_id": str(catalog_item_id),
            "doctor_id": str(doctor_id),
            "appointment_id": _id(appointment_id),
            "materials": lines,
            "discount": str(discount),
            "discount_percent": str(discount_percent) if discount_percent is not None else None,
            "notes": notes,
            "barcode_scanned": barcode_scanned,
        },
        lambda ctx: record_treatment(
            ctx,
            patient_id,
            catalog_item_id,
            doctor_id=doctor_id,
            appointment_id=appointment_id,
            discount=discount,
            discount_percent=discount_percent,
            materials=lines,
            notes=notes,
            barcode_scanned=barcode_scanned,
        ),
        shape=_recorded,
    )


@dataclass(frozen=True)
class PaymentTaken:
    payment_id: uuid.UUID
    final_amount: Decimal
    currency: str


def _taken(row: Any) -> PaymentTaken:
    return PaymentTaken(row.id, row.final_amount, row.currency)


def pay(
    patient_id: uuid.UUID,
    amount: Decimal,
    method: PaymentMethod,
    *,
    treatment_id: uuid.UUID | None,
    appointment_id: uuid.UUID | None,
    discount: Decimal,
    notes: str | None,
    transaction_id: str | None = None,
) -> Intent:
    return Intent(
        "take_payment",
        {
            "patient_id": str(patient_id),
            "amount": str(amount),
            "method": method.value,
            "treatment_id": _id(treatment_id),
            "appointment_id": _id(appointment_id),
            "discount": str(discount),
            "notes": notes,
            "transaction_id": transaction_id,
        },
        lambda ctx: take_payment(
            ctx,
            patient_id,
            amount,
            method,
            appointment_id=appointment_id,
            treatment_id=treatment_id,
            discount=discount,
            notes=notes,
            transaction_id=transaction_id,
        ),
        shape=_taken,
    )


def give_refund(payment_id: uuid.UUID, amount: Decimal | None, reason: str) -> Intent:
    return Intent(
        "refund",
        {
            "payment_id": str(payment_id),
            "amount": str(amount) if amount is not None else None,
            "reason": reason,
        },
        lambda ctx: refund(ctx, payment_id, amount, reason=reason),
        shape=_taken,
    )


def _json(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): _json(item) for key, item in value.items()}
    if isinstance(value, Enum):
        return value.value
    return value
