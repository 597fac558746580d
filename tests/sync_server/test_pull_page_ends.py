"""Where a desk's pull page ends: counted by the database (`_whole_numbers_end`) it brings the very
rows the key-by-key way (`_keyed_end`) brings, page after page, for change numbers of every size:
one row, about a page, and bigger than the page may stretch to (split with a compound cursor)."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import Engine, bindparam, select, update

from common.clinics.models import ClinicSequence
from common.database import Database
from common.demo.generator import DemoSpec, seed_demo_clinic
from common.sync.models import DeviceKind
from common.sync.protocol import PullResponse
from common.sync.tables import synced_tables
from sync_server.sync import pull
from sync_server.sync.devices import DeviceIdentity
from tests.conftest import T0

NOW = T0 + timedelta(hours=3)
LIMIT = 10


@pytest.fixture
def demo(engine: Engine) -> uuid.UUID:
    return seed_demo_clinic(engine, DemoSpec(now=T0, patients=30, days_around=2)).clinic_id


def _renumber(engine: Engine, clinic_id: uuid.UUID, seed: int) -> int:
    """Give the clinic's rows new change numbers in groups of random sizes; the number of rows."""
    rng = random.Random(seed)
    with engine.begin() as connection:
        keys = [
            (described, row_id)
            for described in synced_tables()
            for row_id in connection.execute(
                select(described.table.c.id).where(described.clinic_column == clinic_id)
            ).scalars()
        ]
        rng.shuffle(keys)
        seq, left = 0, 0
        numbered: dict[str, list[dict[str, object]]] = {}
        for described, row_id in keys:
            if left == 0:
                seq += rng.randint(1, 3)  # numbers taken by writes to other tables leave holes
                left = rng.choice([1, 1, 2, 3, LIMIT - 1, LIMIT, LIMIT + 1, 3 * LIMIT, 5 * LIMIT])
            left -= 1
            numbered.setdefault(described.name, []).append({"key": row_id, "new_seq": seq})
        for described in synced_tables():
            table = described.table
            if numbered.get(described.name):
                connection.execute(
                    update(table).where(table.c.id == bindparam("key")).values(seq=bindparam("new_seq")),
                    numbered[described.name],
                )
        connection.execute(
            update(ClinicSequence).where(ClinicSequence.clinic_id == clinic_id).values(change_seq=seq + 2)
        )
    return len(keys)


def _pages(engine: Engine, clinic_id: uuid.UUID) -> list[PullResponse]:
    database = Database(engine)
    device = DeviceIdentity(clinic_id, uuid.uuid4(), DeviceKind.FRONT_DESK)
    pages, cursor = [], ""
    while True:
        with database.session(clinic_id) as session, session.begin():
            page = pull.pull_page(session, device, cursor, LIMIT, NOW)
        pages.append(page)
        cursor = page.cursor
        if not page.has_more:
            return pages


def _rows(page: PullResponse) -> list[tuple[str, str]]:
    return sorted(
        (table_rows.table, str(row[table_rows.columns.index("id")]))
        for table_rows in page.tables
        for row in table_rows.rows
    )


@pytest.mark.parametrize("seed", range(4))
def test_counted_page_ends_bring_what_the_keyed_ends_bring(
    engine: Engine, demo: uuid.UUID, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    total = _renumber(engine, demo, seed)
    counted = _pages(engine, demo)
    with monkeypatch.context() as patched:
        patched.setattr(pull, "_whole_numbers_end", lambda *_args: None)
        keyed = _pages(engine, demo)
    # The keyed way may end with an empty page where the counted one knows nothing is left.
    assert [_rows(page) for page in counted if page.tables] == [_rows(page) for page in keyed if page.tables]
    assert counted[-1].cursor == keyed[-1].cursor
    every = [key for page in counted for key in _rows(page)]
    assert len(every) == len(set(every)) == total
    assert max(len(_rows(page)) for page in counted) <= pull.WHOLE_GROUP_FACTOR * LIMIT
    assert any(":" in page.cursor for page in counted)  # some change number was split
