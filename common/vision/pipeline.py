"""Capture and decode on two threads: the preview never waits for the decoder.

The capture thread reads the source at its own pace and hands each frame to `on_frame` (the
preview) and to a one-frame mailbox; the decode thread always takes the newest frame from the
mailbox, so a decoder slower than the camera skips frames instead of falling behind. With
`drop_frames=False` the two go in lockstep instead (every frame decoded: files, benchmarks).

`set_reporting(False)` (a screen busy with a patient) keeps decoding, one frame in
`quiet_stride`, but reports nothing: the codes in view still count as seen, so a phone held up
through a whole check-in is not read again as a new scan the moment the kiosk takes scans again.
Right after reporting a code the decoder rests for `report_cooldown` seconds: the next frames
show the same phone, and the CPU is better spent looking the code up.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import cv2

from common.vision.decoder import Decoder
from common.vision.frames import Frame, FrameSource, FrameSourceError
from common.vision.recent import RecentCodes

log = logging.getLogger(__name__)

FrameHandler = Callable[[Frame], None]
CodesHandler = Callable[[list[str]], None]
ErrorHandler = Callable[[str], None]


@dataclass
class PipelineStats:
    captured: int = 0
    decoded: int = 0
    decode_seconds: float = 0.0
    codes: int = 0


class ScanPipeline:
    def __init__(
        self,
        source: FrameSource,
        *,
        decoder: Decoder | None = None,
        on_frame: FrameHandler | None = None,
        on_codes: CodesHandler | None = None,
        on_error: ErrorHandler | None = None,
        on_end: Callable[[], None] | None = None,
        recent: RecentCodes | None = None,
        drop_frames: bool = True,
        opencv_threads: int | None = 1,
        report_cooldown: float = 0.5,
        quiet_stride: int = 3,
    ) -> None:
        self._source = source
        self._decoder = decoder or Decoder()
        self._on_frame = on_frame
        self._on_codes = on_codes
        self._on_error = on_error
        self._on_end = on_end
        self.recent = recent or RecentCodes()
        self._drop_frames = drop_frames
        self._opencv_threads = opencv_threads
        self._report_cooldown = report_cooldown
        self._quiet_stride = max(1, quiet_stride)
        self._rest_until = 0.0
        self._skipped = 0
        self._mailbox: Frame | None = None
        self._condition = threading.Condition()
        self._stop = threading.Event()
        self._capture_done = False
        self._reporting = threading.Event()
        self._reporting.set()
        self._threads: list[threading.Thread] = []
        self.stats = PipelineStats()

    # -- control -----------------------------------------------------------------------------
    def start(self) -> None:
        if self._opencv_threads is not None:
            # The decoder's OpenCV work on one core: the other stays free for the screen.
            cv2.setNumThreads(self._opencv_threads)
        self._threads = [
            threading.Thread(target=self._capture_loop, name="camera-capture", daemon=True),
            threading.Thread(target=self._decode_loop, name="camera-decode", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        with self._condition:
            self._condition.notify_all()
        self._source.close()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(max(0.0, deadline - time.monotonic()))

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until both threads end (the source ran out, or stop()); True if they did."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for thread in self._threads:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            thread.join(remaining)
        return not any(thread.is_alive() for thread in self._threads)

    def set_reporting(self, enabled: bool) -> None:
        """Report new codes (a screen that takes scans) or only note them as seen."""
        if enabled:
            self._rest_until = 0.0  # a screen that takes scans looks at once
            self._reporting.set()
        else:
            self._reporting.clear()

    @property
    def reporting(self) -> bool:
        return self._reporting.is_set()

    # -- threads -----------------------------------------------------------------------------
    def _capture_loop(self) -> None:
        try:
            while not self._stop.is_set():
                frame = self._source.read()
                if frame is None:
                    break
                self.stats.captured += 1
                if self._on_frame is not None:
                    self._on_frame(frame)
                with self._condition:
                    if not self._drop_frames:
                        while self._mailbox is not None and not self._stop.is_set():
                            self._condition.wait(0.1)
                    self._mailbox = frame
                    self._condition.notify_all()
        except FrameSourceError as error:
            log.warning("camera: %s", error)
            if self._on_error is not None and not self._stop.is_set():
                self._on_error(str(error))
        finally:
            with self._condition:
                self._capture_done = True
                self._condition.notify_all()

    def _take(self) -> Frame | None:
        with self._condition:
            while self._mailbox is None:
                if self._stop.is_set() or self._capture_done:
                    return None
                self._condition.wait(0.1)
            frame, self._mailbox = self._mailbox, None
            self._condition.notify_all()
            return frame

    def _resting(self) -> bool:
        """Skip this frame: just after a report, or (not reporting) all but one in quiet_stride.
        In lockstep (`drop_frames=False`) every frame is decoded."""
        if not self._drop_frames:
            return False
        if time.monotonic() < self._rest_until:
            return True
        if self._reporting.is_set():
            return False
        self._skipped = (self._skipped + 1) % self._quiet_stride
        return self._skipped != 0

    def _decode_loop(self) -> None:
        while not self._stop.is_set():
            frame = self._take()
            if frame is None:
                break
            if self._resting():
                continue
            started = time.perf_counter()
            try:
                values = self._decoder.decode(frame)
            except Exception:  # a decoder failure on one frame must not stop the camera
                log.exception("camera: decoding a frame failed")
                continue
            finally:
                self.stats.decode_seconds += time.perf_counter() - started
                self.stats.decoded += 1
            fresh = self.recent.fresh(values)
            if fresh and self._on_codes is not None and self._reporting.is_set():
                self.stats.codes += len(fresh)
                self._rest_until = time.monotonic() + self._report_cooldown
                self._on_codes(fresh)
        if self._on_end is not None and not self._stop.is_set():
            self._on_end()
