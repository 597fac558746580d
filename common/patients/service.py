"""Registering, reading and editing patients.

Every operation checks the actor's permission first and writes exactly one audit row (ids and
field names only). Medical fields (medical history, allergies, medications) need the medical
write permission on top of the ordinary one; what a reader gets back is limited to the fields
the reader's role may see.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from common.access.permissions import MEDICAL_FIELDS, Permission
from common.barcodes.models import BarcodeEntityType
from common.barcodes.service import issue_code
from common.context import ServiceContext
from common.i18n import L_
from common.ids import new_id
from common.licensing.service import ensure_patient_capacity, refresh_usage_counts
from common.patients.errors import InvalidPatientFieldValue, PatientEditConflict, PatientNotFound
from common.patients.fields import REQUIRED_FIELDS, SEARCH_SOURCES, apply_search_keys, clean_fields
from common.patients.models import Patient, PreferredLanguage
from common.patients.views import PatientView, view_for
from common.storage.session import live_row

ENTITY = "patient"


@dataclass(frozen=True)
class NewPatient:
    first_name: str
    last_name: str
    date_of_birth: date
    contact_email: str | None = None
    contact_phone: str | None = None
    emergency_contact: Mapping[str, Any] = field(default_factory=dict)
    medical_history: Mapping[str, Any] = field(default_factory=dict)
    allergies: Sequence[Any] = ()
    current_medications: Sequence[Any] = ()
    preferred_language: PreferredLanguage = PreferredLanguage.EN
    notes: str | None = None
    marketing_opt_in: bool = False
    treatment_details_opt_in: bool = False
    # Set when the record was created elsewhere (a device replaying its registration).
    id: uuid.UUID | None = None


def register_patient(ctx: ServiceContext, data: NewPatient | Mapping[str, Any]) -> PatientView:
    """Create a patient with a freshly issued barcode. Refused beyond the license tier's limit."""
    values = dict(asdict(data) if isinstance(data, NewPatient) else data)
    patient_id = _given_id(values.pop("id", None))
    _authorize(ctx, Permission.PATIENT_WRITE, patient_id)
    if any(values.get(name) for name in MEDICAL_FIELDS):
        _authorize(ctx, Permission.PATIENT_WRITE_MEDICAL, patient_id)
    for name in REQUIRED_FIELDS:
        values.setdefault(name, None)
    cleaned = clean_fields(values, clinic_today(ctx))

    ensure_patient_capacity(ctx)
    barcode = issue_code(ctx, BarcodeEntityType.PATIENT, patient_id).barcode_value
    patient = Patient(id=patient_id, barcode_id=barcode, qr_code_data=barcode, is_active=True, **cleaned)
    apply_search_keys(patient)
    ctx.session.add(patient)
    ctx.session.flush()
    ctx.audit("patient.create", ENTITY, patient.id, patient_id=patient.id, changed_fields=sorted(cleaned))
    return view_for(ctx, patient)


def update_patient(
    ctx: ServiceContext,
    patient_id: uuid.UUID,
    changes: Mapping[str, Any],
    base_version: int | None = None,
) -> PatientView:
    """Change some fields of a patient.

    With `base_version` (the version the editor started from), a stale edit is merged field by
    field: it applies unless a field it changes was also changed by someone else since that
    version, in which case nothing is applied and `PatientEditConflict` names those fields.
    """
    return view_for(ctx, change_patient(ctx, patient_id, changes, base_version))


def change_patient(
    ctx: ServiceContext,
    patient_id: uuid.UUID,
    changes: Mapping[str, Any],
    base_version: int | None = None,
) -> Patient:
    """`update_patient` for a caller that needs no view of the result (a synced change)."""
    _authorize_fields(ctx, set(changes), patient_id)
    patient = load_patient(ctx, patient_id)
    cleaned = clean_fields(changes, clinic_today(ctx))
    effective = {name: value for name, value in cleaned.items() if getattr(patient, name) != value}
    if base_version is not None and base_version != patient.version:
        _refuse_conflicts(patient, effective, base_version)
    for name, value in effective.items():
        setattr(patient, name, value)
    stamp_changed_fields(patient, effective)
    if SEARCH_SOURCES & effective.keys():
        apply_search_keys(patient)
    ctx.session.flush()
    ctx.audit("patient.update", ENTITY, patient.id, patient_id=patient.id, changed_fields=sorted(effective))
    return patient


