"""Barcodes of patients, treatments, inventory and medicines: issue, look up, deactivate,
regenerate and expire them. Scanning is in `scanning`, scan history and counts in `history`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from sqlalchemy import select

from common.access.permissions import Permission
from common.audit.models import ActorType
from common.barcodes import payload
from common.barcodes.errors import (
    BarcodeNotFound,
    CodeAlreadyDeactivated,
    CodeFromAnotherClinic,
    CodeMistyped,
    CodeNotIssuedHere,
    CodeTargetNotFound,
    CodeUnknown,
    DeactivationReasonMissing,
    EntityAlreadyHasCode,
    ExpiryInPast,
)
from common.barcodes.models import BarcodeEntityType, BarcodeMapping, BarcodePurpose
from common.barcodes.targets import Target, find_manufacturer_item, inventory_entity_type, load_target
from common.context import ServiceContext
from common.patients.models import Patient
from common.patients.search_keys import search_text
from common.storage.session import live_row

KIND_FOR: Final[dict[BarcodeEntityType, payload.CodeKind]] = {
    BarcodeEntityType.PATIENT: payload.CodeKind.PATIENT,
    BarcodeEntityType.TREATMENT: payload.CodeKind.TREATMENT,
    BarcodeEntityType.INVENTORY: payload.CodeKind.INVENTORY,
    BarcodeEntityType.MEDICINE: payload.CodeKind.MEDICINE,
}
PURPOSE_FOR: Final[dict[BarcodeEntityType, BarcodePurpose]] = {
    BarcodeEntityType.PATIENT: BarcodePurpose.IDENTIFICATION,
    BarcodeEntityType.TREATMENT: BarcodePurpose.TREATMENT_TRACKING,
    BarcodeEntityType.INVENTORY: BarcodePurpose.INVENTORY_CONTROL,
    BarcodeEntityType.MEDICINE: BarcodePurpose.MEDICATION,
}
_MAX_DRAWS: Final = 5
_REASON_LEN: Final = 255
REGENERATED: Final = "regenerated"


def issue_code(
    ctx: ServiceContext,
    entity_type: BarcodeEntityType,
    entity_id: uuid.UUID,
    *,
    expiry_date: date | None = None,
) -> BarcodeMapping:
    """Generate a fresh code for an entity and store its mapping (flushed, not committed).

    A building block for other operations (registering a patient, adding a catalog item): it
    neither checks permissions nor audits — the calling operation does both.
    """
    clinic = ctx.clinic
    value = _unused_value(ctx, KIND_FOR[entity_type], clinic.id, clinic.barcode_secret)
    mapping = BarcodeMapping(
        clinic_id=ctx.clinic_id,
        barcode_value=value,
        entity_type=entity_type,
        entity_id=entity_id,
        purpose=PURPOSE_FOR[entity_type],
        generated_at=ctx.now(),
        generated_by=staff_id(ctx),
        scan_count=0,
        is_active=True,
        expiry_date=expiry_date,
    )
    ctx.session.add(mapping)
    ctx.session.flush()
    return mapping


def staff_id(ctx: ServiceContext) -> uuid.UUID | None:
    """The acting staff member, for *_by columns (a kiosk or the system is no staff user)."""
    return ctx.actor.id if ctx.actor.type is ActorType.STAFF else None


def _unused_value(ctx: ServiceContext, kind: payload.CodeKind, clinic_id: uuid.UUID, secret: bytes) -> str:
    # 65 random bits make a clash practically impossible; checking costs one indexed lookup.
    for _ in range(_MAX_DRAWS):
        value = payload.generate(kind, clinic_id, secret).value
        taken = ctx.session.scalar(
            select(BarcodeMapping.id)
            .where(BarcodeMapping.barcode_value == value)
            .execution_options(include_deleted=True)
        )
        if taken is None:
            return value
    raise RuntimeError("could not draw an unused barcode value")  # pragma: no cover


def today(ctx: ServiceContext) -> date:
    """Today on the clinic's wall clock (codes expire at the end of their expiry date there)."""
    return ctx.now().astimezone(ctx.tz).date()


