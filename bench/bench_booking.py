"""Booking throughput: one booking per committed operation, as a front desk books, one after another.

Service: `book_appointment(ctx, BookingRequest(...))` in its own `db.context` (a receptionist): a
Specific Time booking of a catalog treatment for a patient, at a free time of a doctor in the two
weeks after the busy calendar. It checks the patient, the doctor, the catalog item, the doctor's
hours and days off, overlaps, draws a reservation id, refreshes the patient's next appointment
date, writes the audit row, and commits (WAL, synchronous=FULL: the commit waits for the disk).
Baseline: the same appointment row (a copy of the one the service just wrote, with its own id and
reservation id) inserted through sqlite3 on the same file with the same pragmas, one transaction
each (BEGIN IMMEDIATE, INSERT, COMMIT). No checks, no audit row. The two alternate, booking by
booking. This benchmark writes, so it runs on a scratch copy of the dataset.
"""

from __future__ import annotations

import sqlite3
import uuid
from contextlib import closing
from datetime import timedelta
from functools import partial
from typing import Any, Final

from sqlalchemy import select

from bench.dataset import Dataset, raw_connection
from bench.timing import GcPauses, Result, Row, Samples, breakdown, gc_note, timed_both
from common.catalog.models import TreatmentCatalogItem
from common.context import ServiceContext
from common.ids import new_id
from common.patients.models import Patient
from common.scheduling.availability import availability
from common.scheduling.booking import BookingRequest, book_appointment
from common.scheduling.slots import FreeSlot
from common.staff.models import Role

DAYS: Final = 14
# The first day searched for free times, after today (the demo's busy calendar is today +- 7 days).
FIRST_DAY_AHEAD: Final = 8
WANTED_MINUTES: Final = 30


def run(dataset: Dataset, *, repetitions: int = 300, warmup: int = 10) -> Result:
    engine = dataset.engine()
    try:
        db = dataset.database(engine)
        actor = dataset.actor(engine, Role.RECEPTIONIST)
        requests = _requests(dataset, db, actor, warmup + 2 * repetitions, engine)
        booked: list[uuid.UUID] = []

        def service(request: BookingRequest) -> None:
            with db.context(dataset.clinic_id, actor) as ctx:
                booked.append(book_appointment(ctx, request).id)

        with closing(raw_connection(dataset.path)) as connection:
            columns = [row[1] for row in connection.execute("PRAGMA table_info(appointments)")]
            insert = (
                f"INSERT INTO appointments ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            )

            def baseline(row: list[Any]) -> None:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute(insert, row)
                connection.execute("COMMIT")

            service_times: list[tuple[float, float]] = []
            baseline_times: list[tuple[float, float]] = []
            with GcPauses() as pauses:
                for number, request in enumerate(requests[: warmup + repetitions]):
                    service_time = timed_both(partial(service, request))
                    row = _copy_of(connection, columns, booked[-1], number)
                    baseline_time = timed_both(partial(baseline, row))
                    if number >= warmup:
                        service_times.append(service_time)
                        baseline_times.append(baseline_time)
        calls = [_booking_call(request) for request in requests[warmup + repetitions :]]
        in_context, unaudited = breakdown(db, dataset.clinic_id, actor, calls, warmup=0)
    finally:
        engine.dispose()

    return Result(
        name="booking",
        scenario=(
            f"{repetitions} Specific Time bookings of a {WANTED_MINUTES}-minute treatment, each its own "
            f"committed operation, {dataset.counts['appointments']:,} appointments in the database"
        ),
        service=Row("service: db.context + book_appointment() + audit + commit", Samples.of(service_times)),
        baseline=Row("baseline: sqlite3 INSERT of the same row", Samples.of(baseline_times)),
        baseline_includes=(
            "BEGIN IMMEDIATE; INSERT of the same appointment row (all columns); COMMIT, via sqlite3 with "
            "the same pragmas (WAL, synchronous=FULL): the durable commit without the checks or the audit"
        ),
        throughput_unit="bookings",
        details=(
            Row("service: book_appointment() in an open context (no commit)", in_context),
            Row("service: book_appointment() without audit row and commit", unaudited),
        ),
        notes=(gc_note(pauses),),
    )


def _booking_call(request: BookingRequest) -> Any:
    return lambda ctx: book_appointment(ctx, request)


def _requests(dataset: Dataset, db: Any, actor: Any, count: int, engine: Any) -> list[BookingRequest]:
    """`count` bookings at distinct free times (a doctor's times never overlap), for distinct patients."""
    first_day = dataset.local_today(engine) + timedelta(days=FIRST_DAY_AHEAD)
    with db.context(dataset.clinic_id, actor) as ctx:
        item = _treatment(ctx)
        days = availability(ctx, first_day, days=DAYS, duration_minutes=item.duration_minutes)
        patients = list(
            ctx.session.scalars(
                select(Patient.id)
                .where(Patient.is_active.is_(True), Patient.merged_into_id.is_(None))
                .order_by(Patient.last_name_key, Patient.id)
                .limit(count)
            )
        )
    free: list[FreeSlot] = []
    for day in days:
        taken_until = None
        for slot in day.slots:
            if taken_until is None or slot.starts_at >= taken_until:
                free.append(slot)
                taken_until = slot.ends_at
    # Round the doctors and days, as bookings come in.
    free.sort(key=lambda slot: (slot.local_start.time(), slot.local_start.date(), slot.doctor_id))
    if len(free) < count or len(patients) < count:
        raise RuntimeError(f"booking benchmark: needs {count} free times and patients in the dataset")
    return [
        BookingRequest(
            patient_id=patient,
            doctor_id=slot.doctor_id,
            starts_at=slot.starts_at,
            treatment_type_id=item.id,
            reason_for_visit="Booked at the front desk",
        )
        for patient, slot in zip(patients, free[:count], strict=True)
    ]


def _treatment(ctx: ServiceContext) -> TreatmentCatalogItem:
    items = ctx.session.scalars(
        select(TreatmentCatalogItem)
        .where(TreatmentCatalogItem.is_active.is_(True))
        .order_by(TreatmentCatalogItem.name)
    ).all()
    return next((i for i in items if i.duration_minutes == WANTED_MINUTES), items[0])


def _copy_of(
    connection: sqlite3.Connection, columns: list[str], appointment_id: uuid.UUID, number: int
) -> list[Any]:
    """The service's row as stored, with a fresh id and reservation id (the copy is a distinct row)."""
    row = list(
        connection.execute("SELECT * FROM appointments WHERE id = ?", (appointment_id.hex,)).fetchone()
    )
    row[columns.index("id")] = new_id().hex
    row[columns.index("reservation_id")] = f"BENCH-{number:08d}"
    return row
