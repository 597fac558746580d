"""`/api/treatments`: record, list, read, edit, complete, suggestions, extra materials."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from common.access.permissions import Permission
from common.fields import UNSET
from common.treatments import service as treatments
from common.treatments.materials import add_materials
from common.treatments.service import RecordedTreatment
from sync_server.appointments.service import clinic_today
from sync_server.auth.dependencies import ApiContext
from sync_server.errors import ERROR_RESPONSES
from sync_server.fields import Day
from sync_server.permissions import requires
from sync_server.treatments.schemas import (
    CompleteRequest,
    MaterialsRequest,
    RecordedTreatmentOut,
    StockWarningOut,
    SuggestionOut,
    TreatmentCreate,
    TreatmentOut,
    TreatmentUpdate,
)
from sync_server.treatments.service import treatments_between

router = APIRouter(prefix="/api/treatments", tags=["treatments"], responses=ERROR_RESPONSES)


@router.post(
    "",
    response_model=RecordedTreatmentOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=requires(Permission.TREATMENT_RECORD),
)
def record(body: TreatmentCreate, ctx: ApiContext) -> RecordedTreatmentOut:
    """Record a treatment from its catalog item: price, discount, materials used (as stock
    movements), follow-up date and next-treatment suggestion, in one transaction."""
    recorded = treatments.record_treatment(
        ctx,
        body.patient_id,
        body.treatment_type_id,
        doctor_id=body.doctor_id,
        appointment_id=body.appointment_id,
        discount=body.discount_applied,
        discount_percent=body.discount_percent,
        materials=None
        if body.materials_used is None
        else [line.model_dump() for line in body.materials_used],
        notes=body.notes,
        description=body.description,
        barcode_scanned=body.barcode_scanned,
        treatment_date=body.treatment_date,
    )
    return _recorded(recorded)


@router.get("", response_model=list[TreatmentOut], openapi_extra=requires(Permission.TREATMENT_READ))
def list_treatments(
    ctx: ApiContext,
    patient_id: uuid.UUID | None = None,
    doctor_id: uuid.UUID | None = None,
    start_date: Day | None = None,
    end_date: Day | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[TreatmentOut]:
    """A patient's treatments (`patient_id`), or the clinic's between two days (default: the
    last 7 days), newest first."""
    if patient_id is not None:
        found = treatments.list_patient_treatments(ctx, patient_id, limit=limit)
        found = [
            r
            for r in found
            if (start_date is None or r.treatment_date >= start_date)
            and (end_date is None or r.treatment_date <= end_date)
            and (doctor_id is None or r.doctor_id == doctor_id)
        ]
    else:
        last = end_date or clinic_today(ctx)
        first = start_date or last - timedelta(days=6)
        found = treatments_between(ctx, first, last, doctor_id)[:limit]
    return [TreatmentOut.model_validate(r) for r in found]


@router.get("/{treatment_id}", response_model=TreatmentOut, openapi_extra=requires(Permission.TREATMENT_READ))
def read(treatment_id: uuid.UUID, ctx: ApiContext) -> TreatmentOut:
    return TreatmentOut.model_validate(treatments.get_treatment(ctx, treatment_id))


@router.put(
    "/{treatment_id}", response_model=TreatmentOut, openapi_extra=requires(Permission.TREATMENT_RECORD)
)
def edit(treatment_id: uuid.UUID, body: TreatmentUpdate, ctx: ApiContext) -> TreatmentOut:
    """Edit the clinical side (notes, complications, feedback, follow-up); money is corrected
    through payments, not here."""
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    expected_version = changes.pop("expected_version", None)
    if changes.get("follow_up_required", UNSET) is None:
        changes["follow_up_required"] = UNSET
    record = treatments.update_treatment(ctx, treatment_id, expected_version=expected_version, **changes)
    return TreatmentOut.model_validate(record)


@router.post(
    "/{treatment_id}/complete",
    response_model=TreatmentOut,
    openapi_extra=requires(Permission.TREATMENT_RECORD),
)
def complete(treatment_id: uuid.UUID, ctx: ApiContext, body: CompleteRequest | None = None) -> TreatmentOut:
    complications = body.complications if body is not None else None
    return TreatmentOut.model_validate(
        treatments.complete_treatment(ctx, treatment_id, complications=complications)
    )


@router.get(
    "/{treatment_id}/suggestions",
    response_model=SuggestionOut,
    openapi_extra=requires(Permission.TREATMENT_READ),
)
def suggestions(treatment_id: uuid.UUID, ctx: ApiContext) -> SuggestionOut:
    """The follow-up and the suggested next treatment (from the catalog and this patient's history)."""
    return SuggestionOut.model_validate(treatments.suggestions(ctx, treatment_id))


@router.post(
    "/{treatment_id}/inventory",
    response_model=RecordedTreatmentOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=requires(Permission.TREATMENT_RECORD),
)
def record_inventory(
    treatment_id: uuid.UUID, body: MaterialsRequest, ctx: ApiContext
) -> RecordedTreatmentOut:
    """Materials used on top of those recorded with the treatment (stock `use` movements)."""
    recorded = add_materials(ctx, treatment_id, [line.model_dump() for line in body.materials])
    return _recorded(recorded)


def _recorded(recorded: RecordedTreatment) -> RecordedTreatmentOut:
    return RecordedTreatmentOut(
        treatment=TreatmentOut.model_validate(recorded.record),
        stock_warnings=[StockWarningOut.model_validate(w) for w in recorded.stock_warnings],
    )
