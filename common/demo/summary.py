"""What `clinic-server seed-demo` prints: the demo clinic at a glance, its logins and today's calendar.

No patient is named: the calendar shows times, reservation ids, doctors, treatments and statuses.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, func, select

from common.catalog.models import TreatmentCatalogItem
from common.clinics.models import Clinic
from common.demo.reference import DEMO_PASSWORD, DemoLogin, demo_logins
from common.inventory.models import InventoryItem, InventoryMovement
from common.patients.models import Patient
from common.payments.models import PaymentRecord
from common.scheduling.models import ACTIVE_STATUSES, Appointment
from common.staff.models import Role, StaffUser
from common.storage.base import ClinicRecord
from common.treatments.models import TreatmentRecord

TODAY_LIMIT: Final = 40
ROLE_ORDER: Final = (Role.ADMIN, Role.MANAGER, Role.DOCTOR, Role.NURSE, Role.RECEPTIONIST)


@dataclass(frozen=True)
class TodayLine:
    starts_at: datetime
    ends_at: datetime
    reservation_id: str
    doctor: str
    treatment: str
    status: str
    time_assigned: bool


@dataclass(frozen=True)
class DemoSummary:
    name: str
    tier: str
    timezone: str
    currency: str
    languages: tuple[str, ...]
    staff: int
    max_users: int
    patients: int
    max_patients: int
    appointments: int
    upcoming: int
    treatments: int
    catalog_items: int
    inventory_items: int
    low_stock: int
    payments: int
    logins: tuple[DemoLogin, ...]
    other_staff: int
    now: datetime
    today: tuple[TodayLine, ...]


def load_summary(engine: Engine, clinic_id: uuid.UUID, now: datetime) -> DemoSummary:
    with engine.connect() as connection:
        summary = _load(connection, clinic_id, now)
        connection.rollback()
    return summary


def _count(connection: Connection, model: type[ClinicRecord], clinic_id: uuid.UUID) -> int:
    query = (
        select(func.count())
        .select_from(model)
        .where(model.clinic_id == clinic_id, model.deleted_at.is_(None))
    )
    return int(connection.execute(query).scalar_one())


def _load(connection: Connection, clinic_id: uuid.UUID, now: datetime) -> DemoSummary:
    clinic = connection.execute(select(Clinic.__table__).where(Clinic.id == clinic_id)).one()
    tz = ZoneInfo(clinic.timezone)
    staff_rows = connection.execute(
        select(StaffUser.email, StaffUser.role).where(
            StaffUser.clinic_id == clinic_id, StaffUser.deleted_at.is_(None)
        )
    ).all()
    emails = {row.email for row in staff_rows}
    logins = tuple(login for login in demo_logins() if login.email in emails)
    upcoming = connection.execute(
        select(func.count())
        .select_from(Appointment)
        .where(
            Appointment.clinic_id == clinic_id,
            Appointment.deleted_at.is_(None),
            Appointment.starts_at > now,
            Appointment.status.in_(ACTIVE_STATUSES),
        )
    ).scalar_one()
    stock = (
        select(func.coalesce(func.sum(InventoryMovement.quantity), 0))
        .where(
            InventoryMovement.clinic_id == InventoryItem.clinic_id,
            InventoryMovement.item_id == InventoryItem.id,
        )
        .scalar_subquery()
    )
    low_stock = connection.execute(
        select(func.count())
        .select_from(InventoryItem)
        .where(
            InventoryItem.clinic_id == clinic_id,
            InventoryItem.deleted_at.is_(None),
            stock < InventoryItem.minimum_quantity,
        )
    ).scalar_one()
    return DemoSummary(
        name=clinic.name,
        tier=str(clinic.license_tier),
        timezone=clinic.timezone,
        currency=clinic.currency,
        languages=tuple(clinic.languages),
        staff=len(staff_rows),
        max_users=clinic.max_users,
        patients=_count(connection, Patient, clinic_id),
        max_patients=clinic.max_patients,
        appointments=_count(connection, Appointment, clinic_id),
        upcoming=int(upcoming),
        treatments=_count(connection, TreatmentRecord, clinic_id),
        catalog_items=_count(connection, TreatmentCatalogItem, clinic_id),
        inventory_items=_count(connection, InventoryItem, clinic_id),
        low_stock=int(low_stock),
        payments=_count(connection, PaymentRecord, clinic_id),
        logins=logins,
        other_staff=len(staff_rows) - len(logins),
        now=now,
        today=_today(connection, clinic_id, now, tz),
    )


def _today(
    connection: Connection, clinic_id: uuid.UUID, now: datetime, tz: ZoneInfo
) -> tuple[TodayLine, ...]:
    today = now.astimezone(tz).date()
    start = datetime.combine(today, datetime.min.time(), tzinfo=tz)
    end = start + timedelta(days=1)
    query = (
        select(
            Appointment.starts_at,
            Appointment.ends_at,
            Appointment.reservation_id,
            Appointment.status,
            Appointment.time_assigned,
            StaffUser.first_name,
            StaffUser.last_name,
            TreatmentCatalogItem.name,
        )
        .join(
            StaffUser,
            (StaffUser.clinic_id == Appointment.clinic_id) & (StaffUser.id == Appointment.doctor_id),
        )
        .outerjoin(
            TreatmentCatalogItem,
            (TreatmentCatalogItem.clinic_id == Appointment.clinic_id)
            & (TreatmentCatalogItem.id == Appointment.treatment_type_id),
        )
        .where(
            Appointment.clinic_id == clinic_id,
            Appointment.deleted_at.is_(None),
            Appointment.starts_at >= start,
            Appointment.starts_at < end,
        )
        .order_by(Appointment.starts_at, Appointment.reservation_id)
    )
    return tuple(
        TodayLine(
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            reservation_id=row.reservation_id,
            doctor=f"Dr. {row.first_name} {row.last_name}",
            treatment=row.name or "",
            status=str(row.status),
            time_assigned=row.time_assigned,
        )
        for row in connection.execute(query)
    )


def format_summary(summary: DemoSummary) -> str:
    tz = ZoneInfo(summary.timezone)
    languages = ", ".join(summary.languages)
    lines = [
        f"{summary.name} - {summary.tier}",
        f"  time zone {summary.timezone}, currency {summary.currency}, languages {languages}",
        f"  staff {summary.staff} of {summary.max_users} seats, patients {summary.patients:,} of "
        f"{summary.max_patients:,}",
        f"  {summary.appointments:,} appointments ({summary.upcoming:,} upcoming), "
        f"{summary.treatments:,} treatment records, {summary.payments:,} payments",
        f"  {summary.catalog_items} catalog treatments, {summary.inventory_items} inventory items "
        f"({summary.low_stock} below their reorder level)",
        "",
        f"Demo logins (every password: {DEMO_PASSWORD}; Admin and Manager also need a TOTP code):",
        *_login_lines(summary.logins),
    ]
    if summary.other_staff:
        lines.append(f"  ... and {summary.other_staff} more staff with the same password")
    today = summary.now.astimezone(tz)
    lines += ["", f"Today, {today:%a %Y-%m-%d} ({summary.timezone}): {len(summary.today)} appointments"]
    for line in summary.today[:TODAY_LIMIT]:
        start, end = line.starts_at.astimezone(tz), line.ends_at.astimezone(tz)
        when = f"{start:%H:%M}-{end:%H:%M}" if line.time_assigned else f"{start:%H:%M}-{end:%H:%M}*"
        lines.append(
            f"  {when:12} {line.reservation_id:12} {line.doctor:22} {line.treatment:42} {line.status}"
        )
    if len(summary.today) > TODAY_LIMIT:
        lines.append(f"  ... and {len(summary.today) - TODAY_LIMIT} more")
    if any(not line.time_assigned for line in summary.today):
        lines.append("  * a Time Period booking: staff assign the exact time")
    return "\n".join(lines)


def _login_lines(logins: Sequence[DemoLogin]) -> list[str]:
    ordered = sorted(logins, key=lambda login: (ROLE_ORDER.index(login.role), login.email))
    lines = [f"  {'role':13} {'name':18} {'email':32} TOTP secret"]
    for login in ordered:
        lines.append(f"  {login.role.value:13} {login.name:18} {login.email:32} {login.totp_secret or '-'}")
    return lines
