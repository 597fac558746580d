"""What a kiosk keeps: a day and a half of appointments and the few fields check-in needs; no
medical history, contacts, notes, other patients or other clinics (SECURITY.md row 15)."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from common.access.permissions import MEDICAL_FIELDS
from common.checkin.backend import DatabaseBackend
from common.checkin.flow import CheckInFlow, Done, Found
from common.checkin.replica import KIOSK_SCOPE, copy_kiosk_scope
from common.clock import FrozenClock
from common.context import Actor
from common.database import Database
from common.errors import PermissionDenied
from common.patients.history import full_history
from common.patients.models import Patient
from common.patients.search import search_patients
from common.patients.service import get_patient
from common.scheduling.calendar_view import get_appointment
from common.scheduling.models import Appointment, AppointmentStatus
from common.staff.models import StaffUser
from common.storage.engine import create_database_engine, sqlite_url
from tests.kiosk.support import CANARIES, NOW, KioskWorld, at


@pytest.fixture
def kiosk(world, clock) -> KioskWorld:
    return KioskWorld.build(world, clock)


@pytest.fixture
def replica_path(sqlite_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "kiosk.db"
    shutil.copyfile(sqlite_template, path)
    return path


def build(kiosk: KioskWorld, other_world, replica_path: Path):
    today = kiosk.patient("Ana", "García", date(1990, 5, 17), phone="+886 912 345 642")
    tomorrow = kiosk.patient("Ben", "Wu", date(1985, 1, 2))
    next_week = kiosk.patient("Cleo", "Lin", date(1970, 3, 4))
    kiosk.patient("Dan", "Nobody", date(1960, 6, 7))  # no appointment at all
    appointments = {
        "today": kiosk.appointment(today, at("09:00")),
        "tomorrow": kiosk.appointment(tomorrow, at("10:00") + timedelta(days=1)),
        "next_week": kiosk.appointment(next_week, at("10:00") + timedelta(days=7)),
    }
    other = KioskWorld(other_world, kiosk.clock)
    other.appointment(other.patient("Olga", "Other", date(1990, 5, 17)), at("09:00"))
    engine = create_database_engine(sqlite_url(replica_path))
    counts = copy_kiosk_scope(kiosk.world.db.engine, engine, kiosk.clinic_id, NOW)
    return engine, counts, {"today": today, "tomorrow": tomorrow, "next_week": next_week}, appointments


def test_the_replica_holds_todays_and_tomorrows_appointments_only(kiosk, other_world, replica_path):
    engine, counts, patients, appointments = build(kiosk, other_world, replica_path)
    with engine.connect() as connection:
        appointment_ids = set(connection.scalars(select(Appointment.id)))
        patient_ids = set(connection.scalars(select(Patient.id)))
        roles = set(connection.scalars(select(StaffUser.role)))
        hashes = set(connection.scalars(select(StaffUser.password_hash)))
    assert appointment_ids == {appointments["today"], appointments["tomorrow"]}
    assert patient_ids == {patients["today"], patients["tomorrow"]}
    assert (counts.appointments, counts.patients, counts.doctors) == (2, 2, 1)
    assert {role.value for role in roles} == {"Doctor"}
    assert hashes == {"!"}  # nobody can sign in on a kiosk
    engine.dispose()


def test_the_replica_holds_no_medical_history_contacts_or_notes(kiosk, other_world, replica_path):
    engine, _counts, _patients, _appointments = build(kiosk, other_world, replica_path)
    with engine.connect() as connection:
        rows = connection.execute(select(Patient)).mappings().all()
        for row in rows:
            for name in MEDICAL_FIELDS:
                assert not row[name]
            assert row["contact_email"] is None and row["contact_phone"] is None and row["notes"] is None
            assert row["last_name"] == "" and row["search_text"] == "" and row["emergency_contact"] == {}
            assert row["phone_digits"] is None or len(row["phone_digits"]) <= 4
        clinics = connection.execute(text("SELECT COUNT(DISTINCT clinic_id) FROM patients")).scalar()
    assert clinics == 1
    engine.dispose()
    dump = b"".join(path.read_bytes() for path in replica_path.parent.glob("kiosk.db*"))
    for canary in (*CANARIES, "Olga", "Nobody", "Cleo"):
        assert canary.encode() not in dump, canary
    with sqlite3.connect(replica_path) as connection:
        text_dump = "\n".join(connection.iterdump())
    for canary in (*CANARIES, "Olga", "Nobody", "Cleo"):
        assert canary not in text_dump, canary


def test_every_column_of_the_kiosk_tables_is_decided(replica_path):
    """A column added later to a kiosk table is blanked unless KIOSK_SCOPE keeps it."""
    engine = create_database_engine(sqlite_url(replica_path))
    tables = set(inspect(engine).get_table_names())
    assert set(KIOSK_SCOPE) <= tables
    engine.dispose()


def test_check_in_works_on_the_replica_alone(kiosk, other_world, replica_path):
    engine, _counts, patients, appointments = build(kiosk, other_world, replica_path)
    replica = Database(engine, clock=FrozenClock(NOW), chain_id="kiosk")
    backend = DatabaseBackend(replica, kiosk.clinic_id, kiosk.device_id)
    flow = CheckInFlow(backend, "en")
    flow.no_code()
    assert isinstance(flow.submit_details("garcia", date(1990, 5, 17)), Found)
    flow.reset()
    found = flow.scan(kiosk.codes[patients["today"]])
    assert isinstance(found, Found)
    assert found.appointment.doctor_name == "Dora Lin"
    assert isinstance(flow.confirm(), Done)
    with replica.session(kiosk.clinic_id) as session:
        stored = session.scalars(select(Appointment).where(Appointment.id == appointments["today"])).one()
    assert stored.status is AppointmentStatus.CHECKED_IN
    engine.dispose()


def test_a_kiosk_identity_cannot_read_a_patient_record_or_history(kiosk):
    patient = kiosk.patient()
    appointment_id = kiosk.appointment(patient, at("09:00"))
    actor = Actor.kiosk(kiosk.device_id)
    for read in (
        lambda ctx: get_patient(ctx, patient),
        lambda ctx: full_history(ctx, patient),
        lambda ctx: search_patients(ctx, "Garcia"),
        lambda ctx: get_appointment(ctx, appointment_id),
    ):
        with pytest.raises(PermissionDenied), kiosk.world.db.context(kiosk.clinic_id, actor) as ctx:
            read(ctx)


def test_the_demo_kiosk_replica_has_no_medical_history(tmp_path, sqlite_template):
    from kiosk.demo_data import build_demo_kiosk

    demo = build_demo_kiosk(tmp_path, NOW, patients=150, template=sqlite_template)
    with sqlite3.connect(demo.replica_path) as connection:
        medical = connection.execute(
            "SELECT COUNT(*) FROM patients WHERE medical_history != '{}' OR allergies != '[]' "
            "OR current_medications != '[]' OR notes IS NOT NULL OR contact_phone IS NOT NULL"
        ).fetchone()[0]
        patients = connection.execute("SELECT COUNT(*) FROM patients").fetchone()[0]
        treatments = connection.execute("SELECT COUNT(*) FROM treatment_records").fetchone()[0]
        payments = connection.execute("SELECT COUNT(*) FROM payment_records").fetchone()[0]
    assert medical == 0
    assert 0 < patients < 300
    assert treatments == payments == 0
