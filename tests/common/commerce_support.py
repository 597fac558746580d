"""Helpers for the catalog, treatment, inventory and payment tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, event, select

from common.audit.models import AuditLog
from common.catalog import service as catalog
from common.catalog.models import TreatmentKind
from common.clinics.models import Clinic, SubscriptionStatus
from common.context import Actor
from common.ids import new_id
from common.inventory import service as inventory
from common.inventory.models import InventoryCategory, InventoryMovement
from common.patients.models import Patient
from common.patients.search_keys import fold, search_text
from common.scheduling.models import Appointment, AppointmentStatus, AppointmentType, BookingMode
from tests.conftest import CLINIC_TZ, ClinicWorld

_numbers = iter(range(1, 10**9))


def make_patient(world: ClinicWorld, first: str = "Mei", last: str = "Chen") -> uuid.UUID:
    """A patient made directly with the ORM (these tests are not about registration)."""
    number = next(_numbers)
    with world.db.context(world.clinic_id, Actor.system()) as ctx:
        patient = Patient(
            id=new_id(),
            barcode_id=f"TEST-{number:08d}",
            qr_code_data=f"TEST-{number:08d}",
            first_name=first,
            last_name=last,
            date_of_birth=datetime(1990, 1, 1, tzinfo=UTC).date(),
            first_name_key=fold(first),
            last_name_key=fold(last),
            search_text=search_text(first, last),
        )
        ctx.session.add(patient)
        ctx.session.flush()
        return patient.id


def make_appointment(
    world: ClinicWorld,
    patient_id: uuid.UUID,
    *,
    status: AppointmentStatus = AppointmentStatus.CHECKED_IN,
    starts_at: datetime | None = None,
    treatment_type_id: uuid.UUID | None = None,
    doctor: str = "doctor",
) -> uuid.UUID:
    if starts_at is None:
        # Each one in its own half hour: a doctor's bookings may not overlap (PostgreSQL checks).
        starts_at = datetime(2026, 11, 23, 2, 0, tzinfo=UTC) + timedelta(minutes=30 * next(_numbers))
    local = starts_at.astimezone(ZoneInfo(CLINIC_TZ))
    with world.db.context(world.clinic_id, Actor.system()) as ctx:
        appointment = Appointment(
            id=new_id(),
            patient_id=patient_id,
            doctor_id=world.staff[doctor],
            reservation_id=f"T{next(_numbers):08d}",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=30),
            appointment_date=local.date(),
            start_time=local.time(),
            end_time=(local + timedelta(minutes=30)).time(),
            duration_minutes=30,
            appointment_type=AppointmentType.TREATMENT,
            status=status,
            booking_mode=BookingMode.SPECIFIC_TIME,
            treatment_type_id=treatment_type_id,
        )
        ctx.session.add(appointment)
        ctx.session.flush()
        return appointment.id


def make_item(world: ClinicWorld, name: str = "Syringe 1 ml", **fields: Any) -> uuid.UUID:
    values: dict[str, Any] = {
        "name": name,
        "sku": f"SKU-{next(_numbers):06d}",
        "category": InventoryCategory.SUPPLY,
        "minimum_quantity": 2,
    }
    values.update(fields)
    with world.db.context(world.clinic_id, world.actor("admin")) as ctx:
        return inventory.create_item(ctx, **values).id


def make_treatment(world: ClinicWorld, name: str = "Hydrating facial", **fields: Any) -> uuid.UUID:
    values: dict[str, Any] = {
        "name": name,
        "kind": TreatmentKind.COSMETIC,
        "duration_minutes": 45,
        "base_price": Decimal("1500"),
    }
    values.update(fields)
    with world.db.context(world.clinic_id, world.actor("admin")) as ctx:
        return catalog.create_treatment(ctx, **values).id


def set_clinic(world: ClinicWorld, **values: Any) -> None:
    with world.db.session(None) as session, session.begin():
        clinic = session.scalars(select(Clinic).where(Clinic.id == world.clinic_id)).one()
        for name, value in values.items():
            setattr(clinic, name, value)


def suspend(world: ClinicWorld) -> None:
    set_clinic(world, subscription_status=SubscriptionStatus.SUSPENDED)


def audit_ids(world: ClinicWorld) -> set[uuid.UUID]:
    with world.db.session(world.clinic_id) as session:
        return set(session.scalars(select(AuditLog.id)))


def new_audit_rows(world: ClinicWorld, before: set[uuid.UUID]) -> list[AuditLog]:
    with world.db.session(world.clinic_id) as session:
        rows = session.scalars(select(AuditLog).order_by(AuditLog.chain_seq))
        return [row for row in rows if row.id not in before]


def movements_of(world: ClinicWorld, item_id: uuid.UUID) -> list[InventoryMovement]:
    with world.db.session(world.clinic_id) as session:
        return list(
            session.scalars(
                select(InventoryMovement)
                .where(InventoryMovement.item_id == item_id)
                .order_by(InventoryMovement.occurred_at, InventoryMovement.id)
            )
        )


@contextmanager
def sql_statements(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement the engine runs inside the block."""
    seen: list[str] = []

    def listener(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)
