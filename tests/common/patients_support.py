"""Helpers shared by the patient tests: registering patients, giving them history, reading audit rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from common.audit.models import AuditLog
from common.barcodes.models import BarcodeEntityType
from common.barcodes.service import issue_code
from common.catalog.models import TreatmentCatalogItem, TreatmentKind
from common.chat.models import ChatMessage, Department, RecipientType, SenderType
from common.notifications.models import Channel, Notification, NotificationKind, RecipientKind
from common.patients.service import NewPatient, register_patient
from common.patients.views import PatientView
from common.payments.models import PaymentRecord, PaymentStatus
from common.scheduling.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    BookingMode,
    WaitlistEntry,
)
from common.treatments.models import TreatmentRecord
from tests.conftest import ClinicWorld

ROLES = ("admin", "manager", "doctor", "nurse", "receptionist")


def register(world: ClinicWorld, who: str = "doctor", **fields: Any) -> PatientView:
    values: dict[str, Any] = {"first_name": "Ana", "last_name": "García", "date_of_birth": date(1990, 5, 17)}
    values.update(fields)
    with world.ctx(who) as ctx:
        return register_patient(ctx, NewPatient(**values))


def audit_rows(world: ClinicWorld) -> list[AuditLog]:
    with world.db.session(world.clinic_id) as session:
        return list(session.scalars(select(AuditLog).order_by(AuditLog.chain_id, AuditLog.chain_seq)))


@dataclass
class AuditWatch:
    """Counts the audit rows written between `start()` and `new()`."""

    world: ClinicWorld
    seen: set[uuid.UUID] = field(default_factory=set)

    def start(self) -> AuditWatch:
        self.seen = {row.id for row in audit_rows(self.world)}
        return self

    def new(self) -> list[AuditLog]:
        return [row for row in audit_rows(self.world) if row.id not in self.seen]


@dataclass
class History:
    """Ids of the rows made for one patient, by table."""

    ids: dict[str, set[uuid.UUID]] = field(default_factory=dict)

    def add(self, table: str, row_id: uuid.UUID) -> None:
        self.ids.setdefault(table, set()).add(row_id)


_reservation_numbers = iter(range(1, 10**9))


def catalog_item(world: ClinicWorld) -> uuid.UUID:
    with world.system() as ctx:
        item = TreatmentCatalogItem(
            name="Hydrating facial",
            category=TreatmentKind.COSMETIC,
            duration_minutes=30,
            base_price=Decimal("1500"),
            currency="TWD",
        )
        ctx.session.add(item)
        ctx.session.flush()
        return item.id


def give_history(
    world: ClinicWorld,
    patient_id: uuid.UUID,
    *,
    visits: int = 2,
    treatment_type_id: uuid.UUID | None = None,
    start: datetime = datetime(2025, 1, 6, 2, 0, tzinfo=UTC),
) -> History:
    """Completed visits (appointment + treatment + payment each), chat both ways, a waitlist entry,
    a notification, and one extra barcode; plus one tombstoned appointment."""
    made = History()
    doctor = world.staff["doctor"]
    item_id = treatment_type_id or catalog_item(world)
    with world.system() as ctx:
        rows: list[Any] = []
        for number in range(visits):
            starts = start + timedelta(days=number)
            appointment = Appointment(
                patient_id=patient_id,
                doctor_id=doctor,
                reservation_id=f"R{next(_reservation_numbers):08d}",
                starts_at=starts,
                ends_at=starts + timedelta(minutes=30),
                appointment_date=starts.date(),
                start_time=time(10, 0),
                end_time=time(10, 30),
                duration_minutes=30,
                appointment_type=AppointmentType.TREATMENT,
                status=AppointmentStatus.COMPLETED,
                booking_mode=BookingMode.SPECIFIC_TIME,
            )
            treatment = TreatmentRecord(
                patient_id=patient_id,
                appointment_id=appointment.id,
                doctor_id=doctor,
                treatment_date=starts.date(),
                treatment_type_id=item_id,
                treatment_name="Hydrating facial",
                duration_minutes=30,
                cost=Decimal("1500"),
                currency="TWD",
                final_amount=Decimal("1500"),
            )
            rows += [appointment, treatment]
            ctx.session.add(appointment)
            ctx.session.flush()
            ctx.session.add(treatment)
            ctx.session.flush()
            payment = PaymentRecord(
                patient_id=patient_id,
                appointment_id=appointment.id,
                treatment_id=treatment.id,
                amount=Decimal("1500"),
                currency="TWD",
                final_amount=Decimal("1500"),
                payment_status=PaymentStatus.COMPLETED,
                payment_date=starts.date(),
                paid_at=starts + timedelta(minutes=40),
            )
            ctx.session.add(payment)
            rows.append(payment)
        cancelled = Appointment(
            patient_id=patient_id,
            doctor_id=doctor,
            reservation_id=f"R{next(_reservation_numbers):08d}",
            starts_at=start - timedelta(days=30),
            ends_at=start - timedelta(days=30) + timedelta(minutes=30),
            appointment_date=(start - timedelta(days=30)).date(),
            start_time=time(10, 0),
            end_time=time(10, 30),
            duration_minutes=30,
            appointment_type=AppointmentType.CONSULTATION,
            status=AppointmentStatus.CANCELLED,
            booking_mode=BookingMode.SPECIFIC_TIME,
            deleted_at=start,
        )
        rows.append(cancelled)
        rows.append(
            ChatMessage(
                patient_id=patient_id,
                sender_type=SenderType.PATIENT,
                sender_id=patient_id,
                recipient_type=RecipientType.DEPARTMENT,
                department=Department.GENERAL,
                content="Can I move my visit?",
            )
        )
        rows.append(
            ChatMessage(
                patient_id=patient_id,
                sender_type=SenderType.STAFF,
                sender_id=world.staff["receptionist"],
                recipient_type=RecipientType.PATIENT,
                recipient_id=patient_id,
                department=Department.APPOINTMENT,
                content="Yes, see you Friday.",
            )
        )
        rows.append(
            WaitlistEntry(
                patient_id=patient_id,
                wanted_date=date(2026, 12, 1),
                duration_minutes=30,
                appointment_type=AppointmentType.CONSULTATION,
            )
        )
        rows.append(
            Notification(
                recipient_kind=RecipientKind.PATIENT,
                recipient_id=patient_id,
                kind=NotificationKind.APPOINTMENT_REMINDER,
                channel=Channel.EMAIL,
            )
        )
        for row in rows:
            ctx.session.add(row)
        ctx.session.flush()
        extra_code = issue_code(ctx, BarcodeEntityType.PATIENT, patient_id)
        for row in rows:
            made.add(row.__tablename__, row.id)
        made.add("barcode_mappings", extra_code.id)
    return made
