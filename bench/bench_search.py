"""Patient search over 100,000 patients with the mix of queries a front desk types.

The mix (built from the clinic's own patients, deterministically): Latin names by 1, 2 and all
letters, first and last name, CJK surnames, surname + given name, full CJK names, phone fragments
(last digits, a local prefix, the whole number), whole and partial emails, a scanned barcode
value, and queries that find nobody.

Service: `search_patients(ctx, q)` (20 results) in its own `db.context` (a receptionist), end to
end: the audit row and the commit are part of it.
Baseline: the same statements the service runs, hand-written and sent through sqlite3 in one read
transaction, in the same order until 20 patients are found: barcode lookups, name and phone prefix
ranges on the folded keys, then the FTS5 trigram candidates, each selecting the summary columns a
result shows. What is typed is parsed by the service's own `plan_query` (pure Python, no I/O), so
both run the same statements with the same parameters.
"""

from __future__ import annotations

import random
import sqlite3
import uuid
from collections import defaultdict
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from typing import Any, Final

from bench.dataset import Dataset, raw_connection
from bench.timing import GcPauses, Result, Row, Samples, Target, breakdown, gc_note, timed_both
from common.context import ServiceContext
from common.patients.search import MATCH_CAP, fts5_query, plan_query, search_patients
from common.patients.search_keys import fold
from common.patients.views import SUMMARY_FIELDS, PatientView
from common.staff.models import Role

TARGET: Final = Target(p95_ms=30, max_ratio=3)
LIMIT: Final = 20
PATIENTS_SAMPLED: Final = 12  # patients per query kind
_COLUMNS: Final = ", ".join(["id", *sorted(SUMMARY_FIELDS - {"id"})])  # id first: row[0]
_LIVE: Final = "clinic_id = :clinic_id AND deleted_at IS NULL AND merged_into_id IS NULL"
_FTS5_CANDIDATES: Final = (
    "SELECT id FROM ("
    " SELECT p.id AS id, p.last_name_key AS last_key, p.first_name_key AS first_key,"
    " CASE WHEN substr(p.first_name_key, 1, :n) = :q OR substr(p.last_name_key, 1, :n) = :q"
    " OR substr(p.first_name_key || ' ' || p.last_name_key, 1, :n) = :q"
    " OR substr(p.last_name_key || ' ' || p.first_name_key, 1, :n) = :q"
    " OR substr(p.last_name_key || p.first_name_key, 1, :n) = :q"
    " OR p.phone_digits = :digits THEN 1 ELSE 2 END AS rank"
    " FROM patient_search CROSS JOIN patients AS p ON p.rowid = patient_search.rowid"
    " WHERE patient_search MATCH :fts AND p.clinic_id = :clinic_id"
    " AND p.deleted_at IS NULL AND p.merged_into_id IS NULL"
    " LIMIT :cap"
    ") ORDER BY rank, last_key, first_key, id LIMIT :limit"
)


@dataclass(frozen=True)
class Query:
    kind: str
    text: str


