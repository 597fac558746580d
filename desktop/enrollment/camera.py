"""Reading the enrollment QR code with this PC's camera: a live preview, decoded on worker threads
(common/qt/camera.py); the first enrollment code seen fills the page and closes the dialog."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QPixmap
from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout, QWidget

from common.qt.camera import CameraFeed
from common.qt.i18n import _
from common.vision.frames import CameraSource, FrameSource
from desktop.enrollment.flow import read_code
from desktop.widgets.common import button, hbox, label

PREVIEW = (480, 300)


def default_camera() -> FrameSource:
    return CameraSource(0)


class CameraDialog(QDialog):
    sig_code = Signal(str)

    def __init__(
        self, open_source: Callable[[], FrameSource] = default_camera, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("enroll_camera_dialog")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.preview = QLabel()
        self.preview.setFixedSize(*PREVIEW)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("background: #111; border-radius: 6px; color: #ddd;")
        self.status = label("", "muted", wrap=True)
        self.status.setObjectName("camera_status")
        self.close_button = button(on_click=self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 18, 18, 18)
        layout.setSpacing(10)
        layout.addWidget(self.preview)
        layout.addWidget(self.status)
        layout.addLayout(hbox(None, self.close_button))
        self.setWindowTitle(_("Scan the enrollment QR code"))
        self.status.setText(_("Hold the QR code up to the camera, about 20 cm away."))
        self.close_button.setText(_("Close"))
        self.preview.setText(_("Opening the camera…"))
        self.feed = CameraFeed(open_source, preview_width=PREVIEW[0], parent=self)
        self.feed.sig_frame_ready.connect(self._frame)
        self.feed.sig_code.connect(self._code)
        self.feed.sig_error.connect(self._failed)
        self.finished.connect(lambda _result: self.feed.stop())
        self.feed.start()

    def _frame(self) -> None:
        image = self.feed.take_frame()
        if image is not None:
            self.preview.setPixmap(
                QPixmap.fromImage(image).scaled(
                    self.preview.size(),
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )

    def _code(self, value: str) -> None:
        if read_code(value) is None:
            self.status.setText(
                _("That QR code is not an enrollment code. Show the code your administrator gave you.")
            )
            return
        self.sig_code.emit(value)
        self.accept()

    def _failed(self, _detail: str) -> None:
        self.preview.setText("")
        self.status.setText(
            _("No camera could be opened on this PC. Type the code, or scan it with the barcode scanner.")
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        self.feed.stop()
        super().closeEvent(event)
