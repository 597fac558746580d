"""What every kiosk screen has."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QWidget

from kiosk.theme import Metrics


class Screen(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.metrics = Metrics(1920, 1080)
        self.language = "en"

    def present(self, state: Any, locale: str) -> None:
        """Show `state` in `locale` (every text set anew: nothing stays from before)."""
        self.language = locale

    def retranslate(self, locale: str) -> None:
        self.language = locale

    def clear(self) -> None:
        """Forget every personal detail: labels and fields that could hold one are emptied."""
        for field in self.findChildren(QLineEdit):
            field.clear()

    def apply_metrics(self, metrics: Metrics) -> None:
        self.metrics = metrics
        margin = metrics.px(72 if metrics.portrait else 96)
        top = metrics.px(56 if metrics.portrait else 40)
        self.grid.setContentsMargins(margin, top, margin, metrics.px(40))
        self.grid.setHorizontalSpacing(metrics.px(72))
        self.grid.setVerticalSpacing(metrics.px(24))

    def relayout(self) -> None:
        """Lay the screen out again for its new texts (QGridLayout keeps a stale height-for-width
        for a wrapped label whose text changed while the screen was hidden)."""
        for item in self.findChildren(QLabel):
            item.updateGeometry()
        self.grid.invalidate()
        self.grid.activate()

    def reset_grid(self) -> None:
        """Take every widget out of the grid (before placing them for another orientation).

        removeWidget, not takeAt: it deletes the widget's layout item, and a widget keeps a
        pointer to its first item to invalidate that item's cached height-for-width; an item
        left alive would keep that pointer and the new item's cache would never be refreshed.
        """
        for index in reversed(range(self.grid.count())):
            item = self.grid.itemAt(index)
            if item is None:
                continue
            widget, layout = item.widget(), item.layout()
            if widget is not None:
                self.grid.removeWidget(widget)
            elif layout is not None:
                self.grid.removeItem(layout)
        for row in range(self.grid.rowCount()):
            self.grid.setRowStretch(row, 0)
            self.grid.setRowMinimumHeight(row, 0)
        for column in range(self.grid.columnCount()):
            self.grid.setColumnStretch(column, 0)


def blank(*labels: QLabel) -> None:
    for item in labels:
        item.clear()
