"""What the screens show, as frozen rows made on the database worker: no ORM objects reach the
GUI thread, so nothing there can trigger a query."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from common.scheduling.models import AppointmentStatus, AppointmentType, BookingMode, DayPeriod
from common.staff.models import Role


@dataclass(frozen=True)
class PeriodInfo:
    period: DayPeriod
    start_minute: int
    end_minute: int
    capacity: int


@dataclass(frozen=True)
class ClinicInfo:
    id: uuid.UUID
    name: str
    timezone: str
    currency: str
    default_language: str
    slot_minutes: int
    periods: tuple[PeriodInfo, ...]
    opening_minute: int  # the earliest opening of the week, minutes after midnight
    closing_minute: int  # the latest closing
    is_demo: bool

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def period(self, period: DayPeriod) -> PeriodInfo | None:
        return next((info for info in self.periods if info.period is period), None)


@dataclass(frozen=True)
class StaffEntry:
    id: uuid.UUID
    name: str
    role: Role
    color: str | None
    specialization: str | None = None


@dataclass(frozen=True)
class CatalogEntry:
    id: uuid.UUID
    name: str
    subcategory: str | None
    duration_minutes: int
    price: Decimal
    currency: str


@dataclass(frozen=True)
class Directory:
    """Who and what the screens name: doctors, staff, catalog treatments. Reloaded on change."""

    doctors: tuple[StaffEntry, ...] = ()
    staff: dict[uuid.UUID, StaffEntry] = field(default_factory=dict)
    catalog: tuple[CatalogEntry, ...] = ()

    def staff_name(self, staff_id: uuid.UUID | None) -> str:
        entry = self.staff.get(staff_id) if staff_id is not None else None
        return entry.name if entry is not None else ""

    def treatment(self, item_id: uuid.UUID | None) -> CatalogEntry | None:
        if item_id is None:
            return None
        return next((item for item in self.catalog if item.id == item_id), None)

    def doctor_index(self, doctor_id: uuid.UUID) -> int:
        return next((n for n, doctor in enumerate(self.doctors) if doctor.id == doctor_id), -1)


@dataclass(frozen=True)
class AppointmentRow:
    id: uuid.UUID
    reservation_id: str
    patient_id: uuid.UUID
    patient_name: str
    doctor_id: uuid.UUID
    starts_at: datetime  # in the clinic's zone
    ends_at: datetime
    day: date
    status: AppointmentStatus
    appointment_type: AppointmentType
    booking_mode: BookingMode
    period: DayPeriod | None
    time_assigned: bool
    treatment_type_id: uuid.UUID | None
    check_in_time: datetime | None
    check_out_time: datetime | None
    reason_for_visit: str | None
    notes: str | None
    duration_minutes: int = 0  # the visit's length (a Time Period booking's window is longer)
    has_allergies: bool = False
    # Touched by a change this device has not yet had confirmed by the server.
    pending: bool = False

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def start_minute(self) -> int:
        return self.starts_at.hour * 60 + self.starts_at.minute


@dataclass(frozen=True)
class PatientRow:
    """A search result or list row (only the fields the reader's role may see are filled)."""

    id: uuid.UUID
    name: str
    first_name: str
    last_name: str
    date_of_birth: date | None
    phone: str | None
    email: str | None
    barcode: str | None
    next_appointment: date | None
    last_visit: date | None
    allergies: tuple[str, ...] | None  # None: the reader may not see allergies
    is_active: bool
