"""Scheduled jobs at shutdown: the round in flight ends (its clinic's work done, its advisory lock
released) before the app's lifespan does; no round, and no further clinic of the round in flight,
starts once shutdown has begun; a round longer than the wait is logged and frees its lock when it
ends."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from common.clock import FrozenClock
from common.config import Settings
from common.context import ServiceContext
from common.database import Database
from sync_server.app import create_app
from sync_server.config import ServerSettings
from sync_server.jobs import Job, JobScheduler, lock_key
from tests.sync_server.conftest import TEST_JWT_SECRET


class SlowWork:
    """A job's work that takes its time in each clinic, or until `release` when `held`."""

    def __init__(self, seconds: float = 1.0, *, held: bool = False) -> None:
        self.seconds = seconds
        self.held = held
        self.entered = threading.Event()
        self.release = threading.Event()
        self.started: list[uuid.UUID] = []
        self.finished: list[uuid.UUID] = []

    def __call__(self, ctx: ServiceContext) -> None:
        self.started.append(ctx.clinic_id)
        self.entered.set()
        if self.held:
            self.release.wait(30)
        else:
            time.sleep(self.seconds)
        self.finished.append(ctx.clinic_id)

    def job(self) -> Job:
        # A name of its own: its lock never meets the real jobs' (tests/sync_server/test_jobs.py).
        return Job(f"test-slow-{uuid.uuid4().hex[:12]}", timedelta(minutes=5), self)


def lock_holders(engine: Engine, job_name: str) -> int:
    """Sessions holding the job's advisory lock in this database, from pg_locks (a bigint key
    shows as its high half in classid and its low half in objid)."""
    key = lock_key(job_name) & 0xFFFF_FFFF_FFFF_FFFF
    with engine.connect() as connection:
        held = connection.execute(
            text(
                "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                "WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database() "
                "AND l.classid = :high AND l.objid = :low AND l.objsubid = 1"
            ),
            {"high": key >> 32, "low": key & 0xFFFF_FFFF},
        ).scalar_one()
    return int(held)


def lock_is_free(engine: Engine, job_name: str) -> bool:
    """Another instance could take the lock now (and gives it back at once)."""
    with engine.connect() as connection:
        taken = connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": lock_key(job_name)}
        ).scalar_one()
        if taken:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key(job_name)})
        connection.commit()
    return bool(taken)


@pytest.fixture
def settings_with_jobs(engine: Engine, app_engine: Engine, tmp_path: Path) -> ServerSettings:
    """Jobs on, clinics listed through the admin (schema owner's) connection, as `serve` runs."""
    return ServerSettings(
        base=Settings(data_dir=tmp_path, database_url=app_engine.url.render_as_string(hide_password=False)),
        admin_database_url=engine.url.render_as_string(hide_password=False),
        jwt_secret=TEST_JWT_SECRET,
        run_jobs=True,
    )


def test_the_app_ends_after_the_round_in_flight_and_frees_its_lock(
    engine, app_engine, clock: FrozenClock, settings_with_jobs, world, other_world, caplog
) -> None:
    caplog.set_level(logging.INFO, logger="sync_server.jobs")
    slow = SlowWork(seconds=1.0)
    job = slow.job()
    on_postgres = engine.dialect.name == "postgresql"
    app = create_app(settings_with_jobs, engine=app_engine, clock=clock, jobs=[job])
    with TestClient(app):
        assert slow.entered.wait(20), "the first round did not start"
        if on_postgres:
            assert lock_holders(engine, job.name) == 1  # the round in flight holds it
    # The lifespan has ended: the clinic in flight finished, no other clinic began...
    assert len(slow.started) == 1
    assert slow.finished == slow.started
    assert f"job {job.name} stopped for shutdown after 1 of" in caplog.text
    assert "still running" not in caplog.text
    # ...and the lock is free for the next instance.
    if on_postgres:
        assert lock_holders(engine, job.name) == 0
        assert lock_is_free(engine, job.name)


def test_no_round_starts_once_shutdown_has_begun(engine, app_engine, clock: FrozenClock, world) -> None:
    slow = SlowWork(seconds=0.0)
    scheduler = JobScheduler(Database(app_engine, clock=clock, chain_id="server"), engine, [slow.job()])

    async def stop_before_the_first_tick() -> None:
        scheduler.start()
        await scheduler.stop()

    asyncio.run(stop_before_the_first_tick())
    assert slow.started == []


def test_a_round_longer_than_the_wait_is_logged_and_frees_its_lock_when_it_ends(
    engine, app_engine, clock: FrozenClock, world, other_world, caplog
) -> None:
    slow = SlowWork(held=True)
    job = slow.job()
    scheduler = JobScheduler(
        Database(app_engine, clock=clock, chain_id="server"),
        engine,
        [job],
        shutdown_wait=timedelta(seconds=0.2),
    )

    async def stop_while_the_round_runs() -> float:
        scheduler.start()
        assert await asyncio.to_thread(slow.entered.wait, 20)
        began = time.monotonic()
        await scheduler.stop()
        return time.monotonic() - began

    try:
        waited = asyncio.run(stop_while_the_round_runs())
        assert waited < 5  # bounded: shutdown did not wait for the round
        assert "a scheduled job round was still running" in caplog.text
        if engine.dialect.name == "postgresql":
            assert lock_holders(engine, job.name) == 1
    finally:
        slow.release.set()
    deadline = time.monotonic() + 20
    while slow.finished != slow.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert slow.finished == slow.started
    assert len(slow.started) == 1  # stopping still held back the next clinic
    if engine.dialect.name == "postgresql":
        while lock_holders(engine, job.name) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert lock_is_free(engine, job.name)
