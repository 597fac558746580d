"""Our own QR codes, as a webcam sees a phone showing them, read back exactly through the
capture pipeline a kiosk runs (a frame source where the webcam would be)."""

from __future__ import annotations

import secrets
import uuid

import numpy as np
import pytest

from common.barcodes import payload
from common.vision.decoder import Decoder
from common.vision.frames import IterableSource
from common.vision.pipeline import ScanPipeline
from common.vision.synthetic import Shot, empty_frame, phone_frame

CLINIC = uuid.UUID("01234567-89ab-7def-8123-456789abcdef")
SECRET = secrets.token_bytes(32)


def our_code() -> str:
    return payload.generate(payload.CodeKind.PATIENT, CLINIC, SECRET).value


def read_through_pipeline(frames) -> list[str]:
    found: list[str] = []
    pipeline = ScanPipeline(IterableSource(frames), on_codes=found.extend, drop_frames=False)
    pipeline.start()
    assert pipeline.wait(20)
    return found


@pytest.mark.parametrize(("width", "height"), [(640, 480), (1280, 720)])
@pytest.mark.parametrize("angle", [-10.0, -4.0, 0.0, 5.0, 10.0])
def test_a_phone_held_up_is_read_exactly(width, height, angle):
    value = our_code()
    frames = [
        phone_frame(
            value,
            Shot(
                width=width,
                height=height,
                code_fraction=0.28,
                center=(0.45 + 0.05 * seed, 0.5),
                angle=angle,
                blur_sigma=1.1,
                noise_sigma=4.0,
                glare=0.3,
                jpeg_quality=65,
                seed=seed,
            ),
        )
        for seed in range(2)
    ]
    assert read_through_pipeline(frames) == [value]
    assert payload.verify(value, CLINIC, SECRET).value == value


def test_blurred_codes_are_recovered_by_second_chances():
    decoder = Decoder()
    for seed in range(5):
        value = our_code()
        frame = phone_frame(value, Shot(640, 480, code_fraction=0.3, angle=7, blur_sigma=1.5, seed=seed))
        assert [value] in [decoder.decode(frame) for _ in range(3)]
    assert sum(decoder.stats.found_by.values()) > 0  # what the first look alone would have missed


def test_a_lobby_without_a_code_reads_nothing():
    frames = [empty_frame(Shot(1280, 720, seed=seed, noise_sigma=5)) for seed in range(3)]
    assert read_through_pipeline(frames) == []


def test_grayscale_frames_are_read_too():
    value = our_code()
    color = phone_frame(value, Shot(640, 480, angle=3, seed=2))
    gray = np.ascontiguousarray(color.mean(axis=2).astype(np.uint8))
    assert Decoder().decode(gray) == [value]


def test_a_code_held_in_view_is_reported_once():
    value = our_code()
    frames = [phone_frame(value, Shot(640, 480, angle=2, seed=seed % 2)) for seed in range(6)]
    assert read_through_pipeline(frames) == [value]
