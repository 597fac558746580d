"""The vocabulary of sync: what a device did, as an intent with its arguments.

A device runs an intent locally (through the same services the server uses) and records it in its
outbox; the server runs it again, authoritatively. Each intent has
- `args`: a pydantic schema (wrong types, unknown fields, oversized values are refused);
- `apply(ctx, args)`: calls the existing common services, the same on both sides;
- `prepare(ctx, args)` (device, before apply): records what the edit was based on;
- `finish(ctx, args, result)` (device, after apply): records what the device decided locally
  (an id, a proposed barcode value), so the server's row can be the same row.

Ids made on the device travel in the arguments (`appointment_id`, `patient_id`, ...), so a row has
the same id on every replica, and a chain of offline changes (a treatment, its payment, a refund
of that payment) names the same rows on the server. Where a caller may leave the new row's id out,
`prepare` fills it in on the device (`with_new_id`); a mutation naming a row that already exists
is answered with that row, not applied twice. Intents a kiosk may push are marked `kiosk=True`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Final, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import select

from common.access.permissions import Permission
from common.barcodes import payload as barcode_payload
from common.barcodes.models import BarcodeEntityType, BarcodeMapping
from common.checkin import service as checkin
from common.checkin.questions import Answer, record_arrival_answers
from common.context import ServiceContext
from common.ids import new_id
from common.inventory import service as inventory
from common.patients import service as patients
from common.patients.fields import clean_fields
from common.patients.models import PreferredLanguage
from common.payments import service as payments
from common.payments.models import PaymentMethod, PaymentRecord
from common.scheduling import booking, status
from common.scheduling.models import AppointmentType, DayPeriod
from common.storage.session import live_row
from common.sync import conflicts, reviews
from common.treatments import service as treatments
from common.treatments.models import TreatmentRecord

A = TypeVar("A", bound=BaseModel)

MAX_TEXT: Final = 10_000


class Args(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class Intent(Generic[A]):
    name: str
    args: type[A]
    permission: Permission
    apply: Callable[[ServiceContext, A], Any]
    kiosk: bool = False
    prepare: Callable[[ServiceContext, A], A] | None = None
    finish: Callable[[ServiceContext, A, Any], A] | None = None

    def parse(self, raw: Mapping[str, Any] | BaseModel) -> A:
        if isinstance(raw, self.args):
            return raw
        data = raw.model_dump() if isinstance(raw, BaseModel) else raw
        return self.args.model_validate(data)


INTENTS: dict[str, Intent[Any]] = {}


def register(intent: Intent[A]) -> Intent[A]:
    """Add an intent (features may add their own; the name is the wire name, never reused)."""
    if intent.name in INTENTS:
        raise ValueError(f"intent {intent.name} is already registered")
    INTENTS[intent.name] = intent
    return intent


def with_new_id(field: str) -> Callable[[ServiceContext, Any], Any]:
    """A `prepare` that gives the row this intent creates its id on the device, when the caller
    gave none (the server keeps it)."""

    def prepare(_ctx: ServiceContext, args: BaseModel) -> BaseModel:
        if getattr(args, field) is not None:
            return args
        return args.model_copy(update={field: new_row_id()})

    return prepare


def stamped(id_field: str, time_field: str) -> Callable[[ServiceContext, Any], Any]:
    """`with_new_id(id_field)`, and `time_field` set to the device's now when the caller gave no
    time: the row is dated when it happened at the desk, not when it reached the server."""
    with_id = with_new_id(id_field)

    def prepare(ctx: ServiceContext, args: BaseModel) -> BaseModel:
        args = with_id(ctx, args)
        if getattr(args, time_field) is not None:
            return args
        return args.model_copy(update={time_field: ctx.now()})

    return prepare


def json_value(value: Any) -> Any:
    """A stored value as JSON (for comparing and keeping field values)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    return value


# ---- patients ----------------------------------------------------------------------------------


