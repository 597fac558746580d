"""The status bar: the sync state (online or offline, changes waiting, conflicts, last sync; "Local
only" on a replica that is not connected to a clinic's server), work in progress, who is signed in."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QStatusBar, QWidget

from common.access.permissions import Permission
from common.i18n import N_
from common.qt.i18n import _, language
from common.qt.icons import icon
from common.qt.theme import current_theme
from desktop import sync_bridge
from desktop.desk import Desk
from desktop.labels import label as value_label
from desktop.widgets.common import button

BUSY_AFTER_MS = 400  # short operations do not flash the indicator
LOCAL_ONLY = N_("Local only · nothing waiting to sync")
LOCAL_ONLY_TIP = N_(
    "This PC works on its own copy of the clinic's records. Connect it to the clinic's server to sync."
)
STARTING = N_("Connecting to the clinic's server…")
UNAVAILABLE = N_(
    "Not syncing: this PC's connection key is missing. Ask your administrator to connect it again."
)
SYNC_TIP = N_(
    "Changes made on this PC are kept here and sent to the clinic's server as soon as it can be "
    "reached. Click to sync now."
)


class LocalOnlyIndicator(QWidget):
    """What the sync indicator says while this PC is not connected to a clinic server."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.setSpacing(6)
        self.picture = QLabel()
        self.picture.setPixmap(icon("cloud").pixmap(16, 16))
        self.text = QLabel()
        self.text.setObjectName("sync_state")
        layout.addWidget(self.picture)
        layout.addWidget(self.text)
        language().sig_language_changed.connect(self._language_changed)
        self.retranslate()

    def _language_changed(self, _locale: str) -> None:
        self.retranslate()

    def retranslate(self) -> None:
        self.text.setText(_(LOCAL_ONLY))
        self.setToolTip(_(LOCAL_ONLY_TIP))


class SyncIndicator(QWidget):
    """The desk's sync, followed live: a cloud coloured by the state, the engine's one-line status
    (common/qt/sync_status.py), and, when the server sent conflicts back, a button to the inbox.
    A click on the status syncs now."""

    def __init__(self, desk: Desk, sync: sync_bridge.DeskSync, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from common.qt.sync_status import SyncStatusWidget

        self.desk = desk
        self.sync = sync
        self.setObjectName("sync_indicator")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.setSpacing(6)
        self.picture = QLabel()
        self.text = QLabel()
        self.text.setObjectName("sync_state")
        self.status = SyncStatusWidget()
        self.status.setObjectName("sync_status")
        self.conflicts: QPushButton = button(flat=True, on_click=self.open_inbox)
        self.conflicts.setObjectName("sync_conflicts_button")
        self.conflicts.hide()
        layout.addWidget(self.picture)
        layout.addWidget(self.text)
        layout.addWidget(self.status)
        layout.addWidget(self.conflicts)
        sync.sig_state.connect(self._state_changed)
        sync.sig_status.connect(self._status_changed)
        language().sig_language_changed.connect(self._language_changed)
        self._state_changed(sync.state)

    def _language_changed(self, _locale: str) -> None:
        self.retranslate()

    def _state_changed(self, state: str) -> None:
        if state == "running" and self.sync.bridge is not None:
            self.status.attach(self.sync.bridge)
        self.retranslate()

    def _status_changed(self, _status: object) -> None:
        self.retranslate()

    def retranslate(self) -> None:
        state = self.sync.state
        status = self.sync.status if state == "running" else None
        theme = current_theme()
        running = status is not None
        self.status.setVisible(running)
        self.text.setVisible(not running)
        if state == "local":
            self.text.setText(_(LOCAL_ONLY))
            self.setToolTip(_(LOCAL_ONLY_TIP))
            color = theme.text_muted
        elif state == "unavailable":
            self.text.setText(_(UNAVAILABLE))
            self.setToolTip("")
            color = theme.danger
        elif status is None:
            self.text.setText(_(STARTING))
            self.setToolTip("")
            color = theme.text_muted
        else:
            self.status.show_status(status)  # the newest, whichever signal arrived first
            self.setToolTip(_(SYNC_TIP))
            color = theme.success if status.online else theme.warning
        conflicts = status.conflicts if status is not None else 0
        if conflicts:
            color = theme.danger
        self.picture.setPixmap(icon("cloud", color).pixmap(16, 16))
        may_resolve = self.desk.can(Permission.APPOINTMENT_MANAGE)
        self.conflicts.setVisible(bool(conflicts) and may_resolve)
        self.conflicts.setText(_("Resolve conflicts (%(count)s)", count=conflicts))
        self.setAccessibleName(self.status.text() if running else self.text.text())

    def open_inbox(self) -> None:
        self.desk.navigate("conflicts")

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.sync.sync_now()
        super().mousePressEvent(event)


class StatusBar(QStatusBar):
    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        self.desk = desk
        sync = sync_bridge.desk_sync(desk.runner)
        self.sync: QWidget = SyncIndicator(desk, sync, self) if sync is not None else LocalOnlyIndicator(self)
        self.addWidget(self.sync)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setFixedWidth(120)
        self.busy.setFixedHeight(10)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.busy_text = QLabel()
        self.busy_text.hide()
        self.user = QLabel()
        self.user.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.addPermanentWidget(self.busy_text)
        self.addPermanentWidget(self.busy)
        self.addPermanentWidget(self.user)
        self._busy_timer = QTimer(self)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.setInterval(BUSY_AFTER_MS)
        self._busy_timer.timeout.connect(self._show_busy)
        desk.runner.sig_busy.connect(self._busy_changed)
        desk.sig_session_changed.connect(self._update_user)
        desk.sig_directory_changed.connect(self._update_user)
        language().sig_language_changed.connect(self._language_changed)
        self._update_user()

    def _language_changed(self, _locale: str) -> None:
        self._update_user()

    def _busy_changed(self, busy: bool) -> None:
        if busy:
            self._busy_timer.start()
        else:
            self._busy_timer.stop()
            self.busy.hide()
            self.busy_text.hide()

    def _show_busy(self) -> None:
        self.busy_text.setText(_("Working…"))
        self.busy_text.show()
        self.busy.show()

    def _update_user(self) -> None:
        session = self.desk.session
        if session is None:
            self.user.setText(self.desk.clinic.name)
            return
        name = self.desk.directory.staff_name(session.user_id)
        self.user.setText(f"{name} · {value_label(session.role)} · {self.desk.clinic.name}")
