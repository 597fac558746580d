"""`/api/patients`: list, search, register, read, edit, history, card code, merge."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from common.access.permissions import Permission
from common.barcodes.models import BarcodeEntityType
from common.barcodes.service import regenerate
from common.patients.history import full_history
from common.patients.merge import merge_patients
from common.patients.search import MAX_LIMIT, search_patients
from common.patients.service import get_patient, register_patient, set_patient_active, update_patient
from sync_server.auth.dependencies import ApiContext
from sync_server.barcodes.schemas import BarcodeOut
from sync_server.errors import ERROR_RESPONSES
from sync_server.patients.schemas import (
    AppointmentEntryOut,
    BarcodeEntryOut,
    BarcodeRequest,
    MergeOut,
    MergeRequest,
    PatientCreate,
    PatientOut,
    PatientRecordsOut,
    PatientUpdate,
    PaymentEntryOut,
    SearchText,
    TreatmentEntryOut,
)
from sync_server.patients.service import MAX_PAGE, list_patients, patient_out
from sync_server.permissions import requires

router = APIRouter(prefix="/api/patients", tags=["patients"], responses=ERROR_RESPONSES)


@router.get(
    "",
    response_model=list[PatientOut],
    response_model_exclude_unset=True,
    openapi_extra=requires(Permission.PATIENT_SEARCH),
)
def list_all(
    ctx: ApiContext,
    is_active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[PatientOut]:
    """Patients by name, a page at a time (`is_active=true`: only active ones)."""
    views = list_patients(ctx, active_only=bool(is_active), limit=limit, offset=offset)
    if is_active is False:
        views = [view for view in views if view.get("is_active") is False]
    return [patient_out(view) for view in views]


@router.get(
    "/search",
    response_model=list[PatientOut],
    response_model_exclude_unset=True,
    openapi_extra=requires(Permission.PATIENT_SEARCH),
)
def search(
    ctx: ApiContext,
    q: SearchText,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    active_only: bool = False,
) -> list[PatientOut]:
    """By name (CJK too), phone, email or card code; best matches first."""
    return [patient_out(view) for view in search_patients(ctx, q, limit, active_only=active_only)]


@router.post(
    "",
    response_model=PatientOut,
    status_code=status.HTTP_201_CREATED,
    response_model_exclude_unset=True,
    openapi_extra=requires(Permission.PATIENT_WRITE),
)
def register(body: PatientCreate, ctx: ApiContext) -> PatientOut:
    """Register a patient (a card code is issued); refused beyond the plan's patient limit."""
    return patient_out(register_patient(ctx, body.model_dump(exclude_unset=True)))


@router.get(
    "/{patient_id}",
    response_model=PatientOut,
    response_model_exclude_unset=True,
    openapi_extra=requires(Permission.PATIENT_READ),
)
def read(patient_id: uuid.UUID, ctx: ApiContext) -> PatientOut:
    return patient_out(get_patient(ctx, patient_id))


@router.put(
    "/{patient_id}",
    response_model=PatientOut,
    response_model_exclude_unset=True,
    openapi_extra=requires(Permission.PATIENT_WRITE),
)
def update(patient_id: uuid.UUID, body: PatientUpdate, ctx: ApiContext) -> PatientOut:
    changes = body.model_dump(exclude_unset=True)
    base_version = changes.pop("base_version", None)
    active = changes.pop("is_active", None)
    view = None
    if changes or active is None:
        view = update_patient(ctx, patient_id, changes, base_version)
    if active is not None:
        view = set_patient_active(ctx, patient_id, bool(active))
    assert view is not None
    return patient_out(view)


@router.get(
    "/{patient_id}/records",
    response_model=PatientRecordsOut,
    response_model_exclude_unset=True,
    openapi_extra=requires(Permission.PATIENT_READ),
)
def records(patient_id: uuid.UUID, ctx: ApiContext) -> PatientRecordsOut:
    """The patient's history: appointments, treatments, payments (each only for roles that may
    see it), card codes, and how many chat messages there are."""
    history = full_history(ctx, patient_id)
    return PatientRecordsOut(
        patient=patient_out(history.patient),
        appointments=None
        if history.appointments is None
        else [AppointmentEntryOut.model_validate(row) for row in history.appointments],
        treatments=None
        if history.treatments is None
        else [TreatmentEntryOut.model_validate(row) for row in history.treatments],
        payments=None
        if history.payments is None
        else [PaymentEntryOut.model_validate(row) for row in history.payments],
        barcodes=[BarcodeEntryOut.model_validate(row) for row in history.barcodes],
        chat_message_count=history.chat_message_count,
    )


@router.post(
    "/{patient_id}/barcode",
    response_model=BarcodeOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=requires(Permission.BARCODE_MANAGE),
)
def new_card_code(patient_id: uuid.UUID, ctx: ApiContext, body: BarcodeRequest | None = None) -> BarcodeOut:
    """Issue a new card code (a lost or worn card); the old one stops working."""
    given = body or BarcodeRequest()
    mapping = regenerate(
        ctx, BarcodeEntityType.PATIENT, patient_id, reason=given.reason, expiry_date=given.expiry_date
    )
    return BarcodeOut.model_validate(mapping)


@router.post("/{patient_id}/merge", response_model=MergeOut, openapi_extra=requires(Permission.PATIENT_MERGE))
def merge(patient_id: uuid.UUID, body: MergeRequest, ctx: ApiContext) -> MergeOut:
    """Merge the duplicate record into this one (reversible; the merge is recorded)."""
    outcome = merge_patients(ctx, patient_id, body.duplicate_id)
    return MergeOut(
        merge_id=outcome.merge_id,
        survivor_id=outcome.survivor_id,
        duplicate_id=outcome.duplicate_id,
        moved={table: list(ids) for table, ids in outcome.moved.items()},
        filled_fields=list(outcome.filled_fields),
    )
