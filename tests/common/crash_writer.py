"""A writer that is killed with SIGKILL mid-transaction by test_crash_safety (run as a module)."""

from __future__ import annotations

import sys
import uuid
from datetime import date

from common.context import Actor
from common.database import Database
from common.ids import new_id
from common.inventory.models import InventoryMovement, MovementKind
from common.patients.models import Patient
from common.patients.search_keys import search_text
from common.storage.engine import create_database_engine, sqlite_url


def main() -> None:
    path, clinic_id, item_id = sys.argv[1], uuid.UUID(sys.argv[2]), uuid.UUID(sys.argv[3])
    db = Database(create_database_engine(sqlite_url(path)), chain_id="crash-desk")
    actor = Actor.system()
    print("ready", flush=True)
    while True:
        with db.context(clinic_id, actor) as ctx:
            patient_id = new_id()
            ctx.session.add(
                Patient(
                    id=patient_id,
                    barcode_id=patient_id.hex,
                    qr_code_data=patient_id.hex,
                    first_name="Crash",
                    last_name="Test",
                    date_of_birth=date(1980, 1, 1),
                    search_text=search_text("Crash", "Test"),
                )
            )
            ctx.session.add(
                InventoryMovement(item_id=item_id, kind=MovementKind.USE, quantity=-1, occurred_at=ctx.now())
            )
            ctx.audit("patient.register", "patient", patient_id, patient_id=patient_id)


if __name__ == "__main__":
    main()
