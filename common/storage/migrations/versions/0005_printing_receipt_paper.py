"""printing: where receipts are printed, on the clinic's page size or an 80 mm till roll

`print_settings` gains `receipt_paper`: "page" (A4 or Letter, the clinic's paper, as before) or
"80mm" (a thermal receipt printer's continuous roll). Existing rows keep printing on pages.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("print_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("receipt_paper", sa.String(length=16), nullable=False, server_default="page")
        )


def downgrade() -> None:
    with op.batch_alter_table("print_settings", schema=None) as batch_op:
        batch_op.drop_column("receipt_paper")
