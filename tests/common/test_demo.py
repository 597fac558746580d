"""The demo clinic: reproducible, valid by the domain's own rules, and seeded by `clinic-server`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Connection, Engine, select

from common.barcodes import payload
from common.barcodes.models import BarcodeEntityType, BarcodeMapping
from common.catalog.models import TreatmentCatalogItem
from common.clinics.models import Clinic, ClinicSequence
from common.demo import DEMO_CLINIC_NAME, DEMO_PASSWORD, DemoSpec, find_demo_clinic, seed_demo_clinic
from common.demo.fingerprint import dataset_fingerprint
from common.demo.reference import ADMIN_TOTP, MANAGER_TOTP
from common.inventory.models import InventoryItem, InventoryMovement
from common.models import metadata
from common.patients.models import Patient
from common.payments.models import PaymentRecord
from common.scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentStatus,
    DoctorSchedule,
    DoctorTimeOff,
    ScheduleBlockKind,
)
from common.scheduling.reservation_ids import is_reservation_id
from common.staff.models import Role, StaffUser
from common.staff.passwords import verify_password
from common.storage.session import open_session, session_factory
from common.text.folding import fold
from common.treatments.models import TreatmentRecord

ROOT = Path(__file__).resolve().parents[2]
# Wednesday 11:30 in Taipei: today's calendar has finished, running and upcoming appointments.
NOW = datetime(2026, 11, 25, 3, 30, tzinfo=UTC)
TAIPEI = ZoneInfo("Asia/Taipei")
SMALL = DemoSpec(now=NOW, patients=60, days_around=3, min_history_days=30)


def fingerprint(engine: Engine, clinic_id: uuid.UUID) -> str:
    with engine.connect() as connection:
        return dataset_fingerprint(connection, clinic_id)


def test_the_same_seed_gives_the_same_clinic_and_another_seed_does_not(sqlite_engine, tmp_path):
    from common.storage.engine import create_database_engine, sqlite_url
    from common.storage.migrate import upgrade

    second = create_database_engine(sqlite_url(tmp_path / "second.db"))
    upgrade(second)
    try:
        first_id = seed_demo_clinic(sqlite_engine, SMALL).clinic_id
        second_id = seed_demo_clinic(second, SMALL).clinic_id
        other_id = seed_demo_clinic(second, DemoSpec(now=NOW, patients=60, days_around=3, seed=7)).clinic_id
        assert first_id != second_id  # several demo clinics can share a database
        assert fingerprint(sqlite_engine, first_id) == fingerprint(second, second_id)
        assert fingerprint(second, other_id) != fingerprint(second, second_id)
    finally:
        second.dispose()


@pytest.mark.postgres
def test_the_same_seed_gives_the_same_clinic_on_sqlite_and_postgresql(sqlite_engine, postgres_engine):
    on_sqlite = seed_demo_clinic(sqlite_engine, SMALL).clinic_id
    on_postgres = seed_demo_clinic(postgres_engine, SMALL).clinic_id
    assert fingerprint(sqlite_engine, on_sqlite) == fingerprint(postgres_engine, on_postgres)


@pytest.fixture
def demo(engine: Engine) -> uuid.UUID:
    return seed_demo_clinic(engine, SMALL).clinic_id


def _all(connection: Connection, model, clinic_id: uuid.UUID) -> list[Any]:
    return list(connection.execute(select(model.__table__).where(model.__table__.c.clinic_id == clinic_id)))


def test_every_appointment_is_with_a_doctor_inside_the_doctors_hours_and_never_double_booked(engine, demo):
    with engine.connect() as connection:
        roles = {row.id: row.role for row in _all(connection, StaffUser, demo)}
        appointments = _all(connection, Appointment, demo)
        blocks = _all(connection, DoctorSchedule, demo)
        time_off = _all(connection, DoctorTimeOff, demo)
    assert len(appointments) > 100
    assert all(roles[a.doctor_id] is Role.DOCTOR for a in appointments)

    by_doctor = defaultdict(list)
    for a in appointments:
        if a.time_assigned and a.status in ACTIVE_STATUSES:
            by_doctor[a.doctor_id].append((a.starts_at, a.ends_at))
    for spans in by_doctor.values():
        spans.sort()
        assert all(earlier[1] <= later[0] for earlier, later in pairwise(spans))

    tz = TAIPEI
    week = defaultdict(list)
    for block in blocks:
        week[(block.doctor_id, block.weekday, block.kind)].append((block.start_time, block.end_time))
    for a in (a for a in appointments if a.time_assigned):
        start, end = a.starts_at.astimezone(tz), a.ends_at.astimezone(tz)
        assert (start.date(), start.time(), end.time()) == (a.appointment_date, a.start_time, a.end_time)
        key = (a.doctor_id, a.appointment_date.isoweekday())
        assert any(s <= a.start_time and a.end_time <= e for s, e in week[(*key, ScheduleBlockKind.WORK)])
        assert not any(s < a.end_time and a.start_time < e for s, e in week[(*key, ScheduleBlockKind.BREAK)])
        assert not any(
            off.doctor_id == a.doctor_id and off.start_date <= a.appointment_date <= off.end_date
            for off in time_off
        )


def test_statuses_follow_the_clock_and_completed_visits_have_records_and_payments(engine, demo):
    with engine.connect() as connection:
        appointments = _all(connection, Appointment, demo)
        records = _all(connection, TreatmentRecord, demo)
        payments = _all(connection, PaymentRecord, demo)
    for a in appointments:
        if a.ends_at <= NOW:
            assert a.status in {
                AppointmentStatus.COMPLETED,
                AppointmentStatus.CANCELLED,
                AppointmentStatus.NO_SHOW,
            }
        if a.starts_at > NOW:
            assert a.status not in {AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW}
        if a.status is AppointmentStatus.CANCELLED:
            assert a.cancellation_reason and a.cancelled_at <= NOW
        if a.status in {
            AppointmentStatus.CHECKED_IN,
            AppointmentStatus.IN_PROGRESS,
            AppointmentStatus.COMPLETED,
        }:
            assert a.check_in_time is not None and a.check_in_time <= NOW
    today = {a.status for a in appointments if a.appointment_date == NOW.astimezone(TAIPEI).date()}
    assert AppointmentStatus.COMPLETED in today
    assert today & {AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED, AppointmentStatus.CHECKED_IN}

    completed = {a.id for a in appointments if a.status is AppointmentStatus.COMPLETED}
    assert sorted(r.appointment_id for r in records) == sorted(completed)
    paid: defaultdict[uuid.UUID, Decimal] = defaultdict(Decimal)
    for p in payments:
        paid[p.treatment_id] += p.amount
    for record in records:
        assert record.final_amount == record.cost - record.discount_applied
        assert paid[record.id] in {record.final_amount, Decimal(0)}

    ids = [a.reservation_id for a in appointments]
    assert len(set(ids)) == len(ids)
    assert all(is_reservation_id(reservation) for reservation in ids)


def test_stock_is_the_sum_of_movements_and_never_runs_negative(engine, demo):
    with open_session(session_factory(engine), demo) as session:
        items = {item.id: item.current_quantity for item in session.scalars(select(InventoryItem))}
        movements = session.scalars(select(InventoryMovement).order_by(InventoryMovement.occurred_at)).all()
        low = [
            i.sku for i in session.scalars(select(InventoryItem)) if i.current_quantity < i.minimum_quantity
        ]
    running: dict[uuid.UUID, int] = defaultdict(int)
    for movement in movements:
        running[movement.item_id] += movement.quantity
        assert running[movement.item_id] >= 0
    assert running == items
    assert all(quantity >= 0 for quantity in items.values())
    assert low  # the low-stock list has something to show


def test_every_patient_catalog_item_and_stock_item_has_a_working_barcode(engine, demo):
    with engine.connect() as connection:
        clinic = connection.execute(select(Clinic.__table__).where(Clinic.id == demo)).one()
        codes = {m.entity_id: m for m in _all(connection, BarcodeMapping, demo)}
        patients = _all(connection, Patient, demo)
        catalog = _all(connection, TreatmentCatalogItem, demo)
        stock = _all(connection, InventoryItem, demo)
    assert len(patients) == SMALL.patients
    for patient in patients:
        code = codes[patient.id]
        assert code.is_active and code.entity_type is BarcodeEntityType.PATIENT
        assert code.barcode_value == patient.barcode_id
        assert (
            payload.verify(code.barcode_value, demo, clinic.barcode_secret).kind is payload.CodeKind.PATIENT
        )
    for item in catalog:
        assert (
            payload.verify(codes[item.id].barcode_value, demo, clinic.barcode_secret).kind
            is payload.CodeKind.TREATMENT
        )
    for item in stock:
        assert item.barcode_value == codes[item.id].barcode_value
        assert payload.verify(item.barcode_value, demo, clinic.barcode_secret)


def test_the_clinic_fits_its_tier_and_every_row_carries_the_seeding_change_number(engine, demo):
    with engine.connect() as connection:
        clinic = connection.execute(select(Clinic.__table__).where(Clinic.id == demo)).one()
        counter = connection.execute(
            select(ClinicSequence.change_seq).where(ClinicSequence.clinic_id == demo)
        ).scalar_one()
        staff = _all(connection, StaffUser, demo)
        seqs = set()
        for table in metadata.sorted_tables:
            if "clinic_id" in table.c and "seq" in table.c:
                seqs |= set(
                    connection.execute(select(table.c.seq).where(table.c.clinic_id == demo)).scalars()
                )
    assert (clinic.name, clinic.timezone, clinic.currency, clinic.languages) == (
        DEMO_CLINIC_NAME,
        "Asia/Taipei",
        "TWD",
        ["en", "zh_TW"],
    )
    assert len(staff) <= clinic.max_users and SMALL.patients <= clinic.max_patients
    assert seqs == {counter}
    roles = sorted(s.role.value for s in staff)
    assert roles.count("Doctor") == 4 and roles.count("Nurse") == 2 and roles.count("Receptionist") == 2
    admin = next(s for s in staff if s.role is Role.ADMIN)
    assert verify_password(admin.password_hash, DEMO_PASSWORD)
    assert {s.totp_secret for s in staff if s.two_factor_enabled} == {ADMIN_TOTP, MANAGER_TOTP}


def test_patients_are_findable_by_cjk_name_in_the_sqlite_search_index(sqlite_engine):
    clinic_id = seed_demo_clinic(sqlite_engine, SMALL).clinic_id
    with sqlite_engine.connect() as connection:
        connection.exec_driver_sql(
            "INSERT INTO patient_search(patient_search, rank) VALUES ('integrity-check', 1)"
        )
        patient = next(
            p
            for p in _all(connection, Patient, clinic_id)
            if not p.first_name.isascii() and len(p.first_name) >= 2
        )
        found = connection.exec_driver_sql(
            "SELECT p.id FROM patient_search JOIN patients p ON p.rowid = patient_search.rowid "
            "WHERE patient_search MATCH ?",
            (f'"{fold(patient.last_name + patient.first_name)}"',),  # the index holds folded text
        ).scalars()
        assert patient.id.hex in set(found)


def _cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"CLINIC_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "sync_server.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_clinic_server_migrates_seeds_once_and_prints_the_demo_logins(tmp_path):
    data_dir = tmp_path / "data"
    before = _cli("seed-demo", "--patients", "40", data_dir=data_dir)
    assert before.returncode == 1 and "clinic-server migrate" in before.stderr

    assert _cli("migrate", data_dir=data_dir).returncode == 0
    assert (data_dir / "clinic.db").exists()
    first = _cli("seed-demo", "--patients", "40", "--days-around", "2", data_dir=data_dir)
    assert first.returncode == 0, first.stderr
    for expected in (DEMO_CLINIC_NAME, "admin@lotus-clinic.example", DEMO_PASSWORD, ADMIN_TOTP, "Today, "):
        assert expected in first.stdout
    again = _cli("seed-demo", data_dir=data_dir)
    assert again.returncode == 0 and "already" in again.stdout

    from common.storage.engine import create_database_engine, sqlite_url

    engine = create_database_engine(sqlite_url(data_dir / "clinic.db"))
    try:
        with engine.connect() as connection:
            names = connection.execute(select(Clinic.name)).scalars().all()
        assert names == [DEMO_CLINIC_NAME]
        assert find_demo_clinic(engine) is not None
    finally:
        engine.dispose()


def test_clinic_server_creates_a_clinic_with_an_admin_and_refuses_a_weak_password(tmp_path):
    data_dir = tmp_path / "data"
    assert _cli("migrate", data_dir=data_dir).returncode == 0
    common = [
        "create-clinic",
        "--name",
        "Harbour Dental",
        "--tier",
        "S",
        "--admin-email",
        "Boss@Harbour.example",
    ]
    weak = _cli(*common, "--admin-password", "password", data_dir=data_dir)
    assert weak.returncode == 1 and "password" in weak.stderr.lower()

    made = _cli(*common, "--admin-password", "a long and unusual passphrase", "--timezone", "Asia/Tokyo",
                "--currency", "jpy", data_dir=data_dir)  # fmt: skip
    assert made.returncode == 0, made.stderr
    report = json.loads(made.stdout)
    assert report["admin_email"] == "boss@harbour.example"
    assert len(report["admin_totp_secret"]) == 32
    uuid.UUID(report["clinic_id"])


def test_demo_spec_refuses_a_naive_now_and_sizes_beyond_the_largest_tier():
    with pytest.raises(ValueError, match="timezone-aware"):
        DemoSpec(now=datetime(2026, 11, 25, 11, 30))
    with pytest.raises(ValueError, match="patients"):
        DemoSpec(now=NOW, patients=10_000_000)
