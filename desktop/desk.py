"""What every screen is given, instead of globals: the operation runner, the clinic, who is signed
in, the names screens show, and navigation.

Screens read with `desk.read(fn)` (fn takes a ServiceContext, runs on the worker thread) and write
with `desk.write(intent)` (desktop/actions.py); both come back on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from common.access.permissions import Permission
from common.context import Actor, ServiceContext
from common.database import Database
from common.qt.operations import FailureFn, Job, OperationRunner, ProgressFn
from common.staff.auth import StaffSession
from desktop.reads.directory import directory
from desktop.reads.rows import ClinicInfo, Directory

if TYPE_CHECKING:
    from desktop.actions import Intent

T = TypeVar("T")

DIRECTORY_TABLES = frozenset({"staff_users", "treatment_catalog", "treatment_categories"})


class Desk(QObject):
    sig_navigate = Signal(str, object)  # screen key, dict of arguments
    sig_directory_changed = Signal()
    sig_session_changed = Signal()
    sig_scan_typed = Signal(str)  # a code typed where a scanner would be used; handled as a scan

    def __init__(self, runner: OperationRunner, clinic: ClinicInfo, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.clinic = clinic
        self.session: StaffSession | None = None
        self.directory = Directory()
        runner.sig_changed.connect(self._changed)

    # -- who and when ---------------------------------------------------------------------------

    @property
    def db(self) -> Database:
        return self.runner.db

    @property
    def actor(self) -> Actor:
        if self.session is None:
            raise RuntimeError("nobody is signed in")
        return self.session.actor()

    @property
    def signed_in(self) -> bool:
        return self.session is not None

    def can(self, permission: Permission) -> bool:
        return self.session is not None and permission in self.actor.permissions

    def now(self) -> datetime:
        """Now, in the clinic's zone."""
        return self.db.clock.now().astimezone(self.clinic.tz)

    def today(self) -> date:
        return self.now().date()

    def set_session(self, session: StaffSession | None) -> None:
        self.session = session
        self.sig_session_changed.emit()
        if session is not None:
            self.reload_directory()

    # -- the store --------------------------------------------------------------------------------

    def read(
        self,
        fn: Callable[[ServiceContext], T],
        *,
        name: str,
        on_success: Callable[[T], None] | None = None,
        on_failure: FailureFn | None = None,
        key: str | None = None,
        parent: QWidget | None = None,
    ) -> Job:
        clinic_id, actor = self.clinic.id, self.actor

        def operation(db: Database) -> T:
            with db.context(clinic_id, actor) as ctx:
                return fn(ctx)

        return self.runner.run(
            operation, name=name, on_success=on_success, on_failure=on_failure, key=key, parent=parent
        )

    def write(
        self,
        intent: Intent,
        *,
        on_success: Callable[[Any], None] | None = None,
        on_failure: FailureFn | None = None,
        on_progress: ProgressFn | None = None,
        parent: QWidget | None = None,
    ) -> Job:
        from desktop.actions import perform  # with every service: loaded after the first window

        clinic_id, actor = self.clinic.id, self.actor
        return self.runner.run(
            lambda db: perform(db, clinic_id, actor, intent),
            name=intent.name,
            on_success=on_success,
            on_failure=on_failure,
            on_progress=on_progress,
            changes=intent.changes,
            parent=parent,
        )

    # -- navigation and names -----------------------------------------------------------------

    def navigate(self, key: str, **args: Any) -> None:
        self.sig_navigate.emit(key, args)

    def reload_directory(self) -> None:
        self.read(directory, name="directory.load", on_success=self._directory_loaded, key="directory")

    def _directory_loaded(self, loaded: Directory) -> None:
        self.directory = loaded
        self.sig_directory_changed.emit()

    def _changed(self, tables: frozenset[str]) -> None:
        if self.session is not None and tables & DIRECTORY_TABLES:
            self.reload_directory()