def generate_code(
    ctx: ServiceContext,
    entity_type: BarcodeEntityType,
    entity_id: uuid.UUID,
    *,
    expiry_date: date | None = None,
) -> BarcodeMapping:
    """Issue the first active code of a record (`POST /api/barcodes/generate`); a record that
    already has one is refused — `regenerate` replaces it."""
    ctx.authorize(Permission.BARCODE_MANAGE, entity_type="BarcodeMapping")
    target = _require_target(ctx, entity_type, entity_id)
    _check_expiry(ctx, expiry_date)
    if active_codes(ctx, entity_type, entity_id):
        raise EntityAlreadyHasCode()
    mapping = issue_code(ctx, entity_type, entity_id, expiry_date=expiry_date)
    changed = ["barcode_value", *_point_target_at(target, mapping)]
    _audit(ctx, "barcode.generate", mapping, changed)
    return mapping


def regenerate(
    ctx: ServiceContext,
    entity_type: BarcodeEntityType,
    entity_id: uuid.UUID,
    *,
    reason: str | None = None,
    expiry_date: date | None = None,
) -> BarcodeMapping:
    """Deactivate a record's active code(s) and issue a new one (a lost card, a worn label).

    A patient's `barcode_id`, `qr_code_data` and search text follow the new code.
    """
    ctx.authorize(Permission.BARCODE_MANAGE, entity_type="BarcodeMapping")
    target = _require_target(ctx, entity_type, entity_id)
    _check_expiry(ctx, expiry_date)
    old = active_codes(ctx, entity_type, entity_id)
    for mapping in old:
        mapping.is_active = False
        mapping.deactivated_reason = _clean_reason(reason) or REGENERATED
    new = issue_code(ctx, entity_type, entity_id, expiry_date=expiry_date)
    changed = ["is_active", "deactivated_reason", "barcode_value", *_point_target_at(target, new)]
    _audit(ctx, "barcode.regenerate", new, changed)
    return new


def deactivate(ctx: ServiceContext, barcode_id: uuid.UUID, reason: str) -> BarcodeMapping:
    """Stop a code from resolving (scans of it are refused as deactivated, and still recorded)."""
    ctx.authorize(Permission.BARCODE_MANAGE, entity_type="BarcodeMapping", entity_id=barcode_id)
    clean = _clean_reason(reason)
    if not clean:
        raise DeactivationReasonMissing()
    mapping = _require_mapping(ctx, barcode_id)
    if not mapping.is_active:
        raise CodeAlreadyDeactivated()
    mapping.is_active = False
    mapping.deactivated_reason = clean
    _audit(ctx, "barcode.deactivate", mapping, ["is_active", "deactivated_reason"])
    return mapping


def set_expiry(ctx: ServiceContext, barcode_id: uuid.UUID, expiry_date: date | None) -> BarcodeMapping:
    """Set or clear the last day (clinic time) a code resolves."""
    ctx.authorize(Permission.BARCODE_MANAGE, entity_type="BarcodeMapping", entity_id=barcode_id)
    _check_expiry(ctx, expiry_date)
    mapping = _require_mapping(ctx, barcode_id)
    if not mapping.is_active:
        raise CodeAlreadyDeactivated()
    mapping.expiry_date = expiry_date
    _audit(ctx, "barcode.set_expiry", mapping, ["expiry_date"])
    return mapping


def active_codes(
    ctx: ServiceContext, entity_type: BarcodeEntityType, entity_id: uuid.UUID
) -> list[BarcodeMapping]:
    """A record's active codes, oldest first (a building block: no permission check, no audit)."""
    return list(
        ctx.session.scalars(
            select(BarcodeMapping)
            .where(
                BarcodeMapping.entity_type == entity_type,
                BarcodeMapping.entity_id == entity_id,
                BarcodeMapping.is_active.is_(True),
            )
            .order_by(BarcodeMapping.generated_at, BarcodeMapping.id)
        )
    )


@dataclass(frozen=True)
class BarcodeInfo:
    """What a code is, for `GET /api/barcodes/:value`. Ids and code facts only."""

    value: str
    display_value: str
    entity_type: BarcodeEntityType
    entity_id: uuid.UUID
    barcode_id: uuid.UUID | None
    purpose: BarcodePurpose | None
    is_active: bool
    expiry_date: date | None
    is_expired: bool
    deactivated_reason: str | None
    generated_at: datetime | None
    scan_count: int
    last_scanned_at: datetime | None
    manufacturer_code: bool = False

    @property
    def usable(self) -> bool:
        return self.is_active and not self.is_expired


