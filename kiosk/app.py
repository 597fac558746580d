"""Putting the kiosk together: its data, the check-in flow, the camera, the scanner, the window.

The window opens at once on the starting screen; the replica is opened on a worker thread with
its progress shown, and only then does the kiosk take scans. An enrolled kiosk (kiosk/enrolled.py)
runs on its synced replica with the sync engine in the background; otherwise the demo clinic
(built on first use) stands in for the server.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication

from common.checkin.backend import DatabaseBackend
from common.checkin.flow import CheckInFlow, Timeouts
from common.clock import SYSTEM_CLOCK, Clock
from common.database import Database
from common.i18n import N_
from common.qt.camera import CameraFeed, SourceFactory
from common.qt.collector import collect_on_gui_thread
from common.qt.scanner import WedgeScanner
from common.storage.engine import create_database_engine, sqlite_url
from common.vision.frames import CameraSource, VideoFileSource
from kiosk import settings as kiosk_settings
from kiosk.controller import KioskController
from kiosk.demo_data import DEMO_PATIENTS, DemoKiosk, open_demo_kiosk
from kiosk.enrolled import POLL_SECONDS, EnrolledKiosk, catch_up, is_enrolled, open_enrolled
from kiosk.window import KioskWindow

log = logging.getLogger(__name__)
CRASH_EXIT = 70
SYNCING = N_("Getting today's appointments from the clinic's server…")
FIRST_SYNC_RETRY_CAP = 30.0


@dataclass(frozen=True)
class KioskOptions:
    data_dir: Path
    windowed: bool = False
    camera: bool = True
    camera_index: int | None = None
    video: Path | None = None
    idle_seconds: float | None = None
    window_size: tuple[int, int] = (1280, 800)
    demo_patients: int = DEMO_PATIENTS
    schema_template: Path | None = None  # an empty, migrated database to copy (tests)
    sync_poll_seconds: float = POLL_SECONDS  # an enrolled kiosk pulls this often (and on pokes)


def camera_factory(options: KioskOptions, settings: kiosk_settings.KioskSettings) -> SourceFactory | None:
    if options.video is not None:
        video = options.video
        return lambda: VideoFileSource(video, loop=True)
    if not options.camera:
        return None
    index = settings.camera_index if options.camera_index is None else options.camera_index
    return lambda: CameraSource(index, width=settings.camera_width, height=settings.camera_height)


class KioskApp(QObject):
    sig_progress = Signal(str, float)
    sig_loaded = Signal(object)
    sig_load_failed = Signal()

    def __init__(
        self,
        options: KioskOptions,
        *,
        source_factory: SourceFactory | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        super().__init__()
        collect_on_gui_thread()  # the camera, scanner and database threads must never free Qt objects
        self.options = options
        self._clock = clock
        self.settings = kiosk_settings.load(options.data_dir)
        if options.idle_seconds is not None:
            self.settings.idle_seconds = options.idle_seconds
        self._now = now
        self._source_factory = source_factory or camera_factory(options, self.settings)
        self.window = KioskWindow(pin_matches=self.settings.pin_matches, windowed=options.windowed)
        if options.windowed:
            self.window.resize(*options.window_size)
        self.controller: KioskController | None = None
        self.camera: CameraFeed | None = None
        self.demo: DemoKiosk | None = None
        self.enrolled: EnrolledKiosk | None = None
        self.sig_progress.connect(self.window.set_progress)
        self.sig_loaded.connect(self._ready)
        self.sig_load_failed.connect(self.window.starting.show_failure)
        self.window.sig_exit.connect(self.quit)

    def start(self) -> None:
        self.window.open()
        threading.Thread(target=self._load, name="kiosk-load", daemon=True).start()

    def _load(self) -> None:
        loaded: DemoKiosk | EnrolledKiosk
        try:
            if is_enrolled(self.options.data_dir):
                loaded = self._open_enrolled()
            else:
                loaded = open_demo_kiosk(
                    self.options.data_dir,
                    self._now(),
                    self.sig_progress.emit,
                    patients=self.options.demo_patients,
                    template=self.options.schema_template,
                )
        except Exception:
            log.exception("kiosk: the replica could not be opened")
            self.sig_load_failed.emit()
            return
        self.sig_loaded.emit(loaded)

    def _open_enrolled(self) -> EnrolledKiosk:
        enrolled = open_enrolled(
            self.options.data_dir, clock=self._clock, poll_seconds=self.options.sync_poll_seconds
        )
        # Enrolled but never filled (the first sync failed): nothing to check in against yet, so
        # wait for the server, with the reason on screen.
        delay = 1.0
        while not enrolled.has_synced():
            self.sig_progress.emit(SYNCING, 0.3)
            if catch_up(enrolled):
                break
            time.sleep(delay)
            delay = min(FIRST_SYNC_RETRY_CAP, delay * 2)
        return enrolled

    def _ready(self, loaded: DemoKiosk | EnrolledKiosk) -> None:
        if isinstance(loaded, EnrolledKiosk):
            self.enrolled = loaded
            backend = DatabaseBackend(
                loaded.database,
                loaded.clinic_id,
                loaded.device_id,
                location=self.settings.location,
                sync_writes=True,
            )
            loaded.sync.start()
        else:
            self.demo = loaded
            engine = create_database_engine(sqlite_url(loaded.replica_path))
            db = Database(engine, chain_id=f"kiosk-{self.settings.device_id}")
            backend = DatabaseBackend(
                db, loaded.clinic_id, self.settings.device_uuid, location=self.settings.location
            )
        profile = backend.profile()
        flow = CheckInFlow(
            backend,
            profile.default_locale,
            timeouts=Timeouts(self.settings.idle_seconds, self.settings.done_seconds),
        )
        self.window.clinic_name.setText(profile.name)
        self.window.setWindowTitle(profile.name)
        if self._source_factory is not None:
            self.camera = CameraFeed(self._source_factory, parent=self)
            self.camera.sig_frame_ready.connect(self._show_frame)
            self.camera.sig_error.connect(lambda _message: self.window.welcome.set_camera_available(False))
        else:
            self.window.welcome.set_camera_available(False)
        scanner = WedgeScanner(self)
        self.controller = KioskController(flow, camera=self.camera, scanner=scanner, parent=self)
        connect(self.window, self.controller)
        self.window.watch_touches()
        self.controller.start()

    def _show_frame(self) -> None:
        if self.camera is not None:
            self.window.show_frame(self.camera.take_frame())

    def stop(self) -> None:
        """Stop scanning and syncing (a check-in still queued is pushed at the next start)."""
        if self.controller is not None:
            self.controller.stop()
        if self.enrolled is not None:
            self.enrolled.close()
            self.enrolled = None

    def quit(self) -> None:
        self.stop()
        self.window.close()
        app = QApplication.instance()
        if app is not None:
            app.exit(0)


def connect(window: KioskWindow, controller: KioskController) -> None:
    """Patient actions on the window to the controller; its states back to the window."""
    controller.sig_state.connect(window.show_state)
    controller.sig_busy.connect(window.set_busy)
    window.sig_language.connect(controller.set_locale)
    window.sig_touched.connect(controller.touch)
    window.sig_no_code.connect(controller.no_code)
    window.sig_submit_details.connect(controller.submit_details)
    window.sig_submit_phone.connect(controller.submit_phone_digits)
    window.sig_back.connect(controller.back)
    window.sig_confirm.connect(controller.confirm)
    window.sig_answer.connect(controller.answer)
    window.sig_done.connect(controller.finish)


def exit_on_crash() -> None:
    """An unexpected error ends the process (logged by type and place only, never its values),
    so the supervisor or the OS restarts a clean kiosk instead of one in an unknown state."""

    def hook(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
        frames = "".join(traceback.format_tb(trace))
        log.critical("kiosk: unexpected %s, restarting\n%s", kind.__name__, frames)
        app = QApplication.instance()
        if app is not None:
            app.exit(CRASH_EXIT)
        else:
            sys.exit(CRASH_EXIT)

    sys.excepthook = hook