def run(
    dataset: Dataset, *, repetitions: int = 600, warmup: int = 1, per_kind: int = PATIENTS_SAMPLED
) -> Result:
    """`repetitions` timed searches of each side (the mix, cycled), after `warmup` untimed rounds of
    the mix; `per_kind` queries of each kind in the mix."""
    engine = dataset.engine()
    try:
        db = dataset.database(engine)
        actor = dataset.actor(engine, Role.RECEPTIONIST)

        def service(query: Query) -> list[PatientView]:
            with db.context(dataset.clinic_id, actor) as ctx:
                return search_patients(ctx, query.text, LIMIT)

        with closing(raw_connection(dataset.path)) as connection:
            mix = query_mix(connection, dataset.clinic_id, per_kind)

            def baseline(query: Query) -> list[tuple[Any, ...]]:
                return baseline_search(connection, dataset.clinic_id, query.text, LIMIT)

            same = sum([view.id.hex for view in service(q)] == [row[0] for row in baseline(q)] for q in mix)
            for _ in range(warmup):
                for query in mix:
                    service(query)
                    baseline(query)
            service_times: list[tuple[str, tuple[float, float]]] = []
            baseline_times: list[tuple[str, tuple[float, float]]] = []
            with GcPauses() as pauses:
                for number in range(repetitions):
                    query = mix[number % len(mix)]
                    first, second = (service, baseline) if number % 2 == 0 else (baseline, service)
                    for side in (first, second):
                        elapsed = timed_both(_bind(side, query))
                        (service_times if side is service else baseline_times).append((query.kind, elapsed))
        in_context, unaudited = breakdown(
            db,
            dataset.clinic_id,
            actor,
            [_search_call(mix[number % len(mix)]) for number in range(repetitions)],
            warmup,
        )
    finally:
        engine.dispose()

    by_kind: dict[str, tuple[list[tuple[float, float]], list[tuple[float, float]]]] = defaultdict(
        lambda: ([], [])
    )
    for kind, elapsed in service_times:
        by_kind[kind][0].append(elapsed)
    for kind, elapsed in baseline_times:
        by_kind[kind][1].append(elapsed)
    details = [
        Row("service: search_patients() in an open context (no commit)", in_context),
        Row("service: search_patients() without audit row and commit", unaudited),
    ]
    for kind, (served, plain) in by_kind.items():
        details.append(Row(f"  {kind}: service", Samples.of(served)))
        details.append(Row(f"  {kind}: baseline", Samples.of(plain)))
    kinds = len(by_kind)
    return Result(
        name="search",
        scenario=(
            f"{len(mix)} queries of {kinds} kinds over {dataset.counts['patients']:,} patients, "
            f"{LIMIT} results each, {repetitions} searches per side"
        ),
        service=Row("service: db.context + search_patients() + audit + commit", _samples(service_times)),
        baseline=Row("baseline: sqlite3, the same statements", _samples(baseline_times)),
        baseline_includes=(
            "the service's statements for each query (barcode, name/phone prefix ranges, FTS5 trigram "
            "candidates), hand-written and run via sqlite3 in one read transaction until 20 are found, "
            "selecting the summary columns; rows as the driver returns them (no audit row, no commit)"
        ),
        target=TARGET,
        details=tuple(details),
        notes=(
            f"identical results (same patients, same order) for {same} of {len(mix)} queries",
            gc_note(pauses),
        ),
        same_answer=same == len(mix),
    )


def _search_call(query: Query) -> Callable[[ServiceContext], object]:
    return lambda ctx: search_patients(ctx, query.text, LIMIT)


def _bind(side: Callable[[Query], object], query: Query) -> Callable[[], object]:
    return lambda: side(query)


def _samples(timings: list[tuple[str, tuple[float, float]]]) -> Samples:
    return Samples.of([elapsed for _kind, elapsed in timings])


# -- the query mix ---------------------------------------------------------------------------------


def _is_cjk(text: str) -> bool:
    return any(ord(ch) > 0x2E80 for ch in text)


def query_mix(connection: sqlite3.Connection, clinic_id: uuid.UUID, per_kind: int) -> list[Query]:
    """`per_kind` queries of each kind, from patients drawn with a fixed seed."""
    rng = random.Random(2026)
    count = connection.execute("SELECT max(rowid) FROM patients").fetchone()[0]
    rowids = rng.sample(range(1, count + 1), min(count, 40 * per_kind))
    marks = ",".join("?" * len(rowids))
    people = connection.execute(
        "SELECT first_name, last_name, contact_email, contact_phone, barcode_id FROM patients "
        f"WHERE clinic_id = ? AND deleted_at IS NULL AND merged_into_id IS NULL AND rowid IN ({marks}) "
        "ORDER BY rowid",
        (clinic_id.hex, *rowids),
    ).fetchall()
    latin = [p for p in people if not _is_cjk(p[0] + p[1])]
    cjk = [p for p in people if _is_cjk(p[1])]
    phones = [p for p in people if p[3]]
    emails = [p for p in people if p[2]]
    n = per_kind
    digits = ["".join(ch for ch in p[3] if ch.isdigit()) for p in phones[: 2 * n]]
    return [
        *(Query("latin, 1 letter", p[1][0]) for p in latin[:n]),
        *(Query("latin, 2 letters", p[1][:2].lower()) for p in latin[n : 2 * n]),
        *(Query("latin, last name", p[1]) for p in latin[2 * n : 3 * n]),
        *(Query("latin, first name", fold(p[0])) for p in latin[3 * n : 4 * n]),
        *(Query("latin, full name", f"{p[0]} {p[1]}") for p in latin[4 * n : 5 * n]),
        *(Query("cjk, surname", p[1]) for p in cjk[:n]),
        *(Query("cjk, surname + 1", p[1] + p[0][:1]) for p in cjk[n : 2 * n]),
        *(Query("cjk, full name", p[1] + p[0]) for p in cjk[2 * n : 3 * n]),
        *(Query("phone, last 4 digits", d[-4:]) for d in digits[:n]),
        *(Query("phone, first 6 digits", d[:6]) for d in digits[n : 2 * n]),
        *(Query("phone, as written", p[3]) for p in phones[2 * n : 3 * n]),
        *(Query("email, whole", p[2]) for p in emails[:n]),
        *(Query("email, start", p[2].split("@")[0][:6]) for p in emails[n : 2 * n]),
        *(Query("barcode, scanned", p[4]) for p in people[:n]),
        *(Query("nobody", text) for text in ("zqxv", "Wolfeschlegel", "鬱鬱", "0000-999", "qq@zz.example")),
    ]


