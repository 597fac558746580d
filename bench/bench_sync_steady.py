# ruff: noqa: E501 - report lines
"""Steady state: many front desks pushing a change and pulling, against one server on PostgreSQL.

    python -m bench.bench_sync_steady [--devices 300] [--clinics 150] [--seconds 60] [--interval 5]
                                      [--baseline-seconds 15] [--batch-seconds 10] [--batch 100]
                                      [--server-workers 1]
    python -m bench.bench_sync_steady --push-batch 500 [--kinds mixed,use_stock,...]

A fresh PostgreSQL database (TEST_DATABASE_URL's server) gets `--clinics` clinics, each with a
receptionist and `--devices / --clinics` enrolled front desks; a real server (uvicorn, one process,
`tests.e2e.server_process`; `--server-workers N`: the product's `clinic-server serve --workers N`)
serves them. The simulated desks run in this process (asyncio, httpx,
one HTTP connection each, like a desk) and, after each registers its own patient:
- baseline: every `--interval` seconds each desk asks the trivial `GET /api/health` twice (the
  request rate of the steady phase): the HTTP and framework floor on this machine, this run;
- steady: every `--interval` seconds each desk pushes one change (a patient's note) and pulls
  since its cursor, unless the push's answer moved the cursor (nothing else had committed since:
  the answer carried the page, as for the sync engine); each also holds the poke stream open,
  applies another desk's push that comes on it as a page (when it starts at the desk's cursor, as
  the engine does) and pulls when poked or when a page shows changes it missed, so a change reaches
  the clinic's other desks without waiting for their next poll: "propagation" is the time from the
  push being acknowledged (committed) to another desk having the row;
- batched: `--batch-devices` desks push `--batch` changes per request back to back: the server's
  mutation throughput.
Printed: p50/p95/p99 of push, pull and propagation, the baseline's, their ratio, the server's
throughput and CPU share, and the machine's load. Targets (issue 3): propagation p99 < 250 ms,
batched pushes >= 1,000 mutations/s. Every loop is bounded in time; only 127.0.0.1 is contacted.

`--push-batch N` measures the push handler alone (no HTTP), in this process: one clinic, one
desk per workload, a push of N mutations of each `--kinds` workload as a desk would send them
(`mixed`: stock use, check-in, patient update and booking in turn; or one intent throughout),
then the mixed push sent again (every answer a duplicate).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench.timing import process_cpu_seconds
from common.clinics.models import LicenseTier
from common.clinics.service import NewClinic, create_clinic
from common.database import Database
from common.ids import new_id
from common.staff.models import Role, StaffUser
from common.storage.engine import create_database_engine
from common.storage.migrate import current_revision, upgrade
from common.sync.client import KEEPALIVE_SECONDS
from common.sync.models import DeviceKind
from common.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, SCHEMA_HEADER, cursor_seq
from sync_server.sync.enrollment import create_enrollment_code, redeem

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Desk:
    clinic: int
    number: int
    headers: dict[str, str]
    staff_id: str
    patient_id: str = ""
    n: int = 0
    version: int = 1  # the patient's version as the desk knows it (its edits are the only ones)
    note: str | None = None
    cursor: str = ""
    http: httpx.AsyncClient | None = None
    pull_lock: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass
class Stats:
    push: list[float] = field(default_factory=list)
    pull: list[float] = field(default_factory=list)
    health: list[float] = field(default_factory=list)
    propagation: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    answers: dict[str, int] = field(default_factory=dict)
    # note text -> which desk pushed it, and when its push was acknowledged (None: not yet)
    pushed: dict[str, tuple[int, float | None]] = field(default_factory=dict)
    early: int = 0  # arrivals at another desk before the pushing desk had its answer
    pulls_spared: int = 0  # pushes whose answer moved the cursor: no pull after them
    pages: int = 0  # pages from the poke stream applied (no pull for them)
    seen: set[tuple[str, int]] = field(default_factory=set)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


def percentiles(values: list[float]) -> str:
    if not values:
        return "no samples"
    ordered = sorted(values)

    def at(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000

    return f"p50 {at(0.5):7.1f} ms  p95 {at(0.95):7.1f} ms  p99 {at(0.99):7.1f} ms  (n={len(values):,})"


# ---- setup --------------------------------------------------------------------------------------


def create_database(admin_url: str, name: str) -> str:
    admin = create_database_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, name: str) -> None:
    admin = create_database_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def seed(url: str, clinics: int, devices: int) -> tuple[list[Desk], str]:
    engine = create_database_engine(url)
    upgrade(engine)
    schema = current_revision(engine) or ""
    db = Database(engine, chain_id="server")
    desks: list[Desk] = []
    for clinic_number in range(clinics):
        with db.session(None) as session, session.begin():
            clinic = create_clinic(
                session,
                NewClinic(
                    name=f"Steady {clinic_number}", license_tier=LicenseTier.XL, timezone="Asia/Taipei"
                ),
            )
            clinic_id = clinic.id
        with db.session(clinic_id) as session, session.begin():
            staff = StaffUser(
                id=new_id(),
                email=f"desk@steady{clinic_number}.example",
                password_hash="!",
                first_name="Rita",
                last_name="Desk",
                role=Role.RECEPTIONIST,
            )
            session.add(staff)
            staff_id = str(staff.id)
        for number in range(devices // clinics + (1 if clinic_number < devices % clinics else 0)):
            code, _ = create_enrollment_code(db, clinic_id, DeviceKind.FRONT_DESK)
            credential = redeem(db, code, f"desk {clinic_number}-{number}").credential
            headers = {
                "Authorization": f"Device {credential}",
                PROTOCOL_HEADER: str(PROTOCOL_VERSION),
                SCHEMA_HEADER: schema,
            }
            desks.append(Desk(clinic_number, len(desks), headers, staff_id))
    engine.dispose()
    return desks, schema


def start_server(url: str, port: int, work: Path, workers: int = 1) -> subprocess.Popen[bytes]:
    """One server process (as the e2e tests run it), or the product's own `clinic-server serve
    --workers N` sharing the port."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CLINIC_RUN_JOBS": "0"}
    command = [sys.executable, "-m", "tests.e2e.server_process", url, str(port), str(work / "server")]
    if workers > 1:
        env.update(
            DATABASE_URL=url, CLINIC_DATA_DIR=str(work / "server"), CLINIC_JWT_SECRET="steady-" + "x" * 40
        )
        command = [sys.executable, "-m", "sync_server.cli", "serve", "--host", "127.0.0.1"]
        command += ["--port", str(port), "--workers", str(workers)]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(work / "server.log").open("wb"),
    )
    from tests.e2e.faults import wait_for_port

    wait_for_port(port, 60)
    return process


# ---- the desks ----------------------------------------------------------------------------------


async def push(desk: Desk, stats: Stats | None, changes: int = 1) -> bool:
    """Push; True when the answer moved the desk's cursor past the push (nothing else had
    committed since it), so the pull after it has nothing to bring, as in the sync engine."""
    assert desk.http is not None
    mutations = []
    notes = []
    for _ in range(changes):
        desk.n += 1
        note = f"desk {desk.number} change {desk.n}"
        notes.append(note)
        mutations.append(
            {
                "n": desk.n,
                "intent": "update_patient",
                "actor_staff_id": desk.staff_id,
                # as a desk sends it: what the edit started from (the intent's `prepare`)
                "args": {
                    "patient_id": desk.patient_id,
                    "changes": {"notes": note},
                    "base_version": desk.version,
                    "base_values": {"notes": desk.note},
                },
                "touched": [["patients", desk.patient_id]],
            }
        )
        desk.version, desk.note = desk.version + 1, note
    if stats is not None:
        for note in notes:
            stats.pushed[note] = (desk.number, None)
    started = time.perf_counter()
    sent = desk.cursor
    response = await desk.http.post("/sync/push", json={"mutations": mutations, "cursor": sent})
    done = time.perf_counter()
    if response.status_code != 200:
        if stats is not None:
            stats.error(f"push {response.status_code}")
        return False
    answered = response.json()
    moved = answered.get("cursor") is not None and desk.cursor == sent
    if moved:
        desk.cursor = answered["cursor"]
    if stats is None:
        return moved
    stats.push.append(done - started)
    for answer in answered["answers"]:
        stats.answers[answer["status"]] = stats.answers.get(answer["status"], 0) + 1
    for note in notes:
        stats.pushed[note] = (desk.number, done)
    stats.pulls_spared += moved
    return moved


async def pull(desk: Desk, stats: Stats | None) -> None:
    assert desk.http is not None
    async with desk.pull_lock:  # one pull at a time per desk, as the engine does
        while True:
            started = time.perf_counter()
            response = await desk.http.get("/sync/pull", params={"cursor": desk.cursor, "limit": 500})
            done = time.perf_counter()
            if response.status_code != 200:
                if stats is not None:
                    stats.error(f"pull {response.status_code}")
                return
            page = response.json()
            desk.cursor = page["cursor"]
            if stats is not None:
                stats.pull.append(done - started)
                note_rows(desk, page, done, stats)
            if not page["has_more"]:
                return


def note_rows(desk: Desk, page: dict[str, Any], arrived: float, stats: Stats) -> None:
    for table in page["tables"]:
        if table["table"] != "patients":
            continue
        notes = table["columns"].index("notes")
        for row in table["rows"]:
            pushed = stats.pushed.get(row[notes] or "")
            if pushed is None or pushed[0] == desk.number or (row[notes], desk.number) in stats.seen:
                continue
            stats.seen.add((row[notes], desk.number))
            acknowledged = pushed[1]
            if acknowledged is None:  # here before its own desk had the answer: within the push
                stats.early += 1
                stats.propagation.append(0.0)
            else:
                stats.propagation.append(max(0.0, arrived - acknowledged))


async def take_page(desk: Desk, stats: Stats, page: dict[str, Any]) -> None:
    """A page from the poke stream: applied when it starts at the desk's cursor, as the engine
    does; a pull when changes before it are missing."""
    async with desk.pull_lock:
        if page["after"] == desk.cursor:
            desk.cursor = page["cursor"]
            stats.pages += 1
            note_rows(desk, {"tables": page["changes"]}, time.perf_counter(), stats)
            return
        held = cursor_seq(desk.cursor) >= cursor_seq(page["cursor"])
    if not held:
        await pull(desk, stats)


async def listen(desk: Desk, stats: Stats, connected: asyncio.Event) -> None:
    """The poke stream, until cancelled: another desk's push as a page, or a poke (pull at once).
    `connected` is set at the stream's first `hello`."""
    assert desk.http is not None
    while True:
        try:
            timeout = httpx.Timeout(4 * KEEPALIVE_SECONDS, connect=5.0)
            events = desk.http.stream("GET", "/sync/events", params={"pages": "true"}, timeout=timeout)
            async with events as response:
                event = ""
                async for line in response.aiter_lines():
                    if line.startswith("event:"):
                        event = line.partition(":")[2].strip()
                        if event == "hello":
                            connected.set()
                        elif event == "poke":
                            await pull(desk, stats)
                    elif line.startswith("data:") and event == "page":
                        await take_page(desk, stats, json.loads(line.partition(":")[2]))
        except (httpx.ReadTimeout, httpx.RemoteProtocolError):
            continue
        except httpx.HTTPError:
            stats.error("events")
            await asyncio.sleep(0.5)


async def steady(desk: Desk, stats: Stats, interval: float, until: float, rng: random.Random) -> None:
    await asyncio.sleep(rng.uniform(0, interval))  # desks are not in step
    while time.perf_counter() < until:
        cycle = time.perf_counter()
        try:
            if not await push(desk, stats):
                await pull(desk, stats)
        except httpx.HTTPError as error:
            stats.error(type(error).__name__)
        await asyncio.sleep(max(0.0, interval - (time.perf_counter() - cycle)))


async def baseline(desk: Desk, stats: Stats, interval: float, until: float, rng: random.Random) -> None:
    assert desk.http is not None
    await asyncio.sleep(rng.uniform(0, interval))
    while time.perf_counter() < until:
        cycle = time.perf_counter()
        for _ in range(2):  # as many requests as a push and a pull
            started = time.perf_counter()
            try:
                response = await desk.http.get("/api/health")
            except httpx.HTTPError as error:
                stats.error(type(error).__name__)
                continue
            if response.status_code == 200:
                stats.health.append(time.perf_counter() - started)
            else:
                stats.error(f"health {response.status_code}")
        await asyncio.sleep(max(0.0, interval - (time.perf_counter() - cycle)))


async def batched(desk: Desk, size: int, until: float, counted: list[int]) -> None:
    while time.perf_counter() < until:
        await push(desk, None, changes=size)
        counted[0] += size


def phase(name: str) -> None:
    """A progress line (stderr), so a profile or a look at the server can be matched to the phase."""
    print(f"{time.strftime('%H:%M:%S')} {name}", file=sys.stderr, flush=True)


async def run(args: argparse.Namespace, desks: list[Desk], url: str, server_pid: int) -> None:
    rng = random.Random(args.seed)
    # As the desk's sync client keeps its connection (common/sync/client.py).
    limits = httpx.Limits(max_connections=4, max_keepalive_connections=2, keepalive_expiry=KEEPALIVE_SECONDS)
    for desk in desks:
        desk.http = httpx.AsyncClient(base_url=url, headers=desk.headers, timeout=30.0, limits=limits)
    try:
        # Each desk registers its own patient and catches up (not timed).
        phase("registering the desks' patients")
        for start in range(0, len(desks), 25):
            group = desks[start : start + 25]
            await asyncio.gather(*(register(desk) for desk in group))
        await asyncio.gather(*(pull(desk, None) for desk in desks))

        stats = Stats()
        phase("baseline")
        load_before = os.getloadavg()
        until = time.perf_counter() + args.baseline_seconds
        await asyncio.gather(*(baseline(desk, stats, args.interval, until, rng) for desk in desks))
        baseline_stats = stats

        stats = Stats()
        # The desks' poke streams are open before the steady phase, as at a clinic in the day.
        phase("connecting the poke streams")
        connected = [asyncio.Event() for _ in desks]
        listeners = [
            asyncio.create_task(listen(desk, stats, ready))
            for desk, ready in zip(desks, connected, strict=True)
        ]
        await asyncio.wait_for(asyncio.gather(*(ready.wait() for ready in connected)), timeout=120)
        phase("steady")
        cpu_before, wall_before = process_cpu_seconds(server_pid), time.perf_counter()
        until = time.perf_counter() + args.seconds
        await asyncio.gather(*(steady(desk, stats, args.interval, until, rng) for desk in desks))
        await asyncio.sleep(1.0)  # the last pushes' pages and pulls arrive
        steady_wall = time.perf_counter() - wall_before
        server_cpu = process_cpu_seconds(server_pid) - cpu_before
        load_after = os.getloadavg()
        for task in listeners:
            task.cancel()
        await asyncio.gather(*listeners, return_exceptions=True)

        counted = [0]
        phase("batched")
        batch_cpu_before = process_cpu_seconds(server_pid)
        started = time.perf_counter()
        until = started + args.batch_seconds
        await asyncio.gather(
            *(batched(desk, args.batch, until, counted) for desk in desks[: args.batch_devices])
        )
        batch_wall = time.perf_counter() - started
        batch_rate = counted[0] / batch_wall
        batch_cpu = process_cpu_seconds(server_pid) - batch_cpu_before
    finally:
        for desk in desks:
            if desk.http is not None:
                await desk.http.aclose()

    requests = len(stats.push) + len(stats.pull)
    print(
        f"desks {len(desks)} in {args.clinics} clinics, every {args.interval:g} s, {args.seconds:g} s steady"
    )
    print(f"  push         {percentiles(stats.push)}")
    print(
        f"  pull         {percentiles(stats.pull)}  ({stats.pulls_spared} pulls after a push spared: its answer moved the cursor;"
        f" {stats.pages:,} pages from the poke stream applied)"
    )
    print(
        f"  propagation  {percentiles(stats.propagation)}  (target p99 < 250 ms; {stats.early} arrived before the push's answer)"
    )
    print(f"  baseline     {percentiles(baseline_stats.health)}  GET /api/health at the same rate")
    if baseline_stats.health and stats.push and stats.pull:
        floor = statistics.median(baseline_stats.health)
        print(
            f"  ratio to the baseline (p50): push {statistics.median(stats.push) / floor:.1f}x, "
            f"pull {statistics.median(stats.pull) / floor:.1f}x"
        )
    print(
        f"  server: {requests / steady_wall:,.0f} sync requests/s, {len(stats.push) / steady_wall:,.0f} mutations/s, "
        f"CPU {server_cpu / steady_wall * 100:.0f} % of one core ({args.server_workers} server process"
        f"{'es' if args.server_workers > 1 else ''})"
    )
    print(
        f"  batched pushes: {batch_rate:,.0f} mutations/s ({args.batch_devices} desks, {args.batch} per request; target >= 1,000/s);"
        f" server CPU {batch_cpu / max(counted[0], 1) * 1000:.2f} ms per mutation, {batch_cpu / batch_wall * 100:.0f} % of one core"
    )
    print(
        f"  answers {stats.answers}  errors {stats.errors or 'none'}  baseline errors {baseline_stats.errors or 'none'}"
    )
    print(
        f"  machine load (1/5/15 min): before {load_before[0]:.2f}/{load_before[1]:.2f}/{load_before[2]:.2f}, "
        f"after {load_after[0]:.2f}/{load_after[1]:.2f}/{load_after[2]:.2f} on {os.cpu_count()} cores"
    )


async def register(desk: Desk) -> None:
    assert desk.http is not None
    desk.patient_id = str(uuid.uuid4())
    desk.n += 1
    body = {
        "mutations": [
            {
                "n": desk.n,
                "intent": "register_patient",
                "actor_staff_id": desk.staff_id,
                "args": {
                    "id": desk.patient_id,
                    "first_name": "Steady",
                    "last_name": f"Desk{desk.number}",
                    "date_of_birth": "1990-01-01",
                },
                "touched": [["patients", desk.patient_id]],
            }
        ]
    }
    response = await desk.http.post("/sync/push", json=body)
    answer = response.json()["answers"][0] if response.status_code == 200 else {"status": response.text}
    if answer["status"] != "applied":
        raise RuntimeError(f"desk {desk.number} could not register its patient: {answer}")


# ---- the push handler alone ----------------------------------------------------------------------

KINDS = ("mixed", "use_stock", "check_in", "update_patient", "book_appointment")


def push_batches(url: str, size: int, kinds: list[str]) -> None:
    """Time `apply_push` for one `size`-mutation push of each workload, in this process."""
    from datetime import timedelta

    import sync_server.sync.endpoints  # noqa: F401 - the poke hooks, as in the server
    from common.clock import FrozenClock
    from common.inventory import service as inventory
    from common.sync.protocol import PushRequest
    from sync_server.sync.devices import DeviceIdentity
    from sync_server.sync.push import apply_push
    from tests.common.commerce_support import make_item
    from tests.common.scheduling_fixtures import SchedulingWorld, wall
    from tests.conftest import make_clinic

    engine = create_database_engine(url)
    upgrade(engine)
    clock = FrozenClock(wall(0, "08:00"))  # a Monday morning: today's appointments can check in
    db = Database(engine, clock=clock, chain_id="server")
    world = make_clinic(db, "!", tier=LicenseTier.XL)
    patients = 50
    sched = SchedulingWorld.build(world, clock, patients=patients)
    item = make_item(world)
    with world.ctx("admin") as ctx:
        inventory.receive_stock(ctx, item, 1_000_000)
    check_ins = sum(size if kind == "check_in" else size // 4 + 1 for kind in kinds)
    today = [
        sched.insert_appointment(
            wall(0, "09:00") + timedelta(minutes=index // 2),
            minutes=1,
            patient=index % patients,
            doctor=("doctor", "doctor2")[index % 2],
        )
        for index in range(check_ins)
    ]
    doctors = [str(sched.doctor), str(sched.doctor2)]
    slots = (
        (wall(day, "09:00") + timedelta(minutes=15 * (number // 2) + (60 if number >= 24 else 0)), doctor)
        for week in range(8)
        for day in range(7 * week + 1, 7 * week + 5)  # Tuesday to Friday
        for number, doctor in enumerate(doctors * 32)  # 09:00-12:00 and 13:00-18:00, both doctors
    )
    versions = {patient: 1 for patient in sched.patients}
    notes: dict[uuid.UUID, str | None] = {patient: None for patient in sched.patients}
    staff = str(world.staff["receptionist"])

    def one(kind: str, index: int) -> tuple[str, dict[str, Any], list[list[str]]]:
        patient = sched.patients[index % patients]
        if kind == "use_stock":
            return (
                kind,
                {"item_id": str(item), "quantity": 1, "reason": "bench"},
                [["inventory_items", str(item)]],
            )
        if kind == "check_in":
            appointment = str(today.pop())
            return kind, {"appointment_id": appointment}, [["appointments", appointment]]
        if kind == "update_patient":
            note = f"note {index}"
            args = {
                "patient_id": str(patient),
                "changes": {"notes": note},
                "base_version": versions[patient],
                "base_values": {"notes": notes[patient]},
            }
            versions[patient], notes[patient] = versions[patient] + 1, note
            return kind, args, [["patients", str(patient)]]
        starts_at, doctor = next(slots)
        appointment = str(new_id())
        args = {
            "appointment_id": appointment,
            "patient_id": str(patient),
            "doctor_id": doctor,
            "starts_at": starts_at.isoformat(),
            "duration_minutes": 15,
        }
        return "book_appointment", args, [["appointments", appointment]]

    mixed_request: PushRequest | None = None
    mixed_device: DeviceIdentity | None = None
    print(f"push handler alone (in process), {size} mutations per push, PostgreSQL")
    for kind in kinds:
        code, _ = create_enrollment_code(db, world.clinic_id, DeviceKind.FRONT_DESK)
        enrolled = redeem(db, code, f"bench {kind}")
        device = DeviceIdentity(enrolled.clinic_id, enrolled.device_id, DeviceKind.FRONT_DESK)
        mutations = []
        for index in range(size):
            intent, args, touched = one(KINDS[1 + index % 4] if kind == "mixed" else kind, index)
            mutations.append(
                {"n": index + 1, "intent": intent, "actor_staff_id": staff, "args": args, "touched": touched}
            )
        request = PushRequest.model_validate({"mutations": mutations})
        load = os.getloadavg()[0]
        started, cpu = time.perf_counter(), time.process_time()
        response = apply_push(db, device, request)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        answers: dict[str, int] = {}
        for answer in response.answers:
            answers[answer.status] = answers.get(answer.status, 0) + 1
        print(
            f"  {kind:<17} {size / elapsed:7,.0f} mutations/s  ({elapsed * 1000:,.0f} ms, this process's CPU "
            f"{cpu / size * 1000:.2f} ms per mutation; {answers}; "
            f"load {load:.2f} -> {os.getloadavg()[0]:.2f})"
        )
        if kind == "mixed":
            mixed_request, mixed_device = request, device
    if mixed_request is not None and mixed_device is not None:
        started = time.perf_counter()
        response = apply_push(db, mixed_device, mixed_request)
        elapsed = time.perf_counter() - started
        statuses = {answer.status for answer in response.answers}
        print(
            f"  mixed, sent again {size / elapsed:7,.0f} mutations/s  ({elapsed * 1000:,.0f} ms; {statuses})"
        )
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=300)
    parser.add_argument("--clinics", type=int, default=150)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--baseline-seconds", type=float, default=15.0)
    parser.add_argument("--batch-seconds", type=float, default=10.0)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--batch-devices", type=int, default=8)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--server-workers", type=int, default=1, help="serve with `clinic-server serve --workers N` instead"
    )
    parser.add_argument("--push-batch", type=int, default=0, help="time the push handler alone instead")
    parser.add_argument("--kinds", default=",".join(KINDS))
    args = parser.parse_args(argv)
    if args.clinics < 1 or args.devices < args.clinics:
        parser.error("need at least one clinic and one desk per clinic")
    admin_url = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    name = f"bench_steady_{os.getpid()}"
    if args.push_batch:
        kinds = [kind for kind in args.kinds.split(",") if kind]
        if not set(kinds) <= set(KINDS) or not 1 <= args.push_batch <= 500:
            parser.error(f"--kinds from {', '.join(KINDS)}; --push-batch 1 to 500")
        url = create_database(admin_url, name)
        try:
            push_batches(url, args.push_batch, kinds)
        finally:
            drop_database(admin_url, name)
        return 0
    work = Path(tempfile.mkdtemp(prefix="bench-steady-"))
    url = create_database(admin_url, name)
    server: subprocess.Popen[bytes] | None = None
    try:
        started = time.perf_counter()
        desks, _schema = seed(url, args.clinics, args.devices)
        print(
            f"seeded {args.clinics} clinics and {len(desks)} desks in {time.perf_counter() - started:.1f} s"
        )
        port = _free_port()
        server = start_server(url, port, work, args.server_workers)
        asyncio.run(run(args, desks, f"http://127.0.0.1:{port}", server.pid))
    except Exception:
        log = (work / "server.log").read_text(errors="replace")
        print(
            f"the server's log (last 3,000 characters; exit code {server and server.poll()}):\n{log[-3000:]}"
        )
        raise
    finally:
        if server is not None:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(5)
        drop_database(admin_url, name)
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


if __name__ == "__main__":
    raise SystemExit(main())
