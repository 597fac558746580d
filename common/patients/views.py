"""What a reader is shown of a patient: only the fields the reader's role may see (SECURITY.md row 4)."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from common.context import ServiceContext
from common.patients.models import Patient

# Every field a view can hold; the role decides which of them it does.
VIEWABLE_FIELDS: frozenset[str] = frozenset(column.key for column in Patient.__table__.columns) - {
    "clinic_id",
    "seq",
    "deleted_at",
    "field_versions",
    "first_name_key",
    "last_name_key",
    "phone_digits",
    "search_text",
}

# The fields a search result or a list row carries (further limited by the role).
SUMMARY_FIELDS: frozenset[str] = frozenset(
    {
        "id",
        "barcode_id",
        "first_name",
        "last_name",
        "date_of_birth",
        "contact_email",
        "contact_phone",
        "is_active",
        "preferred_language",
        "last_visit_date",
        "next_appointment_date",
        "allergies",
        "version",
    }
)


@dataclass(frozen=True)
class PatientView(Mapping[str, Any]):
    """A read-only mapping of the visible fields of one patient (`view["first_name"]`)."""

    id: uuid.UUID
    fields: Mapping[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.fields[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.fields)

    def __len__(self) -> int:
        return len(self.fields)


def visible_fields(ctx: ServiceContext) -> frozenset[str]:
    return ctx.visible_patient_fields() & VIEWABLE_FIELDS


def patient_view(
    patient: Patient, allowed: frozenset[str], *, within: frozenset[str] = VIEWABLE_FIELDS
) -> PatientView:
    names = sorted(allowed & within)
    values = {name: _detached(getattr(patient, name)) for name in names}
    return PatientView(patient.id, MappingProxyType(values))


# Values nobody can change in place are handed out as they are; only the JSON documents (dicts and
# lists) are copied. Deep-copying every value cost more than the query in a 20-patient search.
_IMMUTABLE = (str, int, float, Decimal, date, time, uuid.UUID)


def _detached(value: Any) -> Any:
    return value if value is None or isinstance(value, _IMMUTABLE) else copy.deepcopy(value)


def view_for(ctx: ServiceContext, patient: Patient) -> PatientView:
    return patient_view(patient, visible_fields(ctx))


def summary_for(ctx: ServiceContext, patient: Patient) -> PatientView:
    return patient_view(patient, visible_fields(ctx), within=SUMMARY_FIELDS)
