"""Merging duplicate patients, reviewably and reversibly.

A merge moves everything that belongs to the duplicate (appointments, treatment records,
payments, barcodes, chat, waitlist entries, notifications) to the survivor, fills the
survivor's empty fields from the duplicate, and tombstones the duplicate with `merged_into_id`.
The `PatientMerge` row records the ids of every moved row and every filled field, so an unmerge
moves exactly those rows back and restores the duplicate. Rows are edited through the ORM, so
each change is versioned and synced like any other edit.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from sqlalchemy import ColumnElement, func, select

from common.access.permissions import Permission
from common.barcodes.models import BarcodeEntityType, BarcodeMapping
from common.barcodes.service import staff_id
from common.chat.models import ChatMessage, RecipientType, SenderType
from common.context import ServiceContext
from common.ids import new_id
from common.licensing.service import refresh_usage_counts
from common.notifications.models import Notification, RecipientKind
from common.patients.errors import (
    MergeAlreadyReverted,
    MergeNotFound,
    MergeSamePatient,
    MergeSurvivorMergedSince,
    PatientNotFound,
)
from common.patients.fields import SEARCH_SOURCES, apply_search_keys
from common.patients.models import Patient, PatientMerge
from common.patients.service import ENTITY, load_patient, stamp_changed_fields
from common.patients.views import PatientView, view_for, visible_fields
from common.payments.models import PaymentRecord
from common.scheduling.models import Appointment, WaitlistEntry
from common.storage.base import ClinicRecord
from common.storage.session import live_row
from common.treatments.models import TreatmentRecord

INCLUDE_DELETED: Final = {"include_deleted": True}


@dataclass(frozen=True)
class Owned:
    """One kind of row a patient owns: how to find a patient's rows and how to re-point one."""

    table: str
    model: type[ClinicRecord]
    owned_by: Callable[[uuid.UUID], ColumnElement[bool]]
    repoint: Callable[[Any, uuid.UUID, uuid.UUID], None]


def _set_patient_id(row: Any, old: uuid.UUID, new: uuid.UUID) -> None:
    if row.patient_id == old:
        row.patient_id = new


def _repoint_chat(row: ChatMessage, old: uuid.UUID, new: uuid.UUID) -> None:
    _set_patient_id(row, old, new)
    if row.sender_type is SenderType.PATIENT and row.sender_id == old:
        row.sender_id = new
    if row.recipient_type is RecipientType.PATIENT and row.recipient_id == old:
        row.recipient_id = new


def _repoint_barcode(row: BarcodeMapping, old: uuid.UUID, new: uuid.UUID) -> None:
    if row.entity_id == old:
        row.entity_id = new


def _repoint_notification(row: Notification, old: uuid.UUID, new: uuid.UUID) -> None:
    if row.recipient_id == old:
        row.recipient_id = new


OWNED: Final[tuple[Owned, ...]] = (
    Owned("appointments", Appointment, lambda pid: Appointment.patient_id == pid, _set_patient_id),
    Owned(
        "treatment_records", TreatmentRecord, lambda pid: TreatmentRecord.patient_id == pid, _set_patient_id
    ),
    Owned("payment_records", PaymentRecord, lambda pid: PaymentRecord.patient_id == pid, _set_patient_id),
    Owned(
        "barcode_mappings",
        BarcodeMapping,
        lambda pid: (
            (BarcodeMapping.entity_type == BarcodeEntityType.PATIENT) & (BarcodeMapping.entity_id == pid)
        ),
        _repoint_barcode,
    ),
    Owned("chat_messages", ChatMessage, lambda pid: ChatMessage.patient_id == pid, _repoint_chat),
    Owned("waitlist_entries", WaitlistEntry, lambda pid: WaitlistEntry.patient_id == pid, _set_patient_id),
    Owned(
        "notifications",
        Notification,
        lambda pid: (
            (Notification.recipient_kind == RecipientKind.PATIENT) & (Notification.recipient_id == pid)
        ),
        _repoint_notification,
    ),
)
OWNED_BY_TABLE: Final = {owned.table: owned for owned in OWNED}

# Survivor fields filled from the duplicate when the survivor has nothing there.
FILLABLE: Final = ("contact_email", "contact_phone", "emergency_contact", "notes")
# Lists merged as a union: a duplicate's allergy must never be lost by a merge.
UNITED_LISTS: Final = ("allergies", "current_medications")
COMPARED_FIELDS: Final = (
    "first_name",
    "last_name",
    "date_of_birth",
    "contact_email",
    "contact_phone",
    "emergency_contact",
    "preferred_language",
    "notes",
    "marketing_opt_in",
    "treatment_details_opt_in",
    "is_active",
    "allergies",
    "medical_history",
    "current_medications",
    "last_visit_date",
    "next_appointment_date",
    "barcode_id",
    "created_at",
)


