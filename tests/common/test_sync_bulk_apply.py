"""The fast paths between the wire and the database (common/sync/bulk_apply.py) against the slow
ones they replace: the server's page encoding against `encode_rows` over ORM-typed rows (SQLite
and PostgreSQL), the replica's column-by-column upsert against the decode-then-bind upsert (SQLite),
value by value, tombstones, pending rows and unique clashes included; and the deferred indexes of
a big initial sync, built again when the pull ends, even after the device was killed midway."""

from __future__ import annotations

import shutil
import string
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from common.database import Database
from common.demo.generator import DemoSpec, seed_demo_clinic
from common.storage.engine import create_database_engine, sqlite_url
from common.sync import bulk_apply, state
from common.sync.engine import SyncEngine
from common.sync.models import DeviceKind
from common.sync.protocol import PullResponse, TableRows
from common.sync.replica import _upsert, apply_page, replica_transaction
from common.sync.tables import synced_table, synced_tables
from sync_server.sync.devices import DeviceIdentity
from sync_server.sync.pull import pull_page
from sync_server.sync.scope import encode_rows
from tests.conftest import T0

NOW = T0 + timedelta(hours=3)


SMALL = DemoSpec(now=T0, patients=30, days_around=2)


@pytest.fixture
def demo(engine: Engine) -> uuid.UUID:
    """A small demo clinic: every kind of row (money, instants, times, JSON, enums), on either database."""
    return seed_demo_clinic(engine, SMALL).clinic_id


@pytest.fixture
def sqlite_demo(sqlite_engine: Engine) -> uuid.UUID:
    return seed_demo_clinic(sqlite_engine, SMALL).clinic_id


def _replica(template: Path, path: Path) -> Engine:
    shutil.copyfile(template, path)
    return create_database_engine(sqlite_url(path))


@pytest.fixture
def replicas(sqlite_template: Path, tmp_path: Path) -> Iterator[tuple[Engine, Engine]]:
    slow, fast = (
        _replica(sqlite_template, tmp_path / "slow.db"),
        _replica(sqlite_template, tmp_path / "fast.db"),
    )
    yield slow, fast
    slow.dispose()
    fast.dispose()


def _wire_pages(engine: Engine, clinic_id: uuid.UUID, limit: int = 100) -> list[PullResponse]:
    database = Database(engine)
    device = DeviceIdentity(clinic_id, uuid.uuid4(), DeviceKind.FRONT_DESK)
    pages, cursor = [], ""
    while True:
        with database.session(clinic_id) as session, session.begin():
            page = pull_page(session, device, cursor, limit, NOW)
        # Through JSON and back, as the device receives it.
        pages.append(PullResponse.model_validate_json(page.model_dump_json()))
        cursor = page.cursor
        if not page.has_more:
            return pages


