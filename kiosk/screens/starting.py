"""While the kiosk opens its database (and, for the demo, builds it): what is happening."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressBar, QWidget

from common.i18n import translate
from kiosk import strings
from kiosk.screens.base import Screen
from kiosk.theme import Metrics
from kiosk.widgets import label


class StartingScreen(Screen):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = label("headline", align=Qt.AlignmentFlag.AlignHCenter)
        self.detail = label("body", align=Qt.AlignmentFlag.AlignHCenter)
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setTextVisible(False)
        self._step = ""
        self.apply_metrics(self.metrics)

    def set_progress(self, step: str, fraction: float) -> None:
        self._step = step
        self.bar.setValue(round(fraction * 100))
        self.detail.setText(translate(step, self.language) if step else "")

    def show_failure(self) -> None:
        self.title.setText(translate(strings.START_FAILED, self.language))
        self.bar.hide()

    def retranslate(self, locale: str) -> None:
        super().retranslate(locale)
        self.title.setText(translate(strings.STARTING, locale))
        self.detail.setText(translate(self._step, locale) if self._step else "")

    def apply_metrics(self, metrics: Metrics) -> None:
        super().apply_metrics(metrics)
        self.reset_grid()
        self.bar.setFixedWidth(min(metrics.px(900), metrics.width - 2 * metrics.px(96)))
        self.grid.addWidget(self.title, 1, 0)
        self.grid.addWidget(self.bar, 2, 0, Qt.AlignmentFlag.AlignHCenter)
        self.grid.addWidget(self.detail, 3, 0)
        self.grid.setRowStretch(0, 1)
        self.grid.setRowStretch(4, 1)
