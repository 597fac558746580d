"""One background-operation helper for both apps (STYLE.md point 3; Anki's `CollectionOp`).

An operation is a plain function of the store, `fn(db) -> result` (or `fn(db, progress)` for long
work). It runs on ONE database worker thread, so the GUI thread never touches the database and
writes never race each other. Its result, or its failure, comes back on the GUI thread:

    runner.run(lambda db: book(db, request), name="appointment.book",
               on_success=self._booked, parent=self)

- A failure is always shown, never swallowed: a `DomainError` as its translated message; anything
  else as a generic message with a reference, and logged with that reference and the error's type
  and stack frames only (never its text: it could hold a patient's details). `on_failure` may
  handle a failure itself (return True) to show something richer, e.g. a booking's alternatives.
- After each successful operation that wrote something, ONE signal, `sig_changed`, announces which
  tables changed (recorded from the ORM flushes the operation made, plus any it declares), and each
  screen decides whether to refresh. Nothing polls.
- `key`: a newer operation with the same key supersedes an older one still waiting, and an older
  result that arrives late is dropped (search as you type).
- `progress`: the function gets a `Progress` to report to, delivered (throttled) on the GUI thread.
"""

from __future__ import annotations

import inspect
import itertools
import logging
import queue
import secrets
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final

import shiboken6
from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from sqlalchemy import event
from sqlalchemy.orm import Session

from common.database import Database
from common.errors import DomainError
from common.i18n import N_, translate
from common.qt.collector import collect_on_gui_thread

log = logging.getLogger(__name__)

GENERIC_FAILURE: Final = N_(
    "Something went wrong and the action was not completed. Please try again. If it keeps "
    "happening, tell your administrator and quote reference %(reference)s."
)
PROGRESS_INTERVAL: Final = 0.05  # seconds between progress reports on the GUI thread

OperationFn = Callable[..., Any]
SuccessFn = Callable[[Any], None]
FailureFn = Callable[[BaseException], bool | None]
ProgressFn = Callable[[int, int, str], None]
FailurePresenter = Callable[["QWidget | None", str], None]


# ---- what an operation wrote ----------------------------------------------------------------

_recording = threading.local()


@event.listens_for(Session, "after_flush")
def _note_flushed_tables(session: Session, _context: Any) -> None:
    tables: set[str] | None = getattr(_recording, "tables", None)
    if tables is None:
        return
    for obj in itertools.chain(session.new, session.dirty, session.deleted):
        name = getattr(obj, "__tablename__", None)
        if isinstance(name, str):
            tables.add(name)


def note_changed(*tables: str) -> None:
    """Declare tables an operation changed without an ORM flush (bulk writes), from inside it."""
    recorded: set[str] | None = getattr(_recording, "tables", None)
    if recorded is not None:
        recorded.update(tables)


# ---- jobs -------------------------------------------------------------------------------------


@dataclass(eq=False)
class Job:
    id: int
    fn: OperationFn
    name: str
    wants_progress: bool
    declared_changes: frozenset[str]
    key: str | None = None
    on_success: SuccessFn | None = None
    on_failure: FailureFn | None = None
    on_progress: ProgressFn | None = None
    parent: QWidget | None = None
    cancelled: bool = False
    started_at: float = field(default=0.0)

    def cancel(self) -> None:
        """Skip it if it has not started; a long operation also sees `progress.cancelled`."""
        self.cancelled = True


class Progress:
    """What a long operation reports to; reports reach the GUI thread at most every 50 ms."""

    def __init__(self, worker: _Worker, job: Job) -> None:
        self._worker = worker
        self._job = job
        self._last = 0.0

    @property
    def cancelled(self) -> bool:
        return self._job.cancelled

    def report(self, done: int, total: int = 0, message: str = "") -> None:
        """`done` of `total` steps (`total` 0: unknown); `message` is a msgid, translated when shown."""
        now = time.monotonic()
        if now - self._last < PROGRESS_INTERVAL and not (total and done >= total):
            return
        self._last = now
        self._worker.sig_progress.emit(self._job, done, total, message)


class _Skipped:
    """The marker of a job that never ran (cancelled or superseded)."""


class _Worker(QThread):
    sig_finished = Signal(object, object, object, object)  # job, result, error, changed tables
    sig_progress = Signal(object, int, int, str)

    def __init__(self, db: Database) -> None:
        super().__init__()
        self._db = db
        self._jobs: queue.Queue[Job | None] = queue.Queue()

    def submit(self, job: Job) -> None:
        self._jobs.put(job)

    def stop(self) -> None:
        self._jobs.put(None)

    def run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            if job.cancelled:
                self.sig_finished.emit(job, None, _Skipped(), frozenset())
                continue
            _recording.tables = set()
            job.started_at = time.monotonic()
            try:
                arguments = (self._db, Progress(self, job)) if job.wants_progress else (self._db,)
                result = job.fn(*arguments)
            except BaseException as error:
                self.sig_finished.emit(job, None, error, frozenset())
            else:
                changed = frozenset(_recording.tables) | job.declared_changes
                self.sig_finished.emit(job, result, None, changed)
            finally:
                _recording.tables = None


# ---- what a person is told -------------------------------------------------------------------


