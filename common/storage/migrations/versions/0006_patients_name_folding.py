"""patients: refold the stored name keys (Traditional/Simplified Chinese, kana)

Name folding (common/text/folding.py) now also folds Traditional and Simplified Chinese together
(陳 = 陈), Japanese kanji forms with their traditional ones (渡辺 = 渡邊) and katakana into
hiragana (サトウ = さとう). The patients' stored keys (first_name_key, last_name_key,
search_text) are refolded so that they match the folded queries. Folding is idempotent and
character by character, so each key is refolded from itself: a kiosk's replica, which keeps the
folded last name but not the name, gets the same key as the server.

Every database (the server's and each device's replica) runs this on its own rows; the rows'
change numbers are not touched, so nothing is synced again. On SQLite the search index follows
through its trigger on search_text; on PostgreSQL the trigram index updates itself.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from common.text.folding import fold

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYS = ("first_name_key", "last_name_key", "search_text")
BATCH = 2_000


def upgrade() -> None:
    patients = sa.table("patients", sa.column("id"), *(sa.column(name) for name in KEYS))
    bind = op.get_bind()
    rows = bind.execute(sa.select(patients.c.id, *(patients.c[name] for name in KEYS))).all()
    changed = []
    for row in rows:
        values = {
            name: fold(getattr(row, name)) if getattr(row, name) else getattr(row, name) for name in KEYS
        }
        if any(values[name] != getattr(row, name) for name in KEYS):
            changed.append({"row_id": row.id, **{f"new_{name}": values[name] for name in KEYS}})
    statement = (
        patients.update()
        .where(patients.c.id == sa.bindparam("row_id"))
        .values({name: sa.bindparam(f"new_{name}") for name in KEYS})
    )
    for start in range(0, len(changed), BATCH):
        bind.execute(statement, changed[start : start + BATCH])


def downgrade() -> None:
    pass  # keys cannot be unfolded; re-saving a patient rebuilds its keys with the code then running
