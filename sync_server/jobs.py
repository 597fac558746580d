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

At shutdown no new round (nor a running round's next clinic) starts, and the clinic in flight is
waited for, at most `SHUTDOWN_WAIT`: a round ends with its lock released, never abandoned in its
thread. Each clinic's work is its own transaction, so a round cut short loses nothing; the clinics
it did not reach are done by the next round, on whichever instance runs it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from contextlib import suppress
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
# With the server's drain of requests (cli.DRAIN_SECONDS), within the grace a service manager gives
# before a kill (Docker: 10 s; systemd: 90 s). One clinic's work takes well under a second.
SHUTDOWN_WAIT: Final = timedelta(seconds=5)


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
    clinics: int = 0  # clinics whose work ran
    refused: int = 0  # clinics whose rules refused the work (a suspended clinic is read-only)
    cut_short: bool = False  # shutdown began: the remaining clinics wait for the next round


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


def run_job(
    job: Job, db: Database, admin_engine: Engine, stopping: threading.Event | None = None
) -> JobRound:
    """One round of `job` over every clinic, unless another instance is running it; once
    `stopping` is set, no further clinic is started."""
    with admin_engine.connect() as connection:
        if not _try_lock(connection, job.name):
            return JobRound(job.name, ran=False)
        try:
            clinic_ids = _active_clinics(connection)
            connection.rollback()  # the list is read; the lock (session-level) stays held
            done = refused = 0
            for clinic_id in clinic_ids:
                if stopping is not None and stopping.is_set():
                    log.info(
                        "job %s stopped for shutdown after %d of %d clinics", job.name, done, len(clinic_ids)
                    )
                    return JobRound(job.name, ran=True, clinics=done, refused=refused, cut_short=True)
                if not _run_for_clinic(job, db, connection, clinic_id):
                    refused += 1
                done += 1
            return JobRound(job.name, ran=True, clinics=done, refused=refused)
        finally:
            _unlock(connection, job.name)


def _active_clinics(connection: Connection) -> list[uuid.UUID]:
    # Suspended and cancelled clinics are read-only: their jobs (all writes) wait for reactivation.
    return list(
        connection.scalars(
            select(Clinic.id).where(
                Clinic.deleted_at.is_(None), Clinic.subscription_status.not_in(READ_ONLY_STATUSES)
            )
        )
    )


def _run_for_clinic(job: Job, db: Database, connection: Connection, clinic_id: uuid.UUID) -> bool:
    """The job's work in one clinic; False when the clinic's rules refused it."""
    try:
        if job.admin_work is not None:
            with connection.begin():
                job.admin_work(connection, clinic_id, db.clock.now())
        elif job.work is not None:
            with db.context(clinic_id, Actor.system()) as ctx:
                job.work(ctx)
    except DomainError as error:
        log.info("job %s skipped clinic %s: %s", job.name, clinic_id, error.code)
        return False
    return True


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
    """Runs each job when it is due, off the event loop, from `start()` until `stop()`."""

    def __init__(
        self,
        db: Database,
        admin_engine: Engine,
        jobs: Sequence[Job] = JOBS,
        *,
        shutdown_wait: timedelta = SHUTDOWN_WAIT,
    ) -> None:
        self.db = db
        self.admin_engine = admin_engine
        self.jobs = tuple(jobs)
        self.shutdown_wait = shutdown_wait
        self._last_run: dict[str, datetime] = {}
        self._stopping = threading.Event()  # read by the round's thread between clinics
        self._wake = asyncio.Event()  # ends the pause between ticks at once
        self._task: asyncio.Task[None] | None = None

    def due(self, now: datetime) -> list[Job]:
        """Jobs never run by this scheduler, or last run at least their interval ago."""
        return [
            job
            for job in self.jobs
            if job.name not in self._last_run or now - self._last_run[job.name] >= job.every
        ]

    def start(self) -> None:
        """Run the jobs in a task of the running event loop."""
        self._task = asyncio.create_task(self.run_forever(), name="scheduled-jobs")

    async def stop(self) -> None:
        """Start nothing more and wait, at most `shutdown_wait`, for the round in flight to end.

        Cancelling the task alone would not stop the round: its thread would run on after the
        app ended, holding the job's advisory lock on a connection nobody returns."""
        self._stopping.set()
        self._wake.set()
        if self._task is None:
            return
        finished, _ = await asyncio.wait({self._task}, timeout=self.shutdown_wait.total_seconds())
        if not finished:
            log.warning(
                "a scheduled job round was still running %g s into shutdown; its lock is released "
                "when it ends or this process exits",
                self.shutdown_wait.total_seconds(),
            )
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task

    async def run_forever(self) -> None:
        while not self._stopping.is_set():
            for job in self.due(self.db.clock.now()):
                if self._stopping.is_set():
                    return
                self._last_run[job.name] = self.db.clock.now()
                try:
                    await run_in_threadpool(run_job, job, self.db, self.admin_engine, self._stopping)
                except Exception as error:  # a failed round is logged and tried again next time
                    log.error("job %s failed: %s", job.name, type(error).__name__)
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), TICK.total_seconds())
