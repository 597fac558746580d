"""What every screen is: a widget that knows its desk, re-translates itself when the language
changes, and refreshes itself when a table it shows has changed (marking itself stale while hidden).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from PySide6.QtWidgets import QVBoxLayout, QWidget

from common.qt.i18n import language
from desktop.desk import Desk
from desktop.widgets.common import MARGIN, SPACING, label


class Screen(QWidget):
    # The tables whose changes this screen shows; a change to one refreshes it.
    watches: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self._stale = True
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(MARGIN + 4, MARGIN, MARGIN + 4, MARGIN)
        self.layout_.setSpacing(SPACING + 2)
        self.title = label("", "title")
        self.title.setObjectName("screen_title")
        language().sig_language_changed.connect(self._language_changed)
        desk.runner.sig_changed.connect(self._tables_changed)
        desk.sig_directory_changed.connect(self.directory_changed)

    # -- for subclasses ----------------------------------------------------------------------

    def retranslate(self) -> None:
        """Set every text from its msgid (called once built and on every language change)."""

    def refresh(self) -> None:
        """Load what the screen shows (on the worker) and show it when it arrives."""

    def activate(self, args: Mapping[str, Any]) -> None:
        """Navigated to, maybe with arguments (e.g. a patient to open)."""
        if self._stale:
            self.reload()

    def directory_changed(self) -> None:
        """The doctors', staff or catalog names changed."""

    def focus_search(self) -> bool:
        """Put the cursor in this screen's search field, if it has one."""
        return False

    def new_item(self) -> bool:
        """Start this screen's main "new" action (Ctrl+N), if it has one."""
        return False

    # -- the machinery ------------------------------------------------------------------------

    def reload(self) -> None:
        self._stale = False
        if self.desk.signed_in:
            self.refresh()

    def _language_changed(self, _locale: str) -> None:
        self.retranslate()

    def _tables_changed(self, tables: frozenset[str]) -> None:
        if not (tables & self.watches):
            return
        if self.isVisible():
            self.reload()
        else:
            self._stale = True
