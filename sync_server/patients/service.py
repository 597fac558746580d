"""Glue for the patient routes: the plain list (search has its own service), and views to schemas."""

from __future__ import annotations

from typing import Final

from sqlalchemy import select

from common.access.permissions import Permission
from common.context import ServiceContext
from common.patients.models import Patient
from common.patients.views import PatientView, summary_for
from sync_server.patients.schemas import PatientOut

MAX_PAGE: Final = 100


def list_patients(
    ctx: ServiceContext, *, active_only: bool = False, limit: int = 50, offset: int = 0
) -> list[PatientView]:
    """Patients by name, a page at a time, as the summary fields the reader's role may see.
    One audit row for the list (it names no single patient)."""
    ctx.authorize(Permission.PATIENT_SEARCH, entity_type="patient")
    query = (
        select(Patient)
        .where(Patient.merged_into_id.is_(None))
        .order_by(Patient.last_name_key, Patient.first_name_key, Patient.id)
        .limit(max(1, min(limit, MAX_PAGE)))
        .offset(max(0, offset))
    )
    if active_only:
        query = query.where(Patient.is_active.is_(True))
    patients = list(ctx.session.scalars(query))
    ctx.audit("patient.list", "patient")
    return [summary_for(ctx, patient) for patient in patients]


def patient_out(view: PatientView) -> PatientOut:
    """Only the view's own fields are set, so fields the role may not see stay out of the JSON."""
    return PatientOut.model_validate(dict(view.fields) | {"id": view.id})
