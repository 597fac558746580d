"""Where the desk meets the sync engine (common/sync), in one place.

- `pending_ids`: which rows of a table are touched by outbox mutations the server has not
  confirmed yet (the calendar draws those bookings hatched);
- `open_conflicts`: how many conflicts the server sent back for staff to decide;
- `DeskSync`: on a replica enrolled with a clinic server, the engine running beside the desk from
  the sign-in window on (its own threads: push, pull, the poke stream), its status re-emitted on
  the GUI thread (common/qt/sync_status.py), and after each cycle one `sig_changed` on the desk's
  operation runner naming the tables the cycle wrote, so the screens showing them refresh as
  after a local write. On a local-only replica (the demo clinic) it stays "local".

Building the engine reads the device's credential from the keyring (an encrypted file on a
headless PC: a second or two), so it happens on a thread of its own, never on the GUI thread.
"""

from __future__ import annotations

import logging
import threading
import uuid
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QObject, Signal

from common.context import ServiceContext
from common.qt.operations import OperationRunner
from desktop.enrollment.clients import ObservingClient, PokeClient

if TYPE_CHECKING:
    from common.database import Database
    from common.qt.sync_status import SyncStatusBridge
    from common.sync.engine import SyncEngine, SyncStatus
    from common.sync.enrollment import DeviceInfo

log = logging.getLogger(__name__)

STOP_TIMEOUT: Final = 5.0


def pending_ids(ctx: ServiceContext, table: str) -> frozenset[uuid.UUID]:
    """Ids of `table`'s rows touched by unsent (or unconfirmed) outbox mutations."""
    from common.sync.outbox import pending_row_ids

    return frozenset(pending_row_ids(ctx.session, table))


def open_conflicts(ctx: ServiceContext) -> int:
    """Conflicts the server sent back (a double booking, a taken barcode) that staff must decide."""
    from common.sync.conflicts import open_conflict_count

    return int(open_conflict_count(ctx))


class DeskSync(QObject):
    """The desk's sync engine and what it says; `state` is starting, local (not enrolled),
    connecting (enrolled; the engine is being set up), running, unavailable (enrolled, but the
    credential is missing) or stopped.

    Whether the replica is enrolled is read on the database worker, queued before any sign-in, so
    the window the sign-in opens already knows whether this PC syncs."""

    sig_state = Signal(str)
    sig_status = Signal(object)  # SyncStatus, on the GUI thread
    _sig_built = Signal(object, str)  # the engine (or None), the state it means

    def __init__(self, runner: OperationRunner, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.data_dir = data_dir
        self.state = "starting"
        self.engine: SyncEngine | None = None
        self.bridge: SyncStatusBridge | None = None
        self.status: SyncStatus | None = None
        self._sig_built.connect(self._built)
        _BY_RUNNER[runner] = self

    def start(self) -> None:
        self.runner.run(_enrolled_device, name="sync.check", on_success=self._checked)

    def _checked(self, info: DeviceInfo | None) -> None:
        if self.state == "stopped":
            return
        if info is None:
            self._set_state("local")
            return
        self._set_state("connecting")
        db = self.runner.db
        threading.Thread(target=self._build, args=(db, info), name="sync-start", daemon=True).start()

    def _build(self, db: Database, info: DeviceInfo) -> None:
        try:
            engine, state = _make_engine(db, self.data_dir, info)
        except Exception:
            log.exception("the sync engine could not be set up")
            engine, state = None, "unavailable"
        try:
            self._sig_built.emit(engine, state)
        except RuntimeError:  # the desk closed meanwhile (this object is gone)
            if engine is not None:
                engine.client.close()

    def _built(self, engine: SyncEngine | None, state: str) -> None:
        if self.state == "stopped":
            if engine is not None:
                engine.client.close()
                if engine.events_client is not None:
                    engine.events_client.close()
            return
        if engine is not None:
            from common.qt.sync_status import SyncStatusBridge

            self.engine = engine
            self.bridge = SyncStatusBridge(engine, self)
            self.bridge.sig_status.connect(self._status)
            self.status = engine.status
            engine.start()
        self._set_state(state)

    def _set_state(self, state: str) -> None:
        self.state = state
        self.sig_state.emit(state)

    def _status(self, status: SyncStatus) -> None:
        self.status = status
        self.sig_status.emit(status)
        engine = self.engine
        if status.syncing or engine is None or not isinstance(engine.client, ObservingClient):
            return
        changed = engine.client.take_changed()
        if changed:
            self.runner.sig_changed.emit(changed)

    def sync_now(self) -> None:
        if self.engine is not None:
            self.engine.wake()

    def stop(self) -> None:
        """Stop the engine: the cycle under way ends (a page is applied whole or not at all)."""
        state, self.state = self.state, "stopped"
        engine = self.engine
        if engine is None or state == "stopped":
            return
        engine.listeners.clear()  # nothing reaches Qt objects about to go
        engine.stop(STOP_TIMEOUT)
        engine.client.close()
        self.sig_state.emit("stopped")


_BY_RUNNER: weakref.WeakKeyDictionary[OperationRunner, DeskSync] = weakref.WeakKeyDictionary()


def desk_sync(runner: OperationRunner) -> DeskSync | None:
    """The sync of the desk that `runner` serves, if the app started one."""
    return _BY_RUNNER.get(runner)


def start_sync(runner: OperationRunner, data_dir: Path, parent: QObject | None = None) -> DeskSync:
    """Start syncing the desk's replica if it is enrolled (else the DeskSync says "local")."""
    sync = DeskSync(runner, data_dir, parent)
    sync.start()
    return sync


def _enrolled_device(db: Database) -> DeviceInfo | None:
    from common.sync.enrollment import enrolled_device  # the sync engine's modules: not at start-up

    return enrolled_device(db)


def _make_engine(db: Database, data_dir: Path, info: DeviceInfo) -> tuple[SyncEngine | None, str]:
    from common.sync.credentials import load_credential
    from common.sync.engine import SyncEngine
    from desktop.enrollment.flow import STEADY_PAGE_ROWS
    from desktop.startup import schema_revision

    credential = load_credential(data_dir, str(info.device_id))
    if credential is None:
        log.warning("this replica is enrolled but its sync credential is missing from the keyring")
        return None, "unavailable"
    schema = schema_revision(db) or ""
    client = ObservingClient(info.server_url, credential, schema)
    events = PokeClient(info.server_url, credential, schema)
    return SyncEngine(db, client, events_client=events, page_rows=STEADY_PAGE_ROWS), "running"