def _stored(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every synced row as SQLite stores it (no result processing), by table."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        for described in synced_tables():
            names = ", ".join(described.columns)
            rows = connection.exec_driver_sql(f"SELECT {names} FROM {described.name} ORDER BY id").all()
            out[described.name] = [tuple(row) for row in rows]
        connection.rollback()
    return out


def _apply_slow(engine: Engine, pages: list[PullResponse]) -> None:
    for page in pages:
        with replica_transaction(engine) as connection:
            for table_rows in page.tables:
                _upsert(connection, table_rows, set())


def _search(engine: Engine, text: str) -> list[Any]:
    with engine.connect() as connection:
        found = connection.exec_driver_sql(
            "SELECT p.id FROM patient_search s JOIN patients p ON p.rowid = s.rowid "
            "WHERE patient_search MATCH ? ORDER BY p.id",
            (f'"{text}"',),
        ).all()
        connection.rollback()
    return [row[0] for row in found]


# ---- the server's encoding ------------------------------------------------------------------------


def test_page_encoding_is_what_encode_rows_gives(engine: Engine, demo: uuid.UUID) -> None:
    seen = 0
    with engine.connect() as connection:
        for described in synced_tables():
            condition = described.clinic_column == demo
            order = (described.table.c.seq, described.table.c.id)
            typed = connection.execute(select(described.table).where(condition).order_by(*order)).all()
            raw, codes = bulk_apply.fetch_raw(
                connection, bulk_apply.raw_select(described).where(condition).order_by(*order)
            )
            slow = encode_rows(described, typed, kiosk=False)
            fast = bulk_apply.encode_raw_rows(described, raw, connection.dialect, codes)
            assert fast.columns == slow.columns
            assert fast.rows == slow.rows, described.name
            seen += len(raw)
        connection.rollback()
    assert seen > 300
    staff = synced_table("staff_users")
    hidden = staff.columns.index("totp_secret")
    with engine.connect() as connection:
        raw, codes = bulk_apply.fetch_raw(
            connection, bulk_apply.raw_select(staff).where(staff.table.c.clinic_id == demo)
        )
        connection.rollback()
    assert any(row[hidden] for row in raw)  # the demo's admins have secrets ...
    page = bulk_apply.encode_raw_rows(staff, raw, engine.dialect, codes)
    assert all(row[hidden] is None for row in page.rows)  # ... no device receives


# ---- the replica's upsert -----------------------------------------------------------------------


def test_a_pulled_clinic_is_stored_as_the_slow_path_stores_it(
    engine: Engine, demo: uuid.UUID, replicas: tuple[Engine, Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    slow, fast = replicas
    pages = _wire_pages(engine, demo)
    assert len(pages) > 2
    _apply_slow(slow, pages)
    answers: list[int | None] = []
    upsert_rows = bulk_apply.upsert_rows

    def spy(*args: Any) -> int | None:
        answers.append(upsert_rows(*args))
        return answers[-1]

    monkeypatch.setattr(bulk_apply, "upsert_rows", spy)
    for number, page in enumerate(pages):
        apply_page(fast, page, demo, NOW, defer_indexes=number == 0)
    slow_rows, fast_rows = _stored(slow), _stored(fast)
    assert sum(map(len, fast_rows.values())) > 300
    for name, rows in slow_rows.items():
        assert fast_rows[name] == rows, name
    assert answers and None not in answers  # all of it through the fast path
    with engine.connect() as connection:  # split pages (compound cursors) lose and repeat nothing
        for described in synced_tables():
            held = connection.execute(select(func.count()).where(described.clinic_column == demo)).scalar()
            assert len(fast_rows[described.name]) == held, described.name
        connection.rollback()
    assert state.get(fast, state.CURSOR) == pages[-1].cursor
    # The search index was kept (the insert trigger) and is consistent with its table.
    with fast.begin() as connection:
        connection.exec_driver_sql("INSERT INTO patient_search(patient_search) VALUES ('integrity-check')")
    text = fast_rows["patients"][0][synced_table("patients").columns.index("search_text")]
    assert _search(fast, text[:3]) == _search(slow, text[:3]) != []


def test_pulled_pages_commit_without_an_fsync_and_leave_the_connection_durable(
    sqlite_engine: Engine,
    sqlite_demo: uuid.UUID,
    replicas: tuple[Engine, Engine],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, replica = replicas
    seen: list[int] = []
    upsert_rows = bulk_apply.upsert_rows

    def spy(connection: Any, *args: Any) -> int | None:
        seen.append(connection.exec_driver_sql("PRAGMA synchronous").scalar())
        return upsert_rows(connection, *args)

    monkeypatch.setattr(bulk_apply, "upsert_rows", spy)
    for page in _wire_pages(sqlite_engine, sqlite_demo, limit=5_000):
        apply_page(replica, page, sqlite_demo, NOW)
    assert seen and set(seen) == {1}  # NORMAL: the server can send a lost page again
    with replica.connect() as connection:  # FULL again for the device's own writes (the outbox)
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2
        connection.rollback()


def test_tombstones_and_updates_replace_rows_in_place(
    sqlite_engine: Engine, sqlite_demo: uuid.UUID, replicas: tuple[Engine, Engine]
) -> None:
    slow, fast = replicas
    pages = _wire_pages(sqlite_engine, sqlite_demo, limit=5_000)
    _apply_slow(slow, pages)
    for page in pages:
        apply_page(fast, page, sqlite_demo, NOW)
    patients = next(t for page in pages for t in page.tables if t.table == "patients")
    columns = patients.columns
    changed = [list(row) for row in patients.rows[:5]]
    for row in changed[:2]:  # two deleted on the server: tombstones
        row[columns.index("deleted_at")] = NOW.isoformat()
    for row in changed[2:]:  # three renamed: their search text changes with them
        row[columns.index("last_name")] = "Tombstoneson"
        row[columns.index("search_text")] = "tombstoneson"
    for row in changed:
        row[columns.index("version")] += 1
        row[columns.index("seq")] += 10_000
    update = TableRows(table="patients", columns=columns, rows=changed)
    _apply_slow(slow, [_page([update])])
    apply_page(fast, _page([update]), sqlite_demo, NOW)
    assert _stored(fast) == _stored(slow)
    assert len(_search(fast, "tombstoneson")) == 3
    with fast.connect() as connection:
        deleted = connection.exec_driver_sql("SELECT count(*) FROM patients WHERE deleted_at IS NOT NULL")
        assert deleted.scalar() == 2
        connection.rollback()


def _page(tables: list[TableRows], *, has_more: bool = False, cursor: str = "99999") -> PullResponse:
    rows = sum(len(t.rows) for t in tables)
    return PullResponse(
        cursor=cursor,
        has_more=has_more,
        tables=tables,
        rows_in_page=rows,
        remaining_estimate=0,
        server_time=NOW.isoformat(),
    )


def test_pending_rows_and_unique_clashes_are_handled_as_before(
    sqlite_engine: Engine, sqlite_demo: uuid.UUID, replicas: tuple[Engine, Engine]
) -> None:
    slow, fast = replicas
    pages = _wire_pages(sqlite_engine, sqlite_demo, limit=5_000)
    _apply_slow(slow, pages)
    for page in pages:
        apply_page(fast, page, sqlite_demo, NOW)
    appointments = next(t for page in pages for t in page.tables if t.table == "appointments")
    columns = appointments.columns
    first, second = (list(row) for row in appointments.rows[:2])
    # The server moved the first appointment's reservation id to a new appointment: the stale
    # local holder is evicted (the careful path), and its own new state comes later.
    newcomer = list(first)
    newcomer[columns.index("id")] = str(uuid.uuid4())
    newcomer[columns.index("seq")] += 10_000
    # A row written by a mutation still waiting in the outbox keeps the device's state.
    held_id = uuid.UUID(second[columns.index("id")])
    second[columns.index("notes")] = "changed on the server"
    update = TableRows(table="appointments", columns=columns, rows=[newcomer, second])
    keep = {("appointments", held_id)}
    for target, fast_path in ((slow, False), (fast, True)):
        with replica_transaction(target) as connection:
            assert _upsert(connection, update, keep, fast=fast_path) == 1
    stored = _stored(fast)
    assert stored == _stored(slow)
    ids = [row[synced_table("appointments").columns.index("id")] for row in stored["appointments"]]
    assert held_id.hex in ids and uuid.UUID(first[columns.index("id")]).hex not in ids


def test_an_older_sender_without_a_column_takes_the_slow_path(
    sqlite_engine: Engine, sqlite_demo: uuid.UUID, replicas: tuple[Engine, Engine]
) -> None:
    slow, fast = replicas
    pages = _wire_pages(sqlite_engine, sqlite_demo, limit=5_000)
    patients = next(t for page in pages for t in page.tables if t.table == "patients")
    drop = patients.columns.index("marketing_opt_in")
    older = TableRows(
        table="patients",
        columns=[c for i, c in enumerate(patients.columns) if i != drop],
        rows=[[v for i, v in enumerate(row) if i != drop] for row in patients.rows],
    )
    with replica_transaction(fast) as connection:
        assert bulk_apply.upsert_rows(connection, synced_table("patients"), older, set()) is None
    _apply_slow(slow, [_page([older])])
    apply_page(fast, _page([older]), sqlite_demo, NOW)
    assert _stored(fast) == _stored(slow)


# ---- value by value -----------------------------------------------------------------------------


def _instants() -> st.SearchStrategy[str]:
    base = st.datetimes(
        min_value=datetime(1900, 1, 1), max_value=datetime(2200, 12, 31), timezones=st.just(UTC)
    )
    offset = st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5, minutes=-30))])
    shifted = st.builds(lambda moment, zone: moment.astimezone(zone), base, offset)
    whole = base.map(lambda moment: moment.replace(microsecond=0))
    return st.one_of(base, whole, shifted).map(lambda moment: moment.isoformat())


