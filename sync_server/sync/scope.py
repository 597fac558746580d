"""What each kind of device may hold: a front desk gets its clinic, a kiosk the check-in minimum.

Kiosk: today's and tomorrow's appointments (the clinic's wall-clock days, by the server's clock),
those patients, their card mappings, those appointments' doctors, the arrival questions and the
clinic's settings, each row projected by the check-in feature's KIOSK_SCOPE (no medical history,
allergies, medications, notes or contact data: every column it does not keep is blanked).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from common.barcodes.models import BarcodeEntityType, BarcodeMapping
from common.checkin.replica import KIOSK_SCOPE
from common.checkin.replica import project as checkin_project
from common.clinics.models import Clinic
from common.scheduling.models import Appointment
from common.sync.protocol import TableRows
from common.sync.tables import CLINICS, SERVER_ONLY_COLUMNS, SyncedTable, synced_table

# The kiosk's scope is the check-in feature's decision (common/checkin/replica.py: KIOSK_SCOPE says
# column by column what a kiosk keeps; every other column is blanked). This module decides which
# rows: today's and tomorrow's appointments and what they point to.
# Never on a kiosk whatever its scope says: the poster's signing keys (a kiosk prints no posters).
KIOSK_NEVER: Final = frozenset({"registration_keys"})
KIOSK_TABLES: Final = tuple(
    name for name in KIOSK_SCOPE if name != "clinic_sequences" and name not in KIOSK_NEVER
)


def project(described: SyncedTable, row: Sequence[Any], kiosk: bool) -> list[Any]:
    """A row as the device may hold it (Python values, before encoding)."""
    if kiosk:
        projected = checkin_project(
            KIOSK_SCOPE[described.name], dict(zip(described.columns, row, strict=True))
        )
        values = [projected[name] for name in described.columns]
    else:
        values = list(row)
    hidden = SERVER_ONLY_COLUMNS.get(described.name, {})
    for index, name in enumerate(described.columns):
        if name in hidden:
            values[index] = hidden[name]
    return values


def kiosk_days(session: Session, clinic_id: uuid.UUID, now: datetime) -> tuple[date, date]:
    zone = session.scalars(select(Clinic.timezone).where(Clinic.id == clinic_id)).one()
    today = now.astimezone(ZoneInfo(zone)).date()
    return today, today + timedelta(days=1)


def kiosk_snapshot(session: Session, clinic_id: uuid.UUID, now: datetime) -> dict[str, list[Sequence[Any]]]:
    """Every row a kiosk holds, by table (Python values, not yet projected)."""
    first, last = kiosk_days(session, clinic_id, now)
    appointments = _rows(
        session,
        "appointments",
        lambda t: select(t).where(
            t.c.clinic_id == clinic_id,
            t.c.appointment_date >= first,
            t.c.appointment_date <= last,
            t.c.deleted_at.is_(None),
        ),
    )
    columns = synced_table("appointments").columns
    patient_ids = sorted({row[columns.index("patient_id")] for row in appointments})
    doctor_ids = sorted({row[columns.index("doctor_id")] for row in appointments})
    return {
        CLINICS: _rows(session, CLINICS, lambda t: select(t).where(t.c.id == clinic_id)),
        "staff_users": _by_ids(session, "staff_users", clinic_id, doctor_ids),
        "appointments": appointments,
        "patients": _by_ids(session, "patients", clinic_id, patient_ids),
        "barcode_mappings": _rows(
            session,
            "barcode_mappings",
            lambda t: select(t).where(
                t.c.clinic_id == clinic_id,
                t.c.entity_type == BarcodeEntityType.PATIENT,
                t.c.entity_id.in_(patient_ids),
                t.c.deleted_at.is_(None),
            ),
        )
        if patient_ids
        else [],
        "arrival_questions": _rows(
            session,
            "arrival_questions",
            lambda t: select(t).where(t.c.clinic_id == clinic_id, t.c.deleted_at.is_(None)),
        ),
    }


def kiosk_may_hold(
    session: Session, clinic_id: uuid.UUID, table: str, row_id: uuid.UUID, now: datetime
) -> bool:
    """Whether a row is in a kiosk's scope now (for the rows answered to a kiosk's push)."""
    if table not in KIOSK_TABLES:
        return False
    if table == CLINICS:
        return row_id == clinic_id
    if table == "arrival_questions":
        return True
    first, last = kiosk_days(session, clinic_id, now)
    if table == "appointments":
        found = session.scalar(
            select(Appointment.appointment_date).where(
                Appointment.clinic_id == clinic_id, Appointment.id == row_id
            )
        )
        return found is not None and first <= found <= last
    if table == "staff_users":  # a doctor of one of the kiosk's appointments
        return (
            session.scalar(
                select(Appointment.id)
                .where(
                    Appointment.clinic_id == clinic_id,
                    Appointment.doctor_id == row_id,
                    Appointment.appointment_date >= first,
                    Appointment.appointment_date <= last,
                    Appointment.deleted_at.is_(None),
                )
                .limit(1)
            )
            is not None
        )
    patient_id = row_id
    if table == "barcode_mappings":
        owner = session.scalar(
            select(BarcodeMapping.entity_id).where(
                BarcodeMapping.clinic_id == clinic_id,
                BarcodeMapping.id == row_id,
                BarcodeMapping.entity_type == BarcodeEntityType.PATIENT,
            )
        )
        if owner is None:
            return False
        patient_id = owner
    return (
        session.scalar(
            select(Appointment.id)
            .where(
                Appointment.clinic_id == clinic_id,
                Appointment.patient_id == patient_id,
                Appointment.appointment_date >= first,
                Appointment.appointment_date <= last,
                Appointment.deleted_at.is_(None),
            )
            .limit(1)
        )
        is not None
    )


def encode_rows(described: SyncedTable, rows: Iterable[Sequence[Any]], kiosk: bool) -> TableRows:
    return TableRows(
        table=described.name,
        columns=list(described.columns),
        rows=[described.encode_row(project(described, row, kiosk)) for row in rows],
    )


def _rows(session: Session, name: str, build: Any) -> list[Sequence[Any]]:
    table = synced_table(name).table
    query: Select[Any] = build(table)
    return [tuple(row) for row in session.execute(query)]


def _by_ids(session: Session, name: str, clinic_id: uuid.UUID, ids: list[uuid.UUID]) -> list[Sequence[Any]]:
    if not ids:
        return []
    table = synced_table(name).table
    out: list[Sequence[Any]] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        out.extend(
            tuple(r)
            for r in session.execute(
                select(table).where(table.c.clinic_id == clinic_id, table.c.id.in_(chunk))
            )
        )
    return out
