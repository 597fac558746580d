"""Seeded random scenarios against a live server, with faults, and the invariants checked after each.

A scenario: a fresh clinic (beside another clinic whose rows no replica may ever hold), two front
desks and a kiosk with clocks skewed up to ±2 h, a random mix of offline work (patients
registered and edited, stock used, the same slots booked, cancellations, kiosk check-ins) and
syncs through a client that loses responses after the server committed, sends requests twice and
out of order, and loses pulled pages. Then the network heals, everyone syncs, and:
- every mutation is answered, and its answer matches what the server recorded (exactly once);
- every applied stock use made exactly one movement; every applied registration one patient;
- every replica equals the server, table by table (a kiosk: its scope);
- no replica's cursor ever went backwards; no replica holds another clinic's rows;
- no doctor has two overlapping active appointments, on the server or on any replica.
"""

from __future__ import annotations

import contextlib
import itertools
import random
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from common.context import Actor
from common.database import Database
from common.errors import DomainError
from common.inventory.models import InventoryMovement, MovementKind
from common.patients.models import Patient
from common.scheduling.models import ACTIVE_STATUSES, Appointment
from common.sync.client import SyncClient
from common.sync.intents import new_row_id
from common.sync.models import DeviceKind, OutboxStatus, SyncAppliedMutation
from common.sync.protocol import PullResponse, PushRequest, PushResponse
from common.sync.tables import synced_tables
from tests.e2e.support import Device, differences, make_device, replica_tables, server_tables