_MONEY = st.decimals(
    min_value=Decimal("-99999999"), max_value=Decimal("99999999"), places=4, allow_nan=False
).map(str)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


def _wire_value(described_name: str, name: str) -> st.SearchStrategy[Any]:
    column = synced_table(described_name).table.c[name]
    kind = type(column.type).__name__
    if name in ("clinic_id", "id"):
        return st.nothing()  # chosen per row
    if kind == "HexUuid":
        value: st.SearchStrategy[Any] = st.uuids().map(str) | st.uuids().map(lambda u: str(u).upper())
    elif kind == "UTCDateTime":
        value = _instants()
    elif kind == "Date":
        value = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 1, 1)).map(date.isoformat)
    elif kind == "Time":
        value = st.times().map(time.isoformat)
    elif kind == "Money":
        value = _MONEY
    elif kind == "Enum":
        value = st.sampled_from([member.value for member in column.type.enum_class])  # type: ignore[attr-defined]
    elif kind == "Boolean":
        value = st.booleans()
    elif kind == "JSON" or "JSON" in kind:
        value = _JSON
    elif kind in ("Integer", "BigInteger"):
        value = st.integers(0, 2**40)
    else:
        length = getattr(column.type, "length", None) or 30
        value = st.text(string.ascii_letters + "é中 ", min_size=1, max_size=min(length, 30))
    return value | st.none() if column.nullable else value


