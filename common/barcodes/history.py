"""Scan history of a code or a record, and scan counts by outcome."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Final

from sqlalchemy import func, or_, select

from common.access.permissions import Permission
from common.barcodes.errors import BarcodeNotFound
from common.barcodes.models import BarcodeEntityType, BarcodeMapping, BarcodeScanEvent, ScanOutcome
from common.context import ServiceContext

EntityRef = tuple[BarcodeEntityType, uuid.UUID]
MAX_HISTORY: Final = 500


def scan_history(
    ctx: ServiceContext, of: uuid.UUID | EntityRef, *, limit: int = 50
) -> list[BarcodeScanEvent]:
    """The latest scans, newest first, of one code (`of` = its barcode id) or of every code a
    record has had, plus scans of its manufacturer barcode (`of` = (entity type, id)).

    A patient's history tells when they came, so it needs patient read access and is audited.
    """
    ctx.authorize(Permission.BARCODE_SCAN)
    if isinstance(of, uuid.UUID):
        mapping = ctx.session.scalars(
            select(BarcodeMapping).where(BarcodeMapping.id == of).execution_options(include_deleted=True)
        ).one_or_none()
        if mapping is None:
            raise BarcodeNotFound()
        entity_type, entity_id = mapping.entity_type, mapping.entity_id
        condition = BarcodeScanEvent.barcode_id == of
    else:
        entity_type, entity_id = of
        codes = (
            select(BarcodeMapping.id)
            .where(BarcodeMapping.entity_type == entity_type, BarcodeMapping.entity_id == entity_id)
            .execution_options(include_deleted=True)
        )
        condition = or_(BarcodeScanEvent.barcode_id.in_(codes), BarcodeScanEvent.entity_id == entity_id)
    if entity_type is BarcodeEntityType.PATIENT:
        ctx.authorize(
            Permission.PATIENT_READ, entity_type="Patient", entity_id=entity_id, patient_id=entity_id
        )
    events = list(
        ctx.session.scalars(
            select(BarcodeScanEvent)
            .where(condition)
            .order_by(BarcodeScanEvent.scanned_at.desc(), BarcodeScanEvent.id.desc())
            .limit(max(1, min(limit, MAX_HISTORY)))
        )
    )
    if entity_type is BarcodeEntityType.PATIENT:
        ctx.audit("barcode.scan_history", "Patient", entity_id, patient_id=entity_id)
    return events


def scan_counts(
    ctx: ServiceContext,
    since: datetime,
    *,
    until: datetime | None = None,
    barcode_id: uuid.UUID | None = None,
) -> dict[ScanOutcome, int]:
    """How many scans ended each way in [since, until), every outcome listed (zero if none)."""
    ctx.authorize(Permission.BARCODE_SCAN)
    query = (
        select(BarcodeScanEvent.outcome, func.count())
        .where(BarcodeScanEvent.scanned_at >= since)
        .group_by(BarcodeScanEvent.outcome)
    )
    if until is not None:
        query = query.where(BarcodeScanEvent.scanned_at < until)
    if barcode_id is not None:
        query = query.where(BarcodeScanEvent.barcode_id == barcode_id)
    counts = dict.fromkeys(ScanOutcome, 0)
    for outcome, count in ctx.session.execute(query):
        counts[ScanOutcome(outcome)] = count
    return counts
