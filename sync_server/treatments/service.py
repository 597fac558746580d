"""Glue for the treatment routes: the list over a period (a patient's list is common's)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Final

from sqlalchemy import select

from common.access.permissions import Permission
from common.context import ServiceContext
from common.scheduling.errors import InvalidTimeRange
from common.treatments.models import TreatmentRecord

MAX_DAYS: Final = 92
MAX_ROWS: Final = 1000


def treatments_between(
    ctx: ServiceContext, first: date, last: date, doctor_id: uuid.UUID | None = None
) -> list[TreatmentRecord]:
    """Treatments performed from `first` to `last` (clinic days, at most 92), newest first.
    One audit row for the list."""
    ctx.authorize(Permission.TREATMENT_READ, entity_type="treatment")
    if last < first or last - first > timedelta(days=MAX_DAYS):
        raise InvalidTimeRange()
    query = (
        select(TreatmentRecord)
        .where(TreatmentRecord.treatment_date >= first, TreatmentRecord.treatment_date <= last)
        .order_by(TreatmentRecord.treatment_date.desc(), TreatmentRecord.id.desc())
        .limit(MAX_ROWS)
    )
    if doctor_id is not None:
        query = query.where(TreatmentRecord.doctor_id == doctor_id)
    records = list(ctx.session.scalars(query))
    ctx.audit("treatment.list", "treatment")
    return records
