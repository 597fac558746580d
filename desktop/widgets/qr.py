"""A QR code drawn from its module matrix (the patient card's code, on screen)."""

from __future__ import annotations

import qrcode
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget


class QrCode(QWidget):
    def __init__(self, size: int = 96, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._matrix: list[list[bool]] = []
        self.setFixedSize(QSize(size, size))

    def set_value(self, value: str | None) -> None:
        if value:
            code = qrcode.QRCode(border=1, error_correction=qrcode.constants.ERROR_CORRECT_M)
            code.add_data(value)
            code.make(fit=True)
            self._matrix = [list(row) for row in code.get_matrix()]
        else:
            self._matrix = []
        self.setAccessibleName(value or "")
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self._matrix:
            return
        painter = QPainter(self)
        side = min(self.width(), self.height())
        count = len(self._matrix)
        cell = side / count
        painter.fillRect(QRectF(0, 0, side, side), QColor("#FFFFFF"))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#111111"))
        for y, row in enumerate(self._matrix):
            for x, dark in enumerate(row):
                if dark:
                    painter.drawRect(QRectF(x * cell, y * cell, cell + 0.3, cell + 0.3))
        painter.end()
