"""The kiosk wired up as the app wires it, on a SQLite clinic, with a frame source in place of the
webcam: the same CameraFeed, ScanPipeline and Decoder a webcam's frames go through."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from PySide6.QtWidgets import QApplication

from common.checkin.backend import DatabaseBackend
from common.checkin.flow import CheckInFlow, Timeouts
from common.clock import FrozenClock
from common.database import Database
from common.qt.camera import CameraFeed
from common.qt.scanner import WedgeScanner
from common.vision.frames import SwitchableSource
from common.vision.synthetic import Shot, empty_frame
from kiosk.app import connect
from kiosk.controller import KioskController
from kiosk.window import KioskWindow
from tests.conftest import make_clinic
from tests.kiosk.support import KioskWorld

CAMERA = Shot(width=640, height=480, seed=5)


@pytest.fixture
def kiosk_world(sqlite_engine, clock: FrozenClock, staff_password_hash: str) -> KioskWorld:
    db = Database(sqlite_engine, clock=clock, chain_id="kiosk-test")
    return KioskWorld.build(make_clinic(db, staff_password_hash), clock)


@dataclass
class RunningKiosk:
    world: KioskWorld
    window: KioskWindow
    controller: KioskController
    camera: CameraFeed
    source: SwitchableSource
    scanner: WedgeScanner

    def wait_for(self, qtbot, state_type: type, timeout: int = 5000) -> None:
        qtbot.waitUntil(lambda: isinstance(self.controller.state, state_type), timeout=timeout)


def start_kiosk(
    world: KioskWorld, *, camera: bool = False, idle_seconds: float = 30.0, done_seconds: float = 10.0
) -> RunningKiosk:
    """The kiosk as the app wires it; `camera=False` leaves the camera off (a scanner-only kiosk),
    which spares tests that do not show the camera anything a decoder running flat out."""
    backend = DatabaseBackend(world.world.db, world.clinic_id, world.device_id, location="Lobby")
    flow = CheckInFlow(backend, "zh_TW", timeouts=Timeouts(idle_seconds, done_seconds))
    source = SwitchableSource([empty_frame(CAMERA)], fps=15)
    feed = CameraFeed(lambda: source, preview_width=320)
    scanner = WedgeScanner()
    window = KioskWindow("Lotus", windowed=True, pin_matches=lambda pin: pin == "2468")
    window.resize(1280, 720)
    controller = KioskController(flow, camera=feed if camera else None, scanner=scanner, tick_ms=50)
    connect(window, controller)
    feed.sig_frame_ready.connect(lambda: window.show_frame(feed.take_frame()))
    window.watch_touches()
    window.show()
    controller.start()
    return RunningKiosk(world, window, controller, feed, source, scanner)


@pytest.fixture
def kiosk(kiosk_world: KioskWorld, qtbot) -> Iterator[RunningKiosk]:
    running = start_kiosk(kiosk_world)
    qtbot.addWidget(running.window)
    yield running
    running.controller.stop()
    QApplication.processEvents()


@pytest.fixture
def camera_kiosk(kiosk_world: KioskWorld, qtbot) -> Iterator[RunningKiosk]:
    running = start_kiosk(kiosk_world, camera=True)
    qtbot.addWidget(running.window)
    yield running
    running.controller.stop()
    QApplication.processEvents()
