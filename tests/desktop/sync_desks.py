"""Desk apps against a real clinic server (uvicorn on SQLite, tests/e2e helpers): opened on fresh
replicas, enrolled through the first-run page with a code's QR shown to the camera, signed in."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend
from sqlalchemy import Engine

from common.clock import FrozenClock
from common.config import Settings
from common.qt.i18n import language
from common.staff import totp
from common.storage.engine import sqlite_url
from common.sync.models import DeviceKind
from common.vision.frames import IterableSource
from desktop.app import AppConfig, DesktopApp
from sync_server.sync.enrollment import create_enrollment_code
from tests.conftest import STAFF_PASSWORD, TEST_TOTP_SECRET
from tests.e2e.conftest import SyncWorld, build_sync_world
from tests.kiosk.helpers import phone_frames

WAIT_MS = 30_000


class MemoryKeyring(KeyringBackend):
    """The OS keyring, as a dict (the encrypted file keyring takes seconds per use)."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)


@pytest.fixture
def sw(
    sqlite_engine: Engine,
    clock: FrozenClock,
    tmp_path: Path,
    staff_password_hash: str,
    sqlite_template: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[SyncWorld]:
    store = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(store)
    monkeypatch.setenv("CLINIC_KEYRING", "os")
    yield from build_sync_world(sqlite_engine, clock, tmp_path, staff_password_hash, sqlite_template)
    keyring.set_keyring(previous)


class Desks:
    """Desk apps opened on fresh (migrated, empty) replicas; all shut at the end."""

    def __init__(self, qtbot: Any, sw: SyncWorld, template: Path, root: Path) -> None:
        self.qtbot, self.sw, self.template, self.root = qtbot, sw, template, root
        self.apps: list[DesktopApp] = []

    def open(self, name: str, *, fresh: bool = True) -> DesktopApp:
        data = self.root / name
        if fresh:
            data.mkdir(parents=True)
            shutil.copyfile(self.template, data / "clinic.db")
        app = DesktopApp(
            AppConfig(
                settings=Settings(data_dir=data, database_url=sqlite_url(data / "clinic.db")),
                clock=FrozenClock(self.sw.clock.now()),
                locale="en",
                dark=False,
                idle_minutes=60,
                window_size=(1400, 880),
            )
        )
        self.apps.append(app)
        app.start()
        return app

    def close(self, app: DesktopApp) -> None:
        for window in (app.window, app.login, app.first_run):
            if window is not None:
                window.close()
        app.shutdown()
        self.apps.remove(app)

    def wait_state(self, app: DesktopApp, state: str) -> None:
        self.qtbot.waitUntil(lambda: app.state == state, timeout=WAIT_MS)

    def code(self) -> str:
        return create_enrollment_code(self.sw.server_db, self.sw.clinic_id, DeviceKind.FRONT_DESK)[0]

    def enroll(self, app: DesktopApp) -> None:
        """Through the first-run page: the address typed, the code's QR shown to the camera, Connect."""
        self.wait_state(app, "first_run")
        assert app.first_run is not None
        app.first_run.enroll.click()
        enrolling = app.enrollment
        assert enrolling is not None
        page = enrolling.page
        page.server.setText(self.sw.server.url)
        frames = phone_frames(self.code())
        enrolling.camera_source = lambda: IterableSource(frames, loop=True, fps=15)
        page.camera.click()
        self.qtbot.waitUntil(lambda: bool(page.code.text()), timeout=WAIT_MS)
        page.connect_button.click()
        self.wait_state(app, "login")

    def sign_in(self, app: DesktopApp, who: str = "receptionist") -> None:
        login = app.login
        assert login is not None
        login.email.setText(f"{who}@{self.sw.clinic_id.hex[:8]}.example")
        login.password.setText(STAFF_PASSWORD)
        if who in ("admin", "manager"):
            login.code.setText(totp.code_at_step(TEST_TOTP_SECRET, totp.time_step(app.db.clock.now())))
        login.submit.click()
        self.wait_state(app, "desk")


@pytest.fixture
def desks(qtbot: Any, sw: SyncWorld, sqlite_template: Path, tmp_path: Path) -> Iterator[Desks]:
    handle = Desks(qtbot, sw, sqlite_template, tmp_path / "desks")
    yield handle
    for app in list(handle.apps):
        handle.close(app)
    language().set_locale("en")
