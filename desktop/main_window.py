"""The window: navigation on the left, the current screen, the status bar; and the lock page that
covers everything while the desk is locked. Screens are built the first time they are opened."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from common.qt.i18n import _, language, language_choices
from common.qt.icons import icon
from desktop.desk import Desk
from desktop.labels import label as value_label
from desktop.lock import LockScreen
from desktop.screens.base import Screen
from desktop.screens.registry import ScreenRegistry, ScreenSpec
from desktop.status_bar import StatusBar
from desktop.widgets.common import button, label

KEY_ROLE = int(Qt.ItemDataRole.UserRole) + 10


class MainWindow(QMainWindow):
    sig_lock_requested = Signal()
    sig_sign_out_requested = Signal()
    sig_closing = Signal()
    sig_scan_with_camera = Signal()

    def __init__(self, desk: Desk, registry: ScreenRegistry) -> None:
        super().__init__()
        self.setObjectName("main_window")
        self.desk = desk
        self.registry = registry
        self.screens: dict[str, Screen] = {}
        self._specs: list[ScreenSpec] = []
        self.setMinimumSize(QSize(1100, 700))

        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.nav.currentRowChanged.connect(self._nav_row_changed)
        self.brand = label(desk.clinic.name)
        self.brand.setObjectName("navBrand")
        self.brand.setWordWrap(True)
        self.user_line = label("", "muted", wrap=True)
        self.language_picker = QComboBox()
        self.language_picker.setObjectName("language_picker")
        for locale, name in language_choices():
            self.language_picker.addItem(name, locale)
        self.language_picker.currentIndexChanged.connect(self._language_picked)
        self.camera_button = button(icon_name="scan", flat=True, on_click=self.scan_with_camera)
        self.camera_button.setObjectName("scan_camera_button")
        self.lock_button = button(icon_name="lock", on_click=self.sig_lock_requested.emit)
        self.lock_button.setObjectName("lock_button")
        self.sign_out_button = button(
            icon_name="logout", flat=True, on_click=self.sig_sign_out_requested.emit
        )
        self.sign_out_button.setObjectName("sign_out_button")

        panel = QWidget()
        panel.setObjectName("navPanel")
        panel.setFixedWidth(232)
        panel_layout = QVBoxLayout(panel)
        panel_layout.setContentsMargins(10, 16, 10, 12)
        panel_layout.setSpacing(6)
        panel_layout.addWidget(self.brand)
        panel_layout.addWidget(self.nav, 1)
        panel_layout.addWidget(self.user_line)
        panel_layout.addWidget(self.camera_button)
        panel_layout.addWidget(self.language_picker)
        panel_layout.addWidget(self.lock_button)
        panel_layout.addWidget(self.sign_out_button)
        self.nav.setStyleSheet("QListWidget#nav { border: none; padding: 0; }")

        self.stack = QStackedWidget()
        workspace = QWidget()
        row = QHBoxLayout(workspace)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(panel)
        row.addWidget(self.stack, 1)

        self.lock_screen = LockScreen()
        self.pages = QStackedWidget()
        self.pages.addWidget(workspace)
        self.pages.addWidget(self.lock_screen)
        self.setCentralWidget(self.pages)
        self.status = StatusBar(desk)
        self.setStatusBar(self.status)

        self._shortcuts: list[QShortcut] = []
        self._add_shortcut("Ctrl+F", self.find_here)
        self._add_shortcut("Ctrl+N", self.new_here)
        self._add_shortcut("F5", self.refresh_current)
        self._add_shortcut("Ctrl+R", self.refresh_current)
        self._add_shortcut("Ctrl+L", self.sig_lock_requested.emit)
        self._add_shortcut("Ctrl+Shift+S", self.scan_with_camera)
        for number in range(1, 10):
            self._add_shortcut(f"Ctrl+{number}", partial(self.go_to_number, number))

        desk.sig_navigate.connect(self.go)
        desk.sig_session_changed.connect(self._session_changed)
        desk.sig_directory_changed.connect(self._update_user_line)
        language().sig_language_changed.connect(self._language_changed)
        self._sync_language_picker()
        self._session_changed()
        self.retranslate()

    # -- navigation -------------------------------------------------------------------------------

    def build_navigation(self) -> None:
        """The screens the signed-in role may use, in registry order."""
        self._specs = self.registry.visible_to(self.desk) if self.desk.signed_in else []
        self.nav.blockSignals(True)
        self.nav.clear()
        for number, spec in enumerate(self._specs, start=1):
            item = QListWidgetItem(icon(spec.icon), _(spec.title))
            item.setData(KEY_ROLE, spec.key)
            if number <= 9:
                item.setToolTip(f"{_(spec.title)} (Ctrl+{number})")
            item.setSizeHint(QSize(0, 40))
            self.nav.addItem(item)
        self.nav.blockSignals(False)

    def go(self, key: str, args: Mapping[str, Any] | None = None) -> None:
        spec = next((spec for spec in self._specs if spec.key == key), None)
        if spec is None:
            return
        screen = self.screens.get(key)
        if screen is None:
            screen = spec.factory(self.desk)
            screen.setObjectName(f"screen_{key}")
            self.screens[key] = screen
            self.stack.addWidget(screen)
        self.stack.setCurrentWidget(screen)
        row = self._specs.index(spec)
        if self.nav.currentRow() != row:
            self.nav.blockSignals(True)
            self.nav.setCurrentRow(row)
            self.nav.blockSignals(False)
        screen.activate(dict(args or {}))

    def go_to_number(self, number: int) -> None:
        if 0 < number <= len(self._specs):
            self.go(self._specs[number - 1].key)

    def current_screen(self) -> Screen | None:
        widget = self.stack.currentWidget()
        return widget if isinstance(widget, Screen) else None

    def current_key(self) -> str | None:
        screen = self.current_screen()
        return next((key for key, value in self.screens.items() if value is screen), None)

    def find_here(self) -> None:
        """Ctrl+F: the current screen's own search when it has one, else the patient search."""
        current = self.current_screen()
        if self.locked or current is None or not current.focus_search():
            self.find_patient()

    def new_here(self) -> None:
        """Ctrl+N: the current screen's own "new" action when it has one, else a new booking."""
        current = self.current_screen()
        if self.locked or current is None or not current.new_item():
            self.new_booking()

    def find_patient(self) -> None:
        if self.locked:
            return
        self.go("patients")
        screen = self.screens.get("patients")
        if screen is not None:
            screen.focus_search()

    def new_booking(self) -> None:
        if self.locked:
            return
        self.go("calendar")
        screen = self.screens.get("calendar")
        if screen is not None:
            screen.new_item()

    def scan_with_camera(self) -> None:
        """Ctrl+Shift+S: read a code with this PC's webcam (desktop/camera_scan.py)."""
        if not self.locked:
            self.sig_scan_with_camera.emit()

    def refresh_current(self) -> None:
        screen = self.current_screen()
        if screen is not None and not self.locked:
            screen.reload()

    def _nav_row_changed(self, row: int) -> None:
        if 0 <= row < len(self._specs):
            self.go(self._specs[row].key)

    # -- lock ----------------------------------------------------------------------------------

    @property
    def locked(self) -> bool:
        return self.pages.currentWidget() is self.lock_screen

    def show_lock(self) -> None:
        name = self.desk.directory.staff_name(self.desk.session.user_id) if self.desk.session else ""
        self.lock_screen.prepare(name)
        self.pages.setCurrentWidget(self.lock_screen)
        self.lock_screen.password.setFocus()

    def show_workspace(self) -> None:
        self.pages.setCurrentIndex(0)
        screen = self.current_screen()
        if screen is not None:
            screen.setFocus()

    # -- language and session ---------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(_("%(clinic)s · Front desk", clinic=self.desk.clinic.name))
        for number in range(self.nav.count()):
            item = self.nav.item(number)
            spec = self._specs[number]
            item.setText(_(spec.title))
            if number < 9:
                item.setToolTip(f"{_(spec.title)} (Ctrl+{number + 1})")
        self.nav.setAccessibleName(_("Screens"))
        self.language_picker.setAccessibleName(_("Language"))
        self.language_picker.setToolTip(_("Language"))
        self.lock_button.setText(_("Lock"))
        self.lock_button.setToolTip(_("Lock the desk (Ctrl+L)"))
        self.camera_button.setText(_("Scan with camera"))
        self.camera_button.setToolTip(_("Read a card or label with this PC's camera (Ctrl+Shift+S)"))
        self.sign_out_button.setText(_("Sign out"))
        self._update_user_line()

    def _session_changed(self) -> None:
        current = self.current_key()
        self.build_navigation()
        self._update_user_line()
        if self.desk.signed_in and self._specs:
            self.go(current if current and any(s.key == current for s in self._specs) else self._specs[0].key)

    def _update_user_line(self) -> None:
        session = self.desk.session
        if session is None:
            self.user_line.setText("")
            return
        name = self.desk.directory.staff_name(session.user_id)
        self.user_line.setText(f"{name}\n{value_label(session.role)}" if name else value_label(session.role))

    def _language_picked(self, index: int) -> None:
        locale = self.language_picker.itemData(index)
        if isinstance(locale, str):
            language().set_locale(locale)

    def _sync_language_picker(self) -> None:
        index = self.language_picker.findData(language().locale)
        self.language_picker.blockSignals(True)
        self.language_picker.setCurrentIndex(max(0, index))
        self.language_picker.blockSignals(False)

    def _language_changed(self, _locale: str) -> None:
        # A bound method, not a lambda: Qt drops the connection when this window is destroyed.
        self._sync_picker_quietly()
        self.retranslate()

    def _sync_picker_quietly(self) -> None:
        index = self.language_picker.findData(language().locale)
        if index != self.language_picker.currentIndex():
            self.language_picker.blockSignals(True)
            self.language_picker.setCurrentIndex(index)
            self.language_picker.blockSignals(False)

    def _add_shortcut(self, keys: str, handler: Callable[[], Any]) -> None:
        shortcut = QShortcut(QKeySequence(keys), self)
        shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(handler)
        self._shortcuts.append(shortcut)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.sig_closing.emit()
        super().closeEvent(event)