class RegisterPatientArgs(Args):
    id: uuid.UUID
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    date_of_birth: date
    contact_email: str | None = Field(default=None, max_length=254)
    contact_phone: str | None = Field(default=None, max_length=50)
    emergency_contact: dict[str, Any] = Field(default_factory=dict)
    medical_history: dict[str, Any] = Field(default_factory=dict)
    allergies: list[Any] = Field(default_factory=list)
    current_medications: list[Any] = Field(default_factory=list)
    preferred_language: PreferredLanguage = PreferredLanguage.EN
    notes: str | None = Field(default=None, max_length=MAX_TEXT)
    marketing_opt_in: bool = False
    treatment_details_opt_in: bool = False
    # The card code the device issued offline; the server keeps it unless it is taken.
    barcode_value: str | None = Field(default=None, max_length=64)


def _register_patient(ctx: ServiceContext, args: RegisterPatientArgs) -> Any:
    data = args.model_dump(exclude={"barcode_value"})
    view = patients.register_patient(ctx, data)
    if args.barcode_value is not None:
        _adopt_proposed_barcode(ctx, args)
    return view


def _finish_register_patient(
    ctx: ServiceContext, args: RegisterPatientArgs, _result: Any
) -> RegisterPatientArgs:
    patient = patients.load_patient(ctx, args.id)
    return args.model_copy(update={"barcode_value": patient.barcode_id})


def _adopt_proposed_barcode(ctx: ServiceContext, args: RegisterPatientArgs) -> None:
    """Give the patient the code the device printed offline, if it is this clinic's and unused;
    otherwise keep the server's code and put a barcode conflict in the inbox (reprint the card)."""
    proposed = args.barcode_value or ""
    patient = patients.load_patient(ctx, args.id)
    if patient.barcode_id == proposed:
        return
    value = _patient_code(ctx, proposed)
    taken = value is not None and ctx.session.scalar(
        select(BarcodeMapping.id)
        .where(BarcodeMapping.barcode_value == value)
        .execution_options(include_deleted=True)
    )
    if value is None or taken:
        conflicts.record_barcode_conflict(ctx, args.id, proposed, patient.barcode_id)
        return
    mapping = ctx.session.scalars(
        select(BarcodeMapping).where(
            BarcodeMapping.entity_type == BarcodeEntityType.PATIENT,
            BarcodeMapping.entity_id == args.id,
            BarcodeMapping.barcode_value == patient.barcode_id,
        )
    ).one()
    mapping.barcode_value = value
    patients.attach_barcode(patient, value)
    ctx.session.flush()


def _patient_code(ctx: ServiceContext, raw: str) -> str | None:
    try:
        parsed = barcode_payload.verify(raw, ctx.clinic_id, ctx.clinic.barcode_secret)
    except barcode_payload.PayloadError:
        return None
    return parsed.value if parsed.kind is barcode_payload.CodeKind.PATIENT else None


class UpdatePatientArgs(Args):
    patient_id: uuid.UUID
    changes: dict[str, Any]
    base_version: int | None = None
    # The values the edit started from (filled in on the device): a field whose server value
    # differs from its base was changed elsewhere, and that value is kept for review.
    base_values: dict[str, Any] | None = None


def _prepare_update_patient(ctx: ServiceContext, args: UpdatePatientArgs) -> UpdatePatientArgs:
    patient = patients.load_patient(ctx, args.patient_id)
    base = {name: json_value(getattr(patient, name, None)) for name in args.changes}
    return args.model_copy(update={"base_values": base, "base_version": args.base_version or patient.version})


def _update_patient(ctx: ServiceContext, args: UpdatePatientArgs) -> Any:
    """Field-level merge: fields the edit did not touch are untouched; a field changed elsewhere
    since the edit's base is overwritten (the later edit to reach the server wins) and the
    overwritten value is kept in the review list. Device clocks play no part."""
    patient = patients.load_patient(ctx, args.patient_id)
    if args.base_values is not None:
        cleaned = clean_fields(args.changes, patients.clinic_today(ctx))
        current = {name: json_value(getattr(patient, name, None)) for name in cleaned}
        overwritten = {
            name: current[name]
            for name in cleaned
            if name in args.base_values
            and current[name] != args.base_values[name]
            and current[name] != json_value(cleaned[name])
        }
        reviews.record_overwrites(ctx, patient, overwritten, args.changes, args.base_version)
    return patients.change_patient(ctx, args.patient_id, args.changes).id


