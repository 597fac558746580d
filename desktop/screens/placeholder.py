"""A screen registered by name whose page is not built yet: it says so, calmly."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from common.qt.i18n import _
from desktop.desk import Desk
from desktop.screens.base import Screen
from desktop.widgets.common import EmptyState


class PlaceholderScreen(Screen):
    def __init__(self, desk: Desk, title: str, icon_name: str, parent: QWidget | None = None) -> None:
        super().__init__(desk, parent)
        self._title = title
        self.layout_.addWidget(self.title)
        self.empty = EmptyState(icon_name)
        self.layout_.addWidget(self.empty, 1)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(_(self._title))
        self.empty.set_text(_("This part of the desk is being built. Everything else works as usual."))
