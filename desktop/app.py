"""The desk's composition root and its life: open the replica (or create the demo clinic on a first
run), sign in, work, lock after idle time and unlock with the password, sign out.

Everything the app holds is made here and handed down (the runner, the desk, the windows);
nothing is global except the language and the theme.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Final

import shiboken6
from PySide6.QtCore import QObject, QRect, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget
from sqlalchemy.exc import SQLAlchemyError

from common.clock import SYSTEM_CLOCK, Clock
from common.config import Settings
from common.context import Actor
from common.database import Database
from common.errors import AuthenticationFailed, DomainError
from common.i18n import N_
from common.qt.i18n import _, language
from common.qt.idle import DEFAULT_CHECK_MS, IdleWatcher
from common.qt.operations import OperationRunner, show_failure_box
from common.qt.theme import ThemeManager, set_theme_manager
from common.staff.auth import SessionExpired, StaffSession
from common.storage.engine import DatabaseDamaged, create_database_engine
from desktop import auth
from desktop.desk import Desk
from desktop.entry import FirstRunWindow, LoginWindow, demo_choices
from desktop.preferences import Preferences
from desktop.reads.directory import clinic_info
from desktop.reads.rows import ClinicInfo
from desktop.screens import build_registry
from desktop.screens.registry import ScreenRegistry
from desktop.startup import Opened, check_integrity, create_demo_clinic_in_child, open_replica

if TYPE_CHECKING:
    from common.qt.scanner import WedgeScanner
    from common.qt.serial_scanner import SerialScanner
    from common.vision.frames import FrameSource
    from desktop.enrollment.controller import EnrollmentFlow
    from desktop.main_window import MainWindow
    from desktop.scanning import ScanRouter
    from desktop.sync_bridge import DeskSync

log = logging.getLogger(__name__)

PREFERENCES_FILE: Final = "desktop.ini"
INTEGRITY_CHECK_AFTER_MS: Final = 2_000  # after the first window is up, while the person types


@dataclass(frozen=True)
class AppConfig:
    settings: Settings
    clock: Clock = SYSTEM_CLOCK
    locale: str | None = None  # a fixed language (screenshots, tests); else the saved one
    dark: bool | None = None  # a fixed palette; None follows the system
    idle_clock: Callable[[], float] = time.monotonic
    idle_check_ms: int = DEFAULT_CHECK_MS
    idle_minutes: float | None = None  # None: the saved preference
    registry: ScreenRegistry | None = None
    window_size: tuple[int, int] | None = None


class DesktopApp(QObject):
    """Drives the windows; `sig_state` says where the app is: opening, first_run, login, desk, locked."""

    sig_state = Signal(str)

    def __init__(self, config: AppConfig) -> None:
        super().__init__()
        self.config = config
        self.state = "opening"
        settings = config.settings
        settings.ensure_data_dir()
        self.prefs = Preferences(settings.data_dir / PREFERENCES_FILE)
        self.themes = ThemeManager(config.dark)
        set_theme_manager(self.themes)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            self.themes.install(app)
        # The integrity check and migrations run on the worker, not here (see open_replica).
        self.engine = create_database_engine(settings.database_url, check_integrity=False)
        self.db = Database(self.engine, clock=config.clock, chain_id=self._chain_id())
        self.runner = OperationRunner(self.db, locale=lambda: language().locale)
        if config.locale:
            language().set_locale(config.locale)
        language().sig_language_changed.connect(self._language_changed)
        self.registry = config.registry or build_registry()
        self.desk: Desk | None = None
        self.first_run: FirstRunWindow | None = None
        self.login: LoginWindow | None = None
        self.window: MainWindow | None = None
        self.scanner: WedgeScanner | None = None  # made at the first sign-in
        self.scan_router: ScanRouter | None = None
        self.serial_scanner: SerialScanner | None = None  # when desktop.ini names its port
        self.camera_source: Callable[[], FrameSource] | None = None  # None: desktop.ini's webcam
        self.enrollment: EnrollmentFlow | None = None  # connecting this PC to a clinic's server
        self.sync: DeskSync | None = None  # the sync engine, once the clinic is open
        self.idle = IdleWatcher(
            60 * (config.idle_minutes or self.prefs.idle_minutes()),
            clock=config.idle_clock,
            check_ms=config.idle_check_ms,
            parent=self,
        )
        self.idle.sig_idle.connect(self.lock)
        self._unlock_failures = 0

    # -- opening ----------------------------------------------------------------------------------

    def start(self) -> None:
        self.runner.run(
            lambda db, progress: open_replica(db, progress, check=False),
            name="replica.open",
            on_success=self._opened,
        )
        # The whole-file integrity check runs beside the desk once its first window is up (it reads
        # every page: seconds on a large replica); a damaged replica stops the desk when found.
        self.integrity = IntegrityCheck(self.db, parent=self)
        self.integrity.sig_damaged.connect(self._damaged)

    def _damaged(self) -> None:
        log.error("the local replica failed its integrity check")
        self.sign_out()
        for window in (self.login, self.first_run):
            if window is not None:
                window.setEnabled(False)
        show_failure_box(self.login or self.first_run, _(DAMAGED))
        self._set_state("damaged")

    def _opened(self, opened: Opened) -> None:
        if opened.clinic_id is None:
            self._show_first_run(resume_enrollment=opened.enrolling)
        else:
            self._load_clinic(opened.clinic_id)

    def _show_first_run(self, resume_enrollment: bool = False) -> None:
        self.first_run = FirstRunWindow(can_enroll=self.config.settings.is_sqlite)
        self.first_run.sig_open_demo.connect(self.create_demo)
        self.first_run.sig_enroll.connect(self.enroll)
        self._show(self.first_run)
        self._set_state("first_run")
        if resume_enrollment:
            self.enroll(resume=True)

    def enroll(self, resume: bool = False) -> None:
        """Connect this PC to a clinic's server (desktop/enrollment), then open that clinic."""
        if self.first_run is None:
            return
        if self.enrollment is None:
            from desktop.enrollment.controller import EnrollmentFlow

            self.enrollment = EnrollmentFlow(
                self.runner, self.config.settings.data_dir, self.first_run, parent=self
            )
            self.enrollment.sig_done.connect(self._load_clinic)
        self.enrollment.open(resume=resume)

    def create_demo(self) -> None:
        window = self.first_run
        self.runner.run(
            create_demo_clinic_in_child,
            name="demo.create",
            on_success=self._load_clinic,
            on_failure=self._demo_failed,
            on_progress=window.show_progress if window is not None else None,
            parent=window,
        )

    def _demo_failed(self, _error: BaseException) -> bool:
        if self.first_run is not None:
            self.first_run.failed()
        return False  # the runner shows what went wrong

    def _load_clinic(self, clinic_id: uuid.UUID) -> None:
        def load(db: Database) -> ClinicInfo:
            with db.context(clinic_id, Actor.system()) as ctx:
                return clinic_info(ctx)

        self.runner.run(load, name="clinic.load", on_success=self._clinic_loaded)

    def _clinic_loaded(self, clinic: ClinicInfo) -> None:
        if not self.config.locale:
            language().set_locale(self.prefs.language(default=clinic.default_language))
        self.desk = Desk(self.runner, clinic, parent=self)
        self.login = LoginWindow(clinic.name, demo_choices() if clinic.is_demo else None)
        self.login.sig_submit.connect(self._sign_in)
        self.login.sig_demo_picked.connect(self._fill_demo_login)
        self.login.email.setText(self.prefs.last_email())
        if self.first_run is not None:
            self.first_run.close()
            self.first_run.deleteLater()
            self.first_run = None
        self._show(self.login)
        self.login.reset()
        self._set_state("login")
        _prefetch_desk_modules()
        if self.sync is None:
            from desktop.sync_bridge import start_sync

            self.sync = start_sync(self.runner, self.config.settings.data_dir, parent=self)

    # -- signing in and out -------------------------------------------------------------------

    def _fill_demo_login(self, email: str) -> None:
        from common.demo import DEMO_PASSWORD  # the demo's published password

        if self.login is not None:
            self.login.fill(email, DEMO_PASSWORD, auth.demo_code_for(email, self.db))

    def _sign_in(self, email: str, password: str, code: str) -> None:
        desk, login = self.desk, self.login
        assert desk is not None
        assert login is not None
        clinic_id = desk.clinic.id

        def failed(error: BaseException) -> bool:
            if isinstance(error, DomainError):
                login.show_error(error.translated(language().locale))
                return True
            login.set_busy(False)
            return False

        self.runner.run(
            lambda db: auth.sign_in(db, clinic_id, email, password, code),
            name="auth.sign_in",
            on_success=lambda session: self._signed_in(session, email),
            on_failure=failed,
            parent=login,
        )

    def _signed_in(self, session: StaffSession, email: str) -> None:
        from desktop.main_window import MainWindow
        from desktop.scanning import ScanRouter, make_scanner, make_serial_scanner

        assert self.desk is not None
        self.prefs.set_last_email(email)
        self._unlock_failures = 0
        self.desk.set_session(session)
        self.window = MainWindow(self.desk, self.registry)
        self.window.sig_lock_requested.connect(self.lock)
        self.window.sig_sign_out_requested.connect(self.sign_out)
        self.window.lock_screen.sig_unlock.connect(self._unlock)
        self.window.lock_screen.sig_sign_out.connect(self.sign_out)
        self.scan_router = ScanRouter(
            self.desk, lambda: self.window is None or self.window.locked, parent=self
        )
        self.scan_router.sig_message.connect(self._status_message)
        if self.scanner is None:
            self.scanner = make_scanner(self)
        if self.scanner is not None:
            self.scanner.sig_scanned.connect(self.scan_router.handle)
        if self.serial_scanner is None:
            self.serial_scanner = make_serial_scanner(self.prefs, self._status_message, parent=self)
        if self.serial_scanner is not None:
            self.serial_scanner.sig_scanned.connect(self.scan_router.handle_serial)
        self.window.sig_scan_with_camera.connect(self.scan_with_camera)
        self.desk.sig_scan_typed.connect(self.scan_router.handle)
        self._show(self.window, main=True)
        if self.login is not None:
            self.login.hide()
        self.idle.start()
        self._set_state("desk")

    def scan_with_camera(self) -> None:
        """The camera dialog (desktop/camera_scan.py); what it reads is routed as a wedge scan."""
        from desktop.camera_scan import CameraScanDialog, webcam

        if self.window is None or self.scan_router is None:
            return
        source = self.camera_source or webcam(self.prefs.camera_index())
        CameraScanDialog(self.scan_router, source, parent=self.window).open()

    def _status_message(self, text: str) -> None:
        if self.window is not None:
            self.window.statusBar().showMessage(text, 8000)

    def sign_out(self) -> None:
        """End the session: the window and everything it showed are destroyed."""
        if self.desk is None:
            return
        self.idle.stop()
        if self.scan_router is not None:
            if self.scanner is not None:
                self.scanner.sig_scanned.disconnect(self.scan_router.handle)
            if self.serial_scanner is not None:
                self.serial_scanner.sig_scanned.disconnect(self.scan_router.handle_serial)
            self.desk.sig_scan_typed.disconnect(self.scan_router.handle)
        self.scan_router = None
        self.desk.set_session(None)
        if self.window is not None:
            self.window.hide()
            self.window.deleteLater()
            self.window = None
        if self.login is not None:
            self._show(self.login)
            self.login.reset()
        self._set_state("login")

    # -- locking --------------------------------------------------------------------------------

    def lock(self) -> None:
        if self.window is None or self.window.locked:
            return
        self.idle.stop()
        for widget in QApplication.topLevelWidgets():
            if widget is not self.window and widget.isModal() and widget.isVisible():
                widget.hide()  # an open dialog would show patients' details over the lock
        self.window.show_lock()
        self._set_state("locked")

    def _unlock(self, password: str) -> None:
        desk, window = self.desk, self.window
        if desk is None or desk.session is None or window is None:
            return
        session = desk.session

        def failed(error: BaseException) -> bool:
            if isinstance(error, SessionExpired):
                self.sign_out()
                if self.login is not None:
                    self.login.show_error(error.translated(language().locale))
                return True
            if isinstance(error, AuthenticationFailed):
                self._unlock_failures += 1
                if self._unlock_failures >= auth.MAX_UNLOCK_ATTEMPTS:
                    self.sign_out()
                    return True
                window.lock_screen.show_error(_("The password is not correct. Try again."))
                return True
            window.lock_screen.show_error("")
            return False

        self.runner.run(
            lambda db: auth.unlock(db, session, password),
            name="auth.unlock",
            on_success=self._unlocked,
            on_failure=failed,
            parent=window,
        )

    def _unlocked(self, session: StaffSession) -> None:
        if self.desk is None or self.window is None:
            return
        self._unlock_failures = 0
        self.desk.session = replace(session)
        self.window.show_workspace()
        self.idle.start()
        self._set_state("desk")

    # -- the rest ---------------------------------------------------------------------------------

    def shutdown(self) -> None:
        self.idle.stop()
        if self.enrollment is not None:
            self.enrollment.shutdown()
        if self.sync is not None:
            self.sync.stop()
        if hasattr(self, "integrity"):
            self.integrity.wait(timeout=30)
        if self.scanner is not None:
            self.scanner.uninstall()
        if self.serial_scanner is not None:
            self.serial_scanner.stop()
        self.runner.shutdown()
        self.engine.dispose()
        self.prefs.sync()

    def _set_state(self, state: str) -> None:
        if state in ("first_run", "login") and not self.integrity.started:
            QTimer.singleShot(INTEGRITY_CHECK_AFTER_MS, self.integrity.start)
        self.state = state
        self.sig_state.emit(state)

    def _language_changed(self, locale: str) -> None:
        if not self.config.locale:
            self.prefs.set_language(locale)

    def _chain_id(self) -> str:
        return f"desk-{self.prefs.device_id()}"

    def _show(self, widget: QWidget, *, main: bool = False) -> None:
        if self.config.window_size is not None:
            widget.resize(*self.config.window_size)
        elif main:
            widget.setGeometry(_comfortable_geometry())
        else:
            widget.resize(1000, 720)
        widget.show()
        widget.raise_()
        widget.activateWindow()


