"""The records barcodes point at, loaded by entity type, and what a scan shows of each."""

from __future__ import annotations

import uuid
from typing import Any, Final

from sqlalchemy import select

from common.access.permissions import Permission
from common.barcodes import payload
from common.barcodes.models import BarcodeEntityType
from common.catalog.models import TreatmentCatalogItem
from common.context import ServiceContext
from common.inventory.models import InventoryCategory, InventoryItem
from common.patients.models import Patient
from common.storage.session import live_row

Target = Patient | TreatmentCatalogItem | InventoryItem

# What a scan shows of a patient (then narrowed to what the reader's role may see).
PATIENT_SUMMARY: Final = (
    "id",
    "first_name",
    "last_name",
    "date_of_birth",
    "preferred_language",
    "is_active",
    "allergies",
)
# What a treatment code fills into a treatment record form.
TREATMENT_FILL: Final = (
    "id",
    "name",
    "category",
    "subcategory",
    "duration_minutes",
    "base_price",
    "currency",
    "instructions",
    "cautions",
    "advantages",
    "recommended_for",
    "requires_doctor_approval",
    "default_inventory_items",
    "is_active",
)
INVENTORY_SUMMARY: Final = (
    "id",
    "name",
    "sku",
    "category",
    "unit_of_measure",
    "current_quantity",
    "minimum_quantity",
    "location",
    "is_tracked",
)
_MAX_MERGE_HOPS: Final = 5
_MANUFACTURER_CODE_LEN: Final = 64


def load_target(ctx: ServiceContext, entity_type: BarcodeEntityType, entity_id: uuid.UUID) -> Target | None:
    """The live record a code points at, or None if it is gone.

    A merged patient's code leads to the surviving record, whether or not the merge moved it.
    """
    if entity_type is BarcodeEntityType.TREATMENT:
        query = select(TreatmentCatalogItem).where(TreatmentCatalogItem.id == entity_id)
        return ctx.session.scalars(query).one_or_none()
    if entity_type is not BarcodeEntityType.PATIENT:
        return live_row(ctx.session, InventoryItem, entity_id)
    patient_id: uuid.UUID | None = entity_id
    for _ in range(_MAX_MERGE_HOPS):
        if patient_id is None:
            return None
        patient = ctx.session.scalars(
            select(Patient).where(Patient.id == patient_id).execution_options(include_deleted=True)
        ).one_or_none()
        if patient is None:
            return None
        if patient.merged_into_id is None:
            return patient if patient.deleted_at is None else None
        patient_id = patient.merged_into_id
    return None


def shown_fields(ctx: ServiceContext, target: Target) -> dict[str, Any]:
    """What the reader may see of the record: a patient's fields by role; a kiosk sees only ids
    of catalog and stock items."""
    if isinstance(target, Patient):
        visible = ctx.visible_patient_fields()
        return {name: getattr(target, name) for name in PATIENT_SUMMARY if name in visible}
    names: tuple[str, ...]
    if isinstance(target, TreatmentCatalogItem):
        names = TREATMENT_FILL if ctx.can(Permission.CATALOG_READ) else ("id",)
    else:
        names = INVENTORY_SUMMARY if ctx.can(Permission.INVENTORY_READ) else ("id",)
    return {name: getattr(target, name) for name in names}


def find_manufacturer_item(ctx: ServiceContext, raw_value: str) -> InventoryItem | None:
    """The inventory item carrying a product's own barcode (EAN/UPC, a supplier's Code 128)."""
    candidates = manufacturer_candidates(raw_value)
    if not candidates:
        return None
    return ctx.session.scalars(
        select(InventoryItem)
        .where(InventoryItem.barcode_value.in_(candidates))
        .order_by(InventoryItem.created_at, InventoryItem.id)
        .limit(1)
    ).first()


def manufacturer_candidates(raw_value: str) -> list[str]:
    """The forms a product code may be stored in: as read, compacted, and a UPC-A as its EAN-13."""
    as_read, compact = raw_value.strip(), payload.normalize(raw_value)
    forms = {as_read, compact}
    if compact.isascii() and compact.isdigit():
        if len(compact) == 12:
            forms.add("0" + compact)
        elif len(compact) == 13 and compact.startswith("0"):
            forms.add(compact[1:])
    # As inventory stores them: 1-64 printable characters without spaces (and never a NUL,
    # which PostgreSQL refuses in text).
    return sorted(
        form
        for form in forms
        if 0 < len(form) <= _MANUFACTURER_CODE_LEN
        and form.isprintable()
        and not any(ch.isspace() for ch in form)
    )


def inventory_entity_type(item: InventoryItem) -> BarcodeEntityType:
    if item.category == InventoryCategory.MEDICINE:
        return BarcodeEntityType.MEDICINE
    return BarcodeEntityType.INVENTORY
