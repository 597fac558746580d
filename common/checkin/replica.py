"""What a kiosk's own database holds: today's and tomorrow's appointments, the first names and
codes of those patients, the doctors' names, and what check-in needs to match and decide with.

No medical history, allergies, medications, notes, contacts or other patients: a stolen kiosk
gives away a day's appointment list and nothing more. `copy_kiosk_scope` fills a freshly migrated
kiosk database from a clinic's full database (what enrolment's first pull will do by sync), and
`KIOSK_SCOPE` says column by column what is kept; every other column is blanked, so a column
added to these tables later stays off kiosks until someone decides otherwise here.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import Column, Connection, Engine, Table, select

from common.barcodes.models import BarcodeEntityType, BarcodeMapping
from common.checkin.models import ArrivalQuestion
from common.clinics.models import Clinic, ClinicSequence
from common.patients.models import Patient
from common.scheduling.models import Appointment
from common.staff.models import StaffUser

DAYS: Final = 2  # today and tomorrow, clinic time
PHONE_DIGITS_KEPT: Final = 4  # enough for "No code?" and "does your phone end in 42?"
_SYNC_COLUMNS: Final = frozenset(
    {"clinic_id", "id", "created_at", "seq", "updated_at", "deleted_at", "version"}
)

Row = Mapping[str, Any]
Blank = Callable[[Row], Any]


@dataclass(frozen=True)
class TableScope:
    table: Table
    keep: frozenset[str]
    blanks: Mapping[str, Blank]


def _scope(model: Any, keep: Iterable[str], blanks: Mapping[str, Blank] | None = None) -> TableScope:
    table: Table = model.__table__
    return TableScope(table, frozenset(keep) | (_SYNC_COLUMNS & set(table.c.keys())), blanks or {})


def _last_phone_digits(row: Row) -> str | None:
    digits = row["phone_digits"]
    return digits[-PHONE_DIGITS_KEPT:] if digits else None


KIOSK_SCOPE: Final[dict[str, TableScope]] = {
    scope.table.name: scope
    for scope in (
        _scope(Clinic, set(Clinic.__table__.c.keys()) - {"billing_contact_email", "technical_contact_email"}),
        _scope(ClinicSequence, {"change_seq"}),
        _scope(
            StaffUser,
            {"first_name", "last_name", "role", "is_active"},
            {"email": lambda row: f"{row['id'].hex}@kiosk.invalid", "password_hash": lambda _row: "!"},
        ),
        _scope(
            Patient,
            {
                "barcode_id",
                "qr_code_data",
                "first_name",
                "date_of_birth",
                "is_active",
                "merged_into_id",
                "last_name_key",
            },
            {"phone_digits": _last_phone_digits},
        ),
        _scope(
            Appointment,
            set(Appointment.__table__.c.keys())
            - {
                "reason_for_visit",
                "notes",
                "cancellation_reason",
                "treatment_plan_id",
                "treatment_type_id",
                "booked_by",
            },
        ),
        _scope(BarcodeMapping, set(BarcodeMapping.__table__.c.keys()) - {"generated_by", "last_scanned_by"}),
        _scope(ArrivalQuestion, set(ArrivalQuestion.__table__.c.keys())),
    )
}


def _blank(column: Column[Any]) -> Any:
    if column.nullable:
        return None
    default = column.default
    if default is not None and getattr(default, "is_scalar", False):
        return getattr(default, "arg", None)
    if default is not None and getattr(default, "is_callable", False):
        return default.arg(None)  # type: ignore[attr-defined]
    if column.type.python_type is str:
        return ""
    raise ValueError(f"{column.table.name}.{column.name} has no blank value: add it to KIOSK_SCOPE")


def project(scope: TableScope, row: Row) -> dict[str, Any]:
    """The row as a kiosk keeps it."""
    projected: dict[str, Any] = {}
    for column in scope.table.columns:
        name = column.name
        if name in scope.keep:
            projected[name] = row[name]
        elif name in scope.blanks:
            projected[name] = scope.blanks[name](row)
        else:
            projected[name] = _blank(column)
    return projected


@dataclass(frozen=True)
class ReplicaCounts:
    appointments: int
    patients: int
    codes: int
    doctors: int


def copy_kiosk_scope(source: Engine, target: Engine, clinic_id: uuid.UUID, now: datetime) -> ReplicaCounts:
    """Copy one clinic's kiosk scope from `source` into an empty, migrated `target`."""
    with source.connect() as read:
        rows = _read_scope(read, clinic_id, now)
        read.rollback()
    with target.begin() as write:
        for name, table_rows in rows.items():
            if table_rows:
                write.execute(
                    KIOSK_SCOPE[name].table.insert(), [project(KIOSK_SCOPE[name], r) for r in table_rows]
                )
    return ReplicaCounts(
        appointments=len(rows["appointments"]),
        patients=len(rows["patients"]),
        codes=len(rows["barcode_mappings"]),
        doctors=len(rows["staff_users"]),
    )


def _table(model: Any) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _read_scope(read: Connection, clinic_id: uuid.UUID, now: datetime) -> dict[str, list[Row]]:
    clinics = _table(Clinic)
    clinic = dict(read.execute(select(clinics).where(clinics.c.id == clinic_id)).mappings().one())
    today = now.astimezone(ZoneInfo(clinic["timezone"])).date()
    days = [today + timedelta(days=offset) for offset in range(DAYS)]

    def rows_of(table: Table, *where: Any) -> list[Row]:
        query = select(table).where(table.c.clinic_id == clinic_id, *where)
        if "deleted_at" in table.c:
            query = query.where(table.c.deleted_at.is_(None))
        return [dict(row) for row in read.execute(query.order_by(table.c.id)).mappings()]

    appointments_table = _table(Appointment)
    appointments = rows_of(appointments_table, appointments_table.c.appointment_date.in_(days))
    patient_ids = sorted({row["patient_id"] for row in appointments})
    doctor_ids = sorted({row["doctor_id"] for row in appointments})
    patients_table, staff_table, codes_table = _table(Patient), _table(StaffUser), _table(BarcodeMapping)
    sequences = _table(ClinicSequence)
    questions = _table(ArrivalQuestion)
    return {
        "clinics": [clinic],
        "clinic_sequences": [
            dict(row)
            for row in read.execute(select(sequences).where(sequences.c.clinic_id == clinic_id)).mappings()
        ],
        "staff_users": rows_of(staff_table, staff_table.c.id.in_(doctor_ids)),
        "patients": rows_of(patients_table, patients_table.c.id.in_(patient_ids)),
        "appointments": appointments,
        "barcode_mappings": rows_of(
            codes_table,
            codes_table.c.entity_type == BarcodeEntityType.PATIENT.value,
            codes_table.c.entity_id.in_(patient_ids),
        ),
        "arrival_questions": rows_of(questions),
    }
