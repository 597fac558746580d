"""A clinic ready for check-in tests (no Qt here: tests/common uses it too).

The clock stands at 08:30 on Monday 2026-11-23 in Taipei; the clinic's window is 60 minutes
early to 15 late, so a 09:00 appointment can be checked in now and an 11:00 one cannot yet.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from common.barcodes.models import BarcodeEntityType, BarcodeMapping
from common.checkin.backend import DatabaseBackend
from common.checkin.flow import CheckInFlow, Timeouts
from common.checkin.lookup import AttemptLimiter
from common.clinics.models import Clinic
from common.clock import FrozenClock
from common.ids import new_id
from common.patients.service import NewPatient, register_patient
from common.scheduling.models import Appointment, AppointmentStatus, AppointmentType, BookingMode, DayPeriod
from tests.conftest import ClinicWorld

TAIPEI = ZoneInfo("Asia/Taipei")
MONDAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 8, 30, tzinfo=TAIPEI).astimezone(UTC)
# Values that must never reach a kiosk: medical details and contacts of the patients made here.
CANARIES = (
    "CANARY-HISTORY-7Q",
    "CANARY-ALLERGY-7Q",
    "CANARY-MEDICATION-7Q",
    "CANARY-NOTE-7Q",
    "canary7q@example.org",
)


def at(hhmm: str, day: date = MONDAY) -> datetime:
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=TAIPEI).astimezone(UTC)


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class KioskWorld:
    world: ClinicWorld
    clock: FrozenClock
    device_id: uuid.UUID = field(default_factory=new_id)
    codes: dict[uuid.UUID, str] = field(default_factory=dict)

    @classmethod
    def build(cls, world: ClinicWorld, clock: FrozenClock) -> KioskWorld:
        clock.set(NOW)
        return cls(world, clock)

    @property
    def clinic_id(self) -> uuid.UUID:
        return self.world.clinic_id

    def patient(
        self,
        first_name: str = "Ana",
        last_name: str = "García",
        date_of_birth: date = date(1990, 5, 17),
        phone: str | None = "0912-345-642",
    ) -> uuid.UUID:
        data = NewPatient(
            first_name=first_name,
            last_name=last_name,
            date_of_birth=date_of_birth,
            contact_phone=phone,
            contact_email=CANARIES[4],
            medical_history={"conditions": [CANARIES[0]]},
            allergies=[CANARIES[1]],
            current_medications=[CANARIES[2]],
            notes=CANARIES[3],
        )
        with self.world.ctx("doctor") as ctx:
            view = register_patient(ctx, data)
        self.codes[view.id] = str(view["barcode_id"])
        return view.id

    def appointment(
        self,
        patient_id: uuid.UUID,
        starts_at: datetime,
        *,
        minutes: int = 30,
        status: AppointmentStatus = AppointmentStatus.SCHEDULED,
        doctor: str = "doctor",
        period: DayPeriod | None = None,
    ) -> uuid.UUID:
        """Written straight to the table (the booking rules are not what these tests are about)."""
        ends_at = starts_at + timedelta(minutes=minutes)
        local_start, local_end = starts_at.astimezone(TAIPEI), ends_at.astimezone(TAIPEI)
        appointment_id = new_id()
        with self.world.db.session(self.clinic_id) as session, session.begin():
            session.add(
                Appointment(
                    id=appointment_id,
                    patient_id=patient_id,
                    doctor_id=self.world.staff[doctor],
                    reservation_id=f"K-{appointment_id.hex[-12:]}",
                    starts_at=starts_at,
                    ends_at=ends_at,
                    appointment_date=local_start.date(),
                    start_time=local_start.time(),
                    end_time=local_end.time(),
                    duration_minutes=minutes,
                    appointment_type=AppointmentType.CONSULTATION,
                    status=status,
                    booking_mode=BookingMode.TIME_PERIOD if period else BookingMode.SPECIFIC_TIME,
                    period=period,
                    time_assigned=period is None,
                    reason_for_visit=CANARIES[3],
                    notes=CANARIES[3],
                )
            )
        return appointment_id

    def get_appointment(self, appointment_id: uuid.UUID) -> Appointment:
        with self.world.db.session(self.clinic_id) as session:
            return session.scalars(select(Appointment).where(Appointment.id == appointment_id)).one()

    def set_clinic(self, **values: Any) -> None:
        with self.world.db.session(self.clinic_id) as session, session.begin():
            session.execute(update(Clinic).where(Clinic.id == self.clinic_id).values(**values))

    def set_code(self, patient_id: uuid.UUID, **values: Any) -> None:
        with self.world.db.session(self.clinic_id) as session, session.begin():
            session.execute(
                update(BarcodeMapping)
                .where(
                    BarcodeMapping.entity_type == BarcodeEntityType.PATIENT,
                    BarcodeMapping.entity_id == patient_id,
                )
                .values(**values)
            )

    def backend(self, limiter: AttemptLimiter | None = None) -> DatabaseBackend:
        return DatabaseBackend(
            self.world.db, self.clinic_id, self.device_id, location="Lobby", limiter=limiter
        )

    def flow(self, monotonic: FakeMonotonic | None = None, **backend: Any) -> CheckInFlow:
        return CheckInFlow(
            self.backend(**backend), "zh_TW", timeouts=Timeouts(30, 10), clock=monotonic or FakeMonotonic()
        )


def strings_reachable_from(root: object, *, skip: tuple[type, ...] = ()) -> Iterator[str]:
    """Every string held by `root`: through attributes, dataclass fields, mappings and sequences."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        item = stack.pop()
        if id(item) in seen or isinstance(item, skip):
            continue
        seen.add(id(item))
        if isinstance(item, str):
            yield item
        elif isinstance(item, bytes | int | float | bool | type(None)):
            continue
        elif isinstance(item, dict) or (hasattr(item, "items") and callable(item.items)):
            for key, value in item.items():
                stack.extend((key, value))
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend(item)
        elif dataclasses.is_dataclass(item):
            stack.extend(getattr(item, f.name) for f in dataclasses.fields(item))
        elif hasattr(item, "__dict__"):
            stack.extend(vars(item).values())
