"""Codes out of camera frames: pyzbar (zbar) on a grayscale frame, with cheap second chances.

Measured on synthetic webcam frames (bench/bench_kiosk_decode.py), zbar's cost grows with the
pixels it scans, and a code a patient holds up to the kiosk is large: so the first look is at the
frame scaled to at most `PLAIN_SIDE` pixels. What that misses is mostly a code blurred by about
half a module, washed out by glare, or small (held far away). A frame where the first look finds
nothing gets ONE second chance, in turn: an adaptive threshold (glare), an unsharp mask (blur),
both on a small copy, or the frame at full resolution (a small code). Consecutive webcam frames
are nearly the same picture, so a code held in view gets every treatment within three frames
while no frame costs more than two zbar passes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final

import cv2
import numpy as np
from pyzbar import pyzbar
from pyzbar.pyzbar import ZBarSymbol

from common.vision.frames import Frame

# Codes a kiosk camera reads: patient QR codes. (1D codes are for wedge scanners: a webcam
# reads them badly, and every symbology zbar looks for costs time on every frame.)
DEFAULT_SYMBOLS: Final = (ZBarSymbol.QRCODE,)
# The first look is at most this large (longest side); the thresholded and sharpened second
# chances at most FALLBACK_SIDE; the full-resolution chance at most MAX_DECODE_SIDE.
PLAIN_SIDE: Final = 960
FALLBACK_SIDE: Final = 640
MAX_DECODE_SIDE: Final = 1920


def to_gray(frame: Frame) -> Frame:
    if frame.ndim == 2:
        return frame
    return np.asarray(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), dtype=np.uint8)


def fit(gray: Frame, longest: int) -> Frame:
    height, width = gray.shape[:2]
    scale = longest / max(height, width)
    if scale >= 1:
        return gray
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(cv2.resize(gray, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)


def adaptive_threshold(gray: Frame) -> Frame | None:
    small = fit(gray, FALLBACK_SIDE)
    block = max(15, (min(small.shape[:2]) // 16) | 1)
    # The mean (a box filter) rather than a Gaussian window: as good here, at a third of the cost.
    return np.asarray(
        cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, block, 5),
        dtype=np.uint8,
    )


def unsharp(gray: Frame) -> Frame | None:
    small = fit(gray, FALLBACK_SIDE)
    blurred = cv2.GaussianBlur(small, (0, 0), sigmaX=2.0)
    return np.asarray(cv2.addWeighted(small, 1.8, blurred, -0.8, 0), dtype=np.uint8)


def full_resolution(gray: Frame) -> Frame | None:
    """The frame as captured (up to MAX_DECODE_SIDE), if the first look scaled it down."""
    if max(gray.shape[:2]) <= PLAIN_SIDE:
        return None
    return fit(gray, MAX_DECODE_SIDE)


Preprocess = Callable[[Frame], "Frame | None"]
FALLBACKS: Final[tuple[tuple[str, Preprocess], ...]] = (
    ("adaptive_threshold", adaptive_threshold),
    ("unsharp", unsharp),
    ("full_resolution", full_resolution),
)


@dataclass
class DecodeStats:
    frames: int = 0
    found_plain: int = 0
    found_by: dict[str, int] = field(default_factory=dict)


class Decoder:
    """Decode one frame at a time (not thread-safe: one decoder per decoding thread)."""

    def __init__(
        self,
        symbols: Sequence[ZBarSymbol] = DEFAULT_SYMBOLS,
        *,
        fallbacks: Sequence[tuple[str, Preprocess]] = FALLBACKS,
    ) -> None:
        self._symbols = list(symbols)
        self._fallbacks = itertools.cycle(fallbacks) if fallbacks else None
        self.stats = DecodeStats()

    def decode(self, frame: Frame) -> list[str]:
        """The distinct payloads readable in the frame, in the order zbar reports them."""
        self.stats.frames += 1
        gray = to_gray(frame)
        found = self._zbar(fit(gray, PLAIN_SIDE))
        if found:
            self.stats.found_plain += 1
            return found
        if self._fallbacks is None:
            return []
        for _ in range(len(FALLBACKS)):  # the next chance that applies to this frame
            name, preprocess = next(self._fallbacks)
            prepared = preprocess(gray)
            if prepared is not None:
                break
        else:
            return []
        found = self._zbar(prepared)
        if found:
            self.stats.found_by[name] = self.stats.found_by.get(name, 0) + 1
        return found

    def _zbar(self, gray: Frame) -> list[str]:
        values: list[str] = []
        for symbol in pyzbar.decode(gray, symbols=self._symbols):
            try:
                text = symbol.data.decode("utf-8")
            except UnicodeDecodeError:
                continue
            if text and text not in values:
                values.append(text)
        return values
