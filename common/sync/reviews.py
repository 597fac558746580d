"""The review list: field values a later edit overwrote, kept for staff to check.

Two desks change the same field of a record offline: the later one to reach the server wins
(device clocks decide nothing) and the value it replaced is kept here, with who wrote the new one.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Final

from sqlalchemy import select

from common.access.permissions import Permission
from common.context import ServiceContext
from common.errors import NotFound
from common.i18n import N_
from common.patients.models import Patient
from common.storage.session import live_row
from common.sync.models import MergeReview, ReviewStatus

REVIEW_PERMISSION: Final = Permission.PATIENT_READ
HIDDEN: Final = {"hidden": True}


class ReviewNotFound(NotFound):
    code = "merge_review_not_found"
    message = N_(
        "The review entry was not found. It may have been handled on another desk; refresh the list."
    )


def record_overwrites(
    ctx: ServiceContext,
    patient: Patient,
    overwritten: Mapping[str, Any],
    changes: Mapping[str, Any],
    base_version: int | None,
) -> list[MergeReview]:
    from common.sync.conflicts import current_mutation
    from common.sync.intents import json_value

    info = current_mutation(ctx)
    rows = [
        MergeReview(
            entity_type="patient",
            entity_id=patient.id,
            patient_id=patient.id,
            field=name,
            overwritten_value={"value": value},
            new_value={"value": json_value(changes[name])},
            base_version=base_version,
            device_id=info.device_id if info else None,
            mutation_n=info.n if info else None,
            staff_id=ctx.actor.id,
            status=ReviewStatus.OPEN,
        )
        for name, value in sorted(overwritten.items())
    ]
    ctx.session.add_all(rows)
    return rows


def list_reviews(ctx: ServiceContext, *, include_acknowledged: bool = False) -> list[dict[str, Any]]:
    """Open review entries; values of fields the reader's role may not see are hidden."""
    ctx.authorize(REVIEW_PERMISSION, entity_type="merge_review")
    visible = ctx.visible_patient_fields()
    query = select(MergeReview).order_by(MergeReview.created_at, MergeReview.id)
    if not include_acknowledged:
        query = query.where(MergeReview.status == ReviewStatus.OPEN)
    out = []
    for row in ctx.session.scalars(query):
        shown = row.field in visible
        out.append(
            {
                "id": row.id,
                "patient_id": row.patient_id,
                "field": row.field,
                "overwritten_value": row.overwritten_value if shown else HIDDEN,
                "new_value": row.new_value if shown else HIDDEN,
                "staff_id": row.staff_id,
                "device_id": row.device_id,
                "created_at": row.created_at,
                "status": row.status,
            }
        )
    ctx.audit("merge_review.list", "merge_review", None)
    return out


def acknowledge(ctx: ServiceContext, review_id: uuid.UUID) -> MergeReview:
    ctx.authorize(Permission.PATIENT_WRITE, entity_type="merge_review", entity_id=review_id)
    row = live_row(ctx.session, MergeReview, review_id)
    if row is None:
        raise ReviewNotFound()
    if row.status is ReviewStatus.OPEN:
        row.status = ReviewStatus.ACKNOWLEDGED
        row.reviewed_by = ctx.actor.id
        row.reviewed_at = ctx.now()
    ctx.session.flush()
    ctx.audit(
        "merge_review.acknowledge",
        "merge_review",
        row.id,
        patient_id=row.patient_id,
        changed_fields=["status"],
    )
    return row
