"""Recording what was done to a patient.

`record_treatment` fills the record from the catalog (name, duration, price, currency), applies
the discount, books one `use` movement per material in the same transaction, and works out the
follow-up date and next-treatment suggestion. Everything is validated before anything is
written, and the operation commits or rolls back as one.

Stock going below zero does not stop a treatment from being recorded: the treatment has happened,
the record is clinical and must exist, and a desk's replica may simply not have seen another
desk's delivery yet (stock is a sum of movements that converges on sync). The result carries a
warning per material that is now below zero or at/below its minimum, for the screen to show and
for a stock count to correct.

Every operation on a treatment record writes exactly one audit row (ids and field names only).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import select

from common.access.permissions import Permission
from common.catalog.models import TreatmentKind
from common.catalog.service import active_catalog_item
from common.context import ServiceContext
from common.errors import Conflict
from common.fields import UNSET, Unset, optional_text
from common.i18n import L_
from common.ids import new_id
from common.inventory.models import InventoryItem, InventoryMovement, UnitOfMeasure
from common.inventory.stock import (
    MaterialInput,
    MaterialLine,
    StockLevel,
    acting_staff_id,
    levels_of,
    parse_material_lines,
    treatment_use_movements,
)
from common.payments.money import MoneyInput, in_currency, parse_money, percent_of
from common.scheduling.models import Appointment, AppointmentStatus
from common.scheduling.status import can_transition
from common.treatments.errors import (
    DiscountGivenTwice,
    InvalidDiscount,
    InvalidFollowUpDate,
    TreatmentAlreadyCompleted,
    TreatmentDateInFuture,
    TreatmentNotFound,
)
from common.treatments.lookups import require_appointment, require_doctor, require_patient
from common.treatments.models import TreatmentRecord
from common.treatments.suggestions import TreatmentSuggestion, plan_for, suggestion_for

P = Permission
ENTITY: Final = "treatment"
ZERO: Final = Decimal(0)


@dataclass(frozen=True)
class StockWarning:
    """A material whose stock, after this treatment, is below zero or at/below its minimum."""

    item_id: uuid.UUID
    item_name: str
    stock_after: int
    minimum_quantity: int
    is_tracked: bool

    @property
    def negative(self) -> bool:
        return self.stock_after < 0

    @property
    def low(self) -> bool:
        return self.stock_after <= self.minimum_quantity


@dataclass(frozen=True)
class RecordedTreatment:
    record: TreatmentRecord
    movements: tuple[InventoryMovement, ...]
    stock_warnings: tuple[StockWarning, ...]


@dataclass(frozen=True)
class PrefillMaterial:
    item_id: uuid.UUID
    name: str
    quantity: int
    unit_of_measure: UnitOfMeasure
    current_stock: int
    is_tracked: bool

    @property
    def enough_stock(self) -> bool:
        return self.current_stock >= self.quantity


@dataclass(frozen=True)
class TreatmentPrefill:
    """What a scanned treatment code fills into the treatment form."""

    catalog_item_id: uuid.UUID
    name: str
    kind: TreatmentKind
    subcategory: str | None
    description: str | None
    price: Decimal
    currency: str
    duration_minutes: int
    advantages: tuple[str, ...]
    cautions: tuple[str, ...]
    recommended_for: tuple[str, ...]
    instructions: str | None
    requires_doctor_approval: bool
    follow_up_interval_days: int | None
    materials: tuple[PrefillMaterial, ...]
    # Default materials whose inventory item has since been removed (left out of `materials`).
    missing_item_ids: tuple[uuid.UUID, ...]


def record_treatment(
    ctx: ServiceContext,
    patient_id: uuid.UUID,
    catalog_item_id: uuid.UUID,
    *,
    doctor_id: uuid.UUID,
    appointment_id: uuid.UUID | None = None,
    discount: MoneyInput = ZERO,
    discount_percent: MoneyInput | None = None,
    materials: Iterable[MaterialInput] | None = None,
    notes: str | None = None,
    description: str | None = None,
    barcode_scanned: bool = False,
    treatment_date: date | None = None,
    treatment_id: uuid.UUID | None = None,
) -> RecordedTreatment:
    """Record a treatment from its catalog item.

    `materials=None` uses the catalog item's default materials; `[]` records none. The discount
    is an amount (0 to the price) or `discount_percent` (0-100), not both. `treatment_date`
    defaults to today in the clinic and cannot be in the future. `treatment_id` is the record's
    id when the caller made it (a device recording offline); otherwise a new one.

    A Checked-in appointment moves to In-progress (the scheduling status machine's own step,
    taken inside this operation so that it stays one transaction with one audit row).
    """
    ctx.authorize(P.TREATMENT_RECORD, entity_type=ENTITY, patient_id=patient_id)
    require_patient(ctx, patient_id)
    item = active_catalog_item(ctx, catalog_item_id)
    require_doctor(ctx, doctor_id)
    appointment = None if appointment_id is None else require_appointment(ctx, appointment_id, patient_id)
    today = _today(ctx)
    performed_on = treatment_date or today
    if performed_on > today:
        raise TreatmentDateInFuture()
    price = in_currency(item.base_price, item.currency)
    discount_amount = _discount(price, item.currency, discount, discount_percent)
    lines = parse_material_lines(ctx, item.default_inventory_items if materials is None else materials)
    names = _item_names(ctx, lines)
    plan = plan_for(ctx, patient_id, item, performed_on)

    record_id = treatment_id or new_id()
    movements = treatment_use_movements(ctx, lines, record_id)
    record = TreatmentRecord(
        id=record_id,
        clinic_id=ctx.clinic_id,
        patient_id=patient_id,
        appointment_id=appointment_id,
        doctor_id=doctor_id,
        treatment_date=performed_on,
        treatment_type_id=item.id,
        treatment_name=item.name,
        description=optional_text(description, field=L_("description")) or item.description,
        duration_minutes=item.duration_minutes,
        materials_used=[line.as_json() | {"name": names[line.item_id]} for line in lines],
        cost=price,
        currency=item.currency,
        discount_applied=discount_amount,
        final_amount=price - discount_amount,
        notes=optional_text(notes, field=L_("notes")),
        follow_up_required=plan.follow_up_date is not None,
        follow_up_date=plan.follow_up_date,
        next_treatment_suggestion=plan.suggestion,
        barcode_scanned=barcode_scanned,
        inventory_items_used=[
            {"item_id": str(m.item_id), "quantity": -m.quantity, "movement_id": str(m.id)} for m in movements
        ],
        recorded_by=acting_staff_id(ctx),
    )
    ctx.session.add(record)
    # The movements reference the record (a composite foreign key), so it is written first.
    ctx.session.flush()
    ctx.session.add_all(movements)
    changed = _set_fields(record)
    if appointment is not None and _start_visit(appointment):
        changed.append("appointment.status")
    warnings = _stock_warnings(levels_of(ctx, [line.item_id for line in lines]))
    ctx.audit("treatment.record", ENTITY, record.id, patient_id=patient_id, changed_fields=changed)
    ctx.session.flush()
    return RecordedTreatment(record, tuple(movements), warnings)


def update_treatment(
    ctx: ServiceContext,
    treatment_id: uuid.UUID,
    *,
    notes: str | Unset | None = UNSET,
    complications: str | Unset | None = UNSET,
    patient_feedback: str | Unset | None = UNSET,
    description: str | Unset | None = UNSET,
    follow_up_required: bool | Unset = UNSET,
    follow_up_date: date | Unset | None = UNSET,
    expected_version: int | None = None,
) -> TreatmentRecord:
    """Edit the clinical side of a record (also after completion: complications surface later).
    What was charged and used is not edited here; money is corrected through payments."""
    record = _record_for(ctx, treatment_id, P.TREATMENT_RECORD)
    if expected_version is not None and record.version != expected_version:
        raise Conflict()
    changes: dict[str, Any] = {}
    if notes is not UNSET:
        changes["notes"] = optional_text(notes, field=L_("notes"))
    if complications is not UNSET:
        changes["complications"] = optional_text(complications, field=L_("complications"))
    if patient_feedback is not UNSET:
        changes["patient_feedback"] = optional_text(patient_feedback, field=L_("patient feedback"))
    if description is not UNSET:
        changes["description"] = optional_text(description, field=L_("description"))
    if follow_up_required is not UNSET:
        changes["follow_up_required"] = follow_up_required
    if follow_up_date is not UNSET:
        if follow_up_date is not None and follow_up_date < record.treatment_date:
            raise InvalidFollowUpDate()
        changes["follow_up_date"] = follow_up_date
    changed = [name for name, value in changes.items() if getattr(record, name) != value]
    for name in changed:
        setattr(record, name, changes[name])
    ctx.audit("treatment.update", ENTITY, record.id, patient_id=record.patient_id, changed_fields=changed)
    ctx.session.flush()
    return record


def complete_treatment(
    ctx: ServiceContext, treatment_id: uuid.UUID, *, complications: str | None = None
) -> TreatmentRecord:
    """Mark the treatment done (once), optionally noting complications at the same time."""
    record = _record_for(ctx, treatment_id, P.TREATMENT_RECORD)
    if record.completed_at is not None:
        raise TreatmentAlreadyCompleted()
    record.completed_at = ctx.now()
    changed = ["completed_at"]
    note = optional_text(complications, field=L_("complications"))
    if note is not None and note != record.complications:
        record.complications = note
        changed.append("complications")
    ctx.audit("treatment.complete", ENTITY, record.id, patient_id=record.patient_id, changed_fields=changed)
    ctx.session.flush()
    return record


def get_treatment(ctx: ServiceContext, treatment_id: uuid.UUID) -> TreatmentRecord:
    record = _record_for(ctx, treatment_id, P.TREATMENT_READ)
    ctx.audit("treatment.read", ENTITY, record.id, patient_id=record.patient_id)
    return record


def list_patient_treatments(
    ctx: ServiceContext, patient_id: uuid.UUID, *, limit: int | None = None
) -> list[TreatmentRecord]:
    """A patient's treatments, newest first."""
    ctx.authorize(P.TREATMENT_READ, entity_type=ENTITY, patient_id=patient_id)
    require_patient(ctx, patient_id)
    query = (
        select(TreatmentRecord)
        .where(TreatmentRecord.patient_id == patient_id)
        .order_by(TreatmentRecord.treatment_date.desc(), TreatmentRecord.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    records = list(ctx.session.scalars(query))
    ctx.audit("treatment.list", ENTITY, None, patient_id=patient_id)
    return records


def suggestions(ctx: ServiceContext, treatment_id: uuid.UUID) -> TreatmentSuggestion:
    """The follow-up and next-treatment suggestion of a recorded treatment."""
    record = _record_for(ctx, treatment_id, P.TREATMENT_READ)
    result = suggestion_for(ctx, record)
    ctx.audit("treatment.suggestions", ENTITY, record.id, patient_id=record.patient_id)
    return result


def prefill_from_catalog(ctx: ServiceContext, catalog_item_id: uuid.UUID) -> TreatmentPrefill:
    """The treatment form's contents for a catalog item (a scanned treatment code): price,
    duration, cautions, instructions and default materials with their names and current stock.
    No patient data is read, so nothing is audited."""
    ctx.authorize(P.CATALOG_READ, entity_type="catalog", entity_id=catalog_item_id)
    item = active_catalog_item(ctx, catalog_item_id)
    defaults: list[tuple[uuid.UUID, int]] = []
    for line in item.default_inventory_items:
        try:
            defaults.append((uuid.UUID(str(line["item_id"])), int(line["quantity"])))
        except (KeyError, TypeError, ValueError):
            continue  # a malformed stored line cannot be prefilled; recording would refuse it
    levels = levels_of(ctx, [item_id for item_id, _ in defaults])
    materials = tuple(
        PrefillMaterial(
            item_id=item_id,
            name=levels[item_id].name,
            quantity=quantity,
            unit_of_measure=levels[item_id].unit_of_measure,
            current_stock=levels[item_id].quantity,
            is_tracked=levels[item_id].is_tracked,
        )
        for item_id, quantity in defaults
        if item_id in levels
    )
    return TreatmentPrefill(
        catalog_item_id=item.id,
        name=item.name,
        kind=item.category,
        subcategory=item.subcategory,
        description=item.description,
        price=in_currency(item.base_price, item.currency),
        currency=item.currency,
        duration_minutes=item.duration_minutes,
        advantages=tuple(item.advantages),
        cautions=tuple(item.cautions),
        recommended_for=tuple(item.recommended_for),
        instructions=item.instructions,
        requires_doctor_approval=item.requires_doctor_approval,
        follow_up_interval_days=item.follow_up_interval_days,
        materials=materials,
        missing_item_ids=tuple(item_id for item_id, _ in defaults if item_id not in levels),
    )


def percent_discount(price: Decimal, percent: MoneyInput, currency: str) -> Decimal:
    """`percent`% of `price`, rounded half-up to the currency's minor unit."""
    return percent_of(price, percent, currency)


# ---- helpers -----------------------------------------------------------------------------------


def _record_for(ctx: ServiceContext, treatment_id: uuid.UUID, permission: Permission) -> TreatmentRecord:
    """Load, then authorize, so that a refusal is audited with the record's patient."""
    record = ctx.session.scalars(
        select(TreatmentRecord).where(TreatmentRecord.id == treatment_id)
    ).one_or_none()
    patient_id = record.patient_id if record is not None else None
    ctx.authorize(permission, entity_type=ENTITY, entity_id=treatment_id, patient_id=patient_id)
    if record is None:
        raise TreatmentNotFound()
    return record


def _discount(price: Decimal, currency: str, amount: MoneyInput, percent: MoneyInput | None) -> Decimal:
    given = parse_money(amount, currency, field=L_("discount"))
    if percent is not None:
        if given != ZERO:
            raise DiscountGivenTwice()
        given = percent_of(price, percent, currency)
    if given > price:
        raise InvalidDiscount(price=str(price), currency=currency)
    return given


def _item_names(ctx: ServiceContext, lines: list[MaterialLine]) -> dict[uuid.UUID, str]:
    if not lines:
        return {}
    rows = ctx.session.execute(
        select(InventoryItem.id, InventoryItem.name).where(
            InventoryItem.id.in_([line.item_id for line in lines])
        )
    )
    return {row.id: row.name for row in rows}


def _stock_warnings(levels: dict[uuid.UUID, StockLevel]) -> tuple[StockWarning, ...]:
    return tuple(
        StockWarning(level.item_id, level.name, level.quantity, level.minimum_quantity, level.is_tracked)
        for level in levels.values()
        if level.is_negative or level.is_low
    )


def _set_fields(record: TreatmentRecord) -> list[str]:
    fields = [
        "patient_id",
        "doctor_id",
        "treatment_date",
        "treatment_type_id",
        "treatment_name",
        "duration_minutes",
        "cost",
        "currency",
        "discount_applied",
        "final_amount",
        "barcode_scanned",
        "next_treatment_suggestion",
        "follow_up_required",
    ]
    optional = {
        "appointment_id": record.appointment_id,
        "description": record.description,
        "notes": record.notes,
        "follow_up_date": record.follow_up_date,
        "materials_used": record.materials_used,
        "inventory_items_used": record.inventory_items_used,
        "recorded_by": record.recorded_by,
    }
    return fields + [name for name, value in optional.items() if value]


def _start_visit(appointment: Appointment) -> bool:
    """Checked-in -> In-progress, if the scheduling status machine allows it; other statuses stay."""
    if appointment.status is not AppointmentStatus.CHECKED_IN:
        return False
    if not can_transition(appointment.status, AppointmentStatus.IN_PROGRESS):
        return False
    appointment.status = AppointmentStatus.IN_PROGRESS
    return True


def _today(ctx: ServiceContext) -> date:
    return ctx.now().astimezone(ctx.tz).date()