# -- the baseline ----------------------------------------------------------------------------------


def _successor(prefix: str) -> str:
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def baseline_search(
    connection: sqlite3.Connection, clinic_id: uuid.UUID, text: str, limit: int
) -> list[tuple[Any, ...]]:
    plan = plan_query(text)
    found: dict[str, tuple[Any, ...]] = {}
    if plan.is_empty:
        return []
    clinic = clinic_id.hex
    params: dict[str, Any] = {"clinic_id": clinic, "limit": limit}

    def rows(where: str, order: str, values: dict[str, Any]) -> list[tuple[Any, ...]]:
        sql = f"SELECT {_COLUMNS} FROM patients WHERE {where} AND {_LIVE} {order} LIMIT :limit"
        return connection.execute(sql, {**params, **values}).fetchall()

    by_name = "ORDER BY last_name_key, first_name_key, id"
    steps: list[Callable[[], list[tuple[Any, ...]]]] = []
    if plan.barcode:
        code = plan.barcode
        steps.append(lambda: rows("barcode_id = :code", "", {"code": code}))
        steps.append(
            lambda: rows(
                "id IN (SELECT entity_id FROM barcode_mappings WHERE clinic_id = :clinic_id "
                "AND deleted_at IS NULL AND barcode_value = :code AND entity_type = 'Patient' "
                "AND is_active = 1)",
                "",
                {"code": code},
            )
        )
    if plan.text:
        q = plan.text
        steps.append(
            lambda: rows(
                "last_name_key >= :lo AND last_name_key < :hi", by_name, {"lo": q, "hi": _successor(q)}
            )
        )
        if len(q) == 2 and not q.isascii() and " " not in q:
            steps.append(
                lambda: rows(
                    "last_name_key = :last AND first_name_key >= :lo AND first_name_key < :hi",
                    by_name,
                    {"last": q[0], "lo": q[1], "hi": _successor(q[1])},
                )
            )
        steps.append(
            lambda: rows(
                "first_name_key >= :lo AND first_name_key < :hi",
                "ORDER BY first_name_key, last_name_key, id",
                {"lo": q, "hi": _successor(q)},
            )
        )
    if plan.digits:
        d = plan.digits
        steps.append(
            lambda: rows(
                "phone_digits >= :lo AND phone_digits < :hi",
                "ORDER BY phone_digits, id",
                {"lo": d, "hi": _successor(d)},
            )
        )
    if plan.needles:
        steps.append(lambda: _substrings(connection, plan.needles, plan.text, plan.digits, clinic, limit))

    connection.execute("BEGIN")
    try:
        for step in steps:
            for row in step():
                found.setdefault(row[0], row)
            if len(found) >= limit:
                break
    finally:
        connection.execute("COMMIT")
    return list(found.values())[:limit]


def _substrings(
    connection: sqlite3.Connection,
    needles: tuple[str, ...],
    text: str,
    digits: str | None,
    clinic: str,
    limit: int,
) -> list[tuple[Any, ...]]:
    values = {
        "fts": fts5_query(needles),
        "clinic_id": clinic,
        "q": text,
        "n": len(text),
        "digits": digits,
        "cap": MATCH_CAP,
        "limit": limit,
    }
    ids = [row[0] for row in connection.execute(_FTS5_CANDIDATES, values)]
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    found = {
        row[0]: row
        for row in connection.execute(
            f"SELECT {_COLUMNS} FROM patients WHERE clinic_id = ? AND deleted_at IS NULL AND id IN ({marks})",
            (clinic, *ids),
        )
    }
    return [found[i] for i in ids if i in found]
