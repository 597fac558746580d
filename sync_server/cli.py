"""`clinic-server`: set up the server's database and run the server.

    clinic-server migrate                      create or upgrade the schema
    clinic-server seed-demo [--patients N]     add the demo clinic (once) and print its logins
    clinic-server create-clinic --name ...     add a real clinic with its first administrator
    clinic-server serve [--host H] [--port P] [--workers N]
                                               run the server (REST API and device sync)
    clinic-server enroll-code --clinic ID|--demo --role front-desk|kiosk [--qr-png FILE]
                                               a one-time code that enrolls one device
    clinic-server devices --clinic ID          the clinic's enrolled devices (JSON)
    clinic-server withdraw-device --clinic ID --device ID
                                               a lost or stolen device stops syncing at once

Configuration comes from the environment (common/config.py, sync_server/config.py):
DATABASE_URL, else the SQLite file clinic.db in CLINIC_DATA_DIR (default: the user's data
directory). On PostgreSQL the server connects with DATABASE_URL as a member of `clinic_app`
(row-level security applies); migrate, seed-demo, create-clinic, enroll-code, devices and
withdraw-device use CLINIC_ADMIN_DATABASE_URL (the schema owner) when it is set.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, select

from common.clinics.models import LicenseTier
from common.clinics.service import NewAdmin, NewClinic, create_clinic
from common.config import Settings, load_settings
from common.database import Database
from common.demo import DemoSpec, find_demo_clinic, seed_demo_clinic
from common.demo.summary import format_summary, load_summary
from common.errors import DomainError
from common.logs import configure_logging
from common.staff.models import StaffUser
from common.staff.password_policy import check_password
from common.storage.engine import create_database_engine
from common.storage.migrate import alembic_config, current_revision, upgrade
from sync_server.config import ADMIN_URL_VARIABLE, ConfigurationError

TIERS = {"S": LicenseTier.S, "M": LicenseTier.M, "L": LicenseTier.L, "XL": LicenseTier.XL}
# At a stop, requests in flight get this long before they are cancelled; then the app's shutdown
# waits for the scheduled jobs (jobs.SHUTDOWN_WAIT): together within Docker's 10 s before a kill.
DRAIN_SECONDS = 3
# Desks sync every few seconds: a connection kept open between syncs saves a TCP (and TLS)
# handshake each time, and it must outlive the client's own keep-alive (common/sync/client.py),
# so the server never closes a connection a desk is about to send on.
KEEP_ALIVE_SECONDS = 30


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = load_settings()
    try:
        return int(args.run(args, settings))
    except DomainError as error:
        print(f"clinic-server: {error.translated()}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="clinic-server", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    migrate = commands.add_parser("migrate", help="create or upgrade the database schema")
    migrate.set_defaults(run=run_migrate)

    demo = commands.add_parser("seed-demo", help="add the demo clinic (once) and print its logins")
    demo.add_argument("--patients", type=int, default=1_000, help="number of patients (default 1000)")
    demo.add_argument("--seed", type=int, default=2026, help="random seed: the same seed gives the same data")
    demo.add_argument("--days-around", type=int, default=7, help="busy calendar: today ± this many days")
    demo.set_defaults(run=run_seed_demo)

    clinic = commands.add_parser("create-clinic", help="add a clinic with its first administrator")
    clinic.add_argument("--name", required=True)
    clinic.add_argument("--tier", required=True, choices=sorted(TIERS))
    clinic.add_argument("--admin-email", required=True)
    clinic.add_argument("--admin-password", required=True)
    clinic.add_argument("--timezone", default="UTC", help="IANA time zone, e.g. Asia/Taipei (default UTC)")
    clinic.add_argument("--currency", default="USD", help="ISO 4217 code, e.g. TWD (default USD)")
    clinic.set_defaults(run=run_create_clinic)

    serve = commands.add_parser("serve", help="run the server: REST API and device sync")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.set_defaults(run=run_serve)

    enroll = commands.add_parser("enroll-code", help="a one-time code that enrolls one device")
    which = enroll.add_mutually_exclusive_group(required=True)
    which.add_argument("--clinic", type=uuid.UUID, help="the clinic's id")
    which.add_argument("--demo", action="store_true", help="the demo clinic (seed-demo)")
    enroll.add_argument("--role", required=True, choices=["front-desk", "kiosk"])
    enroll.add_argument("--qr-png", type=Path, help="also write the code as a QR code PNG here")
    enroll.set_defaults(run=run_enroll_code)

    devices = commands.add_parser("devices", help="the clinic's enrolled devices, as JSON")
    devices.add_argument("--clinic", required=True, type=uuid.UUID, help="the clinic's id")
    devices.set_defaults(run=run_devices)

    withdraw = commands.add_parser("withdraw-device", help="a lost or stolen device stops syncing at once")
    withdraw.add_argument("--clinic", required=True, type=uuid.UUID, help="the clinic's id")
    withdraw.add_argument("--device", required=True, type=uuid.UUID, help="the device's id (see `devices`)")
    withdraw.set_defaults(run=run_withdraw_device)
    return parser


def _engine(settings: Settings) -> Engine:
    """The admin connection: the schema owner, for work that spans clinics or changes the schema."""
    settings.ensure_data_dir()
    admin_url = os.environ.get(ADMIN_URL_VARIABLE, "").strip()
    return create_database_engine(admin_url or settings.database_url)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _require_migrated(engine: Engine, settings: Settings) -> bool:
    if current_revision(engine) == head_revision():
        return True
    print(
        f"clinic-server: the database at {settings.database_display} is not at the latest schema; "
        "run `clinic-server migrate` first.",
        file=sys.stderr,
    )
    return False


def run_migrate(_args: argparse.Namespace, settings: Settings) -> int:
    engine = _engine(settings)
    try:
        upgrade(engine)
        print(f"Database {settings.database_display} is at schema revision {current_revision(engine)}.")
    finally:
        engine.dispose()
    return 0


def run_seed_demo(args: argparse.Namespace, settings: Settings) -> int:
    engine = _engine(settings)
    try:
        if not _require_migrated(engine, settings):
            return 1
        now = datetime.now(UTC)
        clinic_id = find_demo_clinic(engine)
        if clinic_id is not None:
            print(f"The demo clinic is already in {settings.database_display}; nothing added.")
            if args.patients != 1_000:
                print("(To seed another size, point DATABASE_URL or CLINIC_DATA_DIR at an empty database.)")
        else:
            spec = DemoSpec(now=now, patients=args.patients, seed=args.seed, days_around=args.days_around)
            result = seed_demo_clinic(engine, spec)
            clinic_id = result.clinic_id
            rows = sum(result.counts.values())
            where = settings.database_display
            print(f"Seeded the demo clinic into {where}: {rows:,} rows in {result.seconds:.1f} s.")
        print()
        print(format_summary(load_summary(engine, clinic_id, now)))
    finally:
        engine.dispose()
    return 0


def run_create_clinic(args: argparse.Namespace, settings: Settings) -> int:
    email = args.admin_email.strip().lower()
    check_password(args.admin_password, email=email, names=["Clinic", "Administrator"])
    engine = _engine(settings)
    try:
        if not _require_migrated(engine, settings):
            return 1
        db = Database(engine, chain_id="server")
        spec = NewClinic(
            name=args.name, license_tier=TIERS[args.tier], timezone=args.timezone, currency=args.currency
        )
        with db.session(None) as session, session.begin():
            clinic = create_clinic(session, spec, NewAdmin(email=email, password=args.admin_password))
            admin = session.execute(
                select(StaffUser.email, StaffUser.totp_secret).where(StaffUser.clinic_id == clinic.id)
            ).one()
            report = {
                "clinic_id": str(clinic.id),
                "name": clinic.name,
                "tier": args.tier,
                "admin_email": admin.email,
                "admin_totp_secret": admin.totp_secret,
            }
    finally:
        engine.dispose()
    print(json.dumps(report, indent=2))
    return 0


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from sync_server.app import warn_if_role_bypasses_security
    from sync_server.config import load_server_settings
    from sync_server.http_protocol import NoDelayHTTPProtocol

    try:
        server_settings = load_server_settings()
    except ConfigurationError as error:
        print(f"clinic-server: {error}", file=sys.stderr)
        return 2
    settings.ensure_data_dir()
    engine = create_database_engine(server_settings.database_url)
    try:
        if not _require_migrated(engine, settings):
            return 1
        warn_if_role_bypasses_security(engine)
    finally:
        engine.dispose()
    configure_logging()
    print(f"Serving {settings.database_display} on http://{args.host}:{args.port} (Ctrl+C stops).")
    uvicorn.run(
        "sync_server.app:app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=max(1, args.workers),
        http=NoDelayHTTPProtocol,
        # Uvicorn's access log prints query strings, which can hold a search for a patient's
        # name: the app logs each request itself, by route template (SECURITY.md row 18).
        access_log=False,
        log_config=None,
        # Devices hold the poke stream open and it never ends by itself: without a limit a stop
        # would wait for them forever, and the app's shutdown (the scheduled jobs' included) with it.
        timeout_graceful_shutdown=DRAIN_SECONDS,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )
    return 0


@contextmanager
def _migrated_database(settings: Settings) -> Iterator[Database | None]:
    """The server's database through the admin connection, or None (said why) if not migrated."""
    engine = _engine(settings)
    try:
        yield Database(engine, chain_id="server") if _require_migrated(engine, settings) else None
    finally:
        engine.dispose()


