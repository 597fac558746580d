"""The capture pipeline's behaviour: dedupe, reporting on and off, the end of a source, errors."""

from __future__ import annotations

import threading

import numpy as np

from common.vision.decoder import Decoder
from common.vision.frames import FrameSourceError, IterableSource, SwitchableSource
from common.vision.pipeline import ScanPipeline
from common.vision.recent import RecentCodes

BLANK = np.full((48, 64, 3), 128, dtype=np.uint8)


class FakeDecoder(Decoder):
    """Reads the code a test put in the frame's first pixel (a decoder is not what is tested here)."""

    def __init__(self, codes: dict[int, str]) -> None:
        super().__init__()
        self.codes = codes

    def decode(self, frame):
        value = self.codes.get(int(frame[0, 0, 0]))
        return [value] if value else []


def frame_with(marker: int):
    frame = BLANK.copy()
    frame[0, 0, 0] = marker
    return frame


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_recent_codes_report_a_code_again_only_after_it_left_the_view():
    ticks = Ticks()
    recent = RecentCodes(window=2.0, clock=ticks)
    assert recent.fresh(["A"]) == ["A"]
    ticks.now = 1.5
    assert recent.fresh(["A"]) == []
    ticks.now = 3.0  # seen 1.5 s ago: still the same phone
    assert recent.fresh(["A", "B"]) == ["B"]
    ticks.now = 5.5
    assert recent.fresh(["A"]) == ["A"]


def test_recent_codes_hold_no_code_values():
    recent = RecentCodes()
    recent.fresh(["CQ1PSECRETVALUE"])
    assert not any(
        isinstance(key, str) or b"SECRET" in key
        for key in recent._last_seen  # keyed hashes only
    )
    recent.clear()
    assert len(recent) == 0


def test_every_frame_is_decoded_in_lockstep_and_the_pipeline_ends_with_its_source():
    frames = [frame_with(1), frame_with(0), frame_with(2), frame_with(2)]
    found: list[str] = []
    ended = threading.Event()
    pipeline = ScanPipeline(
        IterableSource(frames),
        decoder=FakeDecoder({1: "one", 2: "two"}),
        on_codes=found.extend,
        on_end=ended.set,
        drop_frames=False,
    )
    pipeline.start()
    assert pipeline.wait(5)
    assert found == ["one", "two"]
    assert pipeline.stats.decoded == 4
    assert ended.is_set()


def test_with_reporting_off_codes_are_noted_but_not_reported():
    source = SwitchableSource([frame_with(1)], fps=200)
    found: list[str] = []
    pipeline = ScanPipeline(source, decoder=FakeDecoder({1: "one", 2: "two"}), on_codes=found.extend)
    pipeline.set_reporting(False)
    pipeline.start()
    try:
        deadline = threading.Event()
        while pipeline.stats.decoded < 3:
            deadline.wait(0.01)
        pipeline.set_reporting(True)
        while pipeline.stats.decoded < 8:
            deadline.wait(0.01)
        assert found == []  # "one" stayed in view the whole time: not a new scan
        source.show([frame_with(2)])
        while not found:
            deadline.wait(0.01)
        assert found == ["two"]
    finally:
        pipeline.stop()


def test_a_camera_that_fails_is_reported_and_stops():
    class Broken:
        def read(self):
            raise FrameSourceError("unplugged")

        def close(self):
            pass

    errors: list[str] = []
    pipeline = ScanPipeline(Broken(), on_error=errors.append)
    pipeline.start()
    assert pipeline.wait(5)
    assert errors == ["unplugged"]


def test_a_decoder_failure_on_one_frame_does_not_stop_the_camera():
    class Flaky(FakeDecoder):
        def decode(self, frame):
            if int(frame[0, 0, 0]) == 9:
                raise RuntimeError("bad frame")
            return super().decode(frame)

    found: list[str] = []
    pipeline = ScanPipeline(
        IterableSource([frame_with(9), frame_with(1)]),
        decoder=Flaky({1: "one"}),
        on_codes=found.extend,
        drop_frames=False,
    )
    pipeline.start()
    assert pipeline.wait(5)
    assert found == ["one"]
