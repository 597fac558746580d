"""Scan with camera: the desk reads a code held up to this PC's webcam, for a desk without a
barcode scanner (or a code the scanner will not read: a phone's screen, a crumpled card).

The dialog is enrollment's camera dialog (desktop/enrollment/camera.py: the live preview, decoded
on worker threads by common/qt/camera.py), reading any of the clinic's codes instead of an
enrollment code. What it reads goes to the desk's ScanRouter, exactly as a wedge scan does; the
dialog closes as soon as the code is recognised, and says why when it is not.
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QTimer
from PySide6.QtGui import QHideEvent
from PySide6.QtWidgets import QWidget

from common.qt.i18n import _
from common.vision.frames import CameraSource, FrameSource
from desktop.enrollment.camera import CameraDialog
from desktop.scanning import CAMERA, ScanRouter

SourceFactory = Callable[[], FrameSource]


def webcam(index: int) -> SourceFactory:
    return lambda: CameraSource(index)


class CameraScanDialog(CameraDialog):
    def __init__(self, router: ScanRouter, open_source: SourceFactory, parent: QWidget | None = None) -> None:
        super().__init__(open_source, parent)
        self._router = router
        self._reading = False  # a code is being looked up: the next one waits
        self._ended = False
        self.setObjectName("scan_camera_dialog")
        self.setWindowTitle(_("Scan with camera"))
        self.setAccessibleName(_("Scan with camera"))
        self.preview.setAccessibleName(_("Camera preview"))
        self.status.setText(
            _(
                "Hold the patient's card, a treatment code or an item's label up to the camera, "
                "about 20 cm away."
            )
        )

    def _code(self, value: str) -> None:
        if self._reading:
            return
        self._reading = True
        self.status.setText(_("Code read. Looking it up…"))
        if not self._router.route(
            value, scanner_type=CAMERA, on_resolved=self._recognised, on_refused=self._refused
        ):
            self.reject()  # the desk locked meanwhile

    def _recognised(self) -> None:
        if shiboken6.isValid(self) and self.isVisible():
            self.accept()

    def _refused(self, message: str) -> None:
        if not shiboken6.isValid(self):
            return
        self._reading = False
        # The same code is not read again while it stays in view (common/vision/recent.py).
        self.status.setText(message)

    def _failed(self, _detail: str) -> None:
        self.preview.setText(_("No camera"))
        self.status.setText(
            _(
                "No camera could be opened on this PC. Connect a webcam, or close the program that is "
                "using it, and try again. The barcode scanner works as always."
            )
        )

    def done(self, result: int) -> None:
        self._ended = True
        super().done(result)

    def hideEvent(self, event: QHideEvent) -> None:
        # Hidden without being closed (the desk locked over it): the camera goes off, and the
        # dialog with it.
        self.feed.stop()
        super().hideEvent(event)
        if not self._ended:
            QTimer.singleShot(0, self._end_hidden)

    def _end_hidden(self) -> None:
        if shiboken6.isValid(self) and not self._ended:
            self.reject()
