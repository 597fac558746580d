"""`clinic-desktop --screenshots DIR`: every main screen, in each language, with the demo clinic.

A fresh demo clinic is made in a temporary data directory at a fixed moment (a Monday morning in
Taipei), so the pictures show a busy, realistic day; the app is then driven as a person would:
sign in, open each screen, open the booking form, lock. Files are named
`<language>-<nn>-<screen>.png`.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from common.clock import FrozenClock
from common.config import Settings
from common.database import Database
from common.demo import DEMO_PASSWORD
from common.i18n import SUPPORTED_LOCALES
from common.qt.i18n import language
from common.storage.engine import create_database_engine, sqlite_url
from desktop.app import AppConfig, DesktopApp
from desktop.reads.patients import search
from desktop.reads.rows import PatientRow
from desktop.startup import create_demo_clinic

# Monday 23 November 2026, 10:40 in Taipei: a morning with patients waiting and others done.
MOMENT: Final = datetime(2026, 11, 23, 2, 40, tzinfo=UTC)
SIZE: Final = (1440, 900)
ADMIN: Final = "admin@lotus-clinic.example"
SHOWCASE_QUERY: Final = "陳"
NURSE: Final = "nurse.huang@lotus-clinic.example"


class _Silent:
    def report(self, done: int, total: int = 0, message: str = "") -> None:
        del done, total, message


def wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        QApplication.processEvents()
        if condition():
            return True
        time.sleep(0.005)
    return False


def settle(app: DesktopApp, rounds: int = 3) -> None:
    """Let queued operations finish and the screen repaint."""
    for _round in range(rounds):
        wait_until(lambda: not app.runner.busy)
        for _ in range(5):
            QApplication.processEvents()


def save_screenshots(
    folder: Path, *, patients: int = 1_000, locales: tuple[str, ...] = SUPPORTED_LOCALES
) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    qt_app = QApplication.instance()
    if qt_app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        qt_app = QApplication([])
    saved: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="clinic-screens-") as data:
        settings = Settings(data_dir=Path(data), database_url=sqlite_url(Path(data) / "clinic.db"))
        clock = FrozenClock(MOMENT)
        engine = create_database_engine(settings.database_url)
        create_demo_clinic(Database(engine, clock=clock), _Silent(), patients=patients)
        engine.dispose()
        for locale in locales:
            saved += _one_language(settings, clock, locale, folder)
    return saved


def _one_language(settings: Settings, clock: FrozenClock, locale: str, folder: Path) -> list[Path]:
    app = DesktopApp(
        AppConfig(
            settings=settings, clock=clock, locale=locale, dark=False, window_size=SIZE, idle_minutes=60
        )
    )
    language().set_locale(locale)
    shots: list[Path] = []

    def shoot(name: str, widget: QWidget) -> None:
        settle(app)
        path = folder / f"{locale}-{len(shots) + 1:02d}-{name}.png"
        widget.grab().save(str(path))
        shots.append(path)

    try:
        app.start()
        wait_until(lambda: app.state == "login")
        assert app.login is not None
        app.login.email.clear()
        shoot("sign-in", app.login)
        _sign_in(app, ADMIN)
        window = app.window
        assert window is not None
        for key in ("today", "calendar", "patients", "check_in", "payments", "catalog", "inventory"):
            window.go(key)
            shoot(key.replace("_", "-"), window)
        _patient_page(app)
        shoot("patient", window)
        _showcase(app, "reports")
        shoot("reports", window)
        for key in ("chat", "staff"):
            _showcase(app, key)
            shoot(key, window)
        _showcase(app, "settings")
        shoot("settings", window)
        window.go("calendar")
        calendar = window.screens["calendar"]
        calendar.new_item()
        settle(app)
        dialog = QApplication.activeModalWidget()
        if dialog is not None:
            shoot("booking", dialog)
            dialog.close()
        camera = _camera_dialog(app)
        if camera is not None:
            shoot("scan-with-camera", camera)
            camera.close()
        app.lock()
        shoot("locked", window)
        app.sign_out()
        wait_until(lambda: app.state == "login")
        _sign_in(app, NURSE)
        window = app.window
        assert window is not None
        window.go("treatments")
        _treatment_ready(app)
        shoot("treatments", window)
    finally:
        if app.window is not None:
            app.window.close()
        if app.login is not None:
            app.login.close()
        app.shutdown()
    return shots


def _sign_in(app: DesktopApp, email: str) -> None:
    from desktop import auth

    assert app.login is not None
    clock = app.db.clock
    if isinstance(clock, FrozenClock):
        clock.advance(timedelta(seconds=30))  # a TOTP code is good once: the next sign-in needs the next one
    app.login.fill(email, DEMO_PASSWORD, auth.demo_code_for(email, app.db))
    app.login._submit()
    wait_until(lambda: app.state == "desk")
    settle(app)


def _patient_page(app: DesktopApp) -> None:
    """Open a patient with allergies and history, the way a receptionist finds one."""
    window = app.window
    assert window is not None
    window.go("patients")
    desk = app.desk
    assert desk is not None
    found: list[PatientRow] = []
    desk.read(lambda ctx: search(ctx, SHOWCASE_QUERY, 50), name="screenshots.find", on_success=found.extend)
    settle(app)
    showcase = next((row for row in found if row.allergies and row.last_visit), found[0] if found else None)
    if showcase is not None:
        desk.navigate("patients", query=SHOWCASE_QUERY, patient_id=showcase.id)
    settle(app)


def _camera_dialog(app: DesktopApp) -> QWidget | None:
    """Scan with camera, a phone showing a code held up to it (the code shown, not looked up)."""
    from common.vision.frames import IterableSource
    from common.vision.synthetic import Shot, phone_frame
    from desktop.camera_scan import CameraScanDialog

    frame = phone_frame("CQ1-SHOWCASE", Shot(width=960, height=600, angle=-6.0, noise_sigma=0))
    app.camera_source = lambda: IterableSource([frame], loop=True, fps=15)
    app.scan_with_camera()
    dialog = QApplication.activeModalWidget()
    if not isinstance(dialog, CameraScanDialog):
        return None
    dialog.feed.set_reporting(False)
    wait_until(lambda: dialog.preview.pixmap() is not None and not dialog.preview.pixmap().isNull(), 5.0)
    return dialog


def _treatment_ready(app: DesktopApp) -> None:
    window = app.window
    assert window is not None
    screen = window.screens.get("treatments")
    preparer = getattr(screen, "prepare_showcase", None)
    if callable(preparer):
        preparer()
    settle(app)


def _showcase(app: DesktopApp, key: str) -> None:
    """Open screen `key` and let it show its best side (`prepare_showcase`, when it has one)."""
    window = app.window
    assert window is not None
    window.go(key)
    preparer = getattr(window.screens.get(key), "prepare_showcase", None)
    if callable(preparer):
        preparer()
    settle(app)
