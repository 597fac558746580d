"""`clinic-sync`: a device's sync engine from the command line, for scripts and support staff.

    clinic-sync enroll --server URL --code CODE --data-dir D [--name NAME]
    clinic-sync run --data-dir D [--once]
    clinic-sync status --data-dir D

The replica lives in `D/replica.db`; the credential in the OS keyring, or on headless Linux in
an encrypted file keyring in D (see common/sync/credentials.py: CLINIC_KEYRING,
CLINIC_KEYRING_PASSWORD, CLINIC_KEYRING_KEY_FILE). `run` syncs until stopped (Ctrl+C, SIGTERM),
pulling within a second of a server poke; `--once` pushes and pulls once and exits.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from common.logs import configure_logging
from common.sync import state
from common.sync.client import InsecureServerUrl, ServerRefused
from common.sync.engine import SyncFailed
from common.sync.enrollment import AlreadyEnrolled, device_info, engine_for, enroll, open_replica
from common.sync.models import ConflictStatus, OutboxStatus, SyncConflict, SyncOutbox


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    configure_logging()
    try:
        return int(args.run(args))
    except state.NotEnrolled:
        print(
            "clinic-sync: this data directory is not enrolled; run `clinic-sync enroll` first",
            file=sys.stderr,
        )
    except AlreadyEnrolled:
        print("clinic-sync: this data directory is already enrolled with a server", file=sys.stderr)
    except InsecureServerUrl:
        print(
            "clinic-sync: the server address must start with https:// (http only to this machine)",
            file=sys.stderr,
        )
    except ServerRefused as error:
        print(f"clinic-sync: the server refused: {error.message}", file=sys.stderr)
    except (httpx.HTTPError, OSError) as error:
        print(f"clinic-sync: the server could not be reached ({type(error).__name__})", file=sys.stderr)
    except SyncFailed as error:
        print(f"clinic-sync: {error}", file=sys.stderr)
    return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="clinic-sync", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    enroll_cmd = commands.add_parser("enroll", help="enroll this device with a one-time code")
    enroll_cmd.add_argument("--server", required=True, help="the sync server's address, https://...")
    enroll_cmd.add_argument(
        "--code", required=True, help="the one-time enrollment code from the administrator"
    )
    enroll_cmd.add_argument("--data-dir", required=True, type=Path)
    enroll_cmd.add_argument("--name", help="this device's name as the server lists it (default: host name)")
    enroll_cmd.set_defaults(run=run_enroll)

    run = commands.add_parser("run", help="sync until stopped (or once)")
    run.add_argument("--data-dir", required=True, type=Path)
    run.add_argument("--once", action="store_true", help="push and pull once, then exit")
    run.set_defaults(run=run_sync)

    status = commands.add_parser("status", help="print this device's sync status as JSON")
    status.add_argument("--data-dir", required=True, type=Path)
    status.set_defaults(run=run_status)
    return parser


def run_enroll(args: argparse.Namespace) -> int:
    info = enroll(args.server, args.code, args.data_dir, args.name)
    print(
        json.dumps(
            {
                "device_id": str(info.device_id),
                "clinic_id": str(info.clinic_id),
                "kind": info.kind.value,
                "server": info.server_url,
            }
        )
    )
    return 0


def run_sync(args: argparse.Namespace) -> int:
    sync = engine_for(args.data_dir, listen=not args.once)
    if args.once:
        result = sync.sync_once()
        print(
            json.dumps(
                {
                    "pushed": result.pushed,
                    "pulled": result.pulled,
                    "pages": result.pages,
                    "answers": result.answers,
                }
            )
        )
        return 0
    stop = threading.Event()

    def finish(_signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, finish)
    signal.signal(signal.SIGINT, finish)
    sync.subscribe(lambda event, payload: _print_event(event, payload))
    sync.start()
    stop.wait()
    sync.stop()
    return 0


def _print_event(event: str, payload: Any) -> None:
    if event == "progress":
        done, total = payload
        print(f"sync: {done} of about {total} rows", flush=True)


def run_status(args: argparse.Namespace) -> int:
    engine = open_replica(args.data_dir)
    try:
        info = device_info(engine)
        if info is None:
            raise state.NotEnrolled()
        with engine.connect() as connection:
            counts = dict(
                connection.execute(select(SyncOutbox.status, func.count()).group_by(SyncOutbox.status)).all()
            )
            conflicts = connection.execute(
                select(func.count())
                .select_from(SyncConflict)
                .where(SyncConflict.status == ConflictStatus.OPEN)
            ).scalar_one()
            connection.rollback()
        report = {
            "device_id": str(info.device_id),
            "clinic_id": str(info.clinic_id),
            "kind": info.kind.value,
            "server": info.server_url,
            "cursor": state.get(engine, state.CURSOR),
            "last_sync_at": state.get(engine, state.LAST_SYNC_AT),
            "pending": int(counts.get(OutboxStatus.PENDING, 0)),
            "rejected": int(counts.get(OutboxStatus.REJECTED, 0)),
            "conflicts_open": int(conflicts),
            "resnapshot_due": state.get(engine, state.RESNAPSHOT) == "1",
        }
        print(json.dumps(report, indent=2))
        return 0
    finally:
        engine.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
