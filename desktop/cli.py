"""`clinic-desktop`: the front-desk app.

    clinic-desktop                       open the desk on this PC's replica (first run: the demo clinic)
    clinic-desktop --screenshots DIR     save every main screen in each language, with the demo clinic
    clinic-desktop report ... / print ...  reports and printing (desktop/report_cli.py)

Configuration comes from the environment (common/config.py): CLINIC_DATA_DIR, DATABASE_URL.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop.app import DesktopApp

DISPATCHED = ("report", "print")
FREEZE_AFTER_MS = 1_500
FREEZE_WHEN = ("login", "desk")  # the app's states: the sign-in window, the main window


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in DISPATCHED:
        return _dispatch(args)
    options = _parser().parse_args(args)
    if options.screenshots is not None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from desktop.screenshots import save_screenshots

        saved = save_screenshots(Path(options.screenshots), patients=options.patients)
        print(f"Saved {len(saved)} screenshots in {options.screenshots}")
        return 0
    return run_app()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="clinic-desktop", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--screenshots", metavar="DIR", help="save every main screen in each language (offscreen), then exit"
    )
    parser.add_argument(
        "--patients", type=int, default=1_000, help="patients in the screenshots' demo clinic (default 1000)"
    )
    return parser


def _dispatch(args: list[str]) -> int:
    try:
        module = importlib.import_module("desktop.report_cli")
    except ImportError:
        print(f"clinic-desktop {args[0]}: not built yet: reports arrive with their issue", file=sys.stderr)
        return 2
    result = module.main(args)
    return int(result or 0)


def run_app() -> int:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from common.config import load_settings
    from common.logs import configure_logging
    from desktop.app import AppConfig, DesktopApp

    configure_logging()
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Clinic Front Desk")
    app.setOrganizationName("clinic-front-desk")
    desk = DesktopApp(AppConfig(settings=load_settings()))
    freeze_as_the_desk_opens(desk)
    desk.start()
    try:
        return int(app.exec())
    finally:
        desk.shutdown()


def freeze_as_the_desk_opens(desk: DesktopApp, freeze: Callable[[], object] | None = None) -> None:
    """Freeze what start-up made out of the cyclic collector's walk (common/runtime.py), once when
    the sign-in window is up (the bulk: modules, with the desk's own loaded behind it while the
    person types) and once when the main window is first shown (its services, screens and the
    clinic's directory; a fraction of the first pause, since frozen objects are not walked again).
    Each a moment after its window is painted, not on the way to it."""
    from PySide6.QtCore import QTimer

    from common.runtime import freeze_startup_objects

    waiting = set(FREEZE_WHEN)

    def reached(state: str) -> None:
        if state not in waiting:
            return
        waiting.discard(state)
        if not waiting:
            desk.sig_state.disconnect(reached)
        QTimer.singleShot(FREEZE_AFTER_MS, freeze or freeze_startup_objects)

    desk.sig_state.connect(reached)


if __name__ == "__main__":
    raise SystemExit(main())
