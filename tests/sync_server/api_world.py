"""A clinic with one object of every kind the API names by id, each holding a canary string.

Made through the common services (as the system), so the rows are what the API would have
made. The canary is unique per clinic: finding it in another clinic's answer is a leak.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, time

from sqlalchemy import select

from common.barcodes.models import BarcodeMapping
from common.catalog import service as catalog
from common.catalog.models import TreatmentKind
from common.inventory import service as inventory
from common.inventory.models import InventoryCategory
from common.patients.service import NewPatient, register_patient
from common.payments import service as payments
from common.payments.models import PaymentMethod
from common.scheduling.booking import BookingRequest, book_appointment
from common.scheduling.clinic_rules import BookingRules
from common.scheduling.schedules import set_weekly_schedule
from common.staff import service as staff
from common.staff.models import Role
from common.sync.models import DeviceKind
from common.treatments.service import record_treatment
from sync_server.sync.enrollment import create_enrollment_code, redeem
from tests.common.scheduling_fixtures import standard_week
from tests.conftest import ClinicWorld

TARGET_PASSWORD = "quiet meadow lantern 5150"


@dataclass
class ClinicObjects:
    world: ClinicWorld
    canary: str
    patient_id: uuid.UUID = field(default_factory=uuid.uuid4)
    duplicate_id: uuid.UUID = field(default_factory=uuid.uuid4)
    appointment_id: uuid.UUID = field(default_factory=uuid.uuid4)
    catalog_item_id: uuid.UUID = field(default_factory=uuid.uuid4)
    category_id: uuid.UUID = field(default_factory=uuid.uuid4)
    inventory_item_id: uuid.UUID = field(default_factory=uuid.uuid4)
    treatment_id: uuid.UUID = field(default_factory=uuid.uuid4)
    payment_id: uuid.UUID = field(default_factory=uuid.uuid4)
    barcode_id: uuid.UUID = field(default_factory=uuid.uuid4)
    barcode_value: str = ""
    item_barcode_value: str = ""
    staff_target_id: uuid.UUID = field(default_factory=uuid.uuid4)
    device_id: uuid.UUID = field(default_factory=uuid.uuid4)

    @property
    def clinic_id(self) -> uuid.UUID:
        return self.world.clinic_id

    @property
    def canaries(self) -> list[str]:
        """Strings only this clinic's rows hold (ids included)."""
        ids = [
            self.patient_id,
            self.duplicate_id,
            self.appointment_id,
            self.catalog_item_id,
            self.category_id,
            self.inventory_item_id,
            self.treatment_id,
            self.payment_id,
            self.barcode_id,
            self.staff_target_id,
            self.device_id,
        ]
        return [self.canary, self.canary.lower(), self.barcode_value, self.item_barcode_value, *map(str, ids)]


def populate(world: ClinicWorld, canary: str) -> ClinicObjects:
    objects = ClinicObjects(world, canary)
    doctor = world.staff["doctor"]
    with world.system() as ctx:
        set_weekly_schedule(ctx, doctor, standard_week())
        patient = register_patient(
            ctx,
            NewPatient(
                first_name=f"{canary}Mei",
                last_name=f"{canary}Lin",
                date_of_birth=date(1988, 4, 2),
                contact_email=f"{canary.lower()}@patients.example",
                contact_phone="+886 912 345 678",
                notes=f"{canary} prefers mornings",
                allergies=[f"{canary}-latex"],
                medical_history={"note": f"{canary} history"},
            ),
        )
        objects.patient_id = patient.id
        objects.barcode_value = patient["barcode_id"]
        objects.duplicate_id = register_patient(
            ctx,
            NewPatient(first_name=f"{canary}Mei", last_name=f"{canary}Lin", date_of_birth=date(1988, 4, 2)),
        ).id
        objects.barcode_id = ctx.session.scalars(
            select(BarcodeMapping.id).where(BarcodeMapping.barcode_value == objects.barcode_value)
        ).one()
        item = catalog.create_treatment(
            ctx,
            name=f"{canary} Peel",
            duration_minutes=30,
            base_price="1000",
            kind=TreatmentKind.COSMETIC,
            description=f"{canary} description",
        )
        objects.catalog_item_id = item.id
        objects.category_id = catalog.create_category(ctx, f"{canary} Lasers", kind=TreatmentKind.COSMETIC).id
        stock = inventory.create_item(
            ctx, name=f"{canary} Gauze", sku=f"SKU-{canary}", category=InventoryCategory.SUPPLY
        )
        objects.inventory_item_id = stock.id
        inventory.receive_stock(ctx, stock.id, 50)
        objects.item_barcode_value = inventory.issue_item_code(ctx, stock.id).barcode_value
        today = ctx.now().astimezone(ctx.tz).date()
        starts_at = BookingRules.of(ctx.clinic).instant(today, time(10).hour * 60)
        objects.appointment_id = book_appointment(
            ctx,
            BookingRequest(
                patient_id=patient.id,
                doctor_id=doctor,
                starts_at=starts_at,
                duration_minutes=30,
                reason_for_visit=f"{canary} reason",
            ),
        ).id
        recorded = record_treatment(
            ctx, patient.id, item.id, doctor_id=doctor, materials=[], notes=f"{canary} treatment note"
        )
        objects.treatment_id = recorded.record.id
        objects.payment_id = payments.take_payment(
            ctx,
            patient.id,
            "500",
            PaymentMethod.CASH,
            treatment_id=recorded.record.id,
            notes=f"{canary} paid",
        ).id
        objects.staff_target_id = staff.create_staff(
            ctx,
            staff.NewStaff(
                email=f"target-{canary.lower()}@staff.example",
                password=TARGET_PASSWORD,
                first_name=canary,
                last_name="Target",
                role=Role.NURSE,
            ),
        ).staff.id
    code, _ = create_enrollment_code(world.db, world.clinic_id, DeviceKind.FRONT_DESK)
    objects.device_id = redeem(world.db, code, f"{canary} front desk").device_id
    return objects
