"""A year's revenue and treatments reports, to finished PDFs, for a clinic with 100,000+ treatment
records: `python -m bench.bench_reports [--rebuild] [--repetitions N]`.

Dataset: the demo generator (common/demo) at 60,000 patients with two past visits each on
average and 60 doctors (so a year holds about 100,000 treatments), built once and cached as
var/bench/reports-100k.db (rebuilt when the generator, the migrations or this file change); the
benchmark runs on a scratch copy, because every report run writes its audit row.

Service: in one `db.context` as the manager, `revenue_report` and `treatments_report` over the
last 365 days, then both rendered to PDF (reportlab, with their charts).
Baseline: the bare SQL aggregates they are built on, through sqlite3 on the same file: money per
day and kind from payment_records, and treatments per day, name and doctor from
treatment_records, for the same year. The answers are compared once (net revenue, treatment count).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import shutil
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from time import perf_counter
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy import select

import common.demo.generator as demo_generator
from bench.dataset import CACHE_DIR, NOW, ROOT, raw_connection, remove_database
from bench.timing import Machine, Result, Row, Target, format_result, measure, measure_pair
from common.clock import FrozenClock
from common.context import Actor
from common.database import Database
from common.demo import DemoSpec, seed_demo_clinic
from common.printing.report_pdf import report_pdf
from common.reports.model import ReportFilters, ReportRange
from common.reports.revenue import revenue_report
from common.reports.treatments import treatments_report
from common.staff.models import Role, StaffUser
from common.storage.engine import create_database_engine, sqlite_url
from common.storage.migrate import MIGRATIONS_DIR, upgrade

NAME: Final = "reports-100k"
PATIENTS: Final = 60_000
VISITS_PER_PATIENT: Final = 2.0
PATIENTS_PER_DOCTOR: Final = 1_000
MIN_TREATMENTS: Final = 100_000
TARGET: Final = Target(p95_ms=3_000)
SCALE: Final = Decimal(10_000)  # SQLite keeps money as integers of 1/10,000ths (common/storage/types.py)


@dataclass(frozen=True)
class ReportsDataset:
    path: Path
    clinic_id: uuid.UUID
    treatments: int
    payments: int


def cache_key() -> str:
    """Changes when what shapes the data does: the generator, the schema, the dataset's constants."""
    digest = hashlib.sha256(f"{PATIENTS}/{VISITS_PER_PATIENT}/{PATIENTS_PER_DOCTOR}/{NOW}".encode())
    for source in [*sorted((ROOT / "common" / "demo").glob("*.py")), *sorted(MIGRATIONS_DIR.rglob("*.py"))]:
        digest.update(source.read_bytes())
    return digest.hexdigest()


