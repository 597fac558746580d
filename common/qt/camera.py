"""A webcam (or anything standing in for one) for Qt screens: preview frames and decoded codes.

`CameraFeed` opens its source and runs `common.vision`'s ScanPipeline on worker threads (opening
a webcam can take a second; decoding never runs on the GUI thread). What they produce is handed
to the GUI thread through Qt's queued signals:
- `sig_frame_ready`: a new preview image (downscaled, mirrored like a mirror) is waiting; the screen
  takes it with `take_frame()`. Only the newest frame is kept, so a busy screen never builds a
  queue of stale pictures.
- `sig_code(str)`: a code came into view (each code once while it stays in view).
- `sig_error(str)`: the camera could not be opened or stopped; the message is for logs and staff.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import cv2
import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from common.vision.decoder import Decoder
from common.vision.frames import Frame, FrameSource, FrameSourceError
from common.vision.pipeline import ScanPipeline
from common.vision.recent import RecentCodes

log = logging.getLogger(__name__)

SourceFactory = Callable[[], FrameSource]


def preview_image(frame: Frame, width: int, *, mirror: bool = True) -> QImage:
    """A QImage copy of the frame, `width` pixels wide (never wider than the frame)."""
    height, frame_width = frame.shape[:2]
    if width < frame_width:
        size = (width, max(1, round(height * width / frame_width)))
        frame = np.asarray(cv2.resize(frame, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)
    if mirror:
        frame = np.ascontiguousarray(frame[:, ::-1])
    if frame.ndim == 2:
        rgb = np.ascontiguousarray(cv2.cvtColor(frame, cv2.COLOR_GRAY2RGB))
    else:
        rgb = np.ascontiguousarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class CameraFeed(QObject):
    sig_frame_ready = Signal()
    sig_code = Signal(str)
    sig_error = Signal(str)
    sig_ended = Signal()

    def __init__(
        self,
        open_source: SourceFactory,
        *,
        preview_width: int = 640,
        preview_fps: float = 20.0,
        mirror: bool = True,
        decoder: Decoder | None = None,
        recent_window: float = 2.0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._open_source = open_source
        self._preview_width = preview_width
        self._preview_interval = 1.0 / preview_fps if preview_fps > 0 else 0.0
        self._last_preview = 0.0
        self._mirror = mirror
        self._decoder = decoder
        self.recent = RecentCodes(recent_window)
        self._lock = threading.Lock()
        self._frame: QImage | None = None
        self._frame_pending = False
        self._pipeline: ScanPipeline | None = None
        self._reporting = True
        self._starter: threading.Thread | None = None
        self._stopped = threading.Event()

    # -- control (GUI thread) ----------------------------------------------------------------
    def start(self) -> None:
        if self._starter is not None:
            return
        self._stopped.clear()
        self._starter = threading.Thread(target=self._open_and_run, name="camera-open", daemon=True)
        self._starter.start()

    def stop(self) -> None:
        self._stopped.set()
        with self._lock:
            pipeline, self._pipeline = self._pipeline, None
        if pipeline is not None:
            pipeline.stop()
        if self._starter is not None:
            self._starter.join(2.0)
            self._starter = None
        self.forget()

    def set_reporting(self, enabled: bool) -> None:
        """Report codes (a screen that takes scans) or only note them as seen (see ScanPipeline)."""
        self._reporting = enabled
        with self._lock:
            pipeline = self._pipeline
        if pipeline is not None:
            pipeline.set_reporting(enabled)

    def forget(self) -> None:
        """Drop the last picture and the codes seen (held as keyed hashes only)."""
        self.recent.clear()
        with self._lock:
            self._frame = None
            self._frame_pending = False

    def take_frame(self) -> QImage | None:
        with self._lock:
            frame, self._frame = self._frame, None
            self._frame_pending = False
            return frame

    @property
    def running(self) -> bool:
        with self._lock:
            return self._pipeline is not None

    # -- worker threads ----------------------------------------------------------------------
    def _open_and_run(self) -> None:
        try:
            source = self._open_source()
        except (FrameSourceError, OSError, ValueError) as error:
            log.warning("camera: could not open the source: %s", error)
            self.sig_error.emit(str(error))
            return
        pipeline = ScanPipeline(
            source,
            decoder=self._decoder,
            on_frame=self._on_frame,
            on_codes=self._on_codes,
            on_error=self.sig_error.emit,
            on_end=self.sig_ended.emit,
            recent=self.recent,
        )
        pipeline.set_reporting(self._reporting)
        with self._lock:
            if self._stopped.is_set():
                source.close()
                return
            self._pipeline = pipeline
            # Started under the lock: a stop() now waits for it, never joins threads not yet started.
            pipeline.start()

    def _on_frame(self, frame: Frame) -> None:
        now = time.monotonic()
        if now - self._last_preview < self._preview_interval:
            return  # the preview runs slower than the camera: the decoder still sees every frame
        self._last_preview = now
        image = preview_image(frame, self._preview_width, mirror=self._mirror)
        with self._lock:
            self._frame = image
            notify = not self._frame_pending
            self._frame_pending = True
        if notify:
            self.sig_frame_ready.emit()

    def _on_codes(self, values: list[str]) -> None:
        for value in values:
            self.sig_code.emit(value)
