"""Checked in: a warm confirmation that closes itself."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QWidget

from common.checkin.flow import Done
from common.i18n import translate
from kiosk import strings
from kiosk.screens.base import Screen, blank
from kiosk.screens.found import AppointmentCard
from kiosk.theme import Metrics
from kiosk.widgets import button, label


class DoneScreen(Screen):
    sig_done = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.icon = label("icon-ok", "✓", wrap=False, align=Qt.AlignmentFlag.AlignCenter)
        self.title = label("title", align=Qt.AlignmentFlag.AlignHCenter)
        self.title.setObjectName("done-title")
        self.lead = label("lead", align=Qt.AlignmentFlag.AlignHCenter)
        self.card = AppointmentCard()
        self.done = button("primary")
        self.done.setObjectName("done")
        self.done.clicked.connect(self.sig_done.emit)
        self.apply_metrics(self.metrics)

    def present(self, state: Any, locale: str) -> None:
        super().present(state, locale)
        assert isinstance(state, Done)
        self.title.setText(translate(strings.DONE_TITLE, locale, name=state.appointment.first_name))
        self.lead.setText(translate(strings.DONE_LEAD, locale))
        self.card.show_appointment(state.appointment, locale)
        self.done.setText(translate(strings.DONE_BUTTON, locale))

    def clear(self) -> None:
        super().clear()
        blank(self.title)
        self.card.clear()

    def apply_metrics(self, metrics: Metrics) -> None:
        super().apply_metrics(metrics)
        self.reset_grid()
        px, grid = metrics.px, self.grid
        icon = px(180 if metrics.portrait else 140)
        self.icon.setFixedSize(icon, icon)
        self.title.setProperty("role", "title" if metrics.portrait else "headline")
        self.card.apply_metrics(metrics)
        self.card.setMinimumWidth(min(px(900), metrics.width - 2 * px(96)))
        self.done.setMinimumWidth(px(420))
        center = Qt.AlignmentFlag.AlignHCenter
        grid.addWidget(self.icon, 1, 0, center)
        grid.addWidget(self.title, 2, 0)
        grid.addWidget(self.lead, 3, 0)
        grid.addWidget(self.card, 4, 0, center)
        grid.addWidget(self.done, 6, 0, center)
        grid.setRowStretch(0, 2)
        grid.setRowStretch(5, 1)
        grid.setRowStretch(7, 2)
