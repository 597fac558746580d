"""Scheduled jobs over every clinic: each clinic's work runs as the app's role in that clinic's
transaction; the clinics are listed through the admin connection; on PostgreSQL an advisory
lock lets one instance run a round while the others skip it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from common.database import Database
from common.scheduling.models import Appointment, AppointmentStatus
from sync_server.jobs import JOBS, Job, JobScheduler, lock_key, run_job
from tests.common.commerce_support import make_appointment, make_patient

NO_SHOWS = next(job for job in JOBS if job.name == "no-shows")


def status_of(world, appointment_id):
    with world.db.session(world.clinic_id) as session:
        return session.scalars(select(Appointment.status).where(Appointment.id == appointment_id)).one()


def test_a_round_does_each_clinics_work_in_that_clinic(engine, app_engine, clock, world, other_world):
    missed = [
        make_appointment(
            w,
            make_patient(w),
            status=AppointmentStatus.SCHEDULED,
            starts_at=datetime(2026, 11, 22, 2, 0, tzinfo=UTC),
        )
        for w in (world, other_world)
    ]
    app_db = Database(app_engine, clock=clock, chain_id="server")
    result = run_job(NO_SHOWS, app_db, engine)
    assert result.ran
    assert result.clinics >= 2
    assert [status_of(w, a) for w, a in zip((world, other_world), missed, strict=True)] == [
        AppointmentStatus.NO_SHOW
    ] * 2


def test_every_job_runs_a_round(engine, app_engine, clock, world):
    app_db = Database(app_engine, clock=clock, chain_id="server")
    for job in JOBS:
        assert run_job(job, app_db, engine).refused == 0


@pytest.mark.parametrize("engine", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_a_round_already_running_elsewhere_is_skipped(engine, app_engine, clock, world):
    missed = make_appointment(
        world,
        make_patient(world),
        status=AppointmentStatus.SCHEDULED,
        starts_at=datetime(2026, 11, 22, 2, 0, tzinfo=UTC),
    )
    app_db = Database(app_engine, clock=clock, chain_id="server")
    with engine.connect() as other_instance:
        assert other_instance.execute(
            text("SELECT pg_try_advisory_lock(:k)"), {"k": lock_key(NO_SHOWS.name)}
        ).scalar()
        assert run_job(NO_SHOWS, app_db, engine).ran is False
        assert status_of(world, missed) is AppointmentStatus.SCHEDULED
        other_instance.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key(NO_SHOWS.name)})
        other_instance.commit()
    assert run_job(NO_SHOWS, app_db, engine).ran is True
    assert status_of(world, missed) is AppointmentStatus.NO_SHOW


def test_jobs_are_due_by_their_interval(engine, clock):
    scheduler = JobScheduler(
        Database(engine, clock=clock), engine, [Job("quick", timedelta(minutes=5), print)]
    )
    now = clock.now()
    assert [job.name for job in scheduler.due(now)] == ["quick"]
    scheduler._last_run["quick"] = now
    assert scheduler.due(now + timedelta(minutes=4)) == []
    assert [job.name for job in scheduler.due(now + timedelta(minutes=5))] == ["quick"]
    assert len({lock_key(job.name) for job in JOBS}) == len(JOBS)
