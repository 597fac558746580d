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
from collections.abc import Sequence
from pathlib import Path

DISPATCHED = ("report", "print")
FREEZE_AFTER_MS = 1_500


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
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from common.config import load_settings
    from common.logs import configure_logging
    from common.qt.operations import freeze_startup_objects
    from desktop.app import AppConfig, DesktopApp

    configure_logging()
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Clinic Front Desk")
    app.setOrganizationName("clinic-front-desk")
    desk = DesktopApp(AppConfig(settings=load_settings()))
    desk.start()
    # Once the sign-in window is up, while the person types: not on the way to the first window.
    QTimer.singleShot(FREEZE_AFTER_MS, freeze_startup_objects)
    try:
        return int(app.exec())
    finally:
        desk.shutdown()


if __name__ == "__main__":
    raise SystemExit(main())
