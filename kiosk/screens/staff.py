"""Staff only: the PIN that lets the kiosk leave full-screen kiosk mode."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLineEdit, QWidget

from common.i18n import translate
from kiosk import strings
from kiosk.screens.base import Screen
from kiosk.theme import Metrics
from kiosk.widgets import Keypad, Notice, button, button_row, digits_field, label

MAX_PIN = 12


class StaffScreen(Screen):
    sig_pin = Signal(str)
    sig_cancel = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = label("headline")
        self.lead = label("lead")
        self.error = Notice()
        self.error.hide()
        self.pin = digits_field(MAX_PIN)
        self.pin.setObjectName("pin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.returnPressed.connect(self._submit)
        self.keypad = Keypad()
        self.keypad.type_into(self.pin)
        self.cancel = button("secondary")
        self.cancel.clicked.connect(self.sig_cancel.emit)
        self.leave = button("primary")
        self.leave.setObjectName("leave")
        self.leave.clicked.connect(self._submit)
        self.buttons = button_row(self.cancel, self.leave)
        self.apply_metrics(self.metrics)

    def _submit(self) -> None:
        pin = self.pin.text()
        self.pin.clear()  # the PIN stays in no widget
        if pin:
            self.sig_pin.emit(pin)

    def show_error(self, msgid: str) -> None:
        self.error.setText(translate(msgid, self.language))
        self.error.show()

    def retranslate(self, locale: str) -> None:
        super().retranslate(locale)
        self.title.setText(translate(strings.STAFF_TITLE, locale))
        self.lead.setText(translate(strings.STAFF_LEAD, locale))
        self.cancel.setText(translate(strings.CANCEL, locale))
        self.leave.setText(translate(strings.STAFF_EXIT, locale))
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
        self.keypad.setFixedWidth(min(px(620), metrics.width - 2 * px(72)))
        self.pin.setMaximumWidth(px(520))
        grid.addWidget(self.title, 0, 0)
        grid.addWidget(self.lead, 1, 0)
        grid.addWidget(self.error, 2, 0)
        grid.addWidget(self.pin, 3, 0, Qt.AlignmentFlag.AlignHCenter)
        grid.addWidget(self.keypad, 4, 0, Qt.AlignmentFlag.AlignHCenter)
        grid.addLayout(self.buttons, 6, 0)
        grid.setRowStretch(5, 1)
