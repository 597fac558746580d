"""Several people share the last name and birthday: the last 4 digits of the phone decide."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QWidget

from common.checkin.flow import EnterPhoneDigits
from common.checkin.lookup import PHONE_DIGITS
from common.i18n import translate
from kiosk import strings
from kiosk.screens.base import Screen
from kiosk.theme import Metrics
from kiosk.widgets import Keypad, Notice, button, button_row, digits_field, label


class PhoneScreen(Screen):
    sig_submit = Signal(str)
    sig_back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = label("headline")
        self.lead = label("lead")
        self.error = Notice()
        self.error.hide()
        self.digits = digits_field(PHONE_DIGITS)
        self.digits.setObjectName("phone-digits")
        self.digits.returnPressed.connect(self._submit)
        self.keypad = Keypad()
        self.keypad.type_into(self.digits)
        self.back = button("secondary")
        self.back.clicked.connect(self.sig_back.emit)
        self.submit = button("primary")
        self.submit.setObjectName("submit")
        self.submit.clicked.connect(self._submit)
        self.buttons = button_row(self.back, self.submit)
        self.apply_metrics(self.metrics)

    def _submit(self) -> None:
        digits = self.digits.text()
        if len(digits) == PHONE_DIGITS and digits.isdigit():
            self.sig_submit.emit(digits)

    def present(self, state: Any, locale: str) -> None:
        self.retranslate(locale)
        error = state.error if isinstance(state, EnterPhoneDigits) else None
        if error is not None:
            self.digits.clear()
            self.error.setText(error.title(locale) + "\n" + error.message(locale))
        self.error.setVisible(error is not None)
        self.lead.setVisible(error is None)  # the error says what to do instead
        self.digits.setFocus()

    def retranslate(self, locale: str) -> None:
        super().retranslate(locale)
        self.title.setText(translate(strings.PHONE_TITLE, locale))
        self.lead.setText(translate(strings.PHONE_LEAD, locale))
        self.digits.setPlaceholderText("• • • •")
        self.back.setText(translate(strings.BACK, locale))
        self.submit.setText(translate(strings.CONTINUE, locale))
        self.keypad.retranslate(locale)

    def clear(self) -> None:
        super().clear()
        self.error.clear()
        self.error.hide()

    def apply_metrics(self, metrics: Metrics) -> None:
        super().apply_metrics(metrics)
        self.reset_grid()
        self.error.set_padding(metrics.px(14), metrics.px(24))
        px, grid = metrics.px, self.grid
        self.keypad.set_spacing(px(14))
        self.keypad.setFixedWidth(min(px(700), metrics.width - 2 * px(72)))
        self.digits.setMaximumWidth(px(520))
        self.submit.setMinimumWidth(px(360))
        self.back.setMinimumWidth(px(240))
        center = Qt.AlignmentFlag.AlignHCenter
        if metrics.portrait:
            grid.addWidget(self.title, 0, 0)
            grid.addWidget(self.lead, 1, 0)
            grid.addWidget(self.error, 2, 0)
            grid.addWidget(self.digits, 3, 0, center)
            grid.addWidget(self.keypad, 4, 0, center)
            grid.addLayout(self.buttons, 6, 0)
            grid.setRowStretch(5, 1)
        else:
            grid.addWidget(self.title, 0, 0)
            grid.addWidget(self.lead, 1, 0)
            grid.addWidget(self.error, 2, 0)
            grid.addWidget(self.digits, 3, 0, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            grid.addWidget(self.keypad, 0, 1, 5, 1, Qt.AlignmentFlag.AlignVCenter)
            grid.addLayout(self.buttons, 5, 0, 1, 2)
            grid.setRowStretch(4, 1)
            grid.setColumnStretch(0, 5)
            grid.setColumnStretch(1, 4)
