"""The one write path of the desk: a local-only replica calls the services directly; a replica
enrolled with a server goes through the sync engine's `run_intent`, so the change and its outbox
mutation commit together and the calendar shows the booking as pending until the server answers."""

from __future__ import annotations

import shutil
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from common.clock import FrozenClock
from common.context import Actor
from common.database import Database
from common.patients.models import Patient
from common.scheduling.availability import availability
from common.scheduling.booking import BookingRequest
from common.staff.models import Role, StaffUser
from common.storage.engine import create_database_engine, sqlite_url
from common.sync import state
from common.sync.models import SyncOutbox
from desktop.actions import Booked, book, perform
from desktop.reads.appointments import appointments_on
from tests.desktop.conftest import MOMENT


@pytest.fixture
def replica(demo_template: tuple[Path, uuid.UUID], tmp_path: Path):
    template, clinic_id = demo_template
    path = tmp_path / "replica.db"
    shutil.copyfile(template, path)
    engine = create_database_engine(sqlite_url(path))
    yield Database(engine, clock=FrozenClock(MOMENT)), clinic_id
    engine.dispose()


def a_booking(db: Database, clinic_id: uuid.UUID) -> tuple[Actor, BookingRequest, datetime]:
    with db.session(clinic_id) as session:
        receptionist = session.scalars(select(StaffUser).where(StaffUser.role == Role.RECEPTIONIST)).first()
        patient_id = session.scalars(select(Patient.id).limit(1)).one()
        assert receptionist is not None
        actor = Actor.staff(receptionist.id, receptionist.role)
    with db.context(clinic_id, actor) as ctx:
        day = MOMENT.astimezone(ctx.tz).date() + timedelta(days=1)
        free = next(d for d in availability(ctx, day, 1, duration_minutes=30) if d.slots)
        slot = free.slots[0]
    request = BookingRequest(
        patient_id=patient_id, doctor_id=slot.doctor_id, starts_at=slot.starts_at, duration_minutes=30
    )
    return actor, request, slot.local_start


def outbox_count(db: Database) -> int:
    with db.engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(SyncOutbox)).scalar_one()
        connection.rollback()
        return int(count)


def test_on_a_local_only_replica_a_booking_is_written_directly_and_is_not_pending(replica):
    db, clinic_id = replica
    actor, request, start = a_booking(db, clinic_id)
    booked = perform(db, clinic_id, actor, book(request))
    assert isinstance(booked, Booked)
    assert outbox_count(db) == 0
    with db.context(clinic_id, actor) as ctx:
        row = next(r for r in appointments_on(ctx, start.date()) if r.id == booked.appointment_id)
    assert not row.pending


def test_on_an_enrolled_replica_a_booking_goes_to_the_outbox_and_shows_as_pending(replica):
    db, clinic_id = replica
    with db.engine.begin() as connection:
        state.put(connection, state.CLINIC_ID, str(clinic_id))
    actor, request, start = a_booking(db, clinic_id)
    booked = perform(db, clinic_id, actor, book(request))
    assert outbox_count(db) == 1
    with db.context(clinic_id, actor) as ctx:
        rows = appointments_on(ctx, start.date())
    mine = next(r for r in rows if r.id == booked.appointment_id)
    assert mine.pending  # drawn hatched until the server confirms it
    assert not any(r.pending for r in rows if r.id != booked.appointment_id)
