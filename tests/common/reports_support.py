"""A small clinic history made through the services, for the report and printing tests.

Three days of work (Mon 23 - Wed 25 Nov 2026, Taipei): treatments by two doctors with discounts,
payments by several methods (one with a payment discount), a partial and a full refund,
appointments in every status, stock received, used by treatments and wasted. Tests compute their
expected figures from the raw rows, independently of the reports.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from common.barcodes import payload
from common.catalog.models import TreatmentKind
from common.clinics.models import Clinic
from common.clock import FrozenClock
from common.inventory import service as inventory
from common.patients.models import Patient
from common.payments import service as payments
from common.payments.models import PaymentMethod
from common.scheduling.models import Appointment, AppointmentStatus
from common.treatments import service as treatments
from tests.common.commerce_support import (
    make_appointment,
    make_item,
    make_patient,
    make_treatment,
    set_clinic,
)
from tests.conftest import ClinicWorld

MONDAY = date(2026, 11, 23)
FIRST_DAY = MONDAY
LAST_DAY = MONDAY + timedelta(days=2)


def at_local(day: date, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in Taipei (UTC+8, no DST) as a UTC instant."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


@dataclass
class History:
    world: ClinicWorld
    facial: uuid.UUID
    laser: uuid.UUID
    consult: uuid.UUID
    gel: uuid.UUID
    gloves: uuid.UUID
    patients: list[uuid.UUID] = field(default_factory=list)
    treatments: list[uuid.UUID] = field(default_factory=list)
    payments: list[uuid.UUID] = field(default_factory=list)
    appointments: dict[AppointmentStatus, list[uuid.UUID]] = field(default_factory=dict)


def build_history(world: ClinicWorld, clock: FrozenClock, *, tax_rate: Decimal = Decimal(0)) -> History:
    if tax_rate:
        set_clinic(world, tax_rate=tax_rate)
    clock.set(at_local(MONDAY - timedelta(days=10), 9))
    gel = make_item(world, "Cooling gel", unit_cost=Decimal("35.50"), minimum_quantity=5)
    gloves = make_item(world, "Nitrile gloves", unit_cost=Decimal("2.25"), minimum_quantity=50)
    with world.ctx("admin") as ctx:
        inventory.receive_stock(ctx, gel, 20, reason="Opening stock")
        inventory.receive_stock(ctx, gloves, 100, reason="Opening stock")
    facial = make_treatment(
        world,
        "Hydrating facial",
        kind=TreatmentKind.COSMETIC,
        base_price=Decimal("1500"),
        follow_up_interval_days=2,
        default_inventory_items=[
            {"item_id": str(gel), "quantity": 1},
            {"item_id": str(gloves), "quantity": 2},
        ],
        issue_barcode=True,
    )
    laser = make_treatment(
        world,
        "皮秒雷射 Pico laser",
        kind=TreatmentKind.THERAPEUTIC,
        base_price=Decimal("4200.50"),
        default_inventory_items=[{"item_id": str(gloves), "quantity": 2}],
        issue_barcode=True,
    )
    consult = make_treatment(
        world, "Consultation", kind=TreatmentKind.DIAGNOSTIC, base_price=Decimal("500"), issue_barcode=True
    )
    history = History(world, facial, laser, consult, gel, gloves)
    history.patients = [
        make_patient(world, "Mei", "Chen"),
        make_patient(world, "美玲", "林"),
        make_patient(world, "Hana", "Sato"),
        make_patient(world, "Tom", "Baker"),
    ]
    p = history.patients
    with world.db.session(world.clinic_id) as session, session.begin():
        secret = session.scalars(select(Clinic.barcode_secret).where(Clinic.id == world.clinic_id)).one()
        for row in session.scalars(select(Patient).where(Patient.id.in_(p))):
            row.barcode_id = payload.generate(payload.CodeKind.PATIENT, world.clinic_id, secret).value

    # Appointments booked a week ahead, one per status, spread over the three days.
    clock.set(at_local(MONDAY - timedelta(days=7), 10))
    statuses = [
        (AppointmentStatus.COMPLETED, 0, "doctor", p[0]),
        (AppointmentStatus.COMPLETED, 0, "doctor2", p[1]),
        (AppointmentStatus.COMPLETED, 1, "doctor", p[2]),
        (AppointmentStatus.CANCELLED, 1, "doctor2", p[3]),
        (AppointmentStatus.NO_SHOW, 1, "doctor", p[3]),
        (AppointmentStatus.CHECKED_IN, 2, "doctor2", p[0]),
        (AppointmentStatus.SCHEDULED, 2, "doctor", p[2]),
    ]
    for number, (status, offset, doctor, patient) in enumerate(statuses):
        starts = at_local(MONDAY + timedelta(days=offset), 10 + number)
        appointment = make_appointment(world, patient, status=status, starts_at=starts, doctor=doctor)
        history.appointments.setdefault(status, []).append(appointment)
        if status in (AppointmentStatus.COMPLETED, AppointmentStatus.CHECKED_IN):
            with world.db.session(world.clinic_id) as session, session.begin():
                visit = session.scalars(select(Appointment).where(Appointment.id == appointment)).one()
                visit.check_in_time = starts - timedelta(minutes=5 + 3 * number)
                if status is AppointmentStatus.COMPLETED:
                    visit.check_out_time = starts + timedelta(minutes=40 + number)

    def treat(
        day: int, hour: int, patient: uuid.UUID, item: uuid.UUID, doctor: str, discount: str = "0"
    ) -> uuid.UUID:
        clock.set(at_local(MONDAY + timedelta(days=day), hour))
        with world.ctx("doctor") as ctx:
            recorded = treatments.record_treatment(
                ctx, patient, item, doctor_id=world.staff[doctor], discount=Decimal(discount)
            )
        history.treatments.append(recorded.record.id)
        return recorded.record.id

    def pay(
        treatment: uuid.UUID, patient: uuid.UUID, amount: str, method: PaymentMethod, discount: str = "0"
    ) -> uuid.UUID:
        clock.advance(timedelta(minutes=20))
        with world.ctx("receptionist") as ctx:
            payment = payments.take_payment(
                ctx, patient, Decimal(amount), method, treatment_id=treatment, discount=Decimal(discount)
            )
        history.payments.append(payment.id)
        return payment.id

    t1 = treat(0, 10, p[0], facial, "doctor", discount="150")
    pay(t1, p[0], "1350", PaymentMethod.CASH)
    t2 = treat(0, 11, p[1], laser, "doctor2")
    pay(t2, p[1], "4200.50", PaymentMethod.CARD, discount="200.50")
    t3 = treat(1, 12, p[2], consult, "doctor")
    refunded_in_full = pay(t3, p[2], "500", PaymentMethod.MOBILE)
    t4 = treat(1, 15, p[0], laser, "doctor", discount="420.05")
    partly_refunded = pay(t4, p[0], "3780.45", PaymentMethod.CARD)
    t5 = treat(2, 9, p[2], facial, "doctor2")
    pay(t5, p[2], "1000", PaymentMethod.CASH)  # the rest stays owed
    clock.set(at_local(MONDAY + timedelta(days=2), 17))
    with world.ctx("manager") as ctx:
        payments.refund(ctx, partly_refunded, Decimal("1000.45"), reason="Session shortened")
        payments.refund(ctx, refunded_in_full, reason="Charged by mistake")
        inventory.record_waste(ctx, gel, 2, reason="Tube split open")
    return history