@dataclass(frozen=True)
class FieldComparison:
    name: str
    survivor: Any
    duplicate: Any
    merged: Any  # what the survivor will hold after the merge

    @property
    def same(self) -> bool:
        return bool(self.survivor == self.duplicate)


@dataclass(frozen=True)
class MergePreview:
    survivor: PatientView
    duplicate: PatientView
    fields: tuple[FieldComparison, ...]  # only fields the reader may see
    rows_to_move: Mapping[str, int]  # table -> how many of the duplicate's rows would move


@dataclass(frozen=True)
class MergeOutcome:
    merge_id: uuid.UUID
    survivor_id: uuid.UUID
    duplicate_id: uuid.UUID
    moved: Mapping[str, tuple[uuid.UUID, ...]]
    filled_fields: tuple[str, ...]


def preview_merge(ctx: ServiceContext, survivor_id: uuid.UUID, duplicate_id: uuid.UUID) -> MergePreview:
    """Both records side by side, with what the merge would keep, for the person deciding."""
    ctx.authorize(
        Permission.PATIENT_MERGE, entity_type=ENTITY, entity_id=duplicate_id, patient_id=survivor_id
    )
    survivor, duplicate = _load_pair(ctx, survivor_id, duplicate_id)
    merged = _merged_values(survivor, duplicate)
    visible = visible_fields(ctx)
    comparisons = tuple(
        FieldComparison(
            name,
            getattr(survivor, name),
            getattr(duplicate, name),
            merged.get(name, getattr(survivor, name)),
        )
        for name in COMPARED_FIELDS
        if name in visible
    )
    counts = {
        owned.table: ctx.session.scalar(
            select(func.count()).select_from(owned.model).where(owned.owned_by(duplicate.id))
        )
        or 0
        for owned in OWNED
    }
    ctx.audit("patient.merge_preview", ENTITY, duplicate.id, patient_id=survivor.id)
    return MergePreview(view_for(ctx, survivor), view_for(ctx, duplicate), comparisons, counts)


def merge_patients(
    ctx: ServiceContext,
    survivor_id: uuid.UUID,
    duplicate_id: uuid.UUID,
    *,
    merge_id: uuid.UUID | None = None,
) -> MergeOutcome:
    """`merge_id`: the merge record's id when the caller made it (a desk merging offline, so an
    unmerge queued after it names the same record on the server)."""
    ctx.authorize(
        Permission.PATIENT_MERGE, entity_type=ENTITY, entity_id=duplicate_id, patient_id=survivor_id
    )
    survivor, duplicate = _load_pair(ctx, survivor_id, duplicate_id)

    moved: dict[str, list[uuid.UUID]] = {}
    for owned in OWNED:
        rows = ctx.session.scalars(
            select(owned.model).where(owned.owned_by(duplicate.id)).execution_options(**INCLUDE_DELETED)
        ).all()
        for row in rows:
            owned.repoint(row, duplicate.id, survivor.id)
        if rows:
            moved[owned.table] = [row.id for row in rows]

    filled = _merged_values(survivor, duplicate)
    before = {name: getattr(survivor, name) for name in filled}
    for name, value in filled.items():
        setattr(survivor, name, value)
    stamp_changed_fields(survivor, list(filled))
    if SEARCH_SOURCES & filled.keys():
        apply_search_keys(survivor)

    duplicate.merged_into_id = survivor.id
    duplicate.deleted_at = ctx.now()
    stamp_changed_fields(duplicate, ["merged_into_id"])

    merge = PatientMerge(
        id=merge_id or new_id(),
        survivor_id=survivor.id,
        merged_id=duplicate.id,
        moved={table: [str(row_id) for row_id in ids] for table, ids in moved.items()},
        survivor_fields={
            name: {"before": _to_json(before[name]), "after": _to_json(filled[name])} for name in filled
        },
        merged_by=staff_id(ctx),
        merged_at=ctx.now(),
    )
    ctx.session.add(merge)
    ctx.session.flush()
    refresh_usage_counts(ctx)
    ctx.audit(
        "patient.merge",
        ENTITY,
        duplicate.id,
        patient_id=survivor.id,
        changed_fields=["merged_into_id", *sorted(filled)],
    )
    return MergeOutcome(
        merge.id,
        survivor.id,
        duplicate.id,
        {table: tuple(ids) for table, ids in moved.items()},
        tuple(sorted(filled)),
    )


