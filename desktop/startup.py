"""Opening this PC's replica: check it, bring its schema up to date, find its clinic; and, on a
first run, create the demo clinic in it. Plain functions of the store, run on the worker thread.

A replica enrolled with a clinic's server (desktop/enrollment) holds that clinic once its initial
sync has finished; until then (the sync was cancelled, or the desk closed during it) the desk
reopens the enrollment page, which resumes the sync where it stopped."""

from __future__ import annotations

import multiprocessing
import queue
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import inspect, select, text

from common.clinics.models import Clinic
from common.database import Database
from common.i18n import N_
from common.storage.engine import quick_check

# Alembic and the demo generator are imported where they are used, on the worker thread: the
# desk's first window does not wait for them.

DEMO_PATIENTS = 1_000
# Device-local keys of the replica's `sync_state` (common/sync/state.py) the desk reads at start;
# read with plain SQL here so the start does not load the sync engine.
ENROLLED_CLINIC_KEY = "clinic_id"
INITIAL_SYNC_DONE_KEY = "desk_initial_sync_done"


class Reporter(Protocol):
    def report(self, done: int, total: int = 0, message: str = "") -> None: ...


@dataclass(frozen=True)
class Opened:
    clinic_id: uuid.UUID | None  # None: this PC has no clinic yet (first run)
    migrated: bool  # the schema was upgraded just now
    enrolling: bool = False  # enrolled with a server, its initial sync not finished yet


