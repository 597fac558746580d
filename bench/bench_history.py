"""A patient's full history with 500 visits (appointments, treatment records, payments), as a doctor opens it.

Service: `full_history(ctx, patient_id)` in its own `db.context` (a doctor, so the medical fields are
included), end to end: the audit row and the commit are part of what an app waits for.
Baseline: the same six SELECTs through sqlite3 on the same file, in one read transaction, each
value made into the type the service returns (UUID, aware datetime, date, Decimal) by hand: the same
answer in hand-written code (no ORM, no tenant scoping, no role filtering, no audit row). The raw
driver rows are shown beside it: turning ~12,000 stored values into typed ones is most of the cost
of any typed answer, so a ratio to untyped strings would measure Python's constructors, not us.
"""

from __future__ import annotations

import sqlite3
import uuid
from contextlib import closing
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Final

from bench.dataset import Dataset, raw_connection
from bench.timing import GcPauses, Result, Row, Samples, Target, breakdown, gc_note, measure_pair, timed_both
from common.patients.history import PatientHistory, full_history
from common.staff.models import Role

TARGET: Final = Target(p95_ms=100, max_ratio=3)

_PATIENT_SQL: Final = "SELECT * FROM patients WHERE clinic_id = ? AND deleted_at IS NULL AND id = ?"
_APPOINTMENTS_SQL: Final = (
    "SELECT id, reservation_id, starts_at, ends_at, status, appointment_type, doctor_id, "
    "treatment_type_id, period, time_assigned FROM appointments "
    "WHERE clinic_id = ? AND deleted_at IS NULL AND patient_id = ? ORDER BY starts_at DESC, id"
)
_TREATMENTS_SQL: Final = (
    "SELECT id, treatment_date, treatment_name, treatment_type_id, doctor_id, appointment_id, "
    "final_amount, currency, follow_up_date FROM treatment_records "
    "WHERE clinic_id = ? AND deleted_at IS NULL AND patient_id = ? ORDER BY treatment_date DESC, id DESC"
)
_PAYMENTS_SQL: Final = (
    "SELECT id, paid_at, kind, final_amount, currency, payment_method, payment_status, appointment_id, "
    "treatment_id FROM payment_records "
    "WHERE clinic_id = ? AND deleted_at IS NULL AND patient_id = ? ORDER BY paid_at DESC, id"
)
_BARCODES_SQL: Final = (
    "SELECT id, barcode_value, is_active, generated_at, expiry_date, scan_count FROM barcode_mappings "
    "WHERE clinic_id = ? AND deleted_at IS NULL AND entity_type = 'Patient' AND entity_id = ? "
    "ORDER BY generated_at DESC, id"
)
_CHAT_SQL: Final = (
    "SELECT count(id) FROM chat_messages WHERE clinic_id = ? AND deleted_at IS NULL AND patient_id = ?"
)


def run(dataset: Dataset, *, repetitions: int = 200, warmup: int = 10) -> Result:
    patient_id = dataset.regular_patient_id
    engine = dataset.engine()
    try:
        db = dataset.database(engine)
        actor = dataset.actor(engine, Role.DOCTOR)

        def service() -> PatientHistory:
            with db.context(dataset.clinic_id, actor) as ctx:
                return full_history(ctx, patient_id)

        with closing(raw_connection(dataset.path)) as connection:

            def baseline() -> dict[str, list[list[Any]]]:
                return typed_baseline_history(connection, dataset.clinic_id, patient_id)

            def raw_rows() -> dict[str, list[Any]]:
                return baseline_history(connection, dataset.clinic_id, patient_id)

            served, plain = service(), raw_rows()
            with GcPauses() as pauses:
                service_samples, baseline_samples = measure_pair(service, baseline, repetitions, warmup)
            raw = Samples.of([timed_both(raw_rows) for _ in range(repetitions)])
        in_context, unaudited = breakdown(
            db, dataset.clinic_id, actor, [lambda ctx: full_history(ctx, patient_id)] * repetitions, warmup
        )
    finally:
        engine.dispose()

    visits = len(served.appointments or ())
    return Result(
        name="history",
        scenario=(
            f"full history of a patient with {visits} visits ({visits} appointments, "
            f"{len(served.treatments or ())} treatment records, {len(served.payments or ())} payments)"
        ),
        service=Row("service: db.context + full_history() + audit + commit", service_samples),
        baseline=Row("baseline: sqlite3, same 6 SELECTs, values typed by hand", baseline_samples),
        baseline_includes=(
            "the same 6 SELECTs (patient, appointments, treatments, payments, barcodes, chat count) via "
            "sqlite3 in one read transaction, each value made into the type the service returns "
            "(uuid.UUID, aware datetime, date, Decimal) by the cheapest Python call: the same answer, "
            "hand-written. No ORM, no tenant scoping, no role filtering, no audit row, nothing to "
            "commit. The raw driver rows (text ids and times, integer money) are shown below: "
            "typing them is most of what a typed answer costs"
        ),
        target=TARGET,
        details=(
            Row("service: full_history() in an open context (no commit)", in_context),
            Row("service: full_history() without audit row and commit", unaudited),
            Row("raw rows: sqlite3, same 6 SELECTs, values as the driver gives them", raw),
        ),
        notes=(gc_note(pauses),),
        same_answer=_same(served, plain),
    )


