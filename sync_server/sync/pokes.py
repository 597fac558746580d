"""Pokes: tell a clinic's online devices "pull now" after each commit that changed the clinic.

Any committed write transaction that took a clinic's change number publishes (a hook on every
clinic session of the server's database, so REST writes poke too), after its commit, to this
process's subscribers, and on PostgreSQL to the other workers': handed to this worker's notifier,
which sends `pg_notify('clinic_changes', ...)` for everything pending in one transaction of its
own; every worker LISTENs on one connection and hands the other workers' pokes to its own
subscribers, so several workers behind a load balancer all hear every commit. NOTIFY is not sent
from the writing transaction: PostgreSQL takes one database-wide lock to queue notifications and
holds it through the commit's WAL flush, so every writing transaction of every clinic would commit
one after another. The notifier's transactions commit without waiting for the flush (a poke lost
in a crash costs a device nothing: it polls).
A device's own push does not poke that device (`clinic_id:device_id`): its answers carry the rows
it touched, and the push's own page or the pull after it brings the rest; each poke it skips is a
pull saved.

A desk's push chunk also knows every row its change number stamped (the page a pull from the
number before would bring): it offers that page (`offer_page`), and the poke carries it to the
front desks that asked for pages, which then need no pull when their cursor is the page's start.
Rows never leave the process but on those desks' own authenticated streams: the committing worker
hands the page to its own subscribers directly, and the notification other workers hear holds ids
and the change number only (a LISTEN needs no privilege and passes by row-level security, so
anyone connected to the database could hear it). A worker with desks of that clinic that take
pages reads the page itself, once for all of them (a pull from the number before, in the clinic's
session). A kiosk, a device that did not ask, a REST write and a page over `MAX_PAGE_BYTES` get the
plain poke.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
import weakref
from collections import deque
from dataclasses import dataclass, field
from typing import Final

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from common.database import Database
from common.storage.session import STAMPED_ROWS, ClinicSession, clinics_with_change_seq, held_change_seq
from common.sync.models import DeviceKind
from common.sync.protocol import PokePage, TableRows
from common.sync.tables import is_synced_name
from sync_server.sync.devices import DeviceIdentity
from sync_server.sync.pull import pull_page

log = logging.getLogger(__name__)

CHANNEL: Final = "clinic_changes"
# One statement for all pending pokes (pg_notify sends an identical channel and payload once).
_NOTIFY_ALL: Final = "SELECT pg_notify(%s, payload) FROM unnest(%s::text[]) AS payload"
# In a session's info: the device whose push the transaction applies, and the page it offers.
ORIGIN_DEVICE: Final = "origin_device"
_OFFERED_PAGE: Final = "offered_poke_page"
# This worker, in its notifications: it delivered them to its own subscribers already.
WORKER: Final = uuid.uuid4().hex
# Pages waiting for one subscriber's stream; past this it gets a plain poke (it pulls) instead.
MAX_PENDING_PAGES: Final = 32
# A bigger page (a long batch) goes by pull: event streams are not compressed, pulls are.
MAX_PAGE_BYTES: Final = 64 * 1024
# Rows another worker's listener reads for its desks' page (more: they pull).
PAGE_ROWS: Final = 200


def offer_page(session: Session, seq: int, changes: list[TableRows]) -> None:
    """The rows change number `seq` stamped, as committed by this session's transaction, to go
    with its poke (JSON, encoded once for every subscriber)."""
    page = PokePage(after=str(seq - 1), cursor=str(seq), changes=changes).model_dump_json()
    if len(page) <= MAX_PAGE_BYTES:
        session.info[_OFFERED_PAGE] = page


@dataclass(eq=False)
class Inbox:
    """What one subscriber's stream has yet to send: pages in commit order, or a plain poke.
    Touched only on its event loop's thread."""

    pages: bool  # the device asked for pages
    waiting: deque[str] = field(default_factory=deque)
    poke: bool = False
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    def offer(self, page: str | None) -> None:
        if page is None or not self.pages or len(self.waiting) >= MAX_PENDING_PAGES:
            self.poke = True  # a pull brings everything: the pages waiting can go
            self.waiting.clear()
        elif not self.poke:
            self.waiting.append(page)
        self.ready.set()

    def take(self) -> tuple[list[str], bool]:
        """The pages to send and whether to poke, once; then empty."""
        pages, poke = list(self.waiting), self.poke
        self.waiting.clear()
        self.poke = False
        self.ready.clear()
        return pages, poke


_Subscriber = tuple[asyncio.AbstractEventLoop, Inbox, uuid.UUID | None]


class Broadcaster:
    """Per-clinic subscribers (an inbox each, on its event loop), fed from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[uuid.UUID, set[_Subscriber]] = {}

    def subscribe(
        self, clinic_id: uuid.UUID, device_id: uuid.UUID | None = None, *, pages: bool = False
    ) -> Inbox:
        """Call on the event loop that will read the inbox. `pages`: only for a front desk."""
        inbox = Inbox(pages)
        with self._lock:
            self._subscribers.setdefault(clinic_id, set()).add((asyncio.get_running_loop(), inbox, device_id))
        return inbox

    def unsubscribe(self, clinic_id: uuid.UUID, inbox: Inbox) -> None:
        with self._lock:
            members = self._subscribers.get(clinic_id, set())
            for member in [m for m in members if m[1] is inbox]:
                members.discard(member)
            if not members:
                self._subscribers.pop(clinic_id, None)

    def publish(self, clinic_id: uuid.UUID, origin: uuid.UUID | None = None, page: str | None = None) -> None:
        """Poke the clinic's subscribers, except the device whose push made the change (`origin`),
        with the change's page (PokePage JSON) for those that take pages."""
        with self._lock:
            members = list(self._subscribers.get(clinic_id, ()))
        for loop, inbox, device_id in members:
            if origin is not None and device_id == origin:
                continue
            try:
                loop.call_soon_threadsafe(inbox.offer, page)
            except RuntimeError:  # the loop closed
                continue

    def takes_pages(self, clinic_id: uuid.UUID) -> bool:
        """Whether a subscriber of the clinic takes pages."""
        with self._lock:
            return any(inbox.pages for _, inbox, _ in self._subscribers.get(clinic_id, ()))

    def subscriber_count(self, clinic_id: uuid.UUID) -> int:
        with self._lock:
            return len(self._subscribers.get(clinic_id, ()))


