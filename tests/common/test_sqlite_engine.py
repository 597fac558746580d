"""SECURITY.md row 23: WAL with synchronous=FULL, foreign keys on, quick_check at start."""

from __future__ import annotations

import pytest

from common.storage.engine import DatabaseDamaged, create_database_engine, sqlite_url


def test_a_fresh_connection_has_the_safety_pragmas(sqlite_engine):
    with sqlite_engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_a_damaged_file_is_refused_at_start(sqlite_template, tmp_path):
    path = tmp_path / "damaged.db"
    data = bytearray(sqlite_template.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    # Scribble over the middle of the file's pages (not the header), as a bad disk would.
    for offset in range(page_size * 3, min(len(data), page_size * 12), 7):
        data[offset] = 0xAB
    path.write_bytes(bytes(data))
    with pytest.raises(DatabaseDamaged):
        create_database_engine(sqlite_url(path))


def test_foreign_keys_hold_within_a_clinic(sqlite_engine):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), sqlite_engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO clinic_sequences (clinic_id, change_seq) VALUES ('00000000000000000000000000000000', 0)"
        )