_TABLES = (
    "appointments",
    "patients",
    "treatment_records",
    "payment_records",
    "inventory_items",
    "clinics",
    "staff_users",
)


@st.composite
def _table_rows(draw: st.DrawFn) -> TableRows:
    name = draw(st.sampled_from(_TABLES))
    described = synced_table(name)
    clinic_id = uuid.uuid4()
    rows = []
    for _ in range(draw(st.integers(1, 4))):
        row_id = uuid.uuid4()
        row = []
        for column in described.columns:
            if column == "clinic_id":
                row.append(str(clinic_id))
            elif column == "id":
                row.append(str(clinic_id if name == "clinics" else row_id))
            elif column in ("reservation_id", "barcode_id", "sku", "email"):
                row.append(row_id.hex[:16])  # unique values: clashes are tested on their own
            else:
                row.append(draw(_wire_value(name, column)))
        rows.append(row)
        if name == "clinics":
            break
    return TableRows(table=name, columns=list(described.columns), rows=rows)


@given(table_rows=_table_rows())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_wire_value_is_stored_as_the_slow_path_stores_it(
    replicas: tuple[Engine, Engine], table_rows: TableRows
) -> None:
    slow, fast = replicas
    outcomes = []
    for target, fast_path in ((slow, False), (fast, True)):
        try:
            with replica_transaction(target) as connection:
                if fast_path:  # the fast path itself, not its careful fallback
                    written = bulk_apply.upsert_rows(
                        connection, synced_table(table_rows.table), table_rows, set()
                    )
                    assert written == len(table_rows.rows)
                else:
                    _upsert(connection, table_rows, set())
            outcomes.append("stored")
        except AssertionError:
            raise
        except Exception:  # refused: nothing of it may be stored, on either path
            outcomes.append("refused")
    assert outcomes[0] == outcomes[1]
    assert _stored(fast) == _stored(slow)
    for target in (slow, fast):  # the next example starts empty
        with replica_transaction(target) as connection:
            connection.exec_driver_sql(f"DELETE FROM {table_rows.table}")


def _converted(convert: bulk_apply.ColumnConverter, values: list[Any]) -> list[Any] | str:
    try:
        return convert(values)
    except Exception:  # refused, whichever way
        return "refused"


_REPEATED_COLUMNS = [
    (table, name)
    for table in ("appointments", "treatment_records", "payment_records")
    for name in synced_table(table).columns
    if type(synced_table(table).table.c[name].type).__name__
    in ("HexUuid", "UTCDateTime", "Date", "Time", "Money")
]