def get_patient(ctx: ServiceContext, patient_id: uuid.UUID) -> PatientView:
    """The patient's fields this reader's role may see. Unknown, removed and other clinics'
    patients are all simply not found."""
    _authorize(ctx, Permission.PATIENT_READ, patient_id)
    patient = load_patient(ctx, patient_id)
    ctx.audit("patient.read", ENTITY, patient.id, patient_id=patient.id)
    return view_for(ctx, patient)


def set_patient_active(ctx: ServiceContext, patient_id: uuid.UUID, active: bool) -> PatientView:
    """Deactivate (keeps the record and its history, frees a license seat) or reactivate
    (takes a seat again, so it is refused when the tier is full)."""
    _authorize(ctx, Permission.PATIENT_WRITE, patient_id)
    patient = load_patient(ctx, patient_id)
    changed: list[str] = []
    if patient.is_active != active:
        if active:
            ensure_patient_capacity(ctx)
        patient.is_active = active
        stamp_changed_fields(patient, ["is_active"])
        changed.append("is_active")
        ctx.session.flush()
        if not active:
            refresh_usage_counts(ctx)
    action = "patient.reactivate" if active else "patient.deactivate"
    ctx.audit(action, ENTITY, patient.id, patient_id=patient.id, changed_fields=changed)
    return view_for(ctx, patient)


def deactivate_patient(ctx: ServiceContext, patient_id: uuid.UUID) -> PatientView:
    return set_patient_active(ctx, patient_id, False)


def reactivate_patient(ctx: ServiceContext, patient_id: uuid.UUID) -> PatientView:
    return set_patient_active(ctx, patient_id, True)


def attach_barcode(patient: Patient, barcode_value: str) -> None:
    """Make `barcode_value` the patient's card code (after the barcode service issued it):
    shown on the record, encoded in the QR, and searchable. A building block: the calling
    operation checks permissions and audits."""
    if patient.barcode_id == barcode_value:
        return
    patient.barcode_id = barcode_value
    patient.qr_code_data = barcode_value
    stamp_changed_fields(patient, ["barcode_id", "qr_code_data"])
    apply_search_keys(patient)


def load_patient(ctx: ServiceContext, patient_id: uuid.UUID) -> Patient:
    """A live patient of this clinic (the session hides other clinics' rows and tombstones)."""
    patient = live_row(ctx.session, Patient, patient_id)
    if patient is None:
        raise PatientNotFound()
    return patient


def clinic_today(ctx: ServiceContext) -> date:
    return ctx.now().astimezone(ctx.tz).date()


def stamp_changed_fields(patient: Patient, names: Mapping[str, Any] | Sequence[str]) -> None:
    """Record that these fields change in the version this flush will write.

    Call before the flush that writes the change: the flush bumps `version` by one, and every
    version a reader saw before is at most the current one, so "changed after the base" is
    exactly `field_versions[name] > base`.
    """
    names = list(names)
    if names:
        written = patient.version + 1
        patient.field_versions = {**(patient.field_versions or {}), **dict.fromkeys(names, written)}


def _authorize_fields(ctx: ServiceContext, names: set[str], patient_id: uuid.UUID) -> None:
    if not names or names - MEDICAL_FIELDS:
        _authorize(ctx, Permission.PATIENT_WRITE, patient_id)
    if names & MEDICAL_FIELDS:
        _authorize(ctx, Permission.PATIENT_WRITE_MEDICAL, patient_id)


def _authorize(ctx: ServiceContext, permission: Permission, patient_id: uuid.UUID) -> None:
    ctx.authorize(permission, entity_type=ENTITY, entity_id=patient_id, patient_id=patient_id)


def _given_id(value: Any) -> uuid.UUID:
    if value is None:
        return new_id()
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise InvalidPatientFieldValue(field=L_("patient ID")) from None


def _refuse_conflicts(patient: Patient, effective: Mapping[str, Any], base_version: int) -> None:
    versions = patient.field_versions or {}
    if base_version > patient.version:
        conflicting = list(effective)  # a base from the future: nothing it says can be trusted
    else:
        conflicting = [name for name in effective if int(versions.get(name, 0)) > base_version]
    if conflicting:
        raise PatientEditConflict(conflicting, patient.version)
