"""Pokes: tell a clinic's online devices "pull now" after each commit that changed the clinic.

A poke carries no data. Any committed write transaction that took a clinic's change number
publishes (a hook on every clinic session, so REST writes poke too):
- SQLite (one server process): straight to this process's subscribers, after the commit;
- PostgreSQL: `pg_notify('clinic_changes', clinic_id)` inside the transaction — delivered only if
  it commits — and every worker LISTENs on one connection and hands pokes to its own subscribers,
  so several workers behind a load balancer all hear every commit.
A device's own push does not poke that device (`clinic_id:device_id`): its answers carry the rows
it touched and its engine pulls after pushing anyway; each poke it skips is a pull saved.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from typing import Any, Final

from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from common.storage.session import ClinicSession

log = logging.getLogger(__name__)

CHANNEL: Final = "clinic_changes"
_NOTIFY: Final = text("SELECT pg_notify(:channel, :payload)")
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


@event.listens_for(ClinicSession, "before_commit")
def _notify_postgres(session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql" or session.get_nested_transaction() is not None:
        return  # the hook also runs when a savepoint is released: notify once, at the commit
    session.flush()  # the flush takes the change number; it would otherwise run after this hook
    origin = session.info.get(ORIGIN_DEVICE)
    for clinic_id in _changed_clinics(session):
        payload = f"{clinic_id}:{origin}" if origin is not None else str(clinic_id)
        session.execute(_NOTIFY, {"channel": CHANNEL, "payload": payload})


@event.listens_for(ClinicSession, "after_commit")
def _publish_local(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint released: nothing is committed yet
    clinics = _changed_clinics(session)
    if clinics and session.get_bind().dialect.name != "postgresql":
        for clinic_id in clinics:
            BROADCASTER.publish(clinic_id, session.info.get(ORIGIN_DEVICE))


def _changed_clinics(session: Session) -> list[uuid.UUID]:
    taken: Any = session.info.get("change_seqs") or {}
    return [clinic_id for clinic_id in taken if isinstance(clinic_id, uuid.UUID)]


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

        url = self._engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
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


_listeners: dict[str, PostgresListener] = {}
_listeners_lock = threading.Lock()


def ensure_listener(engine: Engine) -> None:
    """Start this worker's LISTEN connection once (PostgreSQL only)."""
    if engine.dialect.name != "postgresql":
        return
    key = engine.url.render_as_string(hide_password=True)
    with _listeners_lock:
        if key not in _listeners:
            listener = PostgresListener(engine)
            _listeners[key] = listener
            listener.start()
