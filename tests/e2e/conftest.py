"""A clinic on a live server with two front desks and a kiosk enrolled (replicas in own files)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from common.clock import FrozenClock
from common.context import Actor
from common.database import Database
from common.inventory import service as inventory
from common.inventory.models import InventoryCategory
from common.staff.models import Role
from common.sync.intents import new_row_id
from common.sync.models import DeviceKind, OutboxStatus
from tests.common.scheduling_fixtures import SchedulingWorld, wall
from tests.conftest import ClinicWorld, make_clinic
from tests.e2e.support import Device, LiveServer, differences, make_device, replica_tables, server_tables


@dataclass
class SyncWorld:
    server_db: Database
    clock: FrozenClock
    world: ClinicWorld
    sched: SchedulingWorld
    server: LiveServer
    template: Path
    root: Path
    item_id: uuid.UUID
    devices: list[Device] = field(default_factory=list)

    @property
    def clinic_id(self) -> uuid.UUID:
        return self.world.clinic_id

    def device(
        self, name: str, kind: DeviceKind = DeviceKind.FRONT_DESK, skew: timedelta = timedelta(0)
    ) -> Device:
        made = make_device(
            name,
            self.server_db,
            self.server.url,
            self.clinic_id,
            self.template,
            self.root,
            kind=kind,
            skew=skew,
        )
        self.devices.append(made)
        return made

    def staff(self, who: str, device: Device) -> Actor:
        role = {
            "receptionist": Role.RECEPTIONIST,
            "admin": Role.ADMIN,
            "doctor": Role.DOCTOR,
            "nurse": Role.NURSE,
        }[who]
        return Actor.staff(self.world.staff[who], role, device.info.device_id)


def two_synced_desks(sw: SyncWorld) -> tuple[Device, Device]:
    desks = sw.device("desk1"), sw.device("desk2")
    for desk in desks:
        desk.sync()
    return desks


def register_patient(sw: SyncWorld, device: Device, first_name: str) -> uuid.UUID:
    """A new patient, registered on `device` by its receptionist (not synced yet)."""
    patient_id = new_row_id()
    device.run(
        sw.staff("receptionist", device),
        "register_patient",
        {"id": str(patient_id), "first_name": first_name, "last_name": "Page", "date_of_birth": "1990-01-01"},
    )
    return patient_id


def assert_converged(sw: SyncWorld, *desks: Device) -> None:
    """Every desk's replica holds exactly the server's rows of the clinic."""
    server = server_tables(sw.server_db, sw.clinic_id)
    for desk in desks:
        assert differences(server, replica_tables(desk)) == {}, desk.name


def outbox_answers(desk: Device) -> list[tuple[str, OutboxStatus]]:
    return [(row.intent, row.status) for row in desk.outbox()]


def build_sync_world(
    engine: Engine, clock: FrozenClock, tmp_path: Path, password_hash: str, template: Path
) -> Iterator[SyncWorld]:
    server_db = Database(engine, clock=clock, chain_id="server")
    world = make_clinic(server_db, password_hash)
    sched = SchedulingWorld.build(world, clock, patients=4)
    with world.ctx("admin") as ctx:
        item_id = inventory.create_item(
            ctx, name="Syringe 1 ml", sku=f"SKU-{uuid.uuid4().hex[:8]}", category=InventoryCategory.SUPPLY
        ).id
        inventory.receive_stock(ctx, item_id, 100)
    server = LiveServer(engine, clock, tmp_path / "server").start()
    sync_world = SyncWorld(server_db, clock, world, sched, server, template, tmp_path / "devices", item_id)
    try:
        yield sync_world
    finally:
        for device in sync_world.devices:
            device.close()
        server.stop()


@pytest.fixture
def sync_world(
    engine: Engine, clock: FrozenClock, tmp_path: Path, staff_password_hash: str, sqlite_template: Path
) -> Iterator[SyncWorld]:
    yield from build_sync_world(engine, clock, tmp_path, staff_password_hash, sqlite_template)


__all__ = ["SyncWorld", "build_sync_world", "register_patient", "two_synced_desks", "wall"]


@pytest.fixture
def sync_world_sqlite(
    sqlite_engine: Engine, clock: FrozenClock, tmp_path: Path, staff_password_hash: str, sqlite_template: Path
) -> Iterator[SyncWorld]:
    """The same world on SQLite only: for tests of the device side, where the server's database
    does not matter."""
    yield from build_sync_world(sqlite_engine, clock, tmp_path, staff_password_hash, sqlite_template)