@given(data=st.data(), where=st.sampled_from(_REPEATED_COLUMNS), size=st.integers(257, 700))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_column_of_repeats_converts_as_its_values_one_by_one(
    sqlite_engine: Engine, data: st.DataObject, where: tuple[str, str], size: int
) -> None:
    """A column converted once per distinct value (a clinic's id, its doctors, a day's slots)
    gives, both ways, what each value alone gives, a bad value among them refused as alone."""
    table, name = where
    described = synced_table(table)
    dialect = sqlite_engine.dialect
    good = _wire_value(table, name) if name not in ("clinic_id", "id") else st.uuids().map(str)
    pool = data.draw(st.lists(good | st.just("not a value") | st.just(7), min_size=1, max_size=6))
    values = data.draw(st.lists(st.sampled_from(pool), min_size=size, max_size=size))
    to_stored = bulk_apply.wire_to_stored(described, name, dialect)
    assert to_stored is not None
    stored = _converted(to_stored, values)
    alone = [_converted(to_stored, [value]) for value in values]
    if "refused" in alone:
        assert stored == "refused"
        return
    assert stored == [value[0] for value in alone if isinstance(value, list)]
    assert isinstance(stored, list)
    to_wire = bulk_apply.stored_to_wire(described, name, dialect)
    assert to_wire is not None
    assert to_wire(stored) == [to_wire([value])[0] for value in stored]


@pytest.mark.parametrize(
    ("table", "column", "value"),
    [
        ("appointments", "patient_id", "not-a-uuid"),
        ("appointments", "patient_id", "1234567890abcdef1234567890abcdef12345"),
        ("appointments", "starts_at", "2026-02-30T10:00:00+00:00"),
        ("appointments", "starts_at", "2026-02-03T10:00:00"),  # naive: no instant
        ("appointments", "appointment_date", "2026-13-01"),
        ("appointments", "start_time", "25:00:00"),
        ("appointments", "status", "Teleported"),
        ("appointments", "time_assigned", 2),
        ("payment_records", "amount", "10.00001"),  # money has four decimal places at most
        ("payment_records", "amount", "ten"),
    ],
)
def test_bad_wire_values_are_refused_on_both_paths(
    sqlite_engine: Engine,
    sqlite_demo: uuid.UUID,
    replicas: tuple[Engine, Engine],
    table: str,
    column: str,
    value: Any,
) -> None:
    slow, fast = replicas
    pages = _wire_pages(sqlite_engine, sqlite_demo, limit=5_000)
    good = next(t for page in pages for t in page.tables if t.table == table)
    rows = [list(row) for row in good.rows[:3]]
    rows[1][good.columns.index(column)] = value
    bad = TableRows(table=table, columns=good.columns, rows=rows)
    for target, fast_path in ((slow, False), (fast, True)):
        with pytest.raises(Exception), replica_transaction(target) as connection:  # noqa: B017, PT011
            _upsert(connection, bad, set(), fast=fast_path)
    assert _stored(fast)[table] == _stored(slow)[table] == []


def test_money_and_time_round_trip(engine: Engine, demo: uuid.UUID, replicas: tuple[Engine, Engine]) -> None:
    """Server values -> wire -> replica -> the ORM's values: the same amounts and instants."""
    _, fast = replicas
    for page in _wire_pages(engine, demo, limit=5_000):
        apply_page(fast, page, demo, NOW)
    checked = 0
    for name in (
        "payment_records",
        "treatment_records",
        "appointments",
        "inventory_items",
        "doctor_schedules",
    ):
        described = synced_table(name)
        order = described.table.c.id
        condition = described.clinic_column == demo
        with engine.connect() as server, fast.connect() as replica:
            want = server.execute(select(described.table).where(condition).order_by(order)).all()
            got = replica.execute(select(described.table).where(condition).order_by(order)).all()
            server.rollback()
            replica.rollback()
        assert [tuple(row) for row in got] == [tuple(row) for row in want], name
        checked += len(want)
    assert checked > 100


# ---- deferred indexes ---------------------------------------------------------------------------


def _plain_indexes(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND sql NOT LIKE 'CREATE UNIQUE%'"
        ).all()
        connection.rollback()
    return {name: sql for name, sql in rows}


