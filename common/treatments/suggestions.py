"""Follow-up dates and next-treatment suggestions: deterministic, from the catalog and the
patient's own history, never from anything else.

- the follow-up date is the treatment date plus the catalog item's `follow_up_interval_days`;
- the suggestion is the item's `next_treatment_id` (the item itself means a course of repeated
  sessions) at the follow-up date, or, with no next treatment but an interval, the same treatment
  again;
- `session_number` counts this patient's records of the same treatment up to this one, so a screen
  can say "3rd session".

What is stored is data, not text: the reader's screen words it in the reader's language.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select

from common.catalog.models import TreatmentCatalogItem
from common.context import ServiceContext
from common.scheduling.models import ACTIVE_STATUSES, Appointment
from common.treatments.models import TreatmentRecord


class SuggestionReason(StrEnum):
    REPEAT = "repeat"  # the same treatment again (a course of sessions)
    NEXT_TREATMENT = "next_treatment"  # the catalog's recommended next step


@dataclass(frozen=True)
class Plan:
    follow_up_date: date | None
    suggestion: dict[str, Any]


@dataclass(frozen=True)
class TreatmentSuggestion:
    treatment_id: uuid.UUID
    session_number: int
    follow_up_required: bool
    follow_up_date: date | None
    reason: SuggestionReason | None
    next_catalog_item_id: uuid.UUID | None
    next_treatment_name: str | None
    suggested_date: date | None
    still_offered: bool
    already_booked: bool


def plan_for(
    ctx: ServiceContext, patient_id: uuid.UUID, item: TreatmentCatalogItem, treatment_date: date
) -> Plan:
    """The follow-up date and the stored suggestion for a treatment about to be recorded."""
    earlier = ctx.session.scalar(
        select(func.count())
        .select_from(TreatmentRecord)
        .where(
            TreatmentRecord.patient_id == patient_id,
            TreatmentRecord.treatment_type_id == item.id,
            TreatmentRecord.treatment_date <= treatment_date,
        )
    )
    session_number = int(earlier or 0) + 1
    interval = item.follow_up_interval_days
    follow_up = treatment_date + timedelta(days=interval) if interval else None
    suggestion: dict[str, Any] = {"session_number": session_number}

    next_item: TreatmentCatalogItem | None = None
    if item.next_treatment_id is not None and item.next_treatment_id != item.id:
        next_item = ctx.session.scalars(
            select(TreatmentCatalogItem).where(
                TreatmentCatalogItem.id == item.next_treatment_id, TreatmentCatalogItem.is_active.is_(True)
            )
        ).one_or_none()
    reason: SuggestionReason | None = None
    if next_item is not None:
        reason = SuggestionReason.NEXT_TREATMENT
    elif item.next_treatment_id == item.id or interval:
        next_item, reason = item, SuggestionReason.REPEAT
    if next_item is not None and reason is not None:
        suggestion |= {
            "reason": reason.value,
            "catalog_item_id": str(next_item.id),
            "treatment_name": next_item.name,
            "suggested_date": follow_up.isoformat() if follow_up else None,
        }
    return Plan(follow_up, suggestion)


def suggestion_for(ctx: ServiceContext, record: TreatmentRecord) -> TreatmentSuggestion:
    """The stored suggestion, with what may have changed since: is the suggested treatment still
    offered (and its current name), and has the patient already booked it."""
    stored = record.next_treatment_suggestion or {}
    raw_id = stored.get("catalog_item_id")
    next_id = uuid.UUID(raw_id) if raw_id else None
    name: str | None = stored.get("treatment_name")
    still_offered = already_booked = False
    if next_id is not None:
        current = ctx.session.scalars(
            select(TreatmentCatalogItem).where(TreatmentCatalogItem.id == next_id)
        ).one_or_none()
        if current is not None:
            name, still_offered = current.name, current.is_active
        booked = ctx.session.scalar(
            select(Appointment.id)
            .where(
                Appointment.patient_id == record.patient_id,
                Appointment.treatment_type_id == next_id,
                Appointment.status.in_(ACTIVE_STATUSES),
                Appointment.appointment_date > record.treatment_date,
            )
            .limit(1)
        )
        already_booked = booked is not None
    raw_date = stored.get("suggested_date")
    raw_reason = stored.get("reason")
    return TreatmentSuggestion(
        treatment_id=record.id,
        session_number=int(stored.get("session_number", 1)),
        follow_up_required=record.follow_up_required,
        follow_up_date=record.follow_up_date,
        reason=SuggestionReason(raw_reason) if raw_reason else None,
        next_catalog_item_id=next_id,
        next_treatment_name=name,
        suggested_date=date.fromisoformat(raw_date) if raw_date else None,
        still_offered=still_offered,
        already_booked=already_booked,
    )