def run_enroll_code(args: argparse.Namespace, settings: Settings) -> int:
    from sync_server.sync.enrollment import create_enrollment_code

    with _migrated_database(settings) as db:
        if db is None:
            return 1
        if args.demo:
            args.clinic = find_demo_clinic(db.engine)
            if args.clinic is None:
                where = settings.database_display
                print(f"clinic-server: no demo clinic in {where}; run seed-demo.", file=sys.stderr)
                return 1
        try:
            code, expires = create_enrollment_code(db, args.clinic, args.role)
        except ValueError:
            print(
                f"clinic-server: there is no clinic {args.clinic} in {settings.database_display}.",
                file=sys.stderr,
            )
            return 1
    print(code)
    print(f"(one device, {args.role}; valid until {expires:%Y-%m-%d %H:%M} UTC)", file=sys.stderr)
    if args.qr_png is not None:
        import qrcode

        qrcode.make(code).save(args.qr_png)
        print(f"QR code written to {args.qr_png}", file=sys.stderr)
    return 0


def run_devices(args: argparse.Namespace, settings: Settings) -> int:
    from sync_server.sync.enrollment import clinic_devices

    with _migrated_database(settings) as db:
        if db is None:
            return 1
        listed = clinic_devices(db, args.clinic)
    print(json.dumps([device.model_dump(mode="json") for device in listed], indent=2, ensure_ascii=False))
    return 0


def run_withdraw_device(args: argparse.Namespace, settings: Settings) -> int:
    from sync_server.sync.enrollment import withdraw_device

    with _migrated_database(settings) as db:
        if db is None:
            return 1
        withdrawn = withdraw_device(db, args.clinic, args.device)
    if not withdrawn:
        print(f"clinic-server: clinic {args.clinic} has no device {args.device}.", file=sys.stderr)
        return 1
    print(f"Device {args.device} is withdrawn: it can no longer sync. Enroll a replacement with a new code.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
