"""Scheduled work over every clinic: marking no-shows, expiring waitlist offers, daily usage,
purging old tombstones.

Several server instances may run at once; each round of a job takes a PostgreSQL advisory lock
(try, never wait), so one instance runs it and the others skip that round. The list of clinics
comes from the admin connection: row-level security hides other clinics from the app's role,
and listing them is the only thing the admin connection does here. Each clinic's work then runs
on the app's own database, in that clinic's transaction, as the system actor, like a request.
On SQLite (one server process) there is nothing to coordinate; the jobs are idempotent anyway.
Maintenance the app's role may not do (deleting purged tombstones) is an `admin_work`: it runs per
clinic on the admin connection, in a transaction of its own.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import Connection, Engine, select, text
from starlette.concurrency import run_in_threadpool

from common.clinics.models import Clinic
from common.context import READ_ONLY_STATUSES, Actor, ServiceContext
from common.database import Database
from common.errors import DomainError
from common.licensing.service import record_daily_usage
from common.scheduling.no_show import mark_no_shows
from common.scheduling.waitlist import expire_waitlist
from sync_server.sync.purge import purge_tombstones, tombstone_retention

log = logging.getLogger(__name__)

TICK: Final = timedelta(seconds=30)


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    work: Callable[[ServiceContext], object] | None = None
    admin_work: Callable[[Connection, uuid.UUID, datetime], object] | None = None


@dataclass(frozen=True)
class JobRound:
    job: str
    ran: bool  # False: another instance held the job's lock
    clinics: int = 0
    refused: int = 0  # clinics whose rules refused the work (a suspended clinic is read-only)


def _daily_usage(ctx: ServiceContext) -> object:
    return record_daily_usage(ctx, ctx.now().astimezone(ctx.tz).date())


def _purge_tombstones(connection: Connection, clinic_id: uuid.UUID, now: datetime) -> object:
    return purge_tombstones(connection, clinic_id, now, tombstone_retention())


JOBS: Final = (
    Job("no-shows", timedelta(minutes=5), mark_no_shows),
    Job("waitlist-expiry", timedelta(minutes=5), expire_waitlist),
    Job("daily-usage", timedelta(hours=1), _daily_usage),
    Job("tombstone-purge", timedelta(hours=6), admin_work=_purge_tombstones),
)


def lock_key(job_name: str) -> int:
    """The job's advisory-lock number: stable across instances and versions."""
    digest = hashlib.sha256(f"clinic-front-desk/job/{job_name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def run_job(job: Job, db: Database, admin_engine: Engine) -> JobRound:
    """One round of `job` over every clinic, unless another instance is running it."""
    with admin_engine.connect() as connection:
        if not _try_lock(connection, job.name):
            return JobRound(job.name, ran=False)
        try:
            # Suspended and cancelled clinics are read-only: their jobs (all writes) wait for reactivation.
            clinic_ids = list(
                connection.scalars(
                    select(Clinic.id).where(
                        Clinic.deleted_at.is_(None), Clinic.subscription_status.not_in(READ_ONLY_STATUSES)
                    )
                )
            )
            connection.rollback()  # the list is read; the lock (session-level) stays held
            refused = 0
            for clinic_id in clinic_ids:
                try:
                    if job.admin_work is not None:
                        with connection.begin():
                            job.admin_work(connection, clinic_id, db.clock.now())
                    elif job.work is not None:
                        with db.context(clinic_id, Actor.system()) as ctx:
                            job.work(ctx)
                except DomainError as error:
                    refused += 1
                    log.info("job %s skipped clinic %s: %s", job.name, clinic_id, error.code)
            return JobRound(job.name, ran=True, clinics=len(clinic_ids), refused=refused)
        finally:
            _unlock(connection, job.name)


def _try_lock(connection: Connection, job_name: str) -> bool:
    if connection.dialect.name != "postgresql":
        return True
    taken = connection.execute(
        text("SELECT pg_try_advisory_lock(:key)"), {"key": lock_key(job_name)}
    ).scalar()
    connection.commit()
    return bool(taken)


def _unlock(connection: Connection, job_name: str) -> None:
    if connection.dialect.name == "postgresql":
        # A failed statement leaves the transaction aborted, and then the unlock itself would fail:
        # the connection would go back to the pool still holding the lock (session-level locks
        # outlive rollbacks), and no later round on this database would run.
        connection.rollback()
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key(job_name)})
        connection.commit()


class JobScheduler:
    """Runs each job when it is due, off the event loop, until cancelled."""

    def __init__(self, db: Database, admin_engine: Engine, jobs: Sequence[Job] = JOBS) -> None:
        self.db = db
        self.admin_engine = admin_engine
        self.jobs = tuple(jobs)
        self._last_run: dict[str, datetime] = {}

    def due(self, now: datetime) -> list[Job]:
        """Jobs never run by this scheduler, or last run at least their interval ago."""
        return [
            job
            for job in self.jobs
            if job.name not in self._last_run or now - self._last_run[job.name] >= job.every
        ]

    async def run_forever(self) -> None:
        while True:
            for job in self.due(self.db.clock.now()):
                self._last_run[job.name] = self.db.clock.now()
                try:
                    await run_in_threadpool(run_job, job, self.db, self.admin_engine)
                except Exception as error:  # a failed round is logged and tried again next time
                    log.error("job %s failed: %s", job.name, type(error).__name__)
            await asyncio.sleep(TICK.total_seconds())
