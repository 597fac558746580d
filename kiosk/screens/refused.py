"""Why check-in cannot go ahead, kindly, with what to do next."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QWidget

from common.checkin.errors import RefusalKind
from common.checkin.flow import Refused
from common.i18n import translate
from kiosk import strings
from kiosk.screens.base import Screen, blank
from kiosk.theme import Metrics
from kiosk.widgets import button, label

# Refusals after which checking in by name and date of birth is worth offering.
OFFER_NO_CODE = frozenset(
    {RefusalKind.CODE_NOT_RECOGNISED, RefusalKind.CODE_NO_LONGER_VALID, RefusalKind.CODE_UNREADABLE}
)


class RefusedScreen(Screen):
    sig_back = Signal()
    sig_no_code = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.icon = label("icon-warn", "!", wrap=False, align=Qt.AlignmentFlag.AlignCenter)
        self.title = label("headline", align=Qt.AlignmentFlag.AlignHCenter)
        self.title.setObjectName("refusal-title")
        self.message = label("lead", align=Qt.AlignmentFlag.AlignHCenter)
        self.message.setObjectName("refusal-message")
        self.back = button("primary")
        self.back.setObjectName("start-over")
        self.back.clicked.connect(self.sig_back.emit)
        self.no_code = button("secondary")
        self.no_code.setObjectName("no-code")
        self.no_code.clicked.connect(self.sig_no_code.emit)
        self.buttons = QHBoxLayout()
        self.apply_metrics(self.metrics)

    def present(self, state: Any, locale: str) -> None:
        super().present(state, locale)
        assert isinstance(state, Refused)
        refusal = state.refusal
        self.title.setText(refusal.title(locale))
        self.message.setText(refusal.message(locale))
        self.back.setText(translate(strings.TRY_AGAIN if refusal.retry else strings.START_OVER, locale))
        self.no_code.setText(translate(strings.NO_CODE, locale))
        self.no_code.setVisible(refusal.kind in OFFER_NO_CODE)

    def clear(self) -> None:
        super().clear()
        blank(self.title, self.message)

    def apply_metrics(self, metrics: Metrics) -> None:
        super().apply_metrics(metrics)
        self.reset_grid()
        px, grid = metrics.px, self.grid
        icon = px(180 if metrics.portrait else 140)
        self.icon.setFixedSize(icon, icon)
        # A readable line: at most about 60 characters wide, centred.
        side = max(0, (metrics.width - px(1400)) // 2 - self.grid.contentsMargins().left())
        self.message.setContentsMargins(side, 0, side, 0)
        for item in (self.back, self.no_code):
            item.setMinimumWidth(px(420))
        for item in (self.back, self.no_code):
            self.buttons.removeWidget(item)
        while self.buttons.count():  # stretches
            self.buttons.takeAt(0)
        self.buttons.setSpacing(px(36))
        self.buttons.addStretch(1)
        self.buttons.addWidget(self.back)
        self.buttons.addWidget(self.no_code)
        self.buttons.addStretch(1)
        self.buttons.setDirection(
            QHBoxLayout.Direction.TopToBottom if metrics.portrait else QHBoxLayout.Direction.LeftToRight
        )
        center = Qt.AlignmentFlag.AlignHCenter
        grid.addWidget(self.icon, 1, 0, center)
        grid.addWidget(self.title, 2, 0)
        grid.addWidget(self.message, 3, 0)
        grid.addLayout(self.buttons, 5, 0)
        grid.setRowStretch(0, 2)
        grid.setRowStretch(4, 1)
        grid.setRowStretch(6, 2)
