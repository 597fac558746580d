"""`/api/barcodes`: scan (recorded whatever its outcome), look up, generate and regenerate codes,
and scan history."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import JSONResponse

from common.access.permissions import Permission
from common.barcodes.errors import CodeFromAnotherClinic
from common.barcodes.history import MAX_HISTORY, scan_history
from common.barcodes.models import BarcodeEntityType
from common.barcodes.scanning import resolve_scan
from common.barcodes.service import generate_code, lookup, regenerate
from common.barcodes.targets import inventory_entity_type
from common.context import ServiceContext
from common.errors import NotFound
from common.inventory.service import get_item
from sync_server.auth.dependencies import ApiContext
from sync_server.barcodes.schemas import (
    BarcodeInfoOut,
    BarcodeOut,
    GenerateRequest,
    RegenerateRequest,
    ScanEventOut,
    ScanOut,
    ScanRequest,
)
from sync_server.errors import ERROR_RESPONSES, domain_error_response
from sync_server.fields import Text100
from sync_server.permissions import requires

router = APIRouter(prefix="/api/barcodes", tags=["barcodes"], responses=ERROR_RESPONSES)


@router.post("/scan", response_model=ScanOut, openapi_extra=requires(Permission.BARCODE_SCAN))
def scan(body: ScanRequest, ctx: ApiContext, request: Request) -> ScanOut | JSONResponse:
    """Resolve a scanned or typed code to its record and the desk's next step. A refused code
    answers its reason (422, or 404 when unknown), and the scan is recorded either way."""
    result = resolve_scan(ctx, body.barcode_value, scanner_type=body.scanner_type, location=body.location)
    if result.refusal is not None:
        # Answered, not raised: raising would roll the scan's record back with the request.
        return domain_error_response(result.refusal, request)
    return ScanOut(
        scan_id=result.scan_id,
        outcome=result.outcome,
        entity_type=result.entity_type,
        entity_id=result.entity_id,
        entity_data=dict(result.entity_data),
        action_required=result.action,
        appointment_id=result.appointment_id,
        manufacturer_code=result.manufacturer_code,
    )


@router.post(
    "/generate",
    response_model=BarcodeOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=requires(Permission.BARCODE_MANAGE),
)
def generate(body: GenerateRequest, ctx: ApiContext) -> BarcodeOut:
    """The first code of a record (a record that has one is refused: regenerate it instead)."""
    mapping = generate_code(ctx, body.entity_type, body.entity_id, expiry_date=body.expiry_date)
    return BarcodeOut.model_validate(mapping)


@router.post(
    "/patient/{patient_id}",
    response_model=BarcodeOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=requires(Permission.BARCODE_MANAGE),
)
def patient_code(patient_id: uuid.UUID, ctx: ApiContext, body: RegenerateRequest | None = None) -> BarcodeOut:
    return _regenerate(ctx, BarcodeEntityType.PATIENT, patient_id, body)


@router.post(
    "/treatment/{treatment_id}",
    response_model=BarcodeOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=requires(Permission.BARCODE_MANAGE),
)
def treatment_code(
    treatment_id: uuid.UUID, ctx: ApiContext, body: RegenerateRequest | None = None
) -> BarcodeOut:
    """A code for a catalog treatment: scanning it fills a treatment record."""
    return _regenerate(ctx, BarcodeEntityType.TREATMENT, treatment_id, body)


@router.post(
    "/inventory/{item_id}",
    response_model=BarcodeOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=requires(Permission.BARCODE_MANAGE),
)
def inventory_code(item_id: uuid.UUID, ctx: ApiContext, body: RegenerateRequest | None = None) -> BarcodeOut:
    """A code for a stock item (a Medicine code for medicines)."""
    kind = inventory_entity_type(get_item(ctx, item_id))
    return _regenerate(ctx, kind, item_id, body)


@router.get(
    "/scans/{barcode_id}", response_model=list[ScanEventOut], openapi_extra=requires(Permission.PATIENT_READ)
)
def scans(
    barcode_id: uuid.UUID,
    ctx: ApiContext,
    entity_type: BarcodeEntityType | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_HISTORY)] = 50,
) -> list[ScanEventOut]:
    """The latest scans of one code; with `entity_type`, the id is a record's and the history
    covers every code it has had."""
    # When codes were scanned says when a patient came: staff who may read patients, no kiosk.
    ctx.authorize(Permission.PATIENT_READ, entity_type="barcode_scan", entity_id=barcode_id)
    of: uuid.UUID | tuple[BarcodeEntityType, uuid.UUID] = (
        barcode_id if entity_type is None else (entity_type, barcode_id)
    )
    return [ScanEventOut.model_validate(event) for event in scan_history(ctx, of, limit=limit)]


@router.get("/{value}", response_model=BarcodeInfoOut, openapi_extra=requires(Permission.BARCODE_SCAN))
def describe(value: Text100, ctx: ApiContext) -> BarcodeInfoOut:
    """What a code is, without scanning it (no scan is recorded)."""
    try:
        info = lookup(ctx, value)
    except CodeFromAnotherClinic:
        raise NotFound() from None  # another clinic's object: not found, like any other
    return BarcodeInfoOut.model_validate(info)


def _regenerate(
    ctx: ServiceContext, kind: BarcodeEntityType, entity_id: uuid.UUID, body: RegenerateRequest | None
) -> BarcodeOut:
    given = body or RegenerateRequest()
    mapping = regenerate(ctx, kind, entity_id, reason=given.reason, expiry_date=given.expiry_date)
    return BarcodeOut.model_validate(mapping)