def baseline_history(
    connection: sqlite3.Connection, clinic_id: uuid.UUID, patient_id: uuid.UUID
) -> dict[str, list[Any]]:
    key = (clinic_id.hex, patient_id.hex)
    connection.execute("BEGIN")
    try:
        return {
            "patient": connection.execute(_PATIENT_SQL, key).fetchall(),
            "appointments": connection.execute(_APPOINTMENTS_SQL, key).fetchall(),
            "treatments": connection.execute(_TREATMENTS_SQL, key).fetchall(),
            "payments": connection.execute(_PAYMENTS_SQL, key).fetchall(),
            "barcodes": connection.execute(_BARCODES_SQL, key).fetchall(),
            "chat_messages": connection.execute(_CHAT_SQL, key).fetchall(),
        }
    finally:
        connection.execute("COMMIT")


# Column positions holding each kind of value in the timeline SELECTs above.
_TYPED_COLUMNS: Final = {
    "appointments": {"uuid": (0, 6, 7), "instant": (2, 3)},
    "treatments": {"uuid": (0, 3, 4, 5), "day": (1, 8), "money": (6,)},
    "payments": {"uuid": (0, 7, 8), "instant": (1,), "money": (3,)},
}


def typed_baseline_history(
    connection: sqlite3.Connection, clinic_id: uuid.UUID, patient_id: uuid.UUID
) -> dict[str, list[list[Any]]]:
    """The hand-written baseline, then each value made into the type the service returns (UUID,
    aware datetime, date, Decimal) in the cheapest way Python offers: what any typed answer costs,
    with no ORM, no tenant scoping, no role filtering and no audit row."""
    raw = baseline_history(connection, clinic_id, patient_id)
    typed: dict[str, list[list[Any]]] = {}
    for section, rows in raw.items():
        kinds = _TYPED_COLUMNS.get(section)
        if kinds is None:
            typed[section] = [list(row) for row in rows]
            continue
        converted = []
        for row in rows:
            values = list(row)
            for i in kinds.get("uuid", ()):
                values[i] = None if values[i] is None else uuid.UUID(hex=values[i])
            for i in kinds.get("instant", ()):
                values[i] = datetime.fromisoformat(values[i]).replace(tzinfo=UTC)
            for i in kinds.get("day", ()):
                values[i] = None if values[i] is None else date.fromisoformat(values[i])
            for i in kinds.get("money", ()):
                values[i] = Decimal(values[i]).scaleb(-4)
            converted.append(values)
        typed[section] = converted
    return typed


def _same(served: PatientHistory, plain: dict[str, list[Any]]) -> bool:
    """The same rows in the same order (compared by id), and the same chat count."""

    def ids(entries: Any) -> list[str]:
        return [entry.id.hex for entry in entries or ()]

    return (
        len(plain["patient"]) == 1
        and ids(served.appointments) == [row[0] for row in plain["appointments"]]
        and ids(served.treatments) == [row[0] for row in plain["treatments"]]
        and ids(served.payments) == [row[0] for row in plain["payments"]]
        and ids(served.barcodes) == [row[0] for row in plain["barcodes"]]
        and served.chat_message_count == plain["chat_messages"][0][0]
    )
