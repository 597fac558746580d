"""The enrollment's steps, driven from the first-run window: check what was typed, enroll on the
database worker, then the initial sync (a long operation of the same worker, which relays the
progress of the child process pulling the pages; cancellable at a page boundary, resumable, also
after the desk was closed); `sig_done(clinic_id)` once the clinic is on this PC.

A code scanned with a keyboard-wedge scanner lands in the code field wherever the focus is; the
camera dialog reads its QR code too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from common.qt.operations import Job, OperationRunner
from common.qt.scanner import WedgeScanner
from common.vision.frames import FrameSource
from desktop.enrollment import flow
from desktop.enrollment.page import EnrollmentPage
from desktop.entry import FirstRunWindow

# Problems after which the code must be typed again (the PC is not, or no longer, accepted).
_ASK_AGAIN = frozenset({flow.CREDENTIAL_MISSING, flow.DEVICE_REVOKED})


class EnrollmentFlow(QObject):
    sig_done = Signal(object)  # the clinic's id, its records on this PC

    def __init__(
        self,
        runner: OperationRunner,
        data_dir: Path,
        window: FirstRunWindow,
        *,
        camera: Callable[[], FrameSource] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.data_dir = data_dir
        self.window = window
        self.page = EnrollmentPage()
        self.camera_source = camera  # where the camera dialog's frames come from (None: webcam 0)
        self._server = ""
        self._job: Job | None = None
        self._time_left = flow.TimeLeft()
        self.scanner = WedgeScanner(self)
        self.scanner.sig_scanned.connect(self.page.take_scan)
        self.page.sig_connect.connect(self.connect_to)
        self.page.sig_back.connect(self._back)
        self.page.sig_camera.connect(self.open_camera)
        self.page.sig_cancel.connect(self.cancel)
        self.page.sig_resume.connect(self.start_sync)
        runner.sig_finished.connect(self._operation_ended)

    @property
    def syncing(self) -> bool:
        return self._job is not None

    def open(self, *, resume: bool = False) -> None:
        """Show the page: the form, or (an enrolled PC whose initial sync did not finish) the sync."""
        self.window.show_page(self.page)
        if resume:
            self.start_sync()
        else:
            self.page.show_form()
            self.scanner.install()

    def _back(self) -> None:
        self.scanner.uninstall()
        self.window.show_welcome()

    # -- enrolling -------------------------------------------------------------------------------

    def connect_to(self, server_text: str, code_text: str) -> None:
        try:
            server = flow.server_address(server_text)
            code = flow.code_from(code_text)
        except flow.EnrollmentInputError as error:
            self.page.show_form_error(flow.explain(error))
            return
        self._server = server
        self.page.set_busy(True)
        data_dir = self.data_dir
        self.runner.run(
            lambda db: flow.enroll_desk(db, data_dir, server, code),
            name="enrollment.enroll",
            on_success=self._enrolled,
            on_failure=self._enroll_failed,
            parent=self.page,
        )

    def _enrolled(self, _enrolled: flow.Enrolled) -> None:
        self.scanner.uninstall()
        self.start_sync()

    def _enroll_failed(self, error: BaseException) -> bool:
        self.page.show_form_error(flow.explain(error, self._server))
        return True

    def open_camera(self) -> None:
        from desktop.enrollment.camera import CameraDialog, default_camera

        dialog = CameraDialog(self.camera_source or default_camera, self.page.window())
        dialog.sig_code.connect(self.page.take_scan)
        dialog.open()

    # -- the initial sync ----------------------------------------------------------------------------

    def start_sync(self) -> None:
        if self._job is not None:
            return
        self.page.show_syncing()
        self._time_left = flow.TimeLeft()
        data_dir = self.data_dir
        self._job = self.runner.run(
            lambda db, progress: flow.initial_sync(db, data_dir, progress),
            name="enrollment.initial_sync",
            on_success=self._synced,
            on_failure=self._sync_failed,
            on_progress=self._progress,
            parent=self.page,
        )

    def cancel(self) -> None:
        """Stop at the next page boundary (what was applied stays)."""
        if self._job is not None:
            self._job.cancel()

    def _progress(self, done: int, total: int, _message: str) -> None:
        self.page.show_progress(done, total, self._time_left.update(done, total))

    def _synced(self, outcome: flow.SyncOutcome) -> None:
        self._job = None
        self.page.show_progress(outcome.done, outcome.total, 0.0)
        if not outcome.finished:
            self.page.show_paused()
            return
        self.page.show_finished()
        self.sig_done.emit(outcome.clinic_id)

    def _operation_ended(self, name: str) -> None:
        job = self._job
        if name == "enrollment.initial_sync" and job is not None and job.cancelled and not job.started_at:
            self._job = None  # cancelled before it started: the runner skipped it
            self.page.show_paused()

    def _sync_failed(self, error: BaseException) -> bool:
        self._job = None
        problem = flow.explain(error, self._server)
        if problem.msgid in _ASK_AGAIN:
            self.page.show_form_error(problem)
            self.scanner.install()
        else:
            self.page.show_paused(problem)
        return True

    def shutdown(self) -> None:
        self.scanner.uninstall()
        self.cancel()
