"""Objects the models cannot express portably: search index, audit protection, double-booking guard.

SQLite: an FTS5 trigram index over patients.search_text kept by triggers (a later batch
migration that rebuilds `patients` must recreate these triggers and rebuild the index), and
triggers that make audit_logs append-only.
PostgreSQL: pg_trgm index for patient search, an exclusion constraint so a doctor's active,
timed appointments can never overlap, and a trigger that makes audit_logs append-only.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = "('Scheduled', 'Confirmed', 'Checked-in', 'In-progress')"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _upgrade_sqlite()
    else:
        _upgrade_postgresql()


def _upgrade_sqlite() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE patient_search USING fts5("
        "search_text, content='patients', content_rowid='rowid', tokenize='trigram')"
    )
    op.execute(
        "CREATE TRIGGER patients_search_insert AFTER INSERT ON patients BEGIN "
        "INSERT INTO patient_search(rowid, search_text) VALUES (new.rowid, new.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER patients_search_delete AFTER DELETE ON patients BEGIN "
        "INSERT INTO patient_search(patient_search, rowid, search_text) "
        "VALUES ('delete', old.rowid, old.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER patients_search_update AFTER UPDATE OF search_text ON patients BEGIN "
        "INSERT INTO patient_search(patient_search, rowid, search_text) "
        "VALUES ('delete', old.rowid, old.search_text); "
        "INSERT INTO patient_search(rowid, search_text) VALUES (new.rowid, new.search_text); END"
    )
    op.execute("INSERT INTO patient_search(patient_search) VALUES ('rebuild')")
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_logs_no_{verb.lower()} BEFORE {verb} ON audit_logs BEGIN "
            "SELECT RAISE(ABORT, 'audit_logs is append-only'); END"
        )


def _upgrade_postgresql() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE INDEX ix_patients_search_trgm ON patients USING gin (search_text gin_trgm_ops)")
    op.execute(
        "ALTER TABLE appointments ADD CONSTRAINT ex_appointments_doctor_time EXCLUDE USING gist ("
        "clinic_id WITH =, doctor_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
        f"WHERE (time_assigned AND deleted_at IS NULL AND status IN {ACTIVE})"
    )
    op.execute(
        "CREATE FUNCTION audit_logs_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'audit_logs is append-only'; END $$"
    )
    op.execute(
        "CREATE TRIGGER audit_logs_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_logs "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_logs_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("search_insert", "search_delete", "search_update"):
            op.execute(f"DROP TRIGGER IF EXISTS patients_{name}")
        op.execute("DROP TABLE IF EXISTS patient_search")
        op.execute("DROP TRIGGER IF EXISTS audit_logs_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_logs_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_logs_append_only ON audit_logs")
        op.execute("DROP FUNCTION IF EXISTS audit_logs_append_only()")
        op.execute("ALTER TABLE appointments DROP CONSTRAINT IF EXISTS ex_appointments_doctor_time")
        op.execute("DROP INDEX IF EXISTS ix_patients_search_trgm")