def unmerge_patients(ctx: ServiceContext, merge_id: uuid.UUID) -> MergeOutcome:
    """Undo a merge: move back exactly the rows it moved (those still on the survivor), restore
    the duplicate, and put back the survivor fields it filled (unless edited since)."""
    ctx.authorize(Permission.PATIENT_MERGE, entity_type="patient_merge", entity_id=merge_id)
    merge = live_row(ctx.session, PatientMerge, merge_id)
    if merge is None:
        raise MergeNotFound()
    if merge.reverted_at is not None:
        raise MergeAlreadyReverted()
    later = ctx.session.scalars(
        select(PatientMerge.id).where(
            PatientMerge.merged_id == merge.survivor_id, PatientMerge.reverted_at.is_(None)
        )
    ).first()
    if later is not None:
        raise MergeSurvivorMergedSince(merge_id=str(later))
    survivor = load_patient(ctx, merge.survivor_id)
    duplicate = ctx.session.scalars(
        select(Patient).where(Patient.id == merge.merged_id).execution_options(**INCLUDE_DELETED)
    ).one_or_none()
    if duplicate is None:
        raise PatientNotFound()

    moved_back: dict[str, tuple[uuid.UUID, ...]] = {}
    for table, id_texts in merge.moved.items():
        owned = OWNED_BY_TABLE[table]
        ids = [uuid.UUID(text) for text in id_texts]
        rows = ctx.session.scalars(
            select(owned.model).where(owned.model.id.in_(ids)).execution_options(**INCLUDE_DELETED)
        ).all()
        for row in rows:
            owned.repoint(row, survivor.id, duplicate.id)
        moved_back[table] = tuple(row.id for row in rows)

    restored: list[str] = []
    for name, change in merge.survivor_fields.items():
        if _to_json(getattr(survivor, name)) == change["after"]:
            setattr(survivor, name, _from_json(name, change["before"]))
            restored.append(name)
    stamp_changed_fields(survivor, restored)
    if SEARCH_SOURCES.intersection(restored):
        apply_search_keys(survivor)

    duplicate.merged_into_id = None
    duplicate.deleted_at = None
    stamp_changed_fields(duplicate, ["merged_into_id"])
    merge.reverted_at = ctx.now()
    merge.reverted_by = staff_id(ctx)
    ctx.session.flush()
    refresh_usage_counts(ctx)
    ctx.audit(
        "patient.unmerge",
        ENTITY,
        duplicate.id,
        patient_id=survivor.id,
        changed_fields=["merged_into_id", *sorted(restored)],
    )
    return MergeOutcome(merge.id, survivor.id, duplicate.id, moved_back, tuple(sorted(restored)))


def _load_pair(
    ctx: ServiceContext, survivor_id: uuid.UUID, duplicate_id: uuid.UUID
) -> tuple[Patient, Patient]:
    if survivor_id == duplicate_id:
        raise MergeSamePatient()
    return load_patient(ctx, survivor_id), load_patient(ctx, duplicate_id)


def _merged_values(survivor: Patient, duplicate: Patient) -> dict[str, Any]:
    """The survivor fields a merge changes, with their new values."""
    merged: dict[str, Any] = {}
    for name in FILLABLE:
        if _is_empty(getattr(survivor, name)) and not _is_empty(getattr(duplicate, name)):
            merged[name] = getattr(duplicate, name)
    for name in UNITED_LISTS:
        kept: list[Any] = list(getattr(survivor, name) or [])
        extra = [item for item in getattr(duplicate, name) or [] if item not in kept]
        if extra:
            merged[name] = kept + extra
    history = dict(survivor.medical_history or {})
    missing = {key: value for key, value in (duplicate.medical_history or {}).items() if key not in history}
    if missing:
        merged["medical_history"] = history | missing
    last_visits = [d for d in (survivor.last_visit_date, duplicate.last_visit_date) if d is not None]
    if last_visits and max(last_visits) != survivor.last_visit_date:
        merged["last_visit_date"] = max(last_visits)
    next_visits = [
        d for d in (survivor.next_appointment_date, duplicate.next_appointment_date) if d is not None
    ]
    if next_visits and min(next_visits) != survivor.next_appointment_date:
        merged["next_appointment_date"] = min(next_visits)
    return merged


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == {} or value == []


_DATE_FIELDS: Final = frozenset({"last_visit_date", "next_appointment_date"})


def _to_json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _from_json(name: str, value: Any) -> Any:
    return date.fromisoformat(value) if name in _DATE_FIELDS and value is not None else value
