"""The status bar: sync state (online/offline, waiting changes, last sync; "Local only" until the
sync engine lands), work in progress, who is signed in."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QStatusBar, QWidget

from common.qt.i18n import _, language
from common.qt.icons import icon
from desktop import sync_bridge
from desktop.desk import Desk
from desktop.labels import label as value_label

BUSY_AFTER_MS = 400  # short operations do not flash the indicator


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
        self.text.setText(_("Local only · nothing waiting to sync"))
        self.setToolTip(
            _(
                "This PC works on its own copy of the clinic's records. "
                "Connect it to the clinic's server to sync."
            )
        )


class StatusBar(QStatusBar):
    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        self.desk = desk
        self.sync = sync_bridge.status_widget(self) or LocalOnlyIndicator(self)
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
