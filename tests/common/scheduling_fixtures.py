"""A clinic ready for scheduling tests: two doctors with a working week, patients, a treatment.

The week (clinic time, Asia/Taipei): Monday to Friday 09:00-18:00 with a 12:00-13:00 break,
Saturday 09:00-12:00. The clock starts at T0 = Monday 2026-11-23 08:00 in Taipei.
"""

from __future__ import annotations

import uuid
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from common.audit.models import AuditLog
from common.catalog.models import TreatmentCatalogItem, TreatmentKind
from common.clinics.models import Clinic
from common.clock import FrozenClock
from common.context import ServiceContext
from common.ids import new_id
from common.patients.models import Patient
from common.scheduling.booking import BookingRequest, book_appointment
from common.scheduling.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    BookingMode,
    ScheduleBlockKind,
)
from common.scheduling.schedules import ScheduleBlock, set_weekly_schedule
from tests.conftest import ClinicWorld

MONDAY = date(2026, 11, 23)
TAIPEI = ZoneInfo("Asia/Taipei")


def standard_week() -> list[ScheduleBlock]:
    blocks = []
    for weekday in range(1, 6):
        blocks.append(ScheduleBlock(weekday, time(9), time(18)))
        blocks.append(ScheduleBlock(weekday, time(12), time(13), ScheduleBlockKind.BREAK))
    blocks.append(ScheduleBlock(6, time(9), time(12)))
    return blocks


def wall(day: date | int, hhmm: str, tz: ZoneInfo = TAIPEI) -> datetime:
    """The UTC instant of a wall-clock time; `day` is a date or a day offset from MONDAY."""
    if isinstance(day, int):
        day = MONDAY + timedelta(days=day)
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=tz).astimezone(UTC)


@dataclass
class SchedulingWorld:
    world: ClinicWorld
    clock: FrozenClock
    patients: list[uuid.UUID] = field(default_factory=list)
    treatment_id: uuid.UUID = field(default_factory=new_id)  # 45 minutes

    @classmethod
    def build(cls, world: ClinicWorld, clock: FrozenClock, patients: int = 6) -> SchedulingWorld:
        sched = cls(world, clock)
        with world.db.session(world.clinic_id) as session, session.begin():
            for number in range(patients):
                patient_id = new_id()
                session.add(
                    Patient(
                        id=patient_id,
                        barcode_id=f"P-{patient_id.hex[:12]}",
                        qr_code_data=f"QR-{patient_id.hex}",
                        first_name=f"Pat{number}",
                        last_name="Canary",
                        date_of_birth=date(1980, 1, 1) + timedelta(days=number),
                    )
                )
                sched.patients.append(patient_id)
            session.add(
                TreatmentCatalogItem(
                    id=sched.treatment_id,
                    name="Laser toning",
                    category=TreatmentKind.COSMETIC,
                    duration_minutes=45,
                    base_price=Decimal("3000"),
                    currency="TWD",
                )
            )
        for doctor in ("doctor", "doctor2"):
            with world.ctx("admin") as ctx:
                set_weekly_schedule(ctx, world.staff[doctor], standard_week())
        return sched

    @property
    def doctor(self) -> uuid.UUID:
        return self.world.staff["doctor"]

    @property
    def doctor2(self) -> uuid.UUID:
        return self.world.staff["doctor2"]

    @property
    def patient(self) -> uuid.UUID:
        return self.patients[0]

    def ctx(self, who: str = "receptionist") -> AbstractContextManager[ServiceContext]:
        return self.world.db.context(self.world.clinic_id, self.world.actor(who))

    def book(
        self,
        starts_at: datetime | None = None,
        *,
        who: str = "receptionist",
        doctor: str = "doctor",
        patient: int = 0,
        duration: int | None = 30,
        **fields: Any,
    ) -> Appointment:
        request = BookingRequest(
            patient_id=self.patients[patient],
            doctor_id=self.world.staff[doctor],
            starts_at=starts_at,
            duration_minutes=duration,
            **fields,
        )
        with self.ctx(who) as ctx:
            return book_appointment(ctx, request)

    def set_clinic(self, **values: Any) -> None:
        with self.world.db.session(self.world.clinic_id) as session, session.begin():
            session.execute(update(Clinic).where(Clinic.id == self.world.clinic_id).values(**values))

    def set_status(self, appointment_id: uuid.UUID, status: AppointmentStatus) -> None:
        with self.world.db.session(self.world.clinic_id) as session, session.begin():
            row = session.scalars(select(Appointment).where(Appointment.id == appointment_id)).one()
            row.status = status

    def insert_appointment(
        self,
        starts_at: datetime,
        *,
        minutes: int = 15,
        status: AppointmentStatus = AppointmentStatus.SCHEDULED,
        doctor: str = "doctor",
        patient: int = 0,
    ) -> uuid.UUID:
        """An appointment written straight to the table, skipping the booking rules."""
        local_start, local_end = (
            starts_at.astimezone(TAIPEI),
            (starts_at + timedelta(minutes=minutes)).astimezone(TAIPEI),
        )
        appointment_id = new_id()
        with self.world.db.session(self.world.clinic_id) as session, session.begin():
            session.add(
                Appointment(
                    id=appointment_id,
                    patient_id=self.patients[patient],
                    doctor_id=self.world.staff[doctor],
                    reservation_id=f"T-{appointment_id.hex[-12:]}",
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(minutes=minutes),
                    appointment_date=local_start.date(),
                    start_time=local_start.time(),
                    end_time=local_end.time(),
                    duration_minutes=minutes,
                    appointment_type=AppointmentType.CONSULTATION,
                    status=status,
                    booking_mode=BookingMode.SPECIFIC_TIME,
                )
            )
        return appointment_id

    def get(self, model: type[Any], row_id: uuid.UUID) -> Any:
        with self.world.db.session(self.world.clinic_id) as session:
            return session.scalars(
                select(model).where(model.id == row_id).execution_options(include_deleted=True)
            ).one()

    def audit_rows(self) -> list[AuditLog]:
        with self.world.db.session(self.world.clinic_id) as session:
            return list(session.scalars(select(AuditLog).order_by(AuditLog.chain_id, AuditLog.chain_seq)))


class AuditCounter:
    """`with AuditCounter(sched) as audit: ...` then `audit.rows`: the audit rows written inside."""

    def __init__(self, sched: SchedulingWorld) -> None:
        self.sched = sched
        self.rows: list[AuditLog] = []

    def __enter__(self) -> AuditCounter:
        self._before = {row.id for row in self.sched.audit_rows()}
        return self

    def __exit__(self, *_exc: object) -> None:
        self.rows = [row for row in self.sched.audit_rows() if row.id not in self._before]