_REVISION = re.compile(r"^revision(?:: str)? = [\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN = re.compile(r"^down_revision(?:: [^=]+)? = [\"']([^\"']+)[\"']", re.MULTILINE)


def head_revision() -> str | None:
    """The newest migration, read from the migration files' `revision` / `down_revision` lines:
    loading Alembic to ask it costs about a second at every start."""
    from common.storage.migrate import MIGRATIONS_DIR

    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        revisions.update(_REVISION.findall(text))
        parents.update(_DOWN.findall(text))
    heads = revisions - parents
    if len(heads) != 1:  # several heads (a merge in progress): let Alembic decide
        from alembic.script import ScriptDirectory

        from common.storage.migrate import alembic_config

        return ScriptDirectory.from_config(alembic_config()).get_current_head()
    return heads.pop()


def _current_revision(db: Database) -> str | None:
    with db.engine.connect() as connection:
        found = (
            connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            if inspect(connection).has_table("alembic_version")
            else None
        )
        connection.rollback()
    return found if isinstance(found, str) else None


def schema_revision(db: Database) -> str | None:
    """The replica's schema revision (what sync requests name), read without loading Alembic."""
    return _current_revision(db)


def _schema_is_current(db: Database) -> bool:
    return _current_revision(db) == head_revision()


def _upgrade(db: Database) -> None:
    from common.storage.migrate import upgrade

    upgrade(db.engine)


def open_replica(db: Database, progress: Reporter, *, check: bool = True) -> Opened:
    """Integrity check (unless the caller runs it beside), schema upgrade when needed, and the
    clinic this replica holds."""
    progress.report(0, 3, N_("Checking the local records"))
    if check:
        check_integrity(db)
    progress.report(1, 3, N_("Updating the local records"))
    migrated = False
    if not _schema_is_current(db):
        _upgrade(db)
        migrated = True
    progress.report(2, 3, N_("Opening the clinic"))
    enrolled, synced = enrollment_state(db)
    clinic_id = local_clinic(db) if synced else None
    progress.report(3, 3, "")
    return Opened(clinic_id, migrated, enrolling=enrolled and not synced)


def enrollment_state(db: Database) -> tuple[bool, bool]:
    """(enrolled with a clinic server, its initial sync finished); a local-only replica is (False,
    True): it has nothing to wait for."""
    if db.engine.dialect.name != "sqlite":
        return False, True
    with db.engine.connect() as connection:
        if not inspect(connection).has_table("sync_state"):
            connection.rollback()
            return False, True
        rows = connection.execute(
            text("SELECT key, value FROM sync_state WHERE key IN (:clinic, :done)"),
            {"clinic": ENROLLED_CLINIC_KEY, "done": INITIAL_SYNC_DONE_KEY},
        ).all()
        connection.rollback()
    found = {str(row[0]): str(row[1]) for row in rows}
    enrolled = ENROLLED_CLINIC_KEY in found
    return enrolled, not enrolled or INITIAL_SYNC_DONE_KEY in found


def enrolled_clinic(db: Database) -> uuid.UUID | None:
    """The clinic this replica was enrolled into, if it was."""
    with db.engine.connect() as connection:
        if not inspect(connection).has_table("sync_state"):
            connection.rollback()
            return None
        value = connection.execute(
            text("SELECT value FROM sync_state WHERE key = :key"), {"key": ENROLLED_CLINIC_KEY}
        ).scalar()
        connection.rollback()
    return uuid.UUID(str(value)) if value else None


def check_integrity(db: Database) -> None:
    """SQLite's quick check of the replica file (DatabaseDamaged if it fails). It reads the whole
    file: on a large replica it takes seconds, so the desk runs it beside the start, not before."""
    if db.engine.dialect.name == "sqlite":
        quick_check(db.engine)


def local_clinic(db: Database) -> uuid.UUID | None:
    """The clinic on this PC: the one it was enrolled into, else the demo clinic."""
    table = Clinic.__table__
    with db.engine.connect() as connection:
        rows = connection.execute(
            select(table.c.id, table.c.name).where(table.c.deleted_at.is_(None)).order_by(table.c.created_at)
        ).all()
        connection.rollback()
    ids: list[uuid.UUID] = [row.id for row in rows]
    enrolled_into = enrolled_clinic(db) if db.engine.dialect.name == "sqlite" else None
    if enrolled_into is not None:
        return enrolled_into if enrolled_into in ids else None
    if len(ids) <= 1:  # the usual case: one clinic, or none yet
        return ids[0] if ids else None
    from common.demo import DEMO_CLINIC_NAME  # the demo package is large: only when it matters

    enrolled = [row.id for row in rows if row.name != DEMO_CLINIC_NAME]
    return enrolled[0] if enrolled else ids[0]


def create_demo_clinic(db: Database, progress: Reporter, patients: int = DEMO_PATIENTS) -> uuid.UUID:
    """Schema, then the demo clinic (Lotus Aesthetic Clinic) around today, in one transaction."""
    from common.demo import DemoSpec, find_demo_clinic, seed_demo_clinic

    progress.report(0, 3, N_("Preparing the database"))
    if not _schema_is_current(db):
        _upgrade(db)
    existing = find_demo_clinic(db.engine)
    if existing is not None:
        progress.report(3, 3, "")
        return existing
    progress.report(
        1, 3, N_("Creating the demo clinic: staff, catalog, patients and two weeks of appointments")
    )
    result = seed_demo_clinic(db.engine, DemoSpec(now=db.clock.now(), patients=patients))
    progress.report(3, 3, N_("The demo clinic is ready"))
    return result.clinic_id


class DemoCreationFailed(RuntimeError):
    """The child process creating the demo clinic stopped (its error type is the message)."""


def create_demo_clinic_in_child(db: Database, progress: Reporter, patients: int = DEMO_PATIENTS) -> uuid.UUID:
    """`create_demo_clinic` in a separate process. Generating a clinic makes millions of objects;
    in this process its garbage collections would hold the interpreter lock for a few hundred ms
    at a time and the GUI thread would stall with them. In a child process the GUI never waits."""
    context = multiprocessing.get_context("spawn")
    messages = context.Queue()
    url = db.engine.url.render_as_string(hide_password=False)
    child = context.Process(
        target=_demo_child, args=(url, db.clock.now().isoformat(), patients, messages), daemon=True
    )
    child.start()
    try:
        while True:
            try:
                kind, *payload = messages.get(timeout=0.2)
            except queue.Empty:
                if not child.is_alive():
                    raise DemoCreationFailed("the process ended") from None
                continue
            if kind == "progress":
                progress.report(*payload)
            elif kind == "done":
                return uuid.UUID(payload[0])
            else:
                raise DemoCreationFailed(payload[0])
    finally:
        child.join(timeout=30)


class _QueueReporter:
    def __init__(self, messages: Any) -> None:
        self._messages = messages

    def report(self, done: int, total: int = 0, message: str = "") -> None:
        self._messages.put(("progress", done, total, message))


def _demo_child(url: str, now: str, patients: int, messages: Any) -> None:
    from common.clock import FrozenClock
    from common.storage.engine import create_database_engine

    engine = create_database_engine(url, check_integrity=False)
    try:
        db = Database(engine, clock=FrozenClock(datetime.fromisoformat(now)))
        clinic_id = create_demo_clinic(db, _QueueReporter(messages), patients)
        messages.put(("done", str(clinic_id)))
    except Exception as error:
        messages.put(("failed", type(error).__name__))
    finally:
        engine.dispose()
