"""A front desk pushing to the server in process: the push tests' device, its mutations and a
batch with a conflict and a refusal in the middle."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from common.database import Database
from common.inventory import service as inventory
from common.sync.models import DeviceKind
from common.sync.protocol import MutationIn, PushRequest, PushResponse
from sync_server.sync.devices import DeviceIdentity
from sync_server.sync.enrollment import create_enrollment_code, redeem
from sync_server.sync.push import apply_push
from tests.common.commerce_support import make_item
from tests.common.scheduling_fixtures import SchedulingWorld, wall
from tests.conftest import ClinicWorld


@dataclass
class Desk:
    world: ClinicWorld
    sched: SchedulingWorld
    device: DeviceIdentity
    item_id: uuid.UUID
    staff_id: uuid.UUID
    n: int = 0

    @property
    def db(self) -> Database:
        return self.world.db

    def mutation(self, intent: str, args: dict[str, Any], touched: list[tuple[str, Any]]) -> MutationIn:
        self.n += 1
        return MutationIn(
            n=self.n,
            intent=intent,
            args=args,
            actor_staff_id=self.staff_id,
            touched=[(table, uuid.UUID(str(row_id))) for table, row_id in touched],
        )

    def use_stock(self) -> MutationIn:
        return self.mutation(
            "use_stock", {"item_id": str(self.item_id), "quantity": 1}, [("inventory_items", self.item_id)]
        )

    def note(self, patient: int, text: str) -> MutationIn:
        patient_id = self.sched.patients[patient]
        return self.mutation(
            "update_patient",
            {"patient_id": str(patient_id), "changes": {"notes": text}},
            [("patients", patient_id)],
        )

    def push(self, *mutations: MutationIn) -> PushResponse:
        return apply_push(self.db, self.device, PushRequest(mutations=list(mutations)))


def enroll(db: Database, clinic_id: uuid.UUID) -> DeviceIdentity:
    code, _ = create_enrollment_code(db, clinic_id, DeviceKind.FRONT_DESK)
    done = redeem(db, code, "front desk")
    return DeviceIdentity(done.clinic_id, done.device_id, DeviceKind.FRONT_DESK)


def make_desk(world: ClinicWorld, clock: Any) -> Desk:
    """A clinic with eight patients, a doctor, an item in stock, and an enrolled desk."""
    sched = SchedulingWorld.build(world, clock, patients=8)
    item_id = make_item(world)
    with world.ctx("admin") as ctx:
        inventory.receive_stock(ctx, item_id, 100)
    return Desk(world, sched, enroll(world.db, world.clinic_id), item_id, world.staff["receptionist"])


def mixed_batch(desk: Desk) -> tuple[list[MutationIn], uuid.UUID]:
    """Seven mutations: the third loses a doctor's time to a booking made meanwhile, the fourth
    names a patient the server does not have; the others apply."""
    taken_at = wall(1, "10:00")
    desk.sched.book(taken_at, patient=1)
    today = desk.sched.insert_appointment(wall(0, "11:00"), patient=2)
    stranger = uuid.uuid4()
    appointment_id = uuid.uuid4()
    batch = [
        desk.use_stock(),
        desk.note(0, "first note"),
        desk.mutation(
            "book_appointment",
            {
                "appointment_id": str(appointment_id),
                "patient_id": str(desk.sched.patients[3]),
                "doctor_id": str(desk.sched.doctor),
                "starts_at": taken_at.isoformat(),
                "duration_minutes": 30,
            },
            [("appointments", appointment_id)],
        ),
        desk.mutation(
            "update_patient",
            {"patient_id": str(stranger), "changes": {"notes": "x"}},
            [("patients", stranger)],
        ),
        desk.use_stock(),
        desk.mutation("check_in", {"appointment_id": str(today)}, [("appointments", today)]),
        desk.note(4, "second note"),
    ]
    return batch, stranger
