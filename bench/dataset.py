"""The benchmark clinic: the demo generator's clinic at benchmark size, built once and cached.

`ensure(BENCH)` returns `var/bench/clinic-100k.db`, building it when it is missing or when the
generator, the migrations or this file changed (the cache key is a hash of them and of the spec).
On top of the demo data (100,000 patients with their visits) the build makes sure of what the
benchmarks need, deterministically:
- exactly `spec.doctors` active doctors (the generator adds a doctor per PATIENTS_PER_DOCTOR
  patients; the build sets that ratio so a 100,000-patient clinic has 10 doctors);
- at least `spec.min_appointments` appointments (checked: the demo's history gives more);
- one long-time patient ("the regular") with exactly `spec.regular_visits` visits: completed
  appointments, each with its treatment record and payment, at free times of the doctors' past
  calendars (found with the scheduling service's own availability), so no doctor is double-booked.

The benchmarks read a scratch copy (`working_copy`), so the audit rows and bookings they write never
change the cached file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from time import perf_counter
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Table, func, select

import common.demo.generator as demo_generator
from common.catalog.models import TreatmentCatalogItem
from common.clinics.models import Clinic
from common.clock import FrozenClock
from common.context import Actor
from common.database import Database
from common.demo import DemoSpec, seed_demo_clinic
from common.demo.bulk import bulk_insert
from common.demo.people import make_person
from common.demo.seeded import DemoRandom, SeededIds
from common.patients.models import Patient
from common.patients.service import NewPatient, register_patient
from common.payments.models import PaymentKind, PaymentMethod, PaymentRecord, PaymentStatus
from common.scheduling.availability import compute_availability
from common.scheduling.clinic_rules import BookingRules
from common.scheduling.doctors import active_doctor_ids
from common.scheduling.models import Appointment, AppointmentStatus, AppointmentType, BookingMode
from common.scheduling.reservation_ids import ALPHABET as RESERVATION_ALPHABET
from common.scheduling.reservation_ids import RANDOM_LENGTH as RESERVATION_RANDOM_LENGTH
from common.staff.models import Role, StaffUser
from common.storage.base import Base
from common.storage.engine import create_database_engine, sqlite_url
from common.storage.migrate import MIGRATIONS_DIR, upgrade
from common.storage.session import next_change_seq
from common.treatments.models import TreatmentRecord

ROOT: Final = Path(__file__).resolve().parents[1]
CACHE_DIR: Final = ROOT / "var" / "bench"
# A fixed "now" (a Wednesday, 11:30 in Taipei), so the cached clinic stays valid from day to day:
# the benchmarks run on a clock frozen at this instant.
NOW: Final = datetime(2026, 11, 25, 3, 30, tzinfo=UTC)
CHAIN_ID: Final = "bench"
# The connection settings every SQLite connection of the product uses (common/storage/engine.py).
SQLITE_PRAGMAS: Final = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=30000",
)


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    patients: int
    doctors: int
    min_appointments: int
    regular_visits: int
    now: datetime = NOW
    seed: int = 2026
    days_around: int = 7
    min_history_days: int = 120

    def demo_spec(self) -> DemoSpec:
        return DemoSpec(
            now=self.now,
            patients=self.patients,
            seed=self.seed,
            days_around=self.days_around,
            min_history_days=self.min_history_days,
        )


BENCH: Final = DatasetSpec(
    "clinic-100k", patients=100_000, doctors=10, min_appointments=60_000, regular_visits=500
)
# For the smoke test: the same shape, a few hundred rows.
TINY: Final = DatasetSpec(
    "tiny",
    patients=300,
    doctors=10,
    min_appointments=300,
    regular_visits=12,
    days_around=3,
    min_history_days=30,
)


@dataclass(frozen=True)
class Dataset:
    path: Path
    spec: DatasetSpec
    clinic_id: uuid.UUID
    regular_patient_id: uuid.UUID
    counts: dict[str, int]

    def engine(self) -> Engine:
        # The integrity check at start is skipped: it is the app's start-up, not what is measured.
        return create_database_engine(sqlite_url(self.path), check_integrity=False)

    def database(self, engine: Engine) -> Database:
        return Database(engine, clock=FrozenClock(self.spec.now), chain_id=CHAIN_ID)

    def actor(self, engine: Engine, role: Role) -> Actor:
        """A staff member of this role (the first by email), as the apps would sign them in."""
        table = StaffUser.__table__
        with engine.connect() as connection:
            staff_id = connection.execute(
                select(table.c.id)
                .where(table.c.clinic_id == self.clinic_id, table.c.role == role, table.c.is_active)
                .order_by(table.c.email)
                .limit(1)
            ).scalar_one()
            connection.rollback()
        return Actor.staff(staff_id, role)

    def local_today(self, engine: Engine) -> date:
        """The clinic's wall-clock date at the frozen `now`."""
        with engine.connect() as connection:
            zone = connection.execute(
                select(Clinic.__table__.c.timezone).where(Clinic.__table__.c.id == self.clinic_id)
            ).scalar_one()
            connection.rollback()
        return self.spec.now.astimezone(ZoneInfo(zone)).date()

    def working_copy(self, directory: Path) -> Dataset:
        """A scratch copy of the file, for benchmarks that write (audit rows, bookings)."""
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / self.path.name
        remove_database(target)
        shutil.copyfile(self.path, target)
        return replace(self, path=target)

    def summary(self) -> str:
        c = self.counts
        return (
            f"{c['patients']:,} patients, {c['doctors']} doctors, {c['appointments']:,} appointments, "
            f"{c['treatment_records']:,} treatment records, {c['payment_records']:,} payments; "
            f"the regular patient has {c['regular_visits']} visits"
        )


