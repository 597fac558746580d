"""The column types read back exactly what was written."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql, sqlite

from common.storage.types import HexUuid


def sqlite_reader():
    processor = HexUuid().result_processor(sqlite.dialect(), None)
    assert processor is not None
    return processor


@given(st.uuids())
def test_a_stored_uuid_reads_back_equal_and_hashes_equal(value):
    read = sqlite_reader()(value.hex)
    assert read == value
    assert hash(read) == hash(value)
    assert str(read) == str(value)
    assert read.version == value.version
    assert read.is_safe == uuid.SafeUUID.unknown


def test_the_recent_uuid_cache_returns_the_same_value_and_stays_bounded():
    read = sqlite_reader()
    values = [uuid.uuid4() for _ in range(10_000)]
    assert [read(v.hex) for v in values] == values
    assert [read(v.hex) for v in values[:10]] == values[:10]


def test_other_spellings_and_none_are_still_understood():
    read = sqlite_reader()
    value = uuid.uuid4()
    assert read(str(value)) == value
    assert read(None) is None
    assert read(value) is value


def test_postgresql_keeps_its_native_uuid():
    assert HexUuid().result_processor(postgresql.psycopg.dialect(), None) is None
