"""The pages of a report as they will print: each page an image on a grey desk, as wide as the view
(re-scaled, after a pause, when the view is resized)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QImage, QPixmap
from PySide6.QtWidgets import QFrame, QGraphicsDropShadowEffect, QLabel, QScrollArea, QVBoxLayout, QWidget

PAGE_GAP: Final = 18
SIDE: Final = 22
MAX_WIDTH: Final = 980  # wider than this, a page is only harder to take in


class PageView(QScrollArea):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("report_pages")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._desk = QWidget()
        self._desk.setObjectName("report_desk")
        self._desk.setStyleSheet("#report_desk { background: palette(mid); border-radius: 8px; }")
        self._layout = QVBoxLayout(self._desk)
        self._layout.setContentsMargins(SIDE, SIDE, SIDE, SIDE)
        self._layout.setSpacing(PAGE_GAP)
        self._layout.addStretch(1)
        self.setWidget(self._desk)
        self._images: list[QImage] = []
        self._labels: list[QLabel] = []
        self._shown_width = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(60)
        self._timer.timeout.connect(self._rescale)

    @property
    def page_labels(self) -> list[QLabel]:
        return list(self._labels)

    def set_pages(self, images: Sequence[QImage], accessible: Sequence[str] = ()) -> None:
        for page in self._labels:
            self._layout.removeWidget(page)
            page.deleteLater()
        self._images = list(images)
        self._labels = []
        for number, _image in enumerate(self._images):
            page = QLabel()
            page.setObjectName(f"report_page_{number + 1}")
            page.setAlignment(Qt.AlignmentFlag.AlignCenter)
            page.setStyleSheet("background: white;")
            if number < len(accessible):
                page.setAccessibleName(accessible[number])
            shadow = QGraphicsDropShadowEffect(page)
            shadow.setBlurRadius(18)
            shadow.setOffset(0, 2)
            shadow.setColor(QColor(15, 23, 42, 60))
            page.setGraphicsEffect(shadow)
            self._layout.insertWidget(self._layout.count() - 1, page, 0, Qt.AlignmentFlag.AlignHCenter)
            self._labels.append(page)
        self._shown_width = 0
        self._rescale()
        self.verticalScrollBar().setValue(0)

    def clear(self) -> None:
        self.set_pages([])

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._timer.start()

    def _rescale(self) -> None:
        width = min(self.viewport().width() - 2 * SIDE, MAX_WIDTH)
        if width <= 0 or width == self._shown_width:
            return
        self._shown_width = width
        ratio = self.devicePixelRatioF()
        for page, image in zip(self._labels, self._images, strict=True):
            scaled = image.scaledToWidth(round(width * ratio), Qt.TransformationMode.SmoothTransformation)
            pixmap = QPixmap.fromImage(scaled)
            pixmap.setDevicePixelRatio(ratio)
            page.setPixmap(pixmap)
            page.setFixedSize(width, round(width * image.height() / max(image.width(), 1)))
