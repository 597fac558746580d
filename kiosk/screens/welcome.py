"""Welcome: "Scan your code", the camera's picture with a guide box, and "No code?"."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from common.i18n import translate
from kiosk import strings
from kiosk.screens.base import Screen
from kiosk.theme import Metrics
from kiosk.widgets import CameraView, Heading, button, label


class WelcomeScreen(Screen):
    sig_no_code = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = Heading("title")
        self.hint = label("lead")
        self.camera = CameraView()
        self.no_code_hint = label("body")
        self.no_code = button("secondary")
        self.no_code.setObjectName("no-code")
        self.no_code.clicked.connect(self.sig_no_code.emit)
        self.camera_available = True
        self.apply_metrics(self.metrics)

    def set_camera_available(self, available: bool) -> None:
        self.camera_available = available
        self.retranslate(self.language)

    def show_frame(self, image: QImage | None) -> None:
        self.camera.set_image(image)

    def present(self, state: Any, locale: str) -> None:
        self.retranslate(locale)

    def retranslate(self, locale: str) -> None:
        super().retranslate(locale)
        self.title.setText(translate(strings.SCAN_TITLE, locale))
        hint = strings.SCAN_HINT if self.camera_available else strings.SCAN_HINT_NO_CAMERA
        self.hint.setText(translate(hint, locale))
        self.camera.set_message("" if self.camera_available else translate(strings.CAMERA_OFF, locale))
        self.no_code_hint.setText(translate(strings.NO_CODE_HINT, locale))
        self.no_code.setText(translate(strings.NO_CODE, locale))

    def clear(self) -> None:
        super().clear()
        self.camera.set_image(None)

    def apply_metrics(self, metrics: Metrics) -> None:
        super().apply_metrics(metrics)
        self.reset_grid()
        grid, px = self.grid, metrics.px
        self.no_code.setMinimumWidth(px(520))
        if metrics.portrait:
            self.title.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            self.hint.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            self.no_code_hint.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            grid.addWidget(self.title, 0, 0)
            grid.addWidget(self.hint, 1, 0)
            grid.addWidget(self.camera, 2, 0)
            grid.addWidget(self.no_code_hint, 3, 0)
            grid.addWidget(self.no_code, 4, 0, Qt.AlignmentFlag.AlignHCenter)
            grid.setRowStretch(2, 1)
            grid.setRowMinimumHeight(2, px(820))
        else:
            for item in (self.title, self.hint, self.no_code_hint):
                item.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(self.title, 0, 0, Qt.AlignmentFlag.AlignBottom)
            grid.addWidget(self.hint, 1, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(self.no_code_hint, 3, 0, Qt.AlignmentFlag.AlignBottom)
            grid.addWidget(self.no_code, 4, 0, Qt.AlignmentFlag.AlignLeft)
            grid.addWidget(self.camera, 0, 1, 5, 1)
            grid.setRowStretch(0, 3)
            grid.setRowStretch(2, 4)
            grid.setColumnStretch(0, 1)
            grid.setColumnStretch(1, 1)
        self.title.set_sizes(metrics.px(76), metrics.px(54))