def test_deferred_indexes_come_back_when_the_pull_ends_even_after_a_kill(
    sqlite_engine: Engine, sqlite_demo: uuid.UUID, sqlite_template: Path, tmp_path: Path
) -> None:
    pages = _wire_pages(sqlite_engine, sqlite_demo, limit=100)
    assert len(pages) >= 3
    path = tmp_path / "killed.db"
    replica = _replica(sqlite_template, path)
    before = _plain_indexes(replica)
    triggers = _triggers(replica)
    synced = {described.name for described in synced_tables()}
    assert any(f" ON {name} " in sql for sql in before.values() for name in synced)
    apply_page(replica, pages[0], sqlite_demo, NOW, defer_indexes=True)
    left = _plain_indexes(replica)
    assert not any(f" ON {name} " in sql for sql in left.values() for name in synced)
    # The patient search index is filled once at the end too, not by its triggers row by row.
    assert {name for name in triggers if name.startswith("patients_search")} == {
        "patients_search_insert",
        "patients_search_update",
        "patients_search_delete",
    }
    assert not {name for name in _triggers(replica) if name.startswith("patients_search")}
    with replica.connect() as connection:
        assert bulk_apply.indexes_deferred(connection)
        connection.rollback()
    replica.dispose()  # the device is killed here; it starts again from the cursor it kept
    replica = create_database_engine(sqlite_url(path))
    for page in pages[1:]:
        apply_page(replica, page, sqlite_demo, NOW)
    assert _plain_indexes(replica) == before
    assert set(_triggers(replica)) == set(triggers)
    _search_finds_every_patient(replica)
    with replica.connect() as connection:
        assert not bulk_apply.indexes_deferred(connection)
        assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        connection.rollback()
    replica.dispose()


def _triggers(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all()
        connection.rollback()
    return {name: sql for name, sql in rows}


def _search_finds_every_patient(engine: Engine) -> None:
    """The patient full-text index matches its table, and finds a synced patient by name."""
    with engine.connect() as connection:
        connection.exec_driver_sql(
            "INSERT INTO patient_search(patient_search, rank) VALUES ('integrity-check', 1)"
        )
        text = connection.exec_driver_sql("SELECT search_text FROM patients LIMIT 1").scalar_one()
        found = connection.exec_driver_sql(
            "SELECT count(*) FROM patient_search WHERE patient_search MATCH ?", (f'"{text[:6]}"',)
        ).scalar_one()
        connection.rollback()
    assert found >= 1


class _PagesClient:
    """Stands in for the HTTP client: the server's pages, in order, by cursor."""

    def __init__(self, pages: list[PullResponse], fail_at: int | None = None) -> None:
        self.by_cursor = {"": pages[0]} | {pages[i].cursor: pages[i + 1] for i in range(len(pages) - 1)}
        self.fail_at = fail_at
        self.asked: list[str] = []

    def pull(
        self, cursor: str, limit: int, *, estimate: bool = False, checksums: bool = False
    ) -> PullResponse:
        self.asked.append(cursor)
        if self.fail_at is not None and len(self.asked) > self.fail_at:
            raise OSError("network down")
        return self.by_cursor[cursor]


def test_the_engine_pulls_ahead_defers_and_restores(
    sqlite_engine: Engine, sqlite_demo: uuid.UUID, sqlite_template: Path, tmp_path: Path
) -> None:
    pages = _wire_pages(sqlite_engine, sqlite_demo, limit=100)
    replica = _replica(sqlite_template, tmp_path / "engine.db")
    before = _plain_indexes(replica)
    with replica_transaction(replica) as connection:
        state.put(connection, state.CLINIC_ID, str(sqlite_demo))
    database = Database(replica)
    failing = _PagesClient(pages, fail_at=2)
    sync = SyncEngine(database, failing, page_rows=5_000)  # type: ignore[arg-type]
    sync.defer_indexes_rows = 10
    with pytest.raises(OSError, match="network down"):
        sync._pull_all(_cycle())
    # The first pages are in and the indexes still deferred; the next pull resumes and finishes.
    assert state.get(replica, state.CURSOR) in {page.cursor for page in pages[:2]}
    assert _plain_indexes(replica) != before
    sync.client = _PagesClient(pages)  # type: ignore[assignment]
    sync._pull_all(_cycle())
    assert state.get(replica, state.CURSOR) == pages[-1].cursor
    assert _plain_indexes(replica) == before
    fresh = _replica(sqlite_template, tmp_path / "fresh.db")
    for page in pages:
        apply_page(fresh, page, sqlite_demo, NOW)
    assert _stored(replica) == _stored(fresh)
    fresh.dispose()
    replica.dispose()


def _cycle() -> Any:
    from common.sync.engine import CycleResult

    return CycleResult()
