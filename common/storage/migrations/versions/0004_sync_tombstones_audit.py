"""sync: device pull positions, the tombstone purge horizon, uploaded audit chains

- `sync_devices` gains where each device's pulls stand (`pulled_seq`, `pulled_at`) and the purge
  horizon it last started from (`resync_baseline`), so tombstones are purged only once every active
  desk has pulled past them, and a device left behind is told to sync again from the start;
- `sync_purge_horizons`: per clinic, the highest change number the purge removed;
- `sync_audit_chains`: which device writes each audit chain uploaded to the server.

Both new tables are clinic tables: on PostgreSQL they get the same row-level security as the
others (0003): ENABLEd, FORCEd, one policy, and SELECT/INSERT/UPDATE for the app's role (the
purge itself runs on the admin connection).

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import common.storage.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "clinic_app"
POLICY = "clinic_isolation"
CURRENT_CLINIC = "NULLIF(current_setting('app.clinic_id', true), '')::uuid"
CLINIC_TABLES = ("sync_audit_chains", "sync_purge_horizons")


def upgrade() -> None:
    with op.batch_alter_table("sync_devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pulled_seq", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("pulled_at", common.storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("resync_baseline", sa.BigInteger(), nullable=False, server_default=sa.text("0"))
        )
    op.create_table(
        "sync_purge_horizons",
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("purged_seq", sa.BigInteger(), nullable=False),
        sa.Column("purged_at", common.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("rows_purged", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_sync_purge_horizons_clinic_id_clinics")
        ),
        sa.PrimaryKeyConstraint("clinic_id", name=op.f("pk_sync_purge_horizons")),
    )
    op.create_table(
        "sync_audit_chains",
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("chain_id", sa.String(length=64), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("first_uploaded_at", common.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_uploaded_at", common.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_sync_audit_chains_clinic_id_clinics")
        ),
        sa.PrimaryKeyConstraint("clinic_id", "chain_id", name=op.f("pk_sync_audit_chains")),
    )
    if op.get_bind().dialect.name == "postgresql":
        for table in CLINIC_TABLES:
            op.execute(f"GRANT SELECT, INSERT, UPDATE ON {table} TO {APP_ROLE}")
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(
                f"CREATE POLICY {POLICY} ON {table} "
                f"USING (clinic_id = {CURRENT_CLINIC}) WITH CHECK (clinic_id = {CURRENT_CLINIC})"
            )


def downgrade() -> None:
    op.drop_table("sync_audit_chains")
    op.drop_table("sync_purge_horizons")
    with op.batch_alter_table("sync_devices", schema=None) as batch_op:
        batch_op.drop_column("resync_baseline")
        batch_op.drop_column("pulled_at")
        batch_op.drop_column("pulled_seq")