def lookup(ctx: ServiceContext, raw_value: str) -> BarcodeInfo:
    """Describe a code without scanning it: no scan is recorded and no counter moves.

    A deactivated or expired code is described (that is what one looks it up for); a mistyped,
    foreign, forged or unknown one is refused with its own error.
    """
    ctx.authorize(Permission.BARCODE_SCAN)
    clinic = ctx.clinic
    try:
        code = payload.verify(raw_value, clinic.id, clinic.barcode_secret)
    except payload.NotAClinicCode:
        return _manufacturer_info(ctx, raw_value)
    except payload.MistypedCode:
        raise CodeMistyped() from None
    except payload.ForeignClinicCode:
        raise CodeFromAnotherClinic() from None
    except payload.ForgedCode:
        raise CodeNotIssuedHere() from None
    mapping = ctx.session.scalars(
        select(BarcodeMapping).where(BarcodeMapping.barcode_value == code.value)
    ).one_or_none()
    if mapping is None:
        raise CodeUnknown()
    if mapping.entity_type is BarcodeEntityType.PATIENT:
        ctx.audit("barcode.lookup", "BarcodeMapping", mapping.id, patient_id=mapping.entity_id)
    return BarcodeInfo(
        value=mapping.barcode_value,
        display_value=payload.display(mapping.barcode_value),
        entity_type=mapping.entity_type,
        entity_id=mapping.entity_id,
        barcode_id=mapping.id,
        purpose=mapping.purpose,
        is_active=mapping.is_active,
        expiry_date=mapping.expiry_date,
        is_expired=mapping.expiry_date is not None and mapping.expiry_date < today(ctx),
        deactivated_reason=mapping.deactivated_reason,
        generated_at=mapping.generated_at,
        scan_count=mapping.scan_count,
        last_scanned_at=mapping.last_scanned_at,
    )


def _manufacturer_info(ctx: ServiceContext, raw_value: str) -> BarcodeInfo:
    item = find_manufacturer_item(ctx, raw_value)
    if item is None or item.barcode_value is None:
        raise CodeUnknown()
    return BarcodeInfo(
        value=item.barcode_value,
        display_value=item.barcode_value,
        entity_type=inventory_entity_type(item),
        entity_id=item.id,
        barcode_id=None,
        purpose=BarcodePurpose.INVENTORY_CONTROL,
        is_active=True,
        expiry_date=None,
        is_expired=False,
        deactivated_reason=None,
        generated_at=None,
        scan_count=0,
        last_scanned_at=None,
        manufacturer_code=True,
    )


def _require_target(ctx: ServiceContext, entity_type: BarcodeEntityType, entity_id: uuid.UUID) -> Target:
    target = load_target(ctx, entity_type, entity_id)
    if target is None or target.id != entity_id:  # gone, or merged into another patient
        raise CodeTargetNotFound()
    return target


def _require_mapping(ctx: ServiceContext, barcode_id: uuid.UUID) -> BarcodeMapping:
    mapping = live_row(ctx.session, BarcodeMapping, barcode_id)
    if mapping is None:
        raise BarcodeNotFound()
    return mapping


def _point_target_at(target: Target, mapping: BarcodeMapping) -> list[str]:
    """Keep a patient's own copy of their code in step; returns the names of the fields changed.

    (An inventory item's `barcode_value` is the manufacturer's barcode: ours lives only here.)
    """
    if not isinstance(target, Patient):
        return []
    value = mapping.barcode_value
    target.barcode_id = value
    target.qr_code_data = value
    target.search_text = search_text(
        target.first_name,
        target.last_name,
        email=target.contact_email,
        phone=target.contact_phone,
        barcode=value,
    )
    return ["barcode_id", "qr_code_data", "search_text"]


def _audit(ctx: ServiceContext, action: str, mapping: BarcodeMapping, changed: list[str]) -> None:
    patient_id = mapping.entity_id if mapping.entity_type is BarcodeEntityType.PATIENT else None
    fields = dict.fromkeys(changed)  # in order, without repeats
    ctx.audit(action, "BarcodeMapping", mapping.id, patient_id=patient_id, changed_fields=fields)


def _check_expiry(ctx: ServiceContext, expiry_date: date | None) -> None:
    if expiry_date is not None and expiry_date < today(ctx):
        raise ExpiryInPast()


def _clean_reason(reason: str | None) -> str:
    return (reason or "").strip()[:_REASON_LEN]
