"""PostgreSQL row-level security: the second wall between clinics (SECURITY.md row 3).

Every table with a `clinic_id` is ENABLEd and FORCEd (so the table owner is held too), with one
policy: a row is visible and writable only while the transaction's `app.clinic_id` names its
clinic. Clinic sessions set it per transaction (`set_config('app.clinic_id', ..., true)`, see
common/storage/session.py); with no clinic set, `current_setting(..., true)` is NULL (or '' once
a transaction has set and dropped it) and no row matches. `clinics` itself is keyed on `id`.

The server connects as a member of `clinic_app`: no superuser, no BYPASSRLS, not the owner;
SELECT, INSERT and UPDATE only (rows are tombstoned, never deleted), and on `audit_logs` only
SELECT and INSERT. Roles are cluster-wide, so `clinic_app` is created once (NOLOGIN: the login
role the server uses is a member of it, made by whoever deploys, e.g.
`CREATE ROLE clinic_server LOGIN PASSWORD '...' IN ROLE clinic_app`).

Cross-clinic system work (migrations, creating a clinic, the demo seed, listing clinics for
scheduled jobs) runs on a separate admin connection as the schema owner, which has BYPASSRLS
(or is the superuser); see sync_server/config.py and README.

The tables are listed here by hand, not read from the models: a migration must say exactly what
it does. tests/sync_server/test_row_level_security.py fails when a table with a `clinic_id`
exists without a policy, so a later table cannot be forgotten.

SQLite (the device replica, one clinic per file) has no roles: nothing to do.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "clinic_app"
POLICY = "clinic_isolation"
CURRENT_CLINIC = "NULLIF(current_setting('app.clinic_id', true), '')::uuid"

CLINIC_TABLES = (
    "appointments",
    "arrival_questions",
    "audit_chain_heads",
    "audit_logs",
    "barcode_mappings",
    "barcode_scan_events",
    "chat_messages",
    "clinic_sequences",
    "doctor_schedules",
    "doctor_time_off",
    "inventory_items",
    "inventory_movements",
    "license_usage",
    "merge_reviews",
    "notification_preferences",
    "notifications",
    "patient_merges",
    "patients",
    "payment_records",
    "print_settings",
    "registration_keys",
    "reorder_requests",
    "staff_refresh_tokens",
    "staff_sessions",
    "staff_users",
    "sync_applied_mutations",
    "sync_conflicts",
    "sync_devices",
    "sync_enrollment_codes",
    "treatment_catalog",
    "treatment_categories",
    "treatment_records",
    "waitlist_entries",
    "waitlist_offers",
)
# Append-only: the app may add audit rows, never change them (a trigger refuses it as well).
INSERT_ONLY = frozenset({"audit_logs"})


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _create_app_role()
    op.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT SELECT ON alembic_version TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, UPDATE ON clinics TO {APP_ROLE}")
    _protect("clinics", "id")
    for table in CLINIC_TABLES:
        verbs = "SELECT, INSERT" if table in INSERT_ONLY else "SELECT, INSERT, UPDATE"
        op.execute(f"GRANT {verbs} ON {table} TO {APP_ROLE}")
        _protect(table, "clinic_id")


def _create_app_role() -> None:
    # Created once per cluster; two databases migrating at once may race, hence the handler.
    op.execute(
        "DO $$ BEGIN "
        f"IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN "
        f"CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE; "
        "END IF; "
        "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; "
        "END $$"
    )
    op.execute(
        "DO $$ BEGIN "
        f"IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}' AND (rolsuper OR rolbypassrls)) THEN "
        f"RAISE EXCEPTION 'role {APP_ROLE} must not be a superuser or bypass row-level security'; "
        "END IF; "
        "END $$"
    )


def _protect(table: str, key: str) -> None:
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY {POLICY} ON {table} "
        f"USING ({key} = {CURRENT_CLINIC}) WITH CHECK ({key} = {CURRENT_CLINIC})"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in ("clinics", *CLINIC_TABLES):
        op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        op.execute(f"REVOKE ALL ON {table} FROM {APP_ROLE}")
    op.execute(f"REVOKE ALL ON alembic_version FROM {APP_ROLE}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {APP_ROLE}")
    # The role is the cluster's, possibly used by other databases: it stays.
