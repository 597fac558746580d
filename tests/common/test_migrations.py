"""Migrations create the schema on both databases, and the migrated schema equals the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

import common.models
from common.storage.migrate import alembic_config, current_revision, downgrade, upgrade
from common.storage.migrations.compare import compare_type, include_object


def _drift(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": compare_type, "include_object": include_object}
        )
        return compare_metadata(context, common.models.metadata)


def test_migrated_schema_equals_the_models(engine):
    assert _drift(engine) == []
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert current_revision(engine) == head


def test_every_clinic_table_leads_its_key_with_clinic_id(engine):
    inspector = inspect(engine)
    for table in common.models.metadata.sorted_tables:
        if "clinic_id" in table.c and table.name != "clinic_sequences":
            pk = inspector.get_pk_constraint(table.name)["constrained_columns"]
            assert pk[0] == "clinic_id", table.name


def test_downgrade_to_base_and_back(sqlite_engine):
    downgrade(sqlite_engine, "base")
    assert set(inspect(sqlite_engine).get_table_names()) <= {"alembic_version"}
    upgrade(sqlite_engine)
    assert _drift(sqlite_engine) == []


@pytest.mark.postgres
def test_postgres_has_the_double_booking_guard(postgres_engine):
    with postgres_engine.connect() as connection:
        names = (
            connection.execute(
                text(
                    "SELECT conname FROM pg_constraint WHERE conrelid = 'appointments'::regclass AND contype = 'x'"
                )
            )
            .scalars()
            .all()
        )
    assert names == ["ex_appointments_doctor_time"]
