"""SECURITY.md row 3: PostgreSQL row-level security is ENABLEd and FORCEd on every clinic table,
the app's role is neither owner, superuser nor BYPASSRLS, and with no clinic set a query returns
0 rows. The API tests run as that role, so the server is shown to work under it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, ProgrammingError

import common.models
from tests.sync_server.api_world import populate

MIGRATION = (
    Path(__file__).resolve().parents[2] / "common/storage/migrations/versions/0003_row_level_security.py"
)
APP_ROLE = "clinic_app"
# For tests that make clinics (`world`): on PostgreSQL only.
on_postgres = pytest.mark.parametrize(
    "engine", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


def migration_module(path: Path = MIGRATION):
    spec = importlib.util.spec_from_file_location(f"rls_migration_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def protected_tables() -> set[str]:
    """Tables given row-level security by 0003 and by later migrations that add clinic tables
    (each lists its own in `CLINIC_TABLES`)."""
    listed: set[str] = set()
    for path in sorted(MIGRATION.parent.glob("[0-9]*.py")):
        listed.update(getattr(migration_module(path), "CLINIC_TABLES", ()))
    return listed


def clinic_tables_of_the_models() -> set[str]:
    return {table.name for table in common.models.metadata.sorted_tables if "clinic_id" in table.c}


def test_the_migration_protects_every_clinic_table_of_the_models():
    """A table with a clinic_id added to the models must be added to the RLS migration too."""
    listed = protected_tables()
    assert clinic_tables_of_the_models() - listed == set(), "add these tables to 0003's CLINIC_TABLES"
    assert listed - clinic_tables_of_the_models() == set()


def clinic_tables_in(connection) -> list[str]:
    return list(
        connection.execute(
            text(
                "SELECT DISTINCT c.table_name FROM information_schema.columns c "
                "JOIN information_schema.tables t USING (table_schema, table_name) "
                "WHERE c.table_schema = current_schema() AND c.column_name = 'clinic_id' "
                "AND t.table_type = 'BASE TABLE' ORDER BY 1"
            )
        ).scalars()
    )


@pytest.mark.postgres
def test_every_table_with_a_clinic_id_is_forced_and_has_a_policy(postgres_engine):
    with postgres_engine.connect() as connection:
        tables = [*clinic_tables_in(connection), "clinics"]
        assert len(tables) >= len(clinic_tables_of_the_models()) + 1
        rows = connection.execute(
            text(
                "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
                "(SELECT count(*) FROM pg_policies p WHERE p.tablename = c.relname "
                " AND p.schemaname = current_schema()) "
                "FROM pg_class c WHERE c.relname = ANY(:tables) AND c.relkind = 'r' "
                "AND c.relnamespace = current_schema()::regnamespace"
            ),
            {"tables": tables},
        ).all()
    state = {name: (enabled, forced, policies) for name, enabled, forced, policies in rows}
    assert set(state) == set(tables)
    unprotected = {name: value for name, value in state.items() if value[:2] != (True, True) or value[2] < 1}
    assert unprotected == {}


@pytest.mark.postgres
def test_the_app_role_cannot_bypass_row_level_security(postgres_engine, postgres_app_engine):
    with postgres_app_engine.connect() as connection:
        me = connection.execute(
            text(
                "SELECT rolsuper, rolbypassrls, pg_has_role(current_user, :role, 'member') "
                "FROM pg_roles WHERE rolname = current_user"
            ),
            {"role": APP_ROLE},
        ).one()
        owned = connection.execute(
            text(
                "SELECT count(*) FROM pg_class c WHERE c.relkind = 'r' "
                "AND c.relnamespace = current_schema()::regnamespace "
                "AND pg_has_role(current_user, c.relowner, 'member')"
            )
        ).scalar()
    assert me == (False, False, True)
    assert owned == 0
    with postgres_engine.connect() as connection:
        group = connection.execute(
            text("SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = :role"),
            {"role": APP_ROLE},
        ).one()
    assert group == (False, False, False)


@on_postgres
def test_with_no_clinic_set_every_clinic_table_reads_empty(postgres_app_engine, world, other_world):
    populate(world, "Rlsone")
    populate(other_world, "Rlstwo")
    with postgres_app_engine.connect() as connection:
        tables = [*clinic_tables_in(connection), "clinics"]
        counts = {
            table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
            for table in tables
            if table not in {"sync_outbox", "sync_state"}
        }
        connection.rollback()
    assert counts and set(counts.values()) == {0}


@on_postgres
def test_with_a_clinic_set_only_its_rows_are_seen_and_written(postgres_app_engine, world, other_world):
    mine, theirs = populate(world, "Rlsmine"), populate(other_world, "Rlstheirs")
    with postgres_app_engine.connect() as connection:
        connection.execute(text("SELECT set_config('app.clinic_id', :c, true)"), {"c": str(mine.clinic_id)})
        seen = connection.execute(text("SELECT DISTINCT clinic_id FROM patients")).scalars().all()
        assert seen == [mine.clinic_id]
        assert connection.execute(text("SELECT count(*) FROM clinics")).scalar() == 1
        changed = connection.execute(
            text("UPDATE patients SET notes = 'overwritten' WHERE id = :p"), {"p": str(theirs.patient_id)}
        ).rowcount
        assert changed == 0
        with pytest.raises(ProgrammingError, match="row-level security"):
            connection.execute(
                text(
                    "INSERT INTO treatment_categories (clinic_id, id, name, kind, sort_order, is_active, "
                    "created_at, updated_at, version, seq) VALUES (:c, gen_random_uuid(), 'x', 'Cosmetic', "
                    "0, true, now(), now(), 1, 0)"
                ),
                {"c": str(theirs.clinic_id)},
            )
        connection.rollback()


@on_postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_logs SET action = 'x'",
        "DELETE FROM audit_logs",
        "DELETE FROM patients",
        "TRUNCATE patients",
        "UPDATE alembic_version SET version_num = 'x'",
    ],
)
def test_the_app_role_may_not_edit_the_audit_log_or_delete(postgres_app_engine, world, statement):
    with postgres_app_engine.connect() as connection:
        connection.execute(text("SELECT set_config('app.clinic_id', :c, true)"), {"c": str(world.clinic_id)})
        with pytest.raises(DBAPIError, match="permission denied"):
            connection.execute(text(statement))
        connection.rollback()