class FaultyClient(SyncClient):
    """Loses responses after the server committed, duplicates and reorders requests."""

    def __init__(self, *args: Any, rng: random.Random, rate: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rng = rng
        self.rate = rate
        self.faults = 0

    def _fault(self) -> bool:
        hit = self.rng.random() < self.rate
        self.faults += hit
        return hit

    def push(self, request: PushRequest) -> PushResponse:
        mutations = request.mutations
        if len(mutations) >= 2 and self._fault():  # out of order: the later half first (refused: gap)
            half = len(mutations) // 2
            late = PushRequest(mutations=mutations[half:])
            super().push(late)
            early = super().push(PushRequest(mutations=mutations[:half]))
            again = super().push(late)
            return PushResponse(
                answers=[*early.answers, *again.answers],
                last_applied_n=again.last_applied_n,
                server_time=again.server_time,
            )
        if self._fault():  # the same request twice (a retry racing the original)
            super().push(request)
        response = super().push(request)
        if self._fault():  # the server committed, the answer never arrived
            raise httpx.ReadError("response lost")
        return response

    def pull(
        self, cursor: str, limit: int, *, estimate: bool = False, checksums: bool = False
    ) -> PullResponse:
        response = super().pull(cursor, limit, estimate=estimate, checksums=checksums)
        if self._fault():
            raise httpx.ReadError("page lost")
        return response


@dataclass
class ScenarioResult:
    seed: int
    mutations: int = 0
    faults: int = 0
    violations: list[str] = field(default_factory=list)


def _cursor_key(cursor: str) -> tuple[int, str]:
    if cursor.startswith("k"):
        return (int(cursor[1:].split("@")[0]), cursor.split("@")[1])
    head = cursor.split(":")[0]
    return (int(head) if head else -1, cursor)


class Scenario:
    def __init__(self, seed: int, sw: Any, other_clinic: uuid.UUID, fault_rate: float = 0.15) -> None:
        self.rng = random.Random(seed)
        self.sw = sw
        self.other_clinic = other_clinic
        self.result = ScenarioResult(seed)
        self.fault_rate = fault_rate
        self.devices: list[Device] = []
        self.cursors: dict[str, tuple[int, str]] = {}
        self.counted: dict[str, int] = {}

    def next_round(self, seed: int) -> None:
        """Another scenario on the same clinic and devices: a new seed, a fresh result."""
        self.rng.seed(seed)
        self.result = ScenarioResult(seed)
        for device in self.devices:
            client = device.sync_engine.client
            assert isinstance(client, FaultyClient)
            client.faults = 0

    def setup(self) -> None:
        sw = self.sw
        for name, kind in (
            ("desk1", DeviceKind.FRONT_DESK),
            ("desk2", DeviceKind.FRONT_DESK),
            ("kiosk", DeviceKind.KIOSK),
        ):
            skew = timedelta(minutes=self.rng.randint(-120, 120))
            device = make_device(
                name,
                sw.server_db,
                sw.server.url,
                sw.clinic_id,
                sw.template,
                sw.root / f"s{self.result.seed}",
                kind=kind,
                skew=skew,
            )
            device.sync_engine.client = FaultyClient(
                sw.server.url, device.credential, "head", rng=self.rng, rate=self.fault_rate
            )
            self.devices.append(device)
        for device in self.devices:
            self._sync(device, faults=False)

    def _sync(self, device: Device, *, faults: bool = True) -> None:
        client = device.sync_engine.client
        assert isinstance(client, FaultyClient)
        client.rate = self.fault_rate if faults else 0.0
        try:
            device.sync()
        except (httpx.HTTPError, OSError):
            return
        key = _cursor_key(device.cursor())
        previous = self.cursors.get(device.name)
        if previous is not None and key[0] < previous[0]:
            self.result.violations.append(f"{device.name}: cursor went back {previous} -> {key}")
        self.cursors[device.name] = key

    def _actor(self, device: Device) -> Actor:
        if device.info.kind is DeviceKind.KIOSK:
            return Actor.kiosk(device.info.device_id)
        actor: Actor = self.sw.staff("receptionist", device)
        return actor

    def _local(self, device: Device, model: Any) -> list[Any]:
        with device.database.session(device.info.clinic_id) as session:
            return list(session.scalars(select(model)))

    def step(self) -> None:
        device = self.rng.choice(self.devices)
        if self.rng.random() < 0.3:
            self._sync(device)
            return
        with contextlib.suppress(DomainError):  # refused locally (a person is told): nothing queued
            self._act(device)

    def _act(self, device: Device) -> None:
        sw, rng = self.sw, self.rng
        actor = self._actor(device)
        if device.info.kind is DeviceKind.KIOSK:
            today = [
                a for a in self._local(device, Appointment) if a.status.value in ("Scheduled", "Confirmed")
            ]
            if today:
                device.run(actor, "kiosk_check_in", {"appointment_id": str(rng.choice(today).id)})
            return
        choice = rng.random()
        patients = [p.id for p in self._local(device, Patient)]
        if choice < 0.2:
            device.run(
                actor,
                "register_patient",
                {
                    "id": str(new_row_id()),
                    "first_name": rng.choice(["Aiko", "Bo", "Chen"]),
                    "last_name": "Canary",
                    "date_of_birth": "1991-02-03",
                },
            )
        elif choice < 0.4 and patients:
            field_name, value = rng.choice(
                [
                    ("contact_phone", f"09{rng.randint(10_000_000, 99_999_999)}"),
                    ("notes", f"note {rng.randint(0, 999)}"),
                    ("first_name", rng.choice(["Dai", "Eun", "Fei"])),
                ]
            )
            device.run(
                actor,
                "update_patient",
                {"patient_id": str(rng.choice(patients)), "changes": {field_name: value}},
            )
        elif choice < 0.6:
            device.run(actor, "use_stock", {"item_id": str(sw.item_id), "quantity": rng.randint(1, 3)})
        elif choice < 0.85 and patients:
            day, time = rng.choice([(0, "09:00"), (0, "09:30"), (1, "14:00"), (1, "14:30")])
            from tests.common.scheduling_fixtures import wall

            device.run(
                actor,
                "book_appointment",
                {
                    "appointment_id": str(new_row_id()),
                    "patient_id": str(rng.choice(patients)),
                    "doctor_id": str(rng.choice([sw.sched.doctor, sw.sched.doctor2])),
                    "starts_at": wall(day, time).isoformat(),
                    "duration_minutes": 30,
                },
            )
        else:
            active = [
                a
                for a in self._local(device, Appointment)
                if a.status in ACTIVE_STATUSES and a.status.value != "Checked-in"
            ]
            if active:
                device.run(
                    actor,
                    "cancel_appointment",
                    {"appointment_id": str(rng.choice(active).id), "reason": "changed plans"},
                )

    def heal(self) -> None:
        for _ in range(2):
            for device in self.devices:
                for _attempt in range(5):
                    self._sync(device, faults=False)
                    if device.pending() == 0:
                        break

    def check(self) -> ScenarioResult:
        sw, out = self.sw, self.result
        out.faults = sum(d.sync_engine.client.faults for d in self.devices)  # type: ignore[attr-defined]
        server = server_tables(sw.server_db, sw.clinic_id)
        kiosk_view = server_tables(sw.server_db, sw.clinic_id, kiosk=True)
        applied_uses = 0
        with sw.server_db.session(sw.clinic_id) as session:
            recorded = {(r.device_id, r.n): r for r in session.scalars(select(SyncAppliedMutation))}
            for device in self.devices:
                for row in device.outbox():
                    if row.n > self.counted.get(device.name, 0):
                        out.mutations += 1
                        self.counted[device.name] = row.n
                    server_row = recorded.get((device.info.device_id, row.n))
                    if row.status is OutboxStatus.PENDING or server_row is None:
                        out.violations.append(f"{device.name} #{row.n} {row.intent}: not acknowledged")
                        continue
                    if server_row.status is not row.status:
                        out.violations.append(
                            f"{device.name} #{row.n}: device {row.status} server {server_row.status}"
                        )
                    if row.intent == "use_stock" and row.status is OutboxStatus.APPLIED:
                        applied_uses += 1
                    registered = row.intent == "register_patient" and row.status is OutboxStatus.APPLIED
                    if registered and session.get(Patient, (sw.clinic_id, uuid.UUID(row.args["id"]))) is None:
                        out.violations.append(f"{device.name} #{row.n}: registered patient missing")
            uses = session.scalar(
                select(func.count())
                .select_from(InventoryMovement)
                .where(InventoryMovement.item_id == sw.item_id, InventoryMovement.kind == MovementKind.USE)
            )
            if uses != applied_uses:
                out.violations.append(f"stock uses: {uses} movements for {applied_uses} applied mutations")
        out.violations.extend(_overlaps("server", sw.server_db, sw.clinic_id))
        for device in self.devices:
            expected = kiosk_view if device.info.kind is DeviceKind.KIOSK else server
            diff = differences(expected, replica_tables(device))
            if diff:
                out.violations.append(f"{device.name} differs from the server: {diff}")
            out.violations.extend(_foreign_rows(device, self.other_clinic))
            out.violations.extend(_overlaps(device.name, device.database, device.info.clinic_id))
        return out

    def close(self) -> None:
        for device in self.devices:
            device.close()


def _overlaps(where: str, db: Database, clinic_id: uuid.UUID) -> list[str]:
    with db.session(clinic_id) as session:
        rows = list(
            session.scalars(
                select(Appointment).where(
                    Appointment.time_assigned.is_(True), Appointment.status.in_(list(ACTIVE_STATUSES))
                )
            )
        )
    found = []
    by_doctor: dict[uuid.UUID, list[Appointment]] = {}
    for row in rows:
        by_doctor.setdefault(row.doctor_id, []).append(row)
    for doctor, booked in by_doctor.items():
        booked.sort(key=lambda a: a.starts_at)
        for before, after in itertools.pairwise(booked):
            if after.starts_at < before.ends_at:
                found.append(f"{where}: doctor {doctor} double-booked at {after.starts_at.isoformat()}")
    return found


def _foreign_rows(device: Device, other: uuid.UUID) -> list[str]:
    found = []
    with device.engine.connect() as connection:
        for described in synced_tables():
            count = connection.execute(
                select(func.count())
                .select_from(described.table)
                .where(described.clinic_column != device.info.clinic_id)
            ).scalar_one()
            if count:
                found.append(f"{device.name}: {count} rows of another clinic in {described.name}")
        connection.rollback()
    _ = other
    return found
