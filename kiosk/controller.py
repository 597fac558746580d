"""The kiosk's one controller: patient actions in, flow states out, the camera and the scanner
switched on and off with the screens, and the idle reset.

Every flow step runs on the database worker; its new state comes back on the GUI thread through
`sig_state(state, locale)`. On a reset (idle, or a finished check-in) the scanner drops any
half-read burst; the camera remembers codes only as keyed hashes, so nothing of a patient
outlives their visit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any, Final

from PySide6.QtCore import QObject, QTimer, Signal

from common.checkin.errors import CheckInUnavailable
from common.checkin.flow import SCAN_READY, CheckInFlow, Refused, State, Welcome
from common.checkin.outcomes import Refusal
from common.checkin.questions import Answer
from common.qt.camera import CameraFeed
from common.qt.scanner import WedgeScanner
from kiosk.worker import Worker

log = logging.getLogger(__name__)

TICK_MS: Final = 500
BUSY_AFTER_MS: Final = 250


class KioskController(QObject):
    sig_state = Signal(object, str)
    sig_busy = Signal(bool)
    sig_step_done = Signal()  # a patient action has been answered (tests and benchmarks wait on it)

    def __init__(
        self,
        flow: CheckInFlow,
        *,
        camera: CameraFeed | None = None,
        scanner: WedgeScanner | None = None,
        tick_ms: int = TICK_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.flow = flow
        self.camera = camera
        self.scanner = scanner
        self.worker = Worker(self)
        self.state: State = flow.state
        self.locale = flow.locale
        self._pending = 0
        self._busy_timer = QTimer(self)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.setInterval(BUSY_AFTER_MS)
        self._busy_timer.timeout.connect(lambda: self.sig_busy.emit(True))
        self._tick = QTimer(self)
        self._tick.setInterval(tick_ms)
        self._tick.timeout.connect(self._check_idle)
        if camera is not None:
            camera.sig_code.connect(self.scan)
        if scanner is not None:
            scanner.sig_scanned.connect(self.scan)

    def start(self) -> None:
        self._tick.start()
        if self.camera is not None:
            self.camera.start()
        if self.scanner is not None:
            self.scanner.install()
        self._publish(self.flow.state, self.flow.locale)

    def stop(self) -> None:
        self._tick.stop()
        if self.camera is not None:
            self.camera.stop()
        if self.scanner is not None:
            self.scanner.uninstall()
        self.worker.stop()

    # -- patient actions (GUI thread) --------------------------------------------------------
    def touch(self) -> None:
        self.flow.touch()  # one float written: safe from the GUI thread

    def scan(self, value: str) -> None:
        if isinstance(self.state, SCAN_READY):
            self._step(lambda: self.flow.scan(value))

    def no_code(self) -> None:
        self._step(self.flow.no_code)

    def submit_details(self, last_name: str, date_of_birth: date) -> None:
        self._step(lambda: self.flow.submit_details(last_name, date_of_birth))

    def submit_phone_digits(self, digits: str) -> None:
        self._step(lambda: self.flow.submit_phone_digits(digits))

    def confirm(self) -> None:
        self._step(self.flow.confirm)

    def answer(self, answer: str) -> None:
        self._step(lambda: self.flow.answer(Answer(answer)))

    def back(self) -> None:
        self._step(self.flow.back)

    def finish(self) -> None:
        """“Done” on the confirmation: the next patient starts afresh."""
        self._step(self.flow.reset)

    def reset(self) -> None:
        self._step(self.flow.reset)

    def set_locale(self, locale: str) -> None:
        self._step(lambda: self.flow.set_locale(locale))

    # -- plumbing ----------------------------------------------------------------------------
    def _step(self, action: Callable[[], Any]) -> None:
        self._pending += 1
        self._busy_timer.start()

        def run() -> tuple[State, str]:
            action()
            return self.flow.state, self.flow.locale

        self.worker.submit(run, self._answered, self._failed)

    def _answered(self, result: tuple[State, str]) -> None:
        self._settle()
        state, locale = result
        self._publish(state, locale)
        self.sig_step_done.emit()

    def _failed(self, _error: object) -> None:
        self._settle()
        self._publish(Refused(Refusal.of(CheckInUnavailable(), "UTC")), self.locale)
        self.sig_step_done.emit()

    def _settle(self) -> None:
        self._pending = max(0, self._pending - 1)
        if self._pending == 0:
            self._busy_timer.stop()
            self.sig_busy.emit(False)

    def _check_idle(self) -> None:
        if self._pending:
            return

        def run() -> tuple[State, str] | None:
            if self.flow.reset_if_due():
                return self.flow.state, self.flow.locale
            return None

        self.worker.submit(run, self._after_idle_check)

    def _after_idle_check(self, result: tuple[State, str] | None) -> None:
        if result is not None:
            log.info("kiosk: idle reset")
            self._publish(*result)

    def _publish(self, state: State, locale: str) -> None:
        if isinstance(state, Welcome) and not isinstance(self.state, Welcome):
            self._forget()
        self.state, self.locale = state, locale
        if self.camera is not None:
            self.camera.set_reporting(isinstance(state, SCAN_READY))
        self.sig_state.emit(state, locale)

    def _forget(self) -> None:
        # The camera keeps only keyed hashes of codes seen (so a phone still held up is not read
        # again); the scanner drops any half-read burst.
        if self.scanner is not None:
            self.scanner.forget()
