"""Finding patients and everything a patient's page shows."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from common.barcodes.scanning import checkable_appointment
from common.context import ServiceContext
from common.patients.history import PatientHistory, full_history
from common.patients.search import search_patients
from common.patients.views import PatientView
from desktop.names import display_name
from desktop.reads.rows import PatientRow

SEARCH_LIMIT = 50


def search(ctx: ServiceContext, text: str, limit: int = SEARCH_LIMIT) -> list[PatientRow]:
    return [patient_row(view) for view in search_patients(ctx, text, limit)]


def patient_row(view: Mapping[str, Any]) -> PatientRow:
    allergies = view.get("allergies")
    return PatientRow(
        id=view["id"],
        name=display_name(view.get("first_name", ""), view.get("last_name", "")),
        first_name=view.get("first_name", ""),
        last_name=view.get("last_name", ""),
        date_of_birth=view.get("date_of_birth"),
        phone=view.get("contact_phone"),
        email=view.get("contact_email"),
        barcode=view.get("barcode_id"),
        next_appointment=view.get("next_appointment_date"),
        last_visit=view.get("last_visit_date"),
        allergies=tuple(str(item) for item in allergies) if isinstance(allergies, list) else None,
        is_active=bool(view.get("is_active", True)),
    )


@dataclass(frozen=True)
class PatientPage:
    patient: PatientView
    history: PatientHistory
    # Today's appointment that can be checked in now, if any.
    checkable_appointment_id: uuid.UUID | None

    @property
    def name(self) -> str:
        return display_name(self.patient.get("first_name", ""), self.patient.get("last_name", ""))

    def field(self, name: str) -> Any:
        return self.patient.get(name)

    def can_see(self, name: str) -> bool:
        return name in self.patient


def patient_page(ctx: ServiceContext, patient_id: uuid.UUID) -> PatientPage:
    history = full_history(ctx, patient_id)
    appointment = checkable_appointment(ctx, patient_id)
    return PatientPage(history.patient, history, appointment.id if appointment is not None else None)


def age_on(born: date | None, day: date) -> int | None:
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