# ---- appointments ------------------------------------------------------------------------------


class BookAppointmentArgs(Args):
    appointment_id: uuid.UUID
    patient_id: uuid.UUID
    doctor_id: uuid.UUID
    starts_at: datetime | None = None
    day: date | None = None
    period: DayPeriod | None = None
    appointment_type: AppointmentType = AppointmentType.CONSULTATION
    duration_minutes: int | None = Field(default=None, ge=1, le=24 * 60)
    treatment_type_id: uuid.UUID | None = None
    reason_for_visit: str | None = Field(default=None, max_length=MAX_TEXT)
    notes: str | None = Field(default=None, max_length=MAX_TEXT)


def _book(ctx: ServiceContext, args: BookAppointmentArgs) -> Any:
    return booking.book_appointment(ctx, booking.BookingRequest(**args.model_dump()))


class AppointmentArgs(Args):
    appointment_id: uuid.UUID


class AssignTimeArgs(Args):
    appointment_id: uuid.UUID
    starts_at: datetime


class RescheduleArgs(Args):
    appointment_id: uuid.UUID
    starts_at: datetime | None = None
    day: date | None = None
    period: DayPeriod | None = None
    doctor_id: uuid.UUID | None = None


class CancelArgs(Args):
    appointment_id: uuid.UUID
    reason: str = Field(max_length=MAX_TEXT)


def _reschedule(ctx: ServiceContext, args: RescheduleArgs) -> Any:
    return booking.reschedule_appointment(
        ctx,
        args.appointment_id,
        starts_at=args.starts_at,
        day=args.day,
        period=args.period,
        doctor_id=args.doctor_id,
    )


# ---- treatments, money, stock -------------------------------------------------------------------


class RecordTreatmentArgs(Args):
    treatment_id: uuid.UUID | None = None
    patient_id: uuid.UUID
    catalog_item_id: uuid.UUID
    doctor_id: uuid.UUID
    appointment_id: uuid.UUID | None = None
    discount: Decimal = Decimal(0)
    discount_percent: Decimal | None = None
    materials: list[dict[str, Any]] | None = None
    notes: str | None = Field(default=None, max_length=MAX_TEXT)
    description: str | None = Field(default=None, max_length=MAX_TEXT)
    barcode_scanned: bool = False
    treatment_date: date | None = None


def _record_treatment(ctx: ServiceContext, args: RecordTreatmentArgs) -> Any:
    if args.treatment_id is not None:
        ctx.authorize(P.TREATMENT_RECORD, entity_type="treatment", patient_id=args.patient_id)
        done = _existing(ctx, TreatmentRecord, args.treatment_id)
        if done is not None and done.patient_id == args.patient_id:
            return treatments.RecordedTreatment(done, (), ())
    values = args.model_dump(exclude={"patient_id", "catalog_item_id"})
    return treatments.record_treatment(ctx, args.patient_id, args.catalog_item_id, **values)


def _existing(ctx: ServiceContext, model: type[Any], row_id: uuid.UUID) -> Any:
    """The clinic's row with this id, if the change that makes it was already applied (the same
    change sent again under another number, e.g. by a device restored from a backup)."""
    return live_row(ctx.session, model, row_id)


class TakePaymentArgs(Args):
    payment_id: uuid.UUID | None = None
    paid_at: AwareDatetime | None = None  # when the money changed hands at the desk
    patient_id: uuid.UUID
    amount: Decimal
    method: PaymentMethod
    appointment_id: uuid.UUID | None = None
    treatment_id: uuid.UUID | None = None
    discount: Decimal = Decimal(0)
    notes: str | None = Field(default=None, max_length=MAX_TEXT)
    transaction_id: str | None = Field(default=None, max_length=100)


