"""Settings: a list of sections on the left, the chosen section's page on the right.

Each page saves on its own (Save, Ctrl+S). Leaving a page with unsaved changes asks first: save,
discard, or keep editing. Leaving the screen keeps the edits where they are, marked unsaved, for
when the person comes back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QStackedWidget, QWidget

from common.qt.i18n import _
from common.qt.icons import icon
from common.qt.theme import current_theme
from desktop.desk import Desk
from desktop.screens.base import Screen
from desktop.screens.settings.booking import BookingRulesPage
from desktop.screens.settings.clinic import ClinicPage
from desktop.screens.settings.desk_language import LanguagePage
from desktop.screens.settings.devices import DevicesPage
from desktop.screens.settings.kiosk import KioskPage
from desktop.screens.settings.notifications import NotificationsPage
from desktop.screens.settings.page import SettingsPage, ask_to_leave
from desktop.screens.settings.printing import PrintingPage
from desktop.screens.settings.schedules import SchedulesPage
from desktop.widgets.common import add_shortcut_action

PAGES: tuple[type[SettingsPage], ...] = (
    ClinicPage,
    SchedulesPage,
    BookingRulesPage,
    KioskPage,
    NotificationsPage,
    PrintingPage,
    DevicesPage,
    LanguagePage,
)


class SettingsScreen(Screen):
    # Each page decides what to reload (a page being edited keeps its edits): see _pages_tables_changed.
    watches = frozenset()
    page_watches = frozenset(
        {
            "clinics",
            "doctor_schedules",
            "doctor_time_off",
            "arrival_questions",
            "notification_preferences",
            "print_settings",
            "staff_users",
        }
    )

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(desk, parent)
        self.sections = QListWidget()
        self.sections.setObjectName("settings_sections")
        self.sections.setFixedWidth(230)
        self.sections.setIconSize(QSize(18, 18))
        self.sections.setStyleSheet(_sections_style())
        self.stack = QStackedWidget()
        # Pages are built the first time they are shown: opening Settings builds one.
        self.pages: dict[str, SettingsPage] = {}
        self.keys = [page_class.key for page_class in PAGES]
        for page_class in PAGES:
            item = QListWidgetItem(icon(page_class.icon_name), "")
            item.setData(Qt.ItemDataRole.UserRole, page_class.key)
            item.setSizeHint(QSize(0, 40))
            self.sections.addItem(item)
        self.sections.setCurrentRow(0)
        self.sections.currentRowChanged.connect(self._section_picked)
        self._row = 0
        self._page(0)

        row = QHBoxLayout()
        row.setSpacing(20)
        row.addWidget(self.sections)
        row.addWidget(self.stack, 1)
        self.layout_.addWidget(self.title)
        self.layout_.addLayout(row, 1)
        add_shortcut_action(self, "Ctrl+S", self.save_current)
        desk.runner.sig_changed.connect(self._pages_tables_changed)
        self.retranslate()

    # -- the screen --------------------------------------------------------------------------------

    def _page(self, row: int) -> SettingsPage:
        key = self.keys[row]
        page = self.pages.get(key)
        if page is None:
            page = PAGES[row](self.desk)
            self.pages[key] = page
            self.stack.addWidget(page)
            page.sig_dirty_changed.connect(lambda _dirty, key=key: self._mark(key))
            page.retranslate()
            if self.desk.signed_in and not self._stale:
                page.load()
        return page

    def retranslate(self) -> None:
        self.title.setText(_("Settings"))
        self.sections.setAccessibleName(_("Settings sections"))
        for page in self.pages.values():
            page.retranslate()
        for key in self.keys:
            self._mark(key)

    def refresh(self) -> None:
        for page in self.pages.values():
            page.load()

    def activate(self, args: Mapping[str, Any]) -> None:
        super().activate(args)
        wanted = args.get("section")
        if isinstance(wanted, str) and wanted in self.keys:
            self.show_section(wanted)

    def _pages_tables_changed(self, tables: frozenset[str]) -> None:
        if not self.desk.signed_in or not tables & self.page_watches:
            return
        if not self.isVisible():
            self._stale = True
            return
        for page in self.pages.values():
            page.tables_changed(tables)

    # -- sections ----------------------------------------------------------------------------------

    @property
    def current_page(self) -> SettingsPage:
        page = self.stack.currentWidget()
        assert isinstance(page, SettingsPage)
        return page

    def show_section(self, key: str) -> None:
        self.sections.setCurrentRow(self.keys.index(key))

    def save_current(self) -> None:
        self.current_page.save()

    def _section_picked(self, row: int) -> None:
        if row == self._row or row < 0:
            return
        leaving = self.current_page
        if not leaving.dirty:
            self._go(row)
            return
        self._put_back_selection()

        def save() -> None:
            leaving.save(on_done=lambda: self._go(row))

        def discard() -> None:
            leaving.revert()
            self._go(row)

        ask_to_leave(self, save, discard, leaving.setFocus)

    def _go(self, row: int) -> None:
        self._row = row
        self._put_back_selection()
        self.stack.setCurrentWidget(self._page(row))

    def _put_back_selection(self) -> None:
        self.sections.blockSignals(True)
        self.sections.setCurrentRow(self._row)
        self.sections.blockSignals(False)

    def _mark(self, key: str) -> None:
        """A section with unsaved changes says so in the list."""
        row = self.keys.index(key)
        page = self.pages.get(key)
        dirty = page is not None and page.dirty
        item = self.sections.item(row)
        title = _(PAGES[row].title_msgid)
        item.setText(f"{title}  •" if dirty else title)
        item.setToolTip(_("Unsaved changes") if dirty else "")


def _sections_style() -> str:
    t = current_theme()
    return f"""
QListWidget#settings_sections {{
    background: {t.surface}; border: 1px solid {t.border}; border-radius: 10px; padding: 6px; outline: 0;
}}
QListWidget#settings_sections::item {{
    padding: 8px 10px; margin: 1px 0; border-radius: 7px; color: {t.text};
}}
QListWidget#settings_sections::item:hover {{ background: {t.surface_alt}; }}
QListWidget#settings_sections::item:selected {{
    background: {t.accent_soft}; color: {t.text}; font-weight: 600;
}}
"""