def failure_message(error: BaseException, locale: str, *, name: str = "operation") -> str:
    """The message a person sees for a failed operation (unexpected ones are logged, ids only)."""
    if isinstance(error, DomainError):
        return error.translated(locale)
    reference = secrets.token_hex(4).upper()
    # The type and where it happened (file, line, function) only: neither the exception's text nor
    # the source lines, which may hold personal data.
    frames = "\n".join(
        f"  {frame.filename}:{frame.lineno} in {frame.name}"
        for frame in traceback.extract_tb(error.__traceback__)
    )
    log.error("%s failed with %s (reference %s)\n%s", name, type(error).__name__, reference, frames)
    return translate(GENERIC_FAILURE, locale, reference=reference)


def show_failure_box(parent: QWidget | None, message: str) -> None:
    """A non-blocking warning box (window-modal to `parent` or the active window)."""
    owner = parent.window() if parent is not None else QApplication.activeWindow()
    box = QMessageBox(QMessageBox.Icon.Warning, "", message, QMessageBox.StandardButton.Ok, owner)
    box.setObjectName("failure_box")
    box.setAccessibleName(message)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()


# ---- the runner ---------------------------------------------------------------------------------


class OperationRunner(QObject):
    """Runs operations on one database worker thread and delivers their outcome on the GUI thread."""

    sig_changed = Signal(object)  # frozenset[str]: the tables a successful operation wrote
    sig_busy = Signal(bool)  # True when the first operation starts, False when the last ends
    sig_failure = Signal(str)  # the message a person was shown
    sig_finished = Signal(str)  # the name of each operation that ended (for tests and timings)

    def __init__(
        self,
        db: Database,
        *,
        locale: Callable[[], str] = lambda: "en",
        present_failure: FailurePresenter = show_failure_box,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self._locale = locale
        self._present_failure = present_failure
        self._ids = itertools.count(1)
        self._latest: dict[str, int] = {}
        self._waiting: dict[str, Job] = {}
        self._in_flight = 0
        # Before the first thread off the GUI thread starts: no thread but the GUI's may free Qt
        # objects (the worker here, the desk's sync engine and loaders after it).
        collect_on_gui_thread()
        self._worker = _Worker(db)
        self._worker.sig_finished.connect(self._finished)
        self._worker.sig_progress.connect(self._progress)
        self._worker.start()

    @property
    def busy(self) -> bool:
        return self._in_flight > 0

    def run(
        self,
        fn: OperationFn,
        *,
        name: str,
        on_success: SuccessFn | None = None,
        on_failure: FailureFn | None = None,
        on_progress: ProgressFn | None = None,
        changes: Iterable[str] = (),
        key: str | None = None,
        parent: QWidget | None = None,
    ) -> Job:
        """Queue `fn(db)` (or `fn(db, progress)` when it takes two parameters).

        `name` says what it is, for logs (no personal data); `changes` adds tables it writes
        without an ORM flush; `parent` is the widget that asked: if it is gone when the result
        arrives, the callbacks are skipped (the failure is still logged)."""
        job = Job(
            id=next(self._ids),
            fn=fn,
            name=name,
            wants_progress=_takes_progress(fn),
            declared_changes=frozenset(changes),
            key=key,
            on_success=on_success,
            on_failure=on_failure,
            on_progress=on_progress,
            parent=parent,
        )
        if key is not None:
            older = self._waiting.pop(key, None)
            if older is not None:
                older.cancel()
            self._latest[key] = job.id
            self._waiting[key] = job
        self._in_flight += 1
        if self._in_flight == 1:
            self.sig_busy.emit(True)
        self._worker.submit(job)
        return job

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Let queued operations finish, then stop the worker."""
        if self._worker.isRunning():
            self._worker.stop()
            self._worker.wait(timeout_ms)

    # -- on the GUI thread ------------------------------------------------------------------

    def _progress(self, job: Job, done: int, total: int, message: str) -> None:
        if job.on_progress is not None and not job.cancelled and _alive(job.parent):
            job.on_progress(done, total, message)

    def _finished(self, job: Job, result: Any, error: BaseException | None, changed: frozenset[str]) -> None:
        if job.key is not None and self._waiting.get(job.key) is job:
            del self._waiting[job.key]
        try:
            if isinstance(error, _Skipped):
                return
            stale = job.key is not None and self._latest.get(job.key) != job.id
            if error is not None:
                self._fail(job, error, quiet=stale)
            else:
                if changed:
                    self.sig_changed.emit(changed)
                if not stale and job.on_success is not None and _alive(job.parent):
                    job.on_success(result)
        finally:
            self._in_flight -= 1
            self.sig_finished.emit(job.name)
            if self._in_flight == 0:
                self.sig_busy.emit(False)

    def _fail(self, job: Job, error: BaseException, *, quiet: bool) -> None:
        message = failure_message(error, self._locale(), name=job.name)
        if quiet or not _alive(job.parent):
            return
        if job.on_failure is not None and job.on_failure(error):
            return
        self.sig_failure.emit(message)
        self._present_failure(job.parent, message)


def _alive(widget: QWidget | None) -> bool:
    return widget is None or shiboken6.isValid(widget)


def _takes_progress(fn: OperationFn) -> bool:
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = [
        p
        for p in parameters
        if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        and p.default is inspect.Parameter.empty
    ]
    return len(positional) >= 2