BROADCASTER: Final = Broadcaster()


def serve_pokes(engine: Engine) -> None:
    """Commits to `engine` (the server's database) poke its devices. A replica written in the
    same process (a test's devices, the demo's desk) pokes no one."""
    _served.add(engine)


_served: weakref.WeakSet[Engine] = weakref.WeakSet()


@event.listens_for(ClinicSession, "after_commit")
def _publish(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint released: nothing is committed yet
    page = session.info.pop(_OFFERED_PAGE, None)
    clinics = clinics_with_change_seq(session)
    bind = session.get_bind()
    if not clinics or bind.engine not in _served:
        return
    # A page is for one clinic's change number (a push chunk writes one clinic only).
    page = (page or _page_without_rows(session, clinics[0])) if len(clinics) == 1 else None
    origin = session.info.get(ORIGIN_DEVICE)
    for clinic_id in clinics:
        BROADCASTER.publish(clinic_id, origin, page)
    if bind.dialect.name == "postgresql":  # the other workers' subscribers
        notifier = notifier_for(bind.engine)
        for clinic_id in clinics:
            notifier.send(clinic_id, origin, held_change_seq(session, clinic_id) if page else None)


def _page_without_rows(session: Session, clinic_id: uuid.UUID) -> str | None:
    """A transaction that named what it stamped (`STAMPED_ROWS`) and stamped no synced row (an
    audit upload): its change number's page is empty. Without it the next page would not follow
    on from a desk's cursor, and every desk would pull."""
    stamped: set[tuple[str, uuid.UUID]] | None = session.info.get(STAMPED_ROWS)
    seq = held_change_seq(session, clinic_id)
    if stamped is None or seq is None or any(is_synced_name(name) for name, _ in stamped):
        return None
    return PokePage(after=str(seq - 1), cursor=str(seq), changes=[]).model_dump_json()


@dataclass(frozen=True)
class Notification:
    clinic_id: uuid.UUID
    origin: uuid.UUID | None  # the device whose push it was
    worker: str
    seq: int | None  # the change number, when its page went to the sending worker's desks


def notification(clinic_id: uuid.UUID, origin: uuid.UUID | None, seq: int | None = None) -> str:
    """`clinic:origin:worker:seq` (empty for none): ids and a number, never rows."""
    return f"{clinic_id}:{origin or ''}:{WORKER}:{seq or ''}"


def parse_notification(payload: str) -> Notification:
    """`notification`'s text read back (ValueError if it is not one)."""
    clinic, origin, worker, seq = [*payload.split(":"), "", ""][:4]
    return Notification(
        uuid.UUID(clinic), uuid.UUID(origin) if origin else None, worker, int(seq) if seq else None
    )


class PostgresListener:
    """One LISTEN connection per worker, forwarding the other workers' notifications to the
    broadcaster, with the change's page for the desks here that take pages."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._engine = database.engine
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
                            self.hear(note.payload)
            except Exception as error:  # reconnect after a lost connection
                log.warning("poke listener reconnecting after %s", type(error).__name__)
                self._stop.wait(1.0)

    def hear(self, payload: str) -> None:
        try:
            heard = parse_notification(payload)
        except ValueError:
            return
        if heard.worker == WORKER:
            return  # this worker's own went to its subscribers at the commit
        page = None
        if heard.seq is not None and BROADCASTER.takes_pages(heard.clinic_id):
            page = self._page(heard.clinic_id, heard.seq)
        BROADCASTER.publish(heard.clinic_id, heard.origin, page)

    def _page(self, clinic_id: uuid.UUID, seq: int) -> str | None:
        """The page after change number `seq - 1`, read as a desk's pull reads it (None: too
        big, or not one page: the desks pull)."""
        desk = DeviceIdentity(clinic_id, uuid.UUID(int=0), DeviceKind.FRONT_DESK)
        try:
            with self._database.session(clinic_id) as session, session.begin():
                pulled = pull_page(session, desk, str(seq - 1), PAGE_ROWS, self._database.clock.now())
        except Exception as error:  # a lost connection: the plain poke still goes
            log.warning("poke page not read after %s", type(error).__name__)
            return None
        if pulled.has_more or pulled.reset:
            return None
        page = PokePage(after=str(seq - 1), cursor=pulled.cursor, changes=pulled.tables).model_dump_json()
        return page if len(page) <= MAX_PAGE_BYTES else None


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

    def send(self, clinic_id: uuid.UUID, origin: uuid.UUID | None = None, seq: int | None = None) -> None:
        payload = notification(clinic_id, origin, seq)
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


def ensure_listener(database: Database) -> None:
    """Start this worker's LISTEN connection once (PostgreSQL only)."""
    if database.engine.dialect.name != "postgresql":
        return
    key = _database_key(database.engine)
    with _per_database_lock:
        if key not in _listeners:
            listener = PostgresListener(database)
            _listeners[key] = listener
            listener.start()
