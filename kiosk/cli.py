"""`clinic-kiosk`: the lobby self check-in.

    clinic-kiosk                         full screen kiosk on the demo clinic (restarts if it crashes)
    clinic-kiosk --windowed              the same in a window, to try it on a desktop
    clinic-kiosk --print-demo-codes F    the demo patients' codes as a printable PDF or PNG
    clinic-kiosk --screenshots DIR       every screen, four languages, portrait and landscape
    clinic-kiosk --set-pin               set the staff PIN that leaves kiosk mode
    clinic-kiosk --enroll [--server URL] [--code CODE]
                                         enroll with the clinic's server, sync, then start

The kiosk keeps its files (its replica, the demo clinic, kiosk.json) in --data-dir, by default
`kiosk/` in the data directory (CLINIC_DATA_DIR). Once enrolled it runs on the replica the
server fills (`replica.db`, see kiosk/enrolled.py) instead of the demo clinic.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from common.logs import configure_logging
from kiosk import settings as kiosk_settings

if TYPE_CHECKING:
    from kiosk.app import KioskApp

ENROLL_OPTIONS = ("--enroll", "--server", "--code", "--name")
FREEZE_AFTER_MS = 1_500

log = logging.getLogger("kiosk")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="clinic-kiosk", description="The lobby self check-in kiosk.")
    parser.add_argument("--windowed", action="store_true", help="run in a window instead of full screen")
    parser.add_argument("--portrait", action="store_true", help="with --windowed: a portrait window")
    parser.add_argument("--data-dir", type=Path, help="the kiosk's files (default: <CLINIC_DATA_DIR>/kiosk)")
    camera = parser.add_mutually_exclusive_group()
    camera.add_argument("--camera", type=int, metavar="N", help="webcam number (default: kiosk.json, 0)")
    camera.add_argument("--video", type=Path, metavar="FILE", help="play a video file in place of the webcam")
    camera.add_argument("--no-camera", action="store_true", help="scanner and “No code?” only")
    parser.add_argument("--idle-seconds", type=float, help="back to Welcome after this long untouched")
    parser.add_argument("--screenshots", type=Path, metavar="DIR", help="save every screen as PNG and exit")
    parser.add_argument(
        "--print-demo-codes", type=Path, metavar="FILE", help="write the demo codes sheet (.pdf or .png)"
    )
    parser.add_argument(
        "--language", default="en", help="language of the demo codes sheet (en, zh_TW, zh_CN, ja)"
    )
    parser.add_argument("--set-pin", action="store_true", help="set the staff PIN and exit")
    parser.add_argument("--no-restart", action="store_true", help="do not restart the kiosk when it crashes")
    parser.add_argument(
        "--enroll", action="store_true", help="enroll with the clinic's server, sync, then start the kiosk"
    )
    parser.add_argument("--server", metavar="URL", help="with --enroll: the clinic server, https://...")
    parser.add_argument(
        "--code",
        metavar="CODE",
        help="with --enroll: the one-time code (clinic-server enroll-code --role kiosk)",
    )
    parser.add_argument("--name", help="with --enroll: this kiosk's name on the server (default: host name)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(arguments)
    configure_logging()
    logging.getLogger("alembic").setLevel(logging.WARNING)  # each start checks the schema: not news
    data_dir: Path = args.data_dir or kiosk_settings.default_data_dir()
    if args.set_pin:
        return set_pin(data_dir)
    if args.print_demo_codes is not None:
        return print_demo_codes(data_dir, args.print_demo_codes, args.language)
    if args.screenshots is not None:
        return screenshots(data_dir, args.screenshots)
    if args.enroll:
        enrolled = enroll(data_dir, args.server, args.code, args.name)
        if enrolled != 0:
            return enrolled
        arguments = without_enrollment(arguments)
    if not args.windowed and not args.no_restart:
        from kiosk.supervisor import child_command, supervise

        return supervise(child_command(arguments))
    return run(args, data_dir)


def set_pin(data_dir: Path) -> int:
    settings = kiosk_settings.load(data_dir)
    pin = getpass.getpass("New staff PIN (at least 4 digits): ")
    if pin != getpass.getpass("The same PIN again: "):
        print("clinic-kiosk: the two PINs differ; nothing changed.", file=sys.stderr)
        return 1
    try:
        settings.set_pin(pin)
    except ValueError as error:
        print(f"clinic-kiosk: {error}; nothing changed.", file=sys.stderr)
        return 1
    kiosk_settings.save(data_dir, settings)
    print("The staff PIN is set.")
    return 0


def enroll(data_dir: Path, server: str | None, code: str | None, name: str | None = None) -> int:
    """Enroll this kiosk as a kiosk device and run the first sync; 0 when the kiosk may start."""
    import httpx

    from common.sync.client import InsecureServerUrl, ServerRefused
    from common.sync.engine import SyncFailed
    from common.sync.enrollment import AlreadyEnrolled
    from kiosk.enrolled import NotAKioskCode, enroll_device, first_sync

    try:
        server = server or input("The clinic server's address (https://...): ").strip()
        code = code or getpass.getpass("The one-time kiosk code: ").strip()
    except EOFError:
        server, code = server or "", code or ""
    if not server or not code:
        print("clinic-kiosk: --enroll needs --server and --code.", file=sys.stderr)
        return 2
    try:
        info = enroll_device(data_dir, server, code, device_name=name)
    except AlreadyEnrolled:
        print(f"clinic-kiosk: this kiosk is already enrolled ({data_dir}).", file=sys.stderr)
        return 1
    except InsecureServerUrl:
        print(
            "clinic-kiosk: the server address must start with https:// (http only to this machine).",
            file=sys.stderr,
        )
        return 1
    except NotAKioskCode:
        print(
            "clinic-kiosk: that code enrolls a front desk, not a kiosk; nothing was kept. Ask for a "
            "kiosk code (clinic-server enroll-code --role kiosk).",
            file=sys.stderr,
        )
        return 1
    except ServerRefused as error:
        print(f"clinic-kiosk: the server refused: {error.message}", file=sys.stderr)
        return 1
    except (httpx.HTTPError, OSError) as error:
        print(f"clinic-kiosk: the server could not be reached ({type(error).__name__}).", file=sys.stderr)
        return 1
    settings = kiosk_settings.load(data_dir)
    settings.device_id = str(info.device_id)  # scans and check-ins are recorded under the server's id
    kiosk_settings.save(data_dir, settings)
    print(f"Enrolled as kiosk {info.device_id} of clinic {info.clinic_id} with {info.server_url}.")

    def progress(done: int, total: int) -> None:
        print(f"sync: {done} of about {total} rows", flush=True)

    try:
        first_sync(data_dir, progress)
    except (httpx.HTTPError, OSError, ServerRefused, SyncFailed) as error:
        print(
            f"clinic-kiosk: the first sync failed ({type(error).__name__}); the kiosk keeps trying "
            "when it starts.",
            file=sys.stderr,
        )
        return 0
    print("The kiosk's replica is up to date.")
    return 0


def without_enrollment(arguments: Sequence[str]) -> list[str]:
    """The command line without the enrollment options (a restarted kiosk must not enroll again)."""
    kept: list[str] = []
    skip_value = False
    for argument in arguments:
        if skip_value:
            skip_value = False
            continue
        name = argument.split("=", 1)[0]
        if name in ENROLL_OPTIONS:
            skip_value = name != "--enroll" and "=" not in argument
            continue
        kept.append(argument)
    return kept


def _headless() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def print_demo_codes(data_dir: Path, path: Path, language: str) -> int:
    _headless()
    from PySide6.QtWidgets import QApplication

    from kiosk.demo_data import open_demo_kiosk, timezone_of
    from kiosk.demo_sheet import render

    _app = QApplication.instance() or QApplication([])
    demo = open_demo_kiosk(data_dir, datetime.now(UTC))
    render(path, demo, timezone_of(demo), language)
    print(f"Wrote the demo codes to {path}.")
    return 0


def screenshots(data_dir: Path, out_dir: Path) -> int:
    _headless()
    from PySide6.QtWidgets import QApplication

    from kiosk.screenshots import take

    _app = QApplication.instance() or QApplication([])
    saved = take(out_dir, data_dir)
    print(f"Saved {len(saved)} screenshots in {out_dir}.")
    return 0


def run(args: argparse.Namespace, data_dir: Path) -> int:
    from PySide6.QtWidgets import QApplication

    from kiosk.app import KioskApp, KioskOptions, exit_on_crash

    app = QApplication.instance() or QApplication(sys.argv[:1])
    exit_on_crash()
    options = KioskOptions(
        data_dir=data_dir,
        windowed=args.windowed,
        camera=not args.no_camera,
        camera_index=args.camera,
        video=args.video,
        idle_seconds=args.idle_seconds,
        window_size=(800, 1280) if args.portrait else (1280, 800),
    )
    kiosk = KioskApp(options)
    freeze_once_ready(kiosk)
    kiosk.start()
    code = int(app.exec())
    kiosk.stop()
    return code


def freeze_once_ready(kiosk: KioskApp, freeze: Callable[[], object] | None = None) -> None:
    """Freeze what start-up made out of the cyclic collector's walk (common/runtime.py) once the
    window shows the welcome screen on an open replica, with the check-in flow, camera and
    scanner made; a moment later, not on the way to the first frame."""
    from PySide6.QtCore import QTimer

    from common.runtime import freeze_startup_objects

    def ready(_loaded: object) -> None:
        kiosk.sig_loaded.disconnect(ready)
        QTimer.singleShot(FREEZE_AFTER_MS, freeze or freeze_startup_objects)

    kiosk.sig_loaded.connect(ready)


if __name__ == "__main__":
    raise SystemExit(main())
