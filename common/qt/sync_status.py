"""The sync engine seen from Qt: its plain events re-emitted on the GUI thread, and a status label.

`SyncStatusBridge(engine)` subscribes to the engine (whose callbacks run on its own threads) and
re-emits each event as a signal; Qt queues a signal emitted from another thread to the receiver's
thread, so slots run on the GUI thread. `SyncStatusWidget` shows online or offline, the changes
waiting to sync, open conflicts and the last sync, in the current language.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QLabel, QWidget

from common.i18n import N_
from common.qt.i18n import _, language, ngettext
from common.sync.engine import SyncEngine, SyncStatus

ONLINE = N_("Online")
OFFLINE = N_("Offline: changes are kept on this computer")
SYNCING = N_("Syncing…")
LAST_SYNC = N_("Last sync %(time)s")
PROGRESS = N_("Downloading the clinic's records: %(done)s of about %(total)s")
NOT_CONNECTED = N_("Local only: not connected to a server")


class SyncStatusBridge(QObject):
    """Engine events as signals, delivered on the thread this object lives in (the GUI thread)."""

    sig_status = Signal(object)  # SyncStatus
    sig_progress = Signal(int, int)  # rows done, rows expected
    sig_answer = Signal(object)  # MutationAnswer: a change the server applied, refused or put in the inbox
    sig_drift = Signal(list)  # tables whose checksums differed (a resnapshot follows)

    def __init__(self, engine: SyncEngine, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        engine.subscribe(self._on_event)

    def _on_event(self, event: str, payload: Any) -> None:
        if event == "status":
            self.sig_status.emit(payload)
        elif event == "progress":
            done, total = payload
            self.sig_progress.emit(int(done), int(total))
        elif event == "answer":
            self.sig_answer.emit(payload)
        elif event == "drift":
            self.sig_drift.emit(list(payload))


class SyncStatusWidget(QLabel):
    """A one-line status for a status bar; `attach(bridge)` to follow an engine."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self._status: SyncStatus | None = None
        self._progress: tuple[int, int] | None = None
        language().sig_language_changed.connect(self.retranslate)
        self.retranslate()

    def attach(self, bridge: SyncStatusBridge) -> None:
        bridge.sig_status.connect(self.show_status)
        bridge.sig_progress.connect(self.show_progress)
        self.show_status(bridge.engine.status)

    def show_status(self, status: SyncStatus) -> None:
        self._status = status
        if status.progress is None:
            self._progress = None
        self.retranslate()

    def show_progress(self, done: int, total: int) -> None:
        self._progress = (done, total)
        self.retranslate()

    def retranslate(self, _locale: str | None = None) -> None:
        self.setText(self.describe())

    def describe(self) -> str:
        status = self._status
        if status is None:
            return _(NOT_CONNECTED)
        if self._progress is not None and self._progress[0] < self._progress[1]:
            return _(PROGRESS, done=self._progress[0], total=self._progress[1])
        parts = [_(SYNCING) if status.syncing else _(ONLINE) if status.online else _(OFFLINE)]
        if status.pending:
            parts.append(
                ngettext(
                    "%(count)s change waiting to sync", "%(count)s changes waiting to sync", status.pending
                )
            )
        if status.conflicts:
            parts.append(
                ngettext("%(count)s conflict to resolve", "%(count)s conflicts to resolve", status.conflicts)
            )
        if status.rejected:
            parts.append(
                ngettext(
                    "%(count)s change refused by the server",
                    "%(count)s changes refused by the server",
                    status.rejected,
                )
            )
        if status.last_sync_at is not None:
            parts.append(_(LAST_SYNC, time=status.last_sync_at.astimezone().strftime("%H:%M")))
        return " · ".join(parts)
