"""The child processes of the cold-start benchmark (bench/bench_desktop.py), kept apart so that a
child imports only what the app itself imports.

    python -m bench.desktop_start bare                 an empty Qt window (the baseline)
    python -m bench.desktop_start desk URL MOMENT      the desk on a replica, signed in

Each prints `MARK <seconds of CPU this process used so far>` when it reaches a mark.
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

RECEPTION = "reception@lotus-clinic.example"
DEMO_PASSWORD = "demo-front-desk-2026"


def mark(name: str) -> None:
    print(f"{name} {time.process_time():.4f}", flush=True)


def bare() -> None:
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    app = QApplication([])
    window = QMainWindow()
    window.setCentralWidget(QLabel("ready"))
    window.resize(1400, 880)
    window.show()
    app.processEvents()
    mark("ready")


def desk(database: str, moment: str) -> None:
    import tempfile
    from collections.abc import Callable
    from datetime import datetime
    from pathlib import Path

    from PySide6.QtWidgets import QApplication

    from common.clock import FrozenClock
    from common.config import Settings
    from desktop.app import AppConfig, DesktopApp

    def spin(condition: Callable[[], bool]) -> None:
        deadline = time.monotonic() + 120
        while not condition():
            QApplication.processEvents()
            if time.monotonic() > deadline:
                raise TimeoutError("the desk did not get there in time")
            time.sleep(0.0005)

    app = QApplication([])
    data = Path(tempfile.mkdtemp(prefix="bench-desk-"))
    clock = FrozenClock(datetime.fromisoformat(moment))
    config = AppConfig(
        Settings(data_dir=data, database_url=database), clock=clock, locale="en", window_size=(1400, 880)
    )
    desk_app = DesktopApp(config)
    desk_app.start()
    spin(lambda: desk_app.state == "login")
    mark("login")
    assert desk_app.login is not None
    desk_app.login.fill(RECEPTION, DEMO_PASSWORD, "")
    desk_app.login.submit.click()
    spin(lambda: desk_app.state == "desk")
    window = desk_app.window
    assert window is not None
    today = window.screens["today"]
    spin(lambda: getattr(today, "overview", None) is not None and not desk_app.runner.busy)
    app.processEvents()
    mark("desk")
    desk_app.shutdown()
    del app


if __name__ == "__main__":
    if sys.argv[1] == "bare":
        bare()
    else:
        desk(sys.argv[2], sys.argv[3])
