"""Pokes: tell a clinic's online devices "pull now" after each commit that changed the clinic.

A poke carries no data. Any committed write transaction that took a clinic's change number
publishes (a hook on every clinic session, so REST writes poke too), after its commit:
- SQLite (one server process): straight to this process's subscribers;
- PostgreSQL: handed to this worker's notifier, which sends `pg_notify('clinic_changes', ...)`
  for everything pending in one transaction of its own; every worker LISTENs on one connection
  and hands pokes to its own subscribers, so several workers behind a load balancer all hear every
  commit. NOTIFY is not sent from the writing transaction: PostgreSQL takes one database-wide lock
  to queue notifications and holds it through the commit's WAL flush, so every writing
  transaction of every clinic would commit one after another. The notifier's transactions commit
  without waiting for the flush (a poke lost in a crash costs a device nothing: it polls).
A device's own push does not poke that device (`clinic_id:device_id`): its answers carry the rows
it touched, and the push's own page or the pull after it brings the rest; each poke it skips is a
pull saved.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from typing import Final

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from common.storage.session import ClinicSession, clinics_with_change_seq

log = logging.getLogger(__name__)

CHANNEL: Final = "clinic_changes"
# One statement for all pending pokes (pg_notify sends an identical channel and payload once).
_NOTIFY_ALL: Final = "SELECT pg_notify(%s, payload) FROM unnest(%s::text[]) AS payload"
# In a session's info: the device whose push the transaction applies.
ORIGIN_DEVICE: Final = "origin_device"


_Subscriber = tuple[asyncio.AbstractEventLoop, asyncio.Queue[None], uuid.UUID | None]


class Broadcaster:
    """Per-clinic subscribers (asyncio queues), fed from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[uuid.UUID, set[_Subscriber]] = {}

    def subscribe(self, clinic_id: uuid.UUID, device_id: uuid.UUID | None = None) -> asyncio.Queue[None]:
        queue: asyncio.Queue[None] = asyncio.Queue(maxsize=1)
        with self._lock:
            self._subscribers.setdefault(clinic_id, set()).add((asyncio.get_running_loop(), queue, device_id))
        return queue

    def unsubscribe(self, clinic_id: uuid.UUID, queue: asyncio.Queue[None]) -> None:
        with self._lock:
            members = self._subscribers.get(clinic_id, set())
            for member in [m for m in members if m[1] is queue]:
                members.discard(member)
            if not members:
                self._subscribers.pop(clinic_id, None)

    def publish(self, clinic_id: uuid.UUID, origin: uuid.UUID | None = None) -> None:
        """Poke the clinic's subscribers, except the device whose push made the change (`origin`)."""
        with self._lock:
            members = list(self._subscribers.get(clinic_id, ()))
        for loop, queue, device_id in members:
            if origin is not None and device_id == origin:
                continue
            try:
                loop.call_soon_threadsafe(_offer, queue)
            except RuntimeError:  # the loop closed
                continue

    def subscriber_count(self, clinic_id: uuid.UUID) -> int:
        with self._lock:
            return len(self._subscribers.get(clinic_id, ()))


def _offer(queue: asyncio.Queue[None]) -> None:
    if queue.empty():
        queue.put_nowait(None)  # pokes coalesce: one pending poke is enough


BROADCASTER: Final = Broadcaster()


@event.listens_for(ClinicSession, "after_commit")
def _publish(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint released: nothing is committed yet
    clinics = clinics_with_change_seq(session)
    if not clinics:
        return
    origin = session.info.get(ORIGIN_DEVICE)
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        notifier = notifier_for(bind.engine)
        for clinic_id in clinics:
            notifier.send(clinic_id, origin)
    else:
        for clinic_id in clinics:
            BROADCASTER.publish(clinic_id, origin)


class PostgresListener:
    """One LISTEN connection per worker, forwarding notifications to the broadcaster."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sync-pokes-listener", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        import psycopg

        url = libpq_url(self._engine)
        while not self._stop.is_set():
            try:
                with psycopg.connect(url, autocommit=True) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    while not self._stop.is_set():
                        for note in connection.notifies(timeout=1.0):
                            try:
                                clinic, _, origin = note.payload.partition(":")
                                BROADCASTER.publish(uuid.UUID(clinic), uuid.UUID(origin) if origin else None)
                            except ValueError:
                                continue
            except Exception as error:  # reconnect after a lost connection
                log.warning("poke listener reconnecting after %s", type(error).__name__)
                self._stop.wait(1.0)


class PostgresNotifier:
    """Sends this worker's pokes to PostgreSQL on a connection of its own, off the request threads:
    what piles up while one batch is sent goes out in the next."""

    def __init__(self, engine: Engine) -> None:
        self._url = libpq_url(engine)
        self._lock = threading.Lock()
        self._pending: dict[str, None] = {}
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sync-pokes-notifier", daemon=True)
        self._thread.start()

    def send(self, clinic_id: uuid.UUID, origin: uuid.UUID | None = None) -> None:
        payload = f"{clinic_id}:{origin}" if origin is not None else str(clinic_id)
        with self._lock:
            self._pending[payload] = None
        self._wake.set()

    def _take(self) -> list[str]:
        with self._lock:
            payloads, self._pending = list(self._pending), {}
        return payloads

    def _run(self) -> None:
        import psycopg

        while True:
            try:
                with psycopg.connect(self._url, autocommit=True) as connection:
                    connection.execute("SET synchronous_commit = off")
                    while True:
                        self._wake.wait()
                        self._wake.clear()
                        payloads = self._take()
                        if payloads:
                            connection.execute(_NOTIFY_ALL, (CHANNEL, payloads))
            except Exception as error:  # the batch is dropped (devices poll); reconnect
                log.warning("poke notifier reconnecting after %s", type(error).__name__)
                time.sleep(1.0)


def libpq_url(engine: Engine) -> str:
    """The engine's database as a plain connection URL, for a psycopg connection of our own."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


# One listener and one notifier per database, in each worker.
_per_database_lock = threading.Lock()
_notifiers: dict[str, PostgresNotifier] = {}
_listeners: dict[str, PostgresListener] = {}


def _database_key(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def notifier_for(engine: Engine) -> PostgresNotifier:
    """This worker's notifier for the database `engine` writes to (started on first use)."""
    key = _database_key(engine)
    with _per_database_lock:
        notifier = _notifiers.get(key)
        if notifier is None:
            notifier = _notifiers[key] = PostgresNotifier(engine)
        return notifier


def ensure_listener(engine: Engine) -> None:
    """Start this worker's LISTEN connection once (PostgreSQL only)."""
    if engine.dialect.name != "postgresql":
        return
    key = _database_key(engine)
    with _per_database_lock:
        if key not in _listeners:
            listener = PostgresListener(engine)
            _listeners[key] = listener
            listener.start()
