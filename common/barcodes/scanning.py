"""Resolving a scan: which record a code stands for, and what the desk should do next.

Every scan is kept as a `BarcodeScanEvent`, refusals included, so a refusal cannot be raised from
inside the operation that records it: raising rolls the operation back, event and all. So
`resolve_scan` *returns* the outcome — a `ScanResult` carrying the refusal, if any — and the
caller raises it once the scan is committed:

    with db.context(clinic_id, actor) as ctx:
        result = resolve_scan(ctx, value)
    result.raise_if_refused()          # the event is committed by now

`scan()` is exactly that, as one call, for routes and screens that only want the record or the
refusal.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import select

from common.access.permissions import Permission
from common.barcodes import payload
from common.barcodes.errors import (
    CodeDeactivated,
    CodeExpired,
    CodeFromAnotherClinic,
    CodeMistyped,
    CodeNotIssuedHere,
    CodeUnknown,
    ScanRefused,
)
from common.barcodes.models import BarcodeEntityType, BarcodeMapping, BarcodeScanEvent, ScanOutcome
from common.barcodes.service import KIND_FOR, staff_id, today
from common.barcodes.targets import (
    Target,
    find_manufacturer_item,
    inventory_entity_type,
    load_target,
    shown_fields,
)
from common.catalog.models import TreatmentCatalogItem
from common.context import Actor, ServiceContext
from common.database import Database
from common.ids import new_id
from common.patients.models import Patient
from common.scheduling.models import Appointment, AppointmentStatus
from common.scheduling.status import can_transition

_SCANNER_TYPE_LEN: Final = 50
_LOCATION_LEN: Final = 100
_VALUE_LEN: Final = 64
CHECKABLE_STATUSES: Final = frozenset(
    status for status in AppointmentStatus if can_transition(status, AppointmentStatus.CHECKED_IN)
)


class ScanAction(StrEnum):
    """What the desk does with a resolved code."""

    CHECK_IN = "check_in"  # a patient with an appointment to check in now
    OPEN_PATIENT = "open_patient"  # a patient with nothing to check in: show the record
    FILL_TREATMENT = "fill_treatment"  # a catalog treatment: fill the treatment record form
    ADJUST_STOCK = "adjust_stock"  # an inventory item or medicine: record a stock movement


@dataclass(frozen=True)
class ScanResult:
    """A scan as recorded: resolved to a record and an action, or refused with a reason."""

    scan_id: uuid.UUID
    outcome: ScanOutcome
    value: str
    barcode_id: uuid.UUID | None = None
    entity_type: BarcodeEntityType | None = None
    entity_id: uuid.UUID | None = None
    action: ScanAction | None = None
    appointment_id: uuid.UUID | None = None
    entity_data: Mapping[str, Any] = field(default_factory=dict)
    manufacturer_code: bool = False
    refusal: ScanRefused | None = None

    @property
    def resolved(self) -> bool:
        return self.outcome is ScanOutcome.RESOLVED

    def raise_if_refused(self) -> ScanResult:
        """Raise the refusal (call it after the scan's operation has committed)."""
        if self.refusal is not None:
            raise self.refusal
        return self


def resolve_scan(
    ctx: ServiceContext,
    raw_value: str,
    *,
    scanner_type: str | None = None,
    location: str | None = None,
    scan_id: uuid.UUID | None = None,
) -> ScanResult:
    """Resolve a scanned or typed value and record the scan; refusals are returned, not raised.
    `scan_id`: the event's id when the caller made it (a desk scanning offline)."""
    ctx.authorize(Permission.BARCODE_SCAN)
    reading = _read(ctx, raw_value)
    action, appointment_id = _action(ctx, reading.target) if reading.target is not None else (None, None)
    now = ctx.now()
    event = BarcodeScanEvent(
        id=scan_id or new_id(),
        clinic_id=ctx.clinic_id,
        barcode_id=reading.mapping.id if reading.mapping is not None else None,
        entity_type=reading.entity_type if reading.target is not None else None,
        entity_id=reading.target.id if reading.target is not None else None,
        outcome=reading.outcome,
        scanner_type=_clip(scanner_type, _SCANNER_TYPE_LEN),
        location=_clip(location, _LOCATION_LEN),
        action=action.value if action is not None else None,
        scanned_at=now,
        scanned_by=staff_id(ctx),
        device_id=ctx.actor.device_id,
    )
    ctx.session.add(event)
    if reading.target is not None and reading.mapping is not None:
        mapping = reading.mapping
        mapping.scan_count = BarcodeMapping.scan_count + 1
        mapping.last_scanned_at = now
        mapping.last_scanned_by = staff_id(ctx)
    if isinstance(reading.target, Patient):
        ctx.audit("barcode.scan", "Patient", reading.target.id, patient_id=reading.target.id)
    ctx.session.flush()
    return ScanResult(
        scan_id=event.id,
        outcome=reading.outcome,
        value=_clip(payload.normalize(raw_value), _VALUE_LEN) or "",
        barcode_id=event.barcode_id,
        entity_type=event.entity_type,
        entity_id=event.entity_id,
        action=action,
        appointment_id=appointment_id,
        entity_data=shown_fields(ctx, reading.target) if reading.target is not None else {},
        manufacturer_code=reading.manufacturer_code,
        refusal=reading.refusal,
    )


def scan(
    db: Database,
    clinic_id: uuid.UUID,
    actor: Actor,
    raw_value: str,
    *,
    scanner_type: str | None = None,
    location: str | None = None,
) -> ScanResult:
    """One whole operation: resolve and record the scan (committed), then raise any refusal."""
    with db.context(clinic_id, actor) as ctx:
        result = resolve_scan(ctx, raw_value, scanner_type=scanner_type, location=location)
    return result.raise_if_refused()


def checkable_appointment(ctx: ServiceContext, patient_id: uuid.UUID) -> Appointment | None:
    """The patient's appointment to check in now, if any: by the scheduling rules, one of today's
    (clinic time) whose status allows check-in; of several, the one starting nearest to now."""
    now = ctx.now()
    appointments = ctx.session.scalars(
        select(Appointment).where(
            Appointment.patient_id == patient_id,
            Appointment.appointment_date == today(ctx),
            Appointment.status.in_(CHECKABLE_STATUSES),
        )
    ).all()
    return min(appointments, key=lambda a: (abs(a.starts_at - now), a.starts_at), default=None)


@dataclass(frozen=True)
class _Reading:
    outcome: ScanOutcome
    mapping: BarcodeMapping | None = None
    target: Target | None = None
    entity_type: BarcodeEntityType | None = None
    manufacturer_code: bool = False
    refusal: ScanRefused | None = None


def _refused(refusal: ScanRefused, mapping: BarcodeMapping | None = None) -> _Reading:
    return _Reading(refusal.outcome, mapping=mapping, refusal=refusal)


def _manufacturer(ctx: ServiceContext, raw_value: str) -> _Reading | None:
    item = find_manufacturer_item(ctx, raw_value)
    if item is None:
        return None
    entity_type = inventory_entity_type(item)
    return _Reading(ScanOutcome.RESOLVED, target=item, entity_type=entity_type, manufacturer_code=True)


def _read(ctx: ServiceContext, raw_value: str) -> _Reading:
    clinic = ctx.clinic
    try:
        code = payload.verify(raw_value, clinic.id, clinic.barcode_secret)
    except payload.NotAClinicCode:
        return _manufacturer(ctx, raw_value) or _refused(CodeUnknown())
    except payload.MistypedCode:
        # A value merely shaped like ours (length, symbols) may still be a product's own barcode.
        looks_ours = payload.normalize(raw_value).startswith(payload.PREFIX)
        return (None if looks_ours else _manufacturer(ctx, raw_value)) or _refused(CodeMistyped())
    except payload.ForeignClinicCode:
        return _refused(CodeFromAnotherClinic())
    except payload.ForgedCode:
        return _refused(CodeNotIssuedHere())

    mapping = ctx.session.scalars(
        select(BarcodeMapping).where(BarcodeMapping.barcode_value == code.value)
    ).one_or_none()
    if mapping is None or KIND_FOR[mapping.entity_type] is not code.kind:
        return _refused(CodeUnknown())
    if not mapping.is_active:
        return _refused(CodeDeactivated(), mapping)
    if mapping.expiry_date is not None and mapping.expiry_date < today(ctx):
        return _refused(CodeExpired(expiry_date=mapping.expiry_date.isoformat()), mapping)
    target = load_target(ctx, mapping.entity_type, mapping.entity_id)
    if target is None:  # the record was removed: its code went with it
        return _refused(CodeDeactivated(), mapping)
    return _Reading(ScanOutcome.RESOLVED, mapping=mapping, target=target, entity_type=mapping.entity_type)


def _action(ctx: ServiceContext, target: Target) -> tuple[ScanAction, uuid.UUID | None]:
    if isinstance(target, Patient):
        appointment = checkable_appointment(ctx, target.id)
        if appointment is not None:
            return ScanAction.CHECK_IN, appointment.id
        return ScanAction.OPEN_PATIENT, None
    if isinstance(target, TreatmentCatalogItem):
        return ScanAction.FILL_TREATMENT, None
    return ScanAction.ADJUST_STOCK, None


def _clip(text: str | None, length: int) -> str | None:
    """A device's free-text label, kept printable and within its column."""
    if text is None:
        return None
    printable = "".join(ch for ch in text if ch.isprintable()).strip()
    return printable[:length] or None