DAMAGED: Final = N_(
    "The records on this PC failed their integrity check, so the desk will not use them. "
    "Ask your administrator to restore this PC's records from a backup or to sync them again."
)


class IntegrityCheck(QObject):
    """SQLite's quick check of the replica on a thread of its own; `sig_damaged` if it fails."""

    sig_damaged = Signal()

    def __init__(self, db: Database, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._thread = threading.Thread(target=self._run, name="replica-check", daemon=True)

    @property
    def started(self) -> bool:
        return self._thread.ident is not None

    def start(self) -> None:
        if not self.started:
            self._thread.start()

    def wait(self, timeout: float | None = None) -> None:
        if self.started:
            self._thread.join(timeout)

    def _run(self) -> None:
        try:
            check_integrity(self._db)
        except DatabaseDamaged:
            # The check runs on a plain thread and can outlive its app (a desk closed while it
            # read the file): emitting on a destroyed QObject raises inside Qt's event loop.
            if shiboken6.isValid(self):
                self.sig_damaged.emit()
        except SQLAlchemyError:
            log.exception("the integrity check of the local replica could not run")


DESK_MODULES: Final = (
    "desktop.actions",
    "desktop.main_window",
    "desktop.scanning",
    "common.qt.scanner",
    "desktop.screens.today",
    "desktop.screens.calendar.screen",
    "desktop.screens.patients.screen",
    "desktop.camera_scan",  # OpenCV: a fifth of a second to load, not on the first Ctrl+Shift+S
)


def _prefetch_desk_modules() -> None:
    """Import what the desk needs after sign-in while the sign-in window waits for the person
    (a thread of its own: the database worker stays free for the sign-in itself)."""

    def load() -> None:
        for name in DESK_MODULES:
            try:
                importlib.import_module(name)
            except ImportError:
                log.exception("could not load %s ahead of time", name)

    threading.Thread(target=load, name="desk-prefetch", daemon=True).start()


def _comfortable_geometry() -> QRect:
    screen = QGuiApplication.primaryScreen()
    if screen is None:
        return QRect(0, 0, 1360, 860)
    area = screen.availableGeometry()
    width, height = min(1480, int(area.width() * 0.92)), min(940, int(area.height() * 0.92))
    return QRect(
        area.x() + (area.width() - width) // 2, area.y() + (area.height() - height) // 2, width, height
    )
