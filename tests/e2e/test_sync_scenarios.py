"""Seeded random scenarios with faults, against a live server on SQLite and on PostgreSQL.

`SYNC_SCENARIOS` sets how many per database (default 70 on SQLite and 30 on PostgreSQL: 100 in CI);
`SYNC_SCENARIO_SEED` the first seed. `scripts/soak.sh` runs 1,000+. The count run is printed.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from sqlalchemy import Engine

from common.clock import FrozenClock
from common.database import Database
from common.inventory import service as inventory
from common.inventory.models import InventoryCategory
from tests.common.scheduling_fixtures import SchedulingWorld
from tests.conftest import make_clinic
from tests.e2e.conftest import SyncWorld
from tests.e2e.scenarios import Scenario
from tests.e2e.support import LiveServer

_DEFAULTS = {"sqlite": 70, "postgresql": 30}  # 100 in CI, within its time budget
# Scenarios share a clinic and its three devices in blocks (state carries over, as in a real day).
BLOCK = int(os.environ.get("SYNC_SCENARIO_BLOCK", "10"))
FIRST_SEED = int(os.environ.get("SYNC_SCENARIO_SEED", "1"))


def _clinic(
    server_db: Database,
    clock: FrozenClock,
    password_hash: str,
    server: LiveServer,
    template: Path,
    root: Path,
) -> SyncWorld:
    world = make_clinic(server_db, password_hash, name=f"Clinic {uuid.uuid4().hex[:6]}")
    sched = SchedulingWorld.build(world, clock, patients=3)
    with world.ctx("admin") as ctx:
        item_id = inventory.create_item(
            ctx, name="Gauze", sku=f"SKU-{uuid.uuid4().hex[:8]}", category=InventoryCategory.SUPPLY
        ).id
        inventory.receive_stock(ctx, item_id, 500)
    return SyncWorld(server_db, clock, world, sched, server, template, root, item_id)


def test_seeded_scenarios_keep_every_invariant(
    engine: Engine, clock: FrozenClock, tmp_path: Path, staff_password_hash: str, sqlite_template: Path
) -> None:
    server_db = Database(engine, clock=clock, chain_id="server")
    server = LiveServer(engine, clock, tmp_path / "server").start()
    try:
        other = make_clinic(server_db, staff_password_hash, name="Another clinic")
        SchedulingWorld.build(other, clock, patients=3)
        violations: list[str] = []
        mutations = faults = 0
        count = int(os.environ.get("SYNC_SCENARIOS") or _DEFAULTS[engine.dialect.name])
        seeds = list(range(FIRST_SEED, FIRST_SEED + count))
        for block in range(0, len(seeds), BLOCK):
            sw = _clinic(
                server_db, clock, staff_password_hash, server, sqlite_template, tmp_path / f"b{block}"
            )
            scenario = Scenario(seeds[block], sw, other.clinic_id)
            try:
                scenario.setup()
                for seed in seeds[block : block + BLOCK]:
                    scenario.next_round(seed)
                    for _ in range(scenario.rng.randint(8, 20)):
                        scenario.step()
                    scenario.heal()
                    result = scenario.check()
                    mutations += result.mutations
                    faults += result.faults
                    violations.extend(f"seed {seed}: {v}" for v in result.violations)
            finally:
                scenario.close()
        print(
            f"\nsync scenarios run: {count} ({engine.dialect.name}), mutations: {mutations}, "
            f"faults injected: {faults}, violations: {len(violations)}"
        )
        assert violations == []
    finally:
        server.stop()
