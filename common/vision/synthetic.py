"""Camera-like frames of our own codes, for tests, benchmarks, screenshots and the demo camera.

A code is rendered by the `qrcode` package from a payload made by `common.barcodes`, shown on a
phone-like screen (a bright screen in a dark bezel, with a little UI around the code) held in
front of a room-like background, then photographed: turned by a few degrees, blurred, given
sensor noise and JPEG-compressed, as a webcam frame would be.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
import numpy.typing as npt
import qrcode
from qrcode.constants import ERROR_CORRECT_M

from common.vision.frames import Frame

QUIET_ZONE = 4


def qr_modules(value: str, *, border: int = QUIET_ZONE) -> npt.NDArray[np.bool_]:
    """The QR symbol of `value` as a boolean grid (True = dark), quiet zone included."""
    return _qr_modules(value, border).copy()


@lru_cache(maxsize=64)
def _qr_modules(value: str, border: int) -> npt.NDArray[np.bool_]:
    code = qrcode.QRCode(border=border, error_correction=ERROR_CORRECT_M, box_size=1)
    code.add_data(value)
    code.make(fit=True)
    return np.array(code.get_matrix(), dtype=np.bool_)


def render_qr(value: str, module_px: int, *, border: int = QUIET_ZONE) -> Frame:
    """A grayscale image of the code, `module_px` pixels per module."""
    modules = qr_modules(value, border=border)
    image = np.where(modules, 0, 255).astype(np.uint8)
    return np.asarray(np.kron(image, np.ones((module_px, module_px), dtype=np.uint8)), dtype=np.uint8)


@dataclass(frozen=True)
class Shot:
    """How the camera sees the phone."""

    width: int = 1280
    height: int = 720
    code_fraction: float = 0.32  # the code's side as a share of the frame's height
    center: tuple[float, float] = (0.5, 0.5)  # where the phone is, as shares of width and height
    angle: float = 0.0  # degrees, counter-clockwise
    blur_sigma: float = 0.0
    noise_sigma: float = 3.0
    jpeg_quality: int | None = 85
    glare: float = 0.0  # 0..1: a bright reflection across the screen
    seed: int = 0


def room(width: int, height: int, seed: int = 0) -> Frame:
    """A lobby-like background: a soft gradient with a few blurred shapes (a wall, a plant, a lamp)."""
    return _room(width, height, seed).copy()


@lru_cache(maxsize=16)
def _room(width: int, height: int, seed: int) -> Frame:
    # Drawn small and scaled up: it is out of focus anyway, and ten times cheaper.
    small_w, small_h = max(8, width // 8), max(6, height // 8)
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 1, small_w, dtype=np.float32)[None, :]
    y = np.linspace(0, 1, small_h, dtype=np.float32)[:, None]
    base = 110 + 50 * x - 30 * y
    frame = np.dstack([base * 0.95, base, base * 1.05])
    for _ in range(6):
        x0, y0 = int(rng.integers(0, small_w)), int(rng.integers(0, small_h))
        w, h = int(rng.integers(small_w // 10, small_w // 3)), int(rng.integers(small_h // 10, small_h // 2))
        colour = rng.integers(40, 220, size=3).astype(np.float32)
        cv2.rectangle(frame, (x0, y0), (x0 + w, y0 + h), colour.tolist(), thickness=-1)
    frame = cv2.GaussianBlur(frame, (0, 0), sigmaX=max(small_w, small_h) / 150 + 1.0)
    frame = cv2.resize(frame, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.clip(frame, 0, 255).astype(np.uint8)


def phone_screen(value: str, code_px: int, seed: int = 0) -> Frame:
    """A phone showing the code in an app: bezel, bright screen, a header bar and a line of text."""
    rng = np.random.default_rng(seed)
    modules = qr_modules(value)
    module = max(1, code_px // modules.shape[0])
    code = render_qr(value, module)
    side = code.shape[0]
    screen_w, screen_h = int(side * 1.25), int(side * 2.0)
    screen = np.full((screen_h, screen_w, 3), (250, 246, 244), dtype=np.uint8)
    header = (int(rng.integers(120, 200)), int(rng.integers(60, 120)), int(rng.integers(20, 80)))
    cv2.rectangle(screen, (0, 0), (screen_w, screen_h // 8), header, thickness=-1)
    top = (screen_h - side) // 2
    left = (screen_w - side) // 2
    screen[top : top + side, left : left + side] = code[:, :, None]
    for row in range(3):
        y = top + side + (row + 1) * screen_h // 22
        cv2.line(screen, (left, y), (left + int(side * (0.9 - 0.25 * row)), y), (90, 90, 90), 2)
    bezel = max(4, screen_w // 16)
    phone = np.full((screen_h + 2 * bezel, screen_w + 2 * bezel, 3), 22, dtype=np.uint8)
    phone[bezel:-bezel, bezel:-bezel] = screen
    return phone


def _place(background: Frame, item: Frame, center: tuple[float, float], angle: float) -> Frame:
    """Paste `item` turned by `angle` degrees at `center` (shares of the background's size)."""
    height, width = background.shape[:2]
    ih, iw = item.shape[:2]
    cx, cy = center[0] * width, center[1] * height
    matrix = cv2.getRotationMatrix2D((iw / 2, ih / 2), angle, 1.0)
    matrix[0, 2] += cx - iw / 2
    matrix[1, 2] += cy - ih / 2
    mask = cv2.warpAffine(np.full((ih, iw), 255, np.uint8), matrix, (width, height), flags=cv2.INTER_NEAREST)
    warped = cv2.warpAffine(item, matrix, (width, height), flags=cv2.INTER_LINEAR)
    scene = background.copy()
    cv2.copyTo(warped, mask, scene)
    return scene


def photograph(frame: Frame, shot: Shot) -> Frame:
    """What a webcam makes of a scene: glare, blur, sensor noise, JPEG."""
    image = frame
    if shot.glare > 0:
        height, width = image.shape[:2]
        x = np.arange(width, dtype=np.float32)[None, :]
        y = np.arange(height, dtype=np.float32)[:, None]
        band = np.exp(-(((x - y * 0.6 - width * 0.3) / (width * 0.12)) ** 2)) * (shot.glare * 90)
        image = np.asarray(cv2.add(image, cv2.cvtColor(band.astype(np.uint8), cv2.COLOR_GRAY2BGR)), np.uint8)
    if shot.blur_sigma > 0:
        image = np.asarray(cv2.GaussianBlur(image, (0, 0), sigmaX=shot.blur_sigma), np.uint8)
    if shot.noise_sigma > 0:
        # numpy's generator, not cv2.randn: OpenCV 5 reads a one-value mean and sigma as the
        # first channel's only, and the other channels of a colour frame saturated to 255.
        noise = np.random.default_rng(shot.seed + 1).normal(0.0, shot.noise_sigma, image.shape)
        image = np.clip(image.astype(np.int16) + np.rint(noise).astype(np.int16), 0, 255).astype(np.uint8)
    result = np.asarray(image, dtype=np.uint8)
    if shot.jpeg_quality is not None:
        result = jpeg(result, shot.jpeg_quality)
    return result


def jpeg(frame: Frame, quality: int) -> Frame:
    ok, encoded = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:  # pragma: no cover - OpenCV always encodes a uint8 image
        raise ValueError("could not encode the frame")
    return np.asarray(cv2.imdecode(encoded, cv2.IMREAD_COLOR), dtype=np.uint8)


def phone_frame(value: str, shot: Shot = Shot()) -> Frame:
    """A webcam frame of a phone showing `value` as a QR code."""
    code_px = max(21, int(shot.height * shot.code_fraction))
    scene = _place(
        room(shot.width, shot.height, shot.seed),
        phone_screen(value, code_px, shot.seed),
        shot.center,
        shot.angle,
    )
    return photograph(scene, shot)


def empty_frame(shot: Shot = Shot()) -> Frame:
    """A webcam frame of the lobby with no code in view."""
    return photograph(room(shot.width, shot.height, shot.seed), shot)