def _take_payment(ctx: ServiceContext, args: TakePaymentArgs) -> Any:
    if args.payment_id is not None:
        ctx.authorize(P.PAYMENT_TAKE, entity_type="payment", patient_id=args.patient_id)
        done = _existing(ctx, PaymentRecord, args.payment_id)
        if done is not None and done.patient_id == args.patient_id and done.refund_of_id is None:
            return done
    values = args.model_dump(exclude={"patient_id", "amount", "method"})
    return payments.take_payment(ctx, args.patient_id, args.amount, args.method, **values)


class RefundArgs(Args):
    refund_id: uuid.UUID | None = None
    paid_at: AwareDatetime | None = None  # when the money went back at the desk
    payment_id: uuid.UUID
    amount: Decimal | None = None
    reason: str = Field(max_length=MAX_TEXT)
    method: PaymentMethod | None = None


def _refund(ctx: ServiceContext, args: RefundArgs) -> Any:
    if args.refund_id is not None:
        done = _existing(ctx, PaymentRecord, args.refund_id)
        if done is not None and done.refund_of_id == args.payment_id:
            ctx.authorize(P.PAYMENT_REFUND, entity_type="payment", patient_id=done.patient_id)
            return done
    return payments.refund(
        ctx,
        args.payment_id,
        args.amount,
        reason=args.reason,
        method=args.method,
        refund_id=args.refund_id,
        paid_at=args.paid_at,
    )


class StockArgs(Args):
    item_id: uuid.UUID
    quantity: int
    reason: str | None = Field(default=None, max_length=1000)


class ReceiveStockArgs(StockArgs):
    unit_cost: Decimal | None = None


class AdjustStockArgs(Args):
    item_id: uuid.UUID
    delta: int
    reason: str = Field(max_length=1000)


# ---- the inbox and the review list -----------------------------------------------------------------


class ResolveConflictArgs(Args):
    conflict_id: uuid.UUID
    action: conflicts.Resolution
    starts_at: datetime | None = None
    doctor_id: uuid.UUID | None = None
    note: str | None = Field(default=None, max_length=1000)


class ReviewArgs(Args):
    review_id: uuid.UUID


P = Permission


def _appointment_intent(
    name: str, permission: Permission, move: Callable[[ServiceContext, uuid.UUID], Any]
) -> None:
    register(Intent(name, AppointmentArgs, permission, lambda ctx, a: move(ctx, a.appointment_id)))


register(
    Intent(
        "register_patient",
        RegisterPatientArgs,
        P.PATIENT_WRITE,
        _register_patient,
        finish=_finish_register_patient,
    )
)
register(
    Intent(
        "update_patient", UpdatePatientArgs, P.PATIENT_WRITE, _update_patient, prepare=_prepare_update_patient
    )
)
register(Intent("book_appointment", BookAppointmentArgs, P.APPOINTMENT_BOOK, _book))
register(
    Intent(
        "assign_time",
        AssignTimeArgs,
        P.APPOINTMENT_MANAGE,
        lambda ctx, a: booking.assign_time(ctx, a.appointment_id, a.starts_at),
    )
)
register(Intent("reschedule_appointment", RescheduleArgs, P.APPOINTMENT_MANAGE, _reschedule))
register(
    Intent(
        "cancel_appointment",
        CancelArgs,
        P.APPOINTMENT_MANAGE,
        lambda ctx, a: status.cancel_appointment(ctx, a.appointment_id, a.reason),
    )
)
_appointment_intent("confirm_appointment", P.APPOINTMENT_MANAGE, status.confirm_appointment)
_appointment_intent("check_in", P.APPOINTMENT_CHECK_IN, status.check_in)
_appointment_intent("start_appointment", P.APPOINTMENT_CHECK_OUT, status.start_appointment)
_appointment_intent("check_out", P.APPOINTMENT_CHECK_OUT, status.check_out)
_appointment_intent("mark_no_show", P.APPOINTMENT_MANAGE, status.mark_no_show)


class KioskCheckInArgs(AppointmentArgs):
    checked_in_at: AwareDatetime | None = None  # when the patient stood at the kiosk


