"""Where frames come from: a webcam, a video file, or frames already in memory.

Every source hands out frames as numpy arrays (BGR `uint8`, H x W x 3, or grayscale H x W) from
`read()`, and None once it has nothing more. Reading blocks for at most about one frame time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np
import numpy.typing as npt

Frame = npt.NDArray[np.uint8]


class FrameSourceError(RuntimeError):
    """The camera or file could not be opened or stopped delivering frames."""


class FrameSource(Protocol):
    def read(self) -> Frame | None:
        """The next frame, or None when the source has ended."""
        ...

    def close(self) -> None: ...


class _Pacer:
    """Holds a source to a frame rate, as a real camera is (None: as fast as asked)."""

    def __init__(self, fps: float | None, sleep: Callable[[float], None] = time.sleep) -> None:
        self._interval = 1.0 / fps if fps else 0.0
        self._next = 0.0
        self._sleep = sleep

    def wait(self) -> None:
        if not self._interval:
            return
        now = time.monotonic()
        if self._next > now:
            self._sleep(self._next - now)
            now = self._next
        self._next = max(self._next + self._interval, now)


class CameraSource:
    """A webcam through OpenCV. `index` picks the device; width/height ask for a capture size."""

    def __init__(self, index: int = 0, *, width: int | None = 1280, height: int | None = 720) -> None:
        self._capture = cv2.VideoCapture(index)
        if not self._capture.isOpened():
            self._capture.release()
            raise FrameSourceError(f"camera {index} could not be opened")
        if width:
            self._capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        if height:
            self._capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        # Keep the driver's queue short: a decoder that falls behind should see the newest frame.
        self._capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        self._lock = threading.Lock()

    def read(self) -> Frame | None:
        with self._lock:
            ok, frame = self._capture.read()
        if not ok or frame is None:
            raise FrameSourceError("the camera stopped delivering frames")
        return np.asarray(frame, dtype=np.uint8)

    def close(self) -> None:
        with self._lock:
            self._capture.release()


class VideoFileSource:
    """A video file played at its own frame rate (or `fps`), once or looping."""

    def __init__(self, path: Path | str, *, loop: bool = False, fps: float | None = None) -> None:
        self._path = str(path)
        self._capture = cv2.VideoCapture(self._path)
        if not self._capture.isOpened():
            self._capture.release()
            raise FrameSourceError("the video file could not be opened")
        native = float(self._capture.get(cv2.CAP_PROP_FPS) or 0.0)
        self._pacer = _Pacer(fps if fps is not None else (native or None))
        self._loop = loop
        self._lock = threading.Lock()

    def read(self) -> Frame | None:
        self._pacer.wait()
        with self._lock:
            ok, frame = self._capture.read()
            if not ok and self._loop:
                self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
                ok, frame = self._capture.read()
        if not ok or frame is None:
            return None
        return np.asarray(frame, dtype=np.uint8)

    def close(self) -> None:
        with self._lock:
            self._capture.release()


class IterableSource:
    """Frames from memory (tests, benchmarks, a demo): played once, or looped, at `fps` if given."""

    def __init__(self, frames: Iterable[Frame], *, loop: bool = False, fps: float | None = None) -> None:
        self._frames = list(frames) if loop else None
        self._iterator: Iterator[Frame] = iter(self._frames if self._frames is not None else frames)
        self._pacer = _Pacer(fps)
        self._lock = threading.Lock()
        self._closed = False

    def read(self) -> Frame | None:
        self._pacer.wait()
        with self._lock:
            if self._closed:
                return None
            frame = next(self._iterator, None)
            if frame is None and self._frames:
                self._iterator = iter(self._frames)
                frame = next(self._iterator, None)
            return frame

    def close(self) -> None:
        with self._lock:
            self._closed = True


class SwitchableSource:
    """A source whose frames can be replaced while it runs (a test shows the camera a new scene)."""

    def __init__(self, frames: Iterable[Frame], *, fps: float | None = 30.0) -> None:
        self._lock = threading.Lock()
        self._frames: list[Frame] = self._checked(frames)
        self._index = 0
        self._pacer = _Pacer(fps)
        self._closed = False

    @staticmethod
    def _checked(frames: Iterable[Frame]) -> list[Frame]:
        shown = list(frames)
        if not shown:
            raise ValueError("a switchable source needs at least one frame")
        return shown

    def show(self, frames: Iterable[Frame]) -> None:
        shown = self._checked(frames)
        with self._lock:
            self._frames = shown
            self._index = 0

    def read(self) -> Frame | None:
        self._pacer.wait()
        with self._lock:
            if self._closed:
                return None
            frame = self._frames[self._index % len(self._frames)]
            self._index += 1
            return frame

    def close(self) -> None:
        with self._lock:
            self._closed = True
