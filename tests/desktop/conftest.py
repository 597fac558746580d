"""The desk, driven offscreen on a copy of a demo clinic replica, at a frozen Monday morning.

The demo clinic is seeded once per run (around MOMENT) into a template replica; each test gets a
fresh copy and its own app. Tests wait on signals and conditions, never on sleeps.
"""

from __future__ import annotations

import shutil
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QWidget
from sqlalchemy import select

from common.clock import FrozenClock
from common.config import Settings
from common.context import Actor
from common.database import Database
from common.demo import DEMO_PASSWORD, seed_demo_clinic
from common.demo.generator import DemoSpec
from common.qt.i18n import language
from common.staff.models import StaffUser
from common.storage.engine import create_database_engine, sqlite_url
from common.storage.migrate import upgrade
from desktop import auth
from desktop.app import AppConfig, DesktopApp
from desktop.main_window import MainWindow
from desktop.screens.base import Screen
from tests.desktop.sync_desks import desks, sw  # noqa: F401 - fixtures of the synced-desk tests

S = TypeVar("S", bound=Screen)

_thread_repr = threading.Thread.__repr__


def _safe_thread_repr(self: threading.Thread) -> str:
    # pytest formats an unraisable exception's object with repr(); a Thread whose __init__ never
    # ran asserts in its repr, and pytest then fails the test with "Failed to process unraisable
    # exception", hiding the exception itself. Keep repr safe so the real one is reported.
    if not getattr(self, "_initialized", False):
        return f"<{type(self).__name__} (not initialised) at {id(self):#x}>"
    return _thread_repr(self)


threading.Thread.__repr__ = _safe_thread_repr  # type: ignore[method-assign,assignment]
W = TypeVar("W", bound=QWidget)


def modal(kind: type[W]) -> W:
    """The dialog open in front, as its own class."""
    widget = QApplication.activeModalWidget()
    assert isinstance(widget, kind), widget
    return widget


def child(parent: QWidget, kind: type[W], name: str) -> W:
    found = parent.findChild(kind, name)
    assert isinstance(found, kind), name
    return found


# Monday 23 November 2026, 10:40 in Taipei: patients waiting, others done, the afternoon ahead.
MOMENT = datetime(2026, 11, 23, 2, 40, tzinfo=UTC)
ADMIN = "admin@lotus-clinic.example"
MANAGER = "manager@lotus-clinic.example"
NURSE = "nurse.huang@lotus-clinic.example"
RECEPTION = "reception@lotus-clinic.example"
DOCTOR = "dr.lin@lotus-clinic.example"
WAIT_MS = 15_000


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, uuid.UUID]:
    path = tmp_path_factory.mktemp("desk-template") / "clinic.db"
    engine = create_database_engine(sqlite_url(path))
    upgrade(engine)
    clinic_id = seed_demo_clinic(engine, DemoSpec(now=MOMENT, patients=400)).clinic_id
    engine.dispose()
    return path, clinic_id


class IdleClock:
    """The idle watcher's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Desk:
    app: DesktopApp
    clock: FrozenClock
    idle: IdleClock
    clinic_id: uuid.UUID
    qtbot: object
    data_dir: Path

    @property
    def db(self) -> Database:
        return self.app.db

    def wait_idle(self) -> None:
        self.qtbot.waitUntil(lambda: not self.app.runner.busy, timeout=WAIT_MS)  # type: ignore[attr-defined]

    def wait_state(self, state: str) -> None:
        self.qtbot.waitUntil(lambda: self.app.state == state, timeout=WAIT_MS)  # type: ignore[attr-defined]

    def sign_in(self, email: str, *, password: str = DEMO_PASSWORD, code: str | None = None) -> None:
        login = self.app.login
        assert login is not None
        self.clock.advance(timedelta(seconds=31))  # a TOTP code is used once: each sign-in takes the next
        login.email.setText(email)
        login.password.setText(password)
        login.code.setText(auth.demo_code_for(email, self.db) if code is None else code)
        login.submit.click()

    @property
    def window(self) -> MainWindow:
        window = self.app.window
        assert window is not None, "nobody is signed in"
        return window

    def screen(self, key: str, kind: type[S]) -> S:
        """The window's screen `key`, opened, as its own class."""
        self.window.go(key)
        screen = self.window.screens[key]
        assert isinstance(screen, kind)
        return screen

    def actor(self, email: str) -> Actor:
        with self.db.session(self.clinic_id) as session:
            user = session.scalars(select(StaffUser).where(StaffUser.email == email)).one()
            return Actor.staff(user.id, user.role)


@pytest.fixture
def desk(qtbot, demo_template: tuple[Path, uuid.UUID], tmp_path: Path) -> Iterator[Desk]:
    template, clinic_id = demo_template
    data = tmp_path / "desk"
    data.mkdir()
    shutil.copyfile(template, data / "clinic.db")
    clock = FrozenClock(MOMENT)
    idle = IdleClock()
    config = AppConfig(
        settings=Settings(data_dir=data, database_url=sqlite_url(data / "clinic.db")),
        clock=clock,
        locale="en",
        dark=False,
        idle_clock=idle,
        idle_check_ms=50,
        idle_minutes=5,
        window_size=(1400, 880),
    )
    app = DesktopApp(config)
    handle = Desk(app, clock, idle, clinic_id, qtbot, data)
    app.start()
    handle.wait_state("login")
    yield handle
    if app.window is not None:
        app.window.close()
    if app.login is not None:
        app.login.close()
    app.shutdown()
    language().set_locale("en")
    _delete_top_level_widgets()


def _delete_top_level_widgets() -> None:
    """Free every window a test left: a closed window stays alive (and is restyled by each new
    app's palette, making every later test slower) until it is deleted."""
    for widget in QApplication.topLevelWidgets():
        widget.close()
        widget.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