register(
    Intent(
        "kiosk_check_in",
        KioskCheckInArgs,
        P.APPOINTMENT_CHECK_IN,
        # The kiosk judged the check-in window when the patient stood there; an offline check-in
        # may arrive long after, so the server only re-checks the appointment's status, and keeps
        # the kiosk's time (clamped to the appointment's day and to now).
        lambda ctx, a: checkin.record_kiosk_check_in(ctx, a.appointment_id, checked_in_at=a.checked_in_at),
        kiosk=True,
    )
)


class KioskAnswersArgs(Args):
    appointment_id: uuid.UUID
    answers: dict[uuid.UUID, Answer] = Field(max_length=50)


register(
    Intent(
        "kiosk_answers",
        KioskAnswersArgs,
        P.APPOINTMENT_CHECK_IN,
        lambda ctx, a: record_arrival_answers(ctx, a.appointment_id, a.answers),
        kiosk=True,
    )
)
register(
    Intent(
        "record_treatment",
        RecordTreatmentArgs,
        P.TREATMENT_RECORD,
        _record_treatment,
        prepare=with_new_id("treatment_id"),
    )
)
register(
    Intent(
        "take_payment",
        TakePaymentArgs,
        P.PAYMENT_TAKE,
        _take_payment,
        prepare=stamped("payment_id", "paid_at"),
    )
)
register(Intent("refund", RefundArgs, P.PAYMENT_REFUND, _refund, prepare=stamped("refund_id", "paid_at")))
register(
    Intent(
        "receive_stock",
        ReceiveStockArgs,
        P.INVENTORY_MOVE,
        lambda ctx, a: inventory.receive_stock(
            ctx, a.item_id, a.quantity, unit_cost=a.unit_cost, reason=a.reason
        ),
    )
)
register(
    Intent(
        "use_stock",
        StockArgs,
        P.INVENTORY_MOVE,
        lambda ctx, a: inventory.use_stock(ctx, a.item_id, a.quantity, reason=a.reason),
    )
)
register(
    Intent(
        "adjust_stock",
        AdjustStockArgs,
        P.INVENTORY_MOVE,
        lambda ctx, a: inventory.adjust_stock(ctx, a.item_id, a.delta, reason=a.reason),
    )
)
register(
    Intent(
        "record_waste",
        StockArgs,
        P.INVENTORY_MOVE,
        lambda ctx, a: inventory.record_waste(ctx, a.item_id, a.quantity, reason=a.reason or ""),
    )
)
register(
    Intent(
        "resolve_conflict",
        ResolveConflictArgs,
        conflicts.RESOLVE_PERMISSION,
        lambda ctx, a: conflicts.resolve_conflict(
            ctx, a.conflict_id, a.action, starts_at=a.starts_at, doctor_id=a.doctor_id, note=a.note
        ),
    )
)
register(
    Intent(
        "acknowledge_merge_review",
        ReviewArgs,
        reviews.REVIEW_PERMISSION,
        lambda ctx, a: reviews.acknowledge(ctx, a.review_id),
    )
)


def new_row_id() -> uuid.UUID:
    """An id for a row a device creates (UUIDv7, never reused)."""
    return new_id()


from common.sync.intent_sets import barcodes_extra as _barcodes_extra  # noqa: E402, F401 (registers them)
from common.sync.intent_sets import catalog as _catalog_intents  # noqa: E402, F401 (registers them)
from common.sync.intent_sets import chat as _chat_intents  # noqa: E402, F401 (registers them)
from common.sync.intent_sets import patients_extra as _patients_extra  # noqa: E402, F401 (registers them)
from common.sync.intent_sets import registration as _registration_intents  # noqa: E402, F401 (registers them)
from common.sync.intent_sets import scheduling_extra as _scheduling_extra  # noqa: E402, F401 (registers them)
from common.sync.intent_sets import settings as _settings_intents  # noqa: E402, F401 (registers them)
from common.sync.intent_sets import staff as _staff_intents  # noqa: E402, F401 (registers them)
from common.sync.intent_sets import treatments_extra as _treatments_extra  # noqa: E402, F401 (registers them)
