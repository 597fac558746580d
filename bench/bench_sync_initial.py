# ruff: noqa: E501 - report lines
"""Initial sync of a big clinic to a fresh replica, beside the local and the server's bulk limits.

    python -m bench.bench_sync_initial [--scale 1.0] [--page-rows 5000] [--no-postgres] [--no-kill]

At scale 1: 50,000 patients, 500,000 appointments, 200,000 treatment records (plus the clinic,
its staff and a catalog item), written to a server SQLite file in many transactions (1,000 rows
per change number, as a clinic's years of work would be). Then, each timed on this machine:
- sync: a real server (uvicorn, in its own process) and a fresh replica pulling everything through
  the sync engine (HTTP, JSON, pages applied with their cursor in one transaction each);
- baseline SQLite: the same rows, already in memory, bulk-inserted straight into a fresh migrated
  replica file (the local limit: the same indexes and triggers); and the same again with the plain
  indexes built once at the end, as the sync does for a big initial sync (common/sync/bulk_apply.py);
- baseline PostgreSQL: the same rows COPY'd into a fresh migrated PostgreSQL database;
- kill at 50 %: the sync killed (-9) once half the rows are in, then resumed: the total beside an
  uninterrupted sync.
Targets (issue 3): sync under 20 s, within 4x of the SQLite baseline; resume adds at most 10 %.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, text

from bench.timing import process_cpu_seconds
from common.clinics.models import Clinic, ClinicSequence, LicenseTier
from common.database import Database
from common.demo.bulk import bulk_insert
from common.ids import new_id
from common.storage.engine import create_database_engine, sqlite_url
from common.storage.migrate import current_revision, upgrade
from common.sync.bulk_apply import defer_indexes, restore_indexes
from common.sync.client import SyncClient
from common.sync.engine import SyncEngine
from common.sync.replica import replica_transaction
from common.sync.tables import synced_tables

ROOT = Path(__file__).resolve().parents[1]
GROUP = 1_000
NOW = datetime(2026, 11, 23, tzinfo=UTC)


def written_at(moment: datetime) -> dict[str, datetime]:
    """A row's own creation time, as a clinic's rows have (not one instant for all: a column of
    repeats converts faster, common/sync/bulk_apply.py)."""
    return {"created_at": moment, "updated_at": moment}


def build_server(path: Path, scale: float) -> tuple[uuid.UUID, int]:
    """A server SQLite file with the benchmark clinic; returns its id and the rows that sync."""
    engine = create_database_engine(sqlite_url(path))
    upgrade(engine)
    clinic_id = new_id()
    counts = {
        "patients": int(50_000 * scale),
        "appointments": int(500_000 * scale),
        "treatment_records": int(200_000 * scale),
    }
    seq = 0
    with engine.begin() as connection:
        connection.exec_driver_sql("PRAGMA cache_size = -262144")
        tables = {t.name: t.table for t in synced_tables()}
        connection.execute(
            Clinic.__table__.insert(),  # type: ignore[attr-defined]
            [
                {
                    "id": clinic_id,
                    "name": "Bench clinic",
                    "clinic_type": "Medical Aesthetic",
                    "license_tier": LicenseTier.XL.value,
                    "max_users": 500,
                    "max_patients": 1_000_000,
                    "timezone": "Asia/Taipei",
                    "currency": "TWD",
                    "created_at": NOW,
                    "updated_at": NOW,
                    "seq": 1,
                    "version": 1,
                }
            ],
        )
        stamp = {"clinic_id": clinic_id, "created_at": NOW, "updated_at": NOW, "version": 1}
        doctors = [new_id() for _ in range(10)]
        bulk_insert(
            connection,
            tables["staff_users"],
            [
                {
                    **stamp,
                    "id": d,
                    "seq": 1,
                    "email": f"dr{i}@bench.example",
                    "password_hash": "!",
                    "first_name": "Dr",
                    "last_name": f"No{i}",
                    "role": "Doctor",
                }
                for i, d in enumerate(doctors)
            ],
        )
        item = new_id()
        bulk_insert(
            connection,
            tables["treatment_catalog"],
            [
                {
                    **stamp,
                    "id": item,
                    "seq": 1,
                    "name": "Facial",
                    "category": "Cosmetic",
                    "duration_minutes": 45,
                    "base_price": Decimal("1500"),
                    "currency": "TWD",
                }
            ],
        )
        patients = [new_id() for _ in range(counts["patients"])]
        seq = 1

        def grouped(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
            nonlocal seq
            for index, row in enumerate(rows):
                if index % GROUP == 0:
                    seq += 1
                row["seq"] = seq
            return rows

        bulk_insert(
            connection,
            tables["patients"],
            grouped(
                [
                    {
                        **stamp,
                        **written_at(NOW - timedelta(days=2_000) + timedelta(minutes=57 * n)),
                        "id": p,
                        "barcode_id": f"B{n:09d}",
                        "qr_code_data": f"B{n:09d}",
                        "first_name": f"First{n % 997}",
                        "last_name": f"Last{n % 991}",
                        "date_of_birth": date(1950, 1, 1) + timedelta(days=n % 20_000),
                        "contact_phone": f"09{n:08d}",
                        "first_name_key": f"first{n % 997}",
                        "last_name_key": f"last{n % 991}",
                        "search_text": f"first{n % 997} last{n % 991}",
                    }
                    for n, p in enumerate(patients)
                ]
            ),
        )
        appointments = []
        for n in range(counts["appointments"]):
            start = NOW - timedelta(days=n // 200) + timedelta(minutes=30 * (n % 20))
            local = start + timedelta(hours=8)
            appointments.append(
                {
                    **stamp,
                    **written_at(start - timedelta(days=7, seconds=37 * n % 86_400)),
                    "id": new_id(),
                    "patient_id": patients[n % len(patients)],
                    "doctor_id": doctors[n % 10],
                    "reservation_id": f"R{n:010d}",
                    "starts_at": start,
                    "ends_at": start + timedelta(minutes=30),
                    "appointment_date": local.date(),
                    "start_time": local.time(),
                    "end_time": (local + timedelta(minutes=30)).time(),
                    "duration_minutes": 30,
                    "appointment_type": "Consultation",
                    "status": "Completed",
                    "booking_mode": "Specific Time",
                    "time_assigned": True,
                }
            )
        bulk_insert(connection, tables["appointments"], grouped(appointments))
        del appointments
        bulk_insert(
            connection,
            tables["treatment_records"],
            grouped(
                [
                    {
                        **stamp,
                        **written_at(
                            datetime(2026, 1, 1, 9, tzinfo=UTC)
                            + timedelta(days=n % 300, seconds=13 * n % 30_000)
                        ),
                        "id": new_id(),
                        "patient_id": patients[n % len(patients)],
                        "doctor_id": doctors[n % 10],
                        "treatment_date": date(2026, 1, 1) + timedelta(days=n % 300),
                        "treatment_type_id": item,
                        "treatment_name": "Facial",
                        "duration_minutes": 45,
                        "cost": Decimal("1500"),
                        "currency": "TWD",
                        "final_amount": Decimal("1500"),
                    }
                    for n in range(counts["treatment_records"])
                ]
            ),
        )
        connection.execute(ClinicSequence.__table__.insert(), [{"clinic_id": clinic_id, "change_seq": seq}])  # type: ignore[attr-defined]
    total = 1 + 10 + 1 + sum(counts.values())
    engine.dispose()
    return clinic_id, total


def read_rows(path: Path, clinic_id: uuid.UUID) -> dict[str, list[dict[str, Any]]]:
    engine = create_database_engine(sqlite_url(path))
    out: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as connection:
        for described in synced_tables():
            rows = [
                dict(r._mapping)
                for r in connection.execute(
                    select(described.table).where(described.clinic_column == clinic_id)
                )
            ]
            if rows:
                out[described.name] = rows
        connection.rollback()
    engine.dispose()
    return out


def fresh_replica(template: Path, path: Path) -> Engine:
    shutil.copyfile(template, path)
    return create_database_engine(sqlite_url(path))


def baseline_sqlite(
    rows: dict[str, list[dict[str, Any]]], template: Path, work: Path, *, indexes_after: bool = False
) -> float:
    engine = fresh_replica(template, work / f"baseline-{indexes_after}.db")
    tables = {t.name: t.table for t in synced_tables()}
    started = time.perf_counter()
    # The same conditions as a pulled page: one transaction, foreign-key checks off.
    with replica_transaction(engine) as connection:
        if indexes_after:
            defer_indexes(connection)
        for name, table_rows in rows.items():
            bulk_insert(connection, tables[name], [dict(r) for r in table_rows])
        if indexes_after:
            restore_indexes(connection)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def baseline_postgres(rows: dict[str, list[dict[str, Any]]]) -> float | None:
    admin_url = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    name = f"bench_sync_{os.getpid()}"
    try:
        admin = create_database_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # PostgreSQL not reachable: no baseline
        print(f"  (PostgreSQL baseline skipped: {type(error).__name__})")
        return None
    from sqlalchemy.engine import make_url

    url = make_url(admin_url).set(database=name)
    engine = create_database_engine(url.render_as_string(hide_password=False))
    upgrade(engine)
    tables = {t.name: t.table for t in synced_tables()}
    import psycopg

    with psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False)) as raw:
        with raw.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")  # no FK checks, like the replica
        started = time.perf_counter()
        with raw.cursor() as cursor:
            for table_name, table_rows in rows.items():
                columns = list(table_rows[0])
                processors = [
                    tables[table_name].c[c].type.dialect_impl(engine.dialect).bind_processor(engine.dialect)
                    for c in columns
                ]
                with cursor.copy(f"COPY {table_name} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in table_rows:
                        copy.write_row(
                            [
                                None if row[c] is None else (p(row[c]) if p else row[c])
                                for c, p in zip(columns, processors, strict=True)
                            ]
                        )
        raw.commit()
        elapsed = time.perf_counter() - started
    engine.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
    return elapsed


def start_server(server_db: Path, port: int, work: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.e2e.server_process",
            sqlite_url(server_db),
            str(port),
            str(work / "server"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    from tests.e2e.faults import wait_for_port

    wait_for_port(port, 60)
    return process


def enroll(server_db: Path, clinic_id: uuid.UUID) -> str:
    from sync_server.sync.enrollment import create_enrollment_code, redeem

    engine = create_database_engine(sqlite_url(server_db))
    db = Database(engine, chain_id="server")
    code, _ = create_enrollment_code(db, clinic_id, "front-desk")
    credential = redeem(db, code, "bench").credential
    engine.dispose()
    return credential


def sync_replica(replica: Path, url: str, credential: str, clinic_id: uuid.UUID, page_rows: int) -> float:
    from common.sync.enrollment import DeviceInfo, record_enrollment
    from common.sync.models import DeviceKind
    from sync_server.sync.devices import parse_credential

    engine = create_database_engine(sqlite_url(replica))
    if not (replica.parent / "enrolled").exists():
        _, device_id, _ = parse_credential(credential)
        record_enrollment(engine, DeviceInfo(device_id, clinic_id, DeviceKind.FRONT_DESK, url))
        (replica.parent / "enrolled").touch()
    sync = SyncEngine(
        Database(engine), SyncClient(url, credential, current_revision(engine) or ""), page_rows=page_rows
    )
    print("GO", flush=True)
    started = time.perf_counter()
    sync.sync_once()
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    # The engine asks for the largest pages (MAX_PAGE_ROWS) when it starts from the beginning,
    # unless made with pages smaller than the default.
    parser.add_argument("--page-rows", type=int, default=5_000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-kill", action="store_true")
    parser.add_argument("--sync-child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.sync_child:
        replica, url, credential, clinic, page_rows = args.sync_child
        seconds = sync_replica(Path(replica), url, credential, uuid.UUID(clinic), int(page_rows))
        print(f"{seconds:.3f}", flush=True)
        return 0

    work = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    try:
        template = work / "template.db"
        engine = create_database_engine(sqlite_url(template))
        upgrade(engine)
        engine.dispose()
        server_db = work / "server.db"
        started = time.perf_counter()
        clinic_id, total = build_server(server_db, args.scale)
        print(f"built the server clinic: {total:,} rows in {time.perf_counter() - started:.1f} s")
        rows = read_rows(server_db, clinic_id)
        load_before = os.getloadavg()
        sqlite_seconds = baseline_sqlite(rows, template, work)
        sqlite_after_seconds = baseline_sqlite(rows, template, work, indexes_after=True)
        postgres_seconds = None if args.no_postgres else baseline_postgres(rows)
        del rows
        port = _free_port()
        server = start_server(server_db, port, work)
        url = f"http://127.0.0.1:{port}"
        try:
            (work / "full").mkdir()
            shutil.copyfile(template, work / "full" / "replica.db")
            credential = enroll(server_db, clinic_id)
            server_cpu, device_cpu = process_cpu_seconds(server.pid), time.process_time()
            sync_seconds = sync_replica(
                work / "full" / "replica.db", url, credential, clinic_id, args.page_rows
            )
            server_cpu = process_cpu_seconds(server.pid) - server_cpu
            device_cpu = time.process_time() - device_cpu
            resumed = (
                None
                if args.no_kill
                else kill_and_resume(work, template, url, server_db, clinic_id, args.page_rows, sync_seconds)
            )
        finally:
            server.send_signal(signal.SIGKILL)
            server.wait(10)
        print(f"initial sync   {sync_seconds:8.2f} s  {total / sync_seconds:10,.0f} rows/s  (target < 20 s)")
        print(
            f"  CPU: server {server_cpu:.1f} s ({server_cpu / sync_seconds:.0%} of a core), "
            f"device {device_cpu:.1f} s ({device_cpu / sync_seconds:.0%}): the busier side sets the pace"
        )
        print(
            f"SQLite bulk    {sqlite_seconds:8.2f} s  {total / sqlite_seconds:10,.0f} rows/s  ratio {sync_seconds / sqlite_seconds:.2f}x (target <= 4x)"
        )
        print(
            f"  indexes after{sqlite_after_seconds:8.2f} s  {total / sqlite_after_seconds:10,.0f} rows/s  ratio {sync_seconds / sqlite_after_seconds:.2f}x (the same bulk insert, plain indexes built at the end as the sync does)"
        )
        if postgres_seconds is not None:
            print(
                f"PostgreSQL COPY{postgres_seconds:8.2f} s  {total / postgres_seconds:10,.0f} rows/s  ratio {sync_seconds / postgres_seconds:.2f}x"
            )
        if resumed is not None:
            print(
                f"killed at 50 % and resumed: {resumed:.2f} s in all, {(resumed / sync_seconds - 1) * 100:+.1f} % (target <= +10 %)"
            )
        load = os.getloadavg()
        print(
            f"machine load (1/5/15 min) before the baselines {load_before[0]:.2f}/{load_before[1]:.2f}/{load_before[2]:.2f}, "
            f"at the end {load[0]:.2f}/{load[1]:.2f}/{load[2]:.2f} on {os.cpu_count()} cores: a busy machine slows every line"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def kill_and_resume(
    work: Path, template: Path, url: str, server_db: Path, clinic_id: uuid.UUID, page_rows: int, full: float
) -> float:
    (work / "killed").mkdir()
    replica = work / "killed" / "replica.db"
    shutil.copyfile(template, replica)
    credential = enroll(server_db, clinic_id)
    command = [
        sys.executable,
        "-m",
        "bench.bench_sync_initial",
        "--sync-child",
        str(replica),
        url,
        credential,
        str(clinic_id),
        str(page_rows),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    while child.stdout.readline().strip() != "GO":
        pass
    time.sleep(full * 0.5)  # half of an uninterrupted sync's time: about half the rows are in
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    first = full * 0.5
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    out, _ = child.communicate(timeout=600)
    return first + float(out.strip().splitlines()[-1])


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


_ = (dtime,)

if __name__ == "__main__":
    raise SystemExit(main())