def raw_connection(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection with the product's pragmas, in autocommit (BEGIN/COMMIT are explicit)."""
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    for pragma in SQLITE_PRAGMAS:
        connection.execute(pragma)
    return connection


def remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


# -- the cache ------------------------------------------------------------------------------------


def cache_key(spec: DatasetSpec) -> str:
    """Changes when anything that shapes the data does: the generator, the schema, this file, the spec."""
    digest = hashlib.sha256(json.dumps(asdict(spec), default=str, sort_keys=True).encode())
    sources = [
        *sorted((ROOT / "common" / "demo").glob("*.py")),
        *sorted(MIGRATIONS_DIR.rglob("*.py")),
        Path(__file__),
    ]
    for source in sources:
        digest.update(str(source.relative_to(ROOT)).encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()


def ensure(spec: DatasetSpec, directory: Path = CACHE_DIR, *, rebuild: bool = False) -> Dataset:
    """The cached dataset for `spec`, built first if missing or stale."""
    path = directory / f"{spec.name}.db"
    meta_path = directory / f"{spec.name}.json"
    key = cache_key(spec)
    if not rebuild and path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("key") == key:
            return _from_meta(path, spec, meta)
        print(f"bench: {path.name} is out of date (generator, migrations or spec changed): rebuilding")
    else:
        print(f"bench: building {path.name} (the demo clinic at {spec.patients:,} patients; about a minute)")
    directory.mkdir(parents=True, exist_ok=True)
    meta_path.unlink(missing_ok=True)
    building = directory / f"{spec.name}.building.db"
    started = perf_counter()
    dataset = build(building, spec)
    remove_database(path)
    building.replace(path)
    seal(path)  # checks the moved file is whole
    meta = {
        "key": key,
        "clinic_id": str(dataset.clinic_id),
        "regular_patient_id": str(dataset.regular_patient_id),
        "counts": dataset.counts,
    }
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    print(f"bench: built {path.name} in {perf_counter() - started:.0f} s")
    return replace(dataset, path=path)


def _from_meta(path: Path, spec: DatasetSpec, meta: dict[str, Any]) -> Dataset:
    return Dataset(
        path=path,
        spec=spec,
        clinic_id=uuid.UUID(meta["clinic_id"]),
        regular_patient_id=uuid.UUID(meta["regular_patient_id"]),
        counts={name: int(value) for name, value in meta["counts"].items()},
    )


# -- building -------------------------------------------------------------------------------------


def build(path: Path, spec: DatasetSpec) -> Dataset:
    """Migrate a new SQLite file and fill it: the demo clinic, then the regular patient's visits."""
    remove_database(path)
    engine = create_database_engine(sqlite_url(path), check_integrity=False)
    try:
        upgrade(engine)
        with _doctors_for(spec):
            clinic_id = seed_demo_clinic(engine, spec.demo_spec()).clinic_id
        regular = _add_regular_patient(engine, spec, clinic_id)
        counts = _counts(engine, clinic_id, regular)
        _check(spec, counts)
    finally:
        engine.dispose()
    seal(path)
    return Dataset(path, spec, clinic_id, regular, counts)


def seal(path: Path) -> None:
    """Fold the write-ahead log into the file and leave WAL mode, so the file alone is the database
    (safe to move and copy); the product's connections turn WAL back on when they open it."""
    with contextlib.closing(sqlite3.connect(path, isolation_level=None, timeout=30)) as connection:
        busy, _log, _done = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        mode = connection.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        tables = connection.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
    if busy or mode != "delete" or not tables:
        raise RuntimeError(f"benchmark dataset: could not seal {path.name} (another connection has it open?)")


def patients_per_doctor(patients: int, doctors: int) -> int:
    """The generator's patients-per-doctor ratio that gives exactly `doctors` doctors (at least its 4)."""
    for ratio in range(1, patients + 1):
        if max(4, -(-patients // ratio)) == doctors:
            return ratio
    raise ValueError(f"the demo generator cannot make {doctors} doctors for {patients} patients")


@contextlib.contextmanager
def _doctors_for(spec: DatasetSpec) -> Iterator[None]:
    # The generator has no option for the number of doctors; it reads this module constant when
    # it plans the staff. The count is checked after the build (_check), so a change there is loud.
    name = "PATIENTS_PER_DOCTOR"
    saved = getattr(demo_generator, name)
    setattr(demo_generator, name, patients_per_doctor(spec.patients, spec.doctors))
    try:
        yield
    finally:
        setattr(demo_generator, name, saved)


def _check(spec: DatasetSpec, counts: dict[str, int]) -> None:
    problems = []
    if counts["doctors"] != spec.doctors:
        problems.append(f"{counts['doctors']} doctors instead of {spec.doctors}")
    if counts["appointments"] < spec.min_appointments:
        problems.append(f"{counts['appointments']} appointments, fewer than {spec.min_appointments}")
    if counts["regular_visits"] != spec.regular_visits:
        problems.append(
            f"the regular patient has {counts['regular_visits']} visits, not {spec.regular_visits}"
        )
    if problems:
        raise RuntimeError("benchmark dataset: " + "; ".join(problems))


def _counts(engine: Engine, clinic_id: uuid.UUID, regular: uuid.UUID) -> dict[str, int]:
    def count(model: type[Base], *where: Any) -> int:
        table = model.__table__
        assert isinstance(table, Table)
        statement = select(func.count()).select_from(table).where(table.c.clinic_id == clinic_id, *where)
        with engine.connect() as connection:
            value = connection.execute(statement).scalar_one()
            connection.rollback()
        return int(value)

    staff = StaffUser.__table__.c
    return {
        "patients": count(Patient),
        "doctors": count(StaffUser, staff.role == Role.DOCTOR, staff.is_active),
        "appointments": count(Appointment),
        "treatment_records": count(TreatmentRecord),
        "payment_records": count(PaymentRecord),
        "regular_visits": min(
            count(Appointment, Appointment.__table__.c.patient_id == regular),
            count(TreatmentRecord, TreatmentRecord.__table__.c.patient_id == regular),
            count(PaymentRecord, PaymentRecord.__table__.c.patient_id == regular),
        ),
    }


@dataclass(frozen=True)
class _Visit:
    doctor_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    item: TreatmentCatalogItem


def _add_regular_patient(engine: Engine, spec: DatasetSpec, clinic_id: uuid.UUID) -> uuid.UUID:
    rng = DemoRandom(spec.seed + 500)
    ids = SeededIds(rng)
    setup = Database(engine, clock=FrozenClock(spec.now), chain_id=CHAIN_ID)
    with setup.session(clinic_id) as session:
        clinic = session.scalars(select(Clinic)).one()
        rules = BookingRules.of(clinic)
        doctors = active_doctor_ids(session)
        items = list(
            session.scalars(
                select(TreatmentCatalogItem)
                .where(TreatmentCatalogItem.is_active.is_(True))
                .order_by(TreatmentCatalogItem.name)
            )
        )
        first_day = session.scalar(select(func.min(Appointment.appointment_date)))
        assert first_day is not None
        visits = _free_past_times(session, rules, doctors, items, first_day, spec, rng)
        reception = list(
            session.scalars(
                select(StaffUser.id).where(StaffUser.role == Role.RECEPTIONIST).order_by(StaffUser.email)
            )
        )
        taken = set(session.scalars(select(Appointment.reservation_id)))

    # Registered the way a front desk does it, on the day before the first visit.
    person = make_person(rng, rules.local_day(spec.now))
    registrar = Database(
        engine, clock=FrozenClock(visits[0].starts_at - timedelta(days=1)), chain_id=CHAIN_ID
    )
    with registrar.context(clinic_id, Actor.system()) as ctx:
        patient_id = register_patient(
            ctx,
            NewPatient(
                first_name=person.first_name,
                last_name=person.last_name,
                date_of_birth=person.date_of_birth,
                contact_email=person.email,
                contact_phone=person.phone,
                emergency_contact=person.emergency_contact,
                medical_history=person.medical_history,
                allergies=person.allergies,
                current_medications=person.medications,
                preferred_language=person.language,
                notes="Long-time patient: monthly maintenance treatments.",
            ),
        ).id

    rows = _visit_rows(rules, visits, patient_id, reception, taken, ids, rng, clinic_id)
    with setup.session(clinic_id) as session, session.begin():
        seq = next_change_seq(session, clinic_id)
        connection = session.connection()
        for model, model_rows in rows:
            for row in model_rows:
                row["seq"] = seq
            table = model.__table__
            assert isinstance(table, Table)
            bulk_insert(connection, table, model_rows)
        patient = session.scalars(select(Patient).where(Patient.id == patient_id)).one()
        patient.last_visit_date = rules.local_day(visits[-1].starts_at)
    return patient_id


def _free_past_times(
    session: Any,
    rules: BookingRules,
    doctors: list[uuid.UUID],
    items: list[TreatmentCatalogItem],
    first_day: date,
    spec: DatasetSpec,
    rng: DemoRandom,
) -> list[_Visit]:
    """One visit on each of `spec.regular_visits` past days spread over the clinic's history, at the
    first free time of a doctor (taking turns), as the day's calendar was then."""
    today = rules.local_day(spec.now)
    days = (today - first_day).days
    if days < spec.regular_visits:
        raise RuntimeError("benchmark dataset: the demo history is shorter than the regular patient's visits")
    visits: list[_Visit] = []
    day = first_day
    while len(visits) < spec.regular_visits:
        wanted = first_day + timedelta(days=len(visits) * days // spec.regular_visits)
        day = max(day, wanted)
        if day >= today:
            raise RuntimeError("benchmark dataset: no free past times left for the regular patient")
        item = rng.pick(items)
        length = timedelta(minutes=item.duration_minutes)
        turn = len(visits) % len(doctors)
        order = doctors[turn:] + doctors[:turn]
        then = rules.instant(day, 0) - timedelta(days=1)
        found = None
        for availability_day in compute_availability(session, rules, then, order, day, 1, length):
            if availability_day.slots:
                found = availability_day.slots[0]
                break
        if found is not None:
            visits.append(_Visit(found.doctor_id, found.starts_at, found.ends_at, item))
        day += timedelta(days=1)
    return visits


def _visit_rows(
    rules: BookingRules,
    visits: list[_Visit],
    patient_id: uuid.UUID,
    reception: list[uuid.UUID],
    taken: set[str],
    ids: SeededIds,
    rng: DemoRandom,
    clinic_id: uuid.UUID,
) -> list[tuple[type[Base], list[dict[str, Any]]]]:
    appointments: list[dict[str, Any]] = []
    treatments: list[dict[str, Any]] = []
    payments: list[dict[str, Any]] = []

    def record(created: datetime, updated: datetime | None = None, **values: Any) -> dict[str, Any]:
        return {
            "clinic_id": clinic_id,
            "id": ids.at(created),
            "created_at": created,
            "updated_at": updated or created,
            "deleted_at": None,
            "version": 1,
            **values,
        }

    for visit in visits:
        item = visit.item
        booked_at = visit.starts_at - timedelta(days=rng.between(3, 28))
        check_in = visit.starts_at - timedelta(minutes=rng.between(0, 15))
        check_out = visit.ends_at + timedelta(minutes=rng.between(2, 10))
        local_start, local_end = rules.local(visit.starts_at), rules.local(visit.ends_at)
        appointment = record(
            booked_at,
            check_out,
            patient_id=patient_id,
            doctor_id=visit.doctor_id,
            reservation_id=_reservation_id(rules.local_day(booked_at), taken, rng),
            starts_at=visit.starts_at,
            ends_at=visit.ends_at,
            appointment_date=local_start.date(),
            start_time=local_start.time(),
            end_time=local_end.time(),
            duration_minutes=item.duration_minutes,
            appointment_type=AppointmentType.TREATMENT,
            status=AppointmentStatus.COMPLETED,
            reason_for_visit="Maintenance",
            notes=None,
            cancellation_reason=None,
            booking_mode=BookingMode.SPECIFIC_TIME,
            period=None,
            time_assigned=True,
            treatment_plan_id=None,
            treatment_type_id=item.id,
            reminder_sent=True,
            check_in_time=check_in,
            check_out_time=check_out,
            cancelled_at=None,
            booked_by=rng.pick(reception),
            arrival_answers=[],
        )
        appointments.append(appointment)
        discount = (item.base_price * Decimal("0.1")).quantize(Decimal(1)) if rng.chance(0.2) else Decimal(0)
        final = item.base_price - discount
        follow_up = (
            local_start.date() + timedelta(days=item.follow_up_interval_days)
            if item.follow_up_interval_days
            else None
        )
        treatment = record(
            check_out,
            patient_id=patient_id,
            appointment_id=appointment["id"],
            doctor_id=visit.doctor_id,
            treatment_date=local_start.date(),
            treatment_type_id=item.id,
            treatment_name=item.name,
            description=item.description,
            duration_minutes=item.duration_minutes,
            materials_used=[],
            cost=item.base_price,
            currency=item.currency,
            discount_applied=discount,
            final_amount=final,
            notes="Tolerated well.",
            follow_up_required=follow_up is not None,
            follow_up_date=follow_up,
            next_treatment_suggestion={},
            complications=None,
            patient_feedback=None,
            barcode_scanned=True,
            inventory_items_used=[],
            completed_at=check_out,
            recorded_by=visit.doctor_id,
        )
        treatments.append(treatment)
        paid = check_out + timedelta(minutes=rng.between(1, 10))
        payments.append(
            record(
                paid,
                patient_id=patient_id,
                appointment_id=appointment["id"],
                treatment_id=treatment["id"],
                kind=PaymentKind.PAYMENT,
                refund_of_id=None,
                amount=final,
                currency=item.currency,
                payment_method=PaymentMethod.CARD if rng.chance(0.6) else PaymentMethod.CASH,
                payment_status=PaymentStatus.COMPLETED,
                transaction_id=None,
                discount_applied=discount,
                tax_amount=Decimal(0),
                final_amount=final,
                notes=None,
                payment_date=rules.local_day(paid),
                paid_at=paid,
                received_by=rng.pick(reception),
            )
        )
    return [(Appointment, appointments), (TreatmentRecord, treatments), (PaymentRecord, payments)]


def _reservation_id(booked_on: date, taken: set[str], rng: DemoRandom) -> str:
    while True:
        symbols = "".join(rng.pick(RESERVATION_ALPHABET) for _ in range(RESERVATION_RANDOM_LENGTH))
        reservation = f"{booked_on:%y%m%d}-{symbols}"
        if reservation not in taken:
            taken.add(reservation)
            return reservation
