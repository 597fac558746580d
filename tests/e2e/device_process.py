"""A device in its own process, for kill -9 tests: queue some writes, then sync until done.

    python -m tests.e2e.device_process DATA_DIR SERVER_URL CREDENTIAL STAFF_ID ROLE ITEM_ID WRITES [PAGE_ROWS]

Prints `START` once running, `WROTE n` after each committed local write, `SYNCED` when the outbox is empty and the
replica is up to date. The parent kills it at random moments (mid-write, mid-push, mid-pull).
"""

from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path

import httpx

from common.context import Actor
from common.database import Database
from common.staff.models import Role
from common.storage.engine import create_database_engine, sqlite_url
from common.storage.migrate import current_revision
from common.sync import outbox
from common.sync.client import SyncClient
from common.sync.engine import SyncEngine
from common.sync.intents import new_row_id


def main(argv: list[str]) -> int:
    data_dir, server_url, credential, staff_id, role, item_id, writes = argv[:7]
    page_rows = int(argv[7]) if len(argv) > 7 else 50
    engine = create_database_engine(sqlite_url(Path(data_dir) / "replica.db"))
    from common.sync.enrollment import device_info

    info = device_info(engine)
    assert info is not None
    database = Database(engine, chain_id=str(info.device_id))
    actor = Actor.staff(uuid.UUID(staff_id), Role(role), info.device_id)
    client = SyncClient(server_url, credential, current_revision(engine) or "")
    sync = SyncEngine(database, client, page_rows=page_rows)
    print("START", flush=True)
    from common.sync import state

    if not state.get(engine, state.CURSOR):
        sync.sync_once()  # the initial pull: the clinic's rows before any local write
    for number in range(int(writes)):
        if number % 2:
            outbox.run_intent(database, actor, "use_stock", {"item_id": item_id, "quantity": 1})
        else:
            outbox.run_intent(
                database,
                actor,
                "register_patient",
                {
                    "id": str(new_row_id()),
                    "first_name": f"K{number}",
                    "last_name": "Canary",
                    "date_of_birth": "1990-01-01",
                },
            )
        print(f"WROTE {number}", flush=True)
    for _ in range(200):
        try:
            sync.sync_once()
        except (httpx.HTTPError, OSError):
            time.sleep(0.2)
            continue
        with database.session(None) as session:
            if outbox.pending_count(session) == 0:
                print("SYNCED", flush=True)
                return 0
    return 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
