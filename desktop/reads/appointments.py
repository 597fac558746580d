"""Appointments as rows: a day's, a fortnight's, and their patients' names."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from sqlalchemy import select

from common.context import ServiceContext
from common.patients.models import Patient
from common.scheduling.calendar_view import appointments_between
from common.scheduling.clinic_rules import BookingRules
from common.scheduling.models import Appointment
from desktop import sync_bridge
from desktop.names import display_name
from desktop.reads.rows import AppointmentRow


def appointments_on(
    ctx: ServiceContext, first_day: date, days: int = 1, *, include_cancelled: bool = False
) -> list[AppointmentRow]:
    """Appointments of `days` clinic days from `first_day`, by start then doctor."""
    rules = BookingRules.of(ctx.clinic)
    start, end = rules.day_bounds(first_day, first_day + timedelta(days=days - 1))
    found = appointments_between(ctx, start, end, include_cancelled=include_cancelled)
    return to_rows(ctx, found)


def to_rows(ctx: ServiceContext, appointments: Sequence[Appointment]) -> list[AppointmentRow]:
    people = patient_names(ctx, {a.patient_id for a in appointments})
    pending = sync_bridge.pending_ids(ctx, "appointments")
    tz = ctx.tz
    rows = []
    for a in appointments:
        name, allergic = people.get(a.patient_id, ("", False))
        rows.append(
            AppointmentRow(
                id=a.id,
                reservation_id=a.reservation_id,
                patient_id=a.patient_id,
                patient_name=name,
                doctor_id=a.doctor_id,
                starts_at=a.starts_at.astimezone(tz),
                ends_at=a.ends_at.astimezone(tz),
                day=a.appointment_date,
                status=a.status,
                appointment_type=a.appointment_type,
                booking_mode=a.booking_mode,
                period=a.period,
                time_assigned=a.time_assigned,
                treatment_type_id=a.treatment_type_id,
                check_in_time=a.check_in_time.astimezone(tz) if a.check_in_time else None,
                check_out_time=a.check_out_time.astimezone(tz) if a.check_out_time else None,
                reason_for_visit=a.reason_for_visit,
                notes=a.notes,
                duration_minutes=a.duration_minutes,
                has_allergies=allergic,
                pending=a.id in pending,
            )
        )
    return rows


def patient_names(ctx: ServiceContext, patient_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, tuple[str, bool]]:
    """Display names (and whether allergies are recorded, when the reader may know) of patients
    already listed by an audited read: the names a calendar or queue shows beside them."""
    ids = list(patient_ids)
    if not ids:
        return {}
    show_allergies = "allergies" in ctx.visible_patient_fields()
    names: dict[uuid.UUID, tuple[str, bool]] = {}
    for start in range(0, len(ids), 500):
        rows = ctx.session.execute(
            select(Patient.id, Patient.first_name, Patient.last_name, Patient.allergies)
            .where(Patient.id.in_(ids[start : start + 500]))
            .execution_options(include_deleted=True)
        )
        for row in rows:
            allergic = bool(row.allergies) if show_allergies else False
            names[row.id] = (display_name(row.first_name, row.last_name), allergic)
    return names