def ensure(rebuild: bool = False) -> ReportsDataset:
    path, meta_path = CACHE_DIR / f"{NAME}.db", CACHE_DIR / f"{NAME}.json"
    key = cache_key()
    if not rebuild and path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("key") == key:
            return ReportsDataset(path, uuid.UUID(meta["clinic_id"]), meta["treatments"], meta["payments"])
    print(
        f"bench: building {path.name} ({PATIENTS:,} patients, about {MIN_TREATMENTS:,} treatments; minutes)"
    )
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    building = CACHE_DIR / f"{NAME}.building.db"
    remove_database(building)
    started = perf_counter()
    engine = create_database_engine(sqlite_url(building), check_integrity=False)
    saved = demo_generator.PATIENTS_PER_DOCTOR
    try:
        upgrade(engine)
        # The generator's doctors-per-patients knob (bench/dataset.py turns it the same way).
        setattr(demo_generator, "PATIENTS_PER_DOCTOR", PATIENTS_PER_DOCTOR)  # noqa: B010 - a Final
        spec = DemoSpec(
            now=NOW, patients=PATIENTS, visits_per_patient=VISITS_PER_PATIENT, min_history_days=365
        )
        clinic_id = seed_demo_clinic(engine, spec).clinic_id
    finally:
        setattr(demo_generator, "PATIENTS_PER_DOCTOR", saved)  # noqa: B010
        engine.dispose()
    with contextlib.closing(raw_connection(building)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        treatments = connection.execute("SELECT count(*) FROM treatment_records").fetchone()[0]
        payments = connection.execute("SELECT count(*) FROM payment_records").fetchone()[0]
    if treatments < MIN_TREATMENTS:
        raise RuntimeError(
            f"the reports dataset has {treatments:,} treatments, fewer than {MIN_TREATMENTS:,}"
        )
    remove_database(path)
    building.replace(path)
    meta = {"key": key, "clinic_id": str(clinic_id), "treatments": treatments, "payments": payments}
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    print(f"bench: built {path.name} in {perf_counter() - started:.0f} s")
    return ReportsDataset(path, clinic_id, treatments, payments)


@contextlib.contextmanager
def working_copy(dataset: ReportsDataset) -> Iterator[ReportsDataset]:
    target = CACHE_DIR / "work" / dataset.path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_database(target)
    shutil.copyfile(dataset.path, target)
    try:
        yield ReportsDataset(target, dataset.clinic_id, dataset.treatments, dataset.payments)
    finally:
        remove_database(target)


def run(dataset: ReportsDataset, *, repetitions: int = 7, warmup: int = 2) -> Result:
    engine = create_database_engine(sqlite_url(dataset.path), check_integrity=False)
    db = Database(engine, clock=FrozenClock(NOW), chain_id="bench")
    with db.session(dataset.clinic_id) as session:
        manager = session.scalars(select(StaffUser.id).where(StaffUser.role == Role.MANAGER)).first()
        session.rollback()
    assert manager is not None
    actor = Actor.staff(manager, Role.MANAGER)
    last = NOW.astimezone(ZoneInfo("Asia/Taipei")).date()  # the demo clinic's zone
    period = ReportRange(last - timedelta(days=364), last)
    in_year = 0
    pages = 0

    def service() -> tuple[Decimal, int, int]:
        nonlocal pages
        with db.context(dataset.clinic_id, actor) as ctx:
            revenue = revenue_report(ctx, period, ReportFilters())
            treated = treatments_report(ctx, period, ReportFilters())
        first = report_pdf(revenue, locale="en")
        second = report_pdf(treated, locale="en")
        pages = first.count(b"/Type /Page\n") + second.count(b"/Type /Page\n")
        return (
            Decimal(str(revenue.figure("net"))),
            int(str(treated.figure("performed"))),
            len(first) + len(second),
        )

    def queries_only() -> None:
        with db.context(dataset.clinic_id, actor) as ctx:
            revenue_report(ctx, period, ReportFilters())
            treatments_report(ctx, period, ReportFilters())

    with contextlib.closing(raw_connection(dataset.path)) as connection:

        def baseline() -> tuple[Decimal, int]:
            return _baseline(connection, dataset.clinic_id, period)

        served = service()
        plain = baseline()
        in_year = served[1]
        service_samples, baseline_samples = measure_pair(service, baseline, repetitions, warmup)
        query_samples = measure(queries_only, repetitions, warmup=1)
    engine.dispose()
    return Result(
        name="reports",
        scenario=(
            f"revenue + treatments reports, {period.first} to {period.last}: {in_year:,} treatments "
            "in the year, "
            f"{dataset.treatments:,} treatment records and {dataset.payments:,} payments in the clinic; "
            f"two PDFs, {pages} pages"
        ),
        service=Row("service: both reports (db.context) + both PDFs", service_samples),
        baseline=Row("baseline: the bare SQL aggregates (sqlite3)", baseline_samples),
        baseline_includes=(
            "two GROUP BY queries through sqlite3 over the same year: payments by day and kind "
            "(count, sum), treatments by day, name and doctor (count, sum)"
        ),
        target=TARGET,
        details=(Row("service: the two reports' queries and figures, no PDF", query_samples),),
        notes=(
            f"net revenue {served[0]:,} TWD; {served[2]:,} bytes of PDF",
            "SQLite runs in this process, so the cpu figure is the work done; on a shared machine the wall "
            "time adds the time spent waiting for a core (see the load average)",
        ),
        same_answer=(served[0], served[1]) == plain,
    )


def _baseline(
    connection: sqlite3.Connection, clinic_id: uuid.UUID, period: ReportRange
) -> tuple[Decimal, int]:
    clinic = clinic_id.hex  # SQLAlchemy's Uuid type stores 32 hex digits on SQLite
    first, last = period.first.isoformat(), period.last.isoformat()
    money = connection.execute(
        "SELECT payment_date, kind, count(*), sum(final_amount) FROM payment_records "
        "WHERE clinic_id = ? AND payment_date BETWEEN ? AND ? AND deleted_at IS NULL "
        "AND payment_status IN ('Completed', 'Refunded') AND currency = 'TWD' GROUP BY payment_date, kind",
        (clinic, first, last),
    ).fetchall()
    treatments = connection.execute(
        "SELECT treatment_date, treatment_name, doctor_id, count(*), sum(final_amount) "
        "FROM treatment_records WHERE clinic_id = ? AND treatment_date BETWEEN ? AND ? "
        "AND deleted_at IS NULL AND currency = 'TWD' "
        "GROUP BY treatment_date, treatment_name, doctor_id",
        (clinic, first, last),
    ).fetchall()
    net = sum((Decimal(row[3]) for row in money), Decimal(0)) / SCALE
    return net.quantize(Decimal("0.01")), sum(row[3] for row in treatments)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the dataset even if cached")
    parser.add_argument("--repetitions", type=int, default=7)
    args = parser.parse_args(argv)
    dataset = ensure(args.rebuild)
    print(f"machine: {Machine().describe()}")
    counts = f"{dataset.treatments:,} treatment records, {dataset.payments:,} payments"
    print(f"dataset: var/bench/{NAME}.db ({counts})")
    with working_copy(dataset) as work:
        result = run(work, repetitions=args.repetitions)
    print(format_result(result))
    return 0 if result.passed and result.same_answer else 1


if __name__ == "__main__":
    raise SystemExit(main())
