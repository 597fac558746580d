"""The server as it is run: `clinic-server migrate | create-clinic | enroll-code`, then `serve` in
its own process (a real uvicorn on a free port) and a staff login over HTTP. On SQLite (the
default embedded file) and on PostgreSQL, where `serve` connects as a member of clinic_app and
the admin commands use CLINIC_ADMIN_DATABASE_URL."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import statistics
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyotp
import pytest
from sqlalchemy import select

from common.audit.models import AuditLog
from common.database import Database
from common.storage.engine import create_database_engine, sqlite_url
from common.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from sync_server.cli import main
from sync_server.sync.devices import DeviceNotRecognised, authenticate_device
from sync_server.sync.enrollment import redeem

ADMIN_PASSWORD = "granite orchard beacon 4471"


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(monkeypatch, capsys):
    """`clinic-server ...` in this process (the server itself gets its own process below)."""

    def run(env: dict[str, str], *args: str) -> Ran:
        for name in [key for key in os.environ if key.startswith(("DATABASE_URL", "CLINIC_"))]:
            monkeypatch.delenv(name)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return Ran(code, out, err)

    return run


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_serving(env: dict[str, str], port: int, *options: str) -> subprocess.Popen[str]:
    """`clinic-server serve` on 127.0.0.1:`port`, its output (both streams) kept for the test."""
    serve = ["serve", "--host", "127.0.0.1", "--port", str(port), *options]
    return subprocess.Popen(
        [sys.executable, "-m", "sync_server.cli", *serve],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_until_up(base: str, process: subprocess.Popen[str], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited: {process.stdout.read() if process.stdout else ''}")
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("the server did not come up")


@pytest.fixture
def environment(tmp_path: Path, engine, request) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_URL", "CLINIC_"))}
    env["CLINIC_DATA_DIR"] = str(tmp_path / "data")
    env["CLINIC_RUN_JOBS"] = "0"  # a job round would hold its advisory lock in the shared test database
    if engine.dialect.name == "postgresql":
        app_engine = request.getfixturevalue("postgres_app_engine")
        env["DATABASE_URL"] = app_engine.url.render_as_string(hide_password=False)
        env["CLINIC_ADMIN_DATABASE_URL"] = engine.url.render_as_string(hide_password=False)
    return env


def test_the_server_runs_from_its_commands(environment, tmp_path, cli):
    env = environment
    migrated = cli(env, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    created = cli(
        env,
        "create-clinic",
        "--name",
        "Process Clinic",
        "--tier",
        "S",
        "--admin-email",
        "owner@process.example",
        "--admin-password",
        ADMIN_PASSWORD,
        "--timezone",
        "Asia/Taipei",
    )
    assert created.returncode == 0, created.stderr
    clinic = json.loads(created.stdout)

    qr = tmp_path / "kiosk.png"
    enrolled = cli(
        env, "enroll-code", "--clinic", clinic["clinic_id"], "--role", "kiosk", "--qr-png", str(qr)
    )
    assert enrolled.returncode == 0, enrolled.stderr
    assert enrolled.stdout.strip().startswith(clinic["clinic_id"].replace("-", ""))
    assert qr.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_serving(env, port)
    try:
        wait_until_up(base, server)
        login = httpx.post(
            f"{base}/api/auth/staff/login",
            json={
                "clinic_id": clinic["clinic_id"],
                "email": "owner@process.example",
                "password": ADMIN_PASSWORD,
                "totp_code": pyotp.TOTP(clinic["admin_totp_secret"]).now(),
            },
            timeout=30,
        )
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        staff = httpx.get(f"{base}/api/staff", headers=headers, timeout=30)
        assert staff.status_code == 200
        assert [person["email"] for person in staff.json()] == ["owner@process.example"]
        assert httpx.get(f"{base}/api/staff", timeout=30).status_code == 401
        assert httpx.get(f"{base}/openapi.json", timeout=30).json()["info"]["title"]
        # A device holding its poke stream open does not keep the server from stopping.
        hold_poke_stream(base, enrolled.stdout.strip())
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            output, _ = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            raise
    assert server.returncode in (0, -signal.SIGTERM), (
        output
    )  # uvicorn re-raises the signal after shutting down
    assert "Application shutdown complete" in output
    assert "GET /api/staff 200" in output  # the app's own access log, by route
    key_file = Path(env["CLINIC_DATA_DIR"]) / "jwt-secret"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_several_workers_answer_without_waiting_for_a_delayed_ack(environment, cli):
    """`serve --workers 2`: uvicorn binds the socket itself and asyncio would leave Nagle's
    algorithm on, so each response waited about 40 ms for the client's delayed ACK."""
    assert cli(environment, "migrate").returncode == 0
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_serving(environment, port, "--workers", "2")
    try:
        wait_until_up(base, server)
        with httpx.Client(base_url=base, timeout=30) as client:  # one kept connection, as a desk
            for _ in range(3):
                client.get("/api/health")
            times = []
            for _ in range(21):
                started = time.perf_counter()
                assert client.get("/api/health").status_code == 200
                times.append(time.perf_counter() - started)
        # Each answer waits for no acknowledgement: about 1 ms here, 44 ms with Nagle's algorithm.
        assert statistics.median(times) < 0.02, [round(t * 1000, 1) for t in times]
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            raise


def hold_poke_stream(base: str, enrollment_code: str) -> None:
    """Enroll a device with the code and open its poke stream, held open in a thread."""
    protocol = {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}
    enrolled = httpx.post(
        f"{base}/sync/enroll",
        json={"code": enrollment_code, "device_name": "lobby"},
        headers=protocol,
        timeout=30,
    )
    assert enrolled.status_code == 200, enrolled.text
    headers = {**protocol, "Authorization": f"Device {enrolled.json()['credential']}"}
    connected = threading.Event()

    def listen() -> None:
        try:
            with httpx.stream("GET", f"{base}/sync/events", headers=headers, timeout=60) as response:
                for line in response.iter_lines():
                    if line.startswith("event: hello"):
                        connected.set()
        except httpx.HTTPError:
            return  # the server closed it

    threading.Thread(target=listen, daemon=True).start()
    assert connected.wait(20)


def test_serve_refuses_a_weak_signing_key(tmp_path, cli):
    env = {"CLINIC_DATA_DIR": str(tmp_path), "CLINIC_JWT_SECRET": "too short"}
    answer = cli(env, "serve", "--port", str(free_port()))
    assert answer.returncode == 2
    assert "CLINIC_JWT_SECRET" in answer.stderr


def test_a_lost_device_is_listed_and_withdrawn_from_the_command_line(environment, cli) -> None:
    env = environment
    assert cli(env, "migrate").returncode == 0
    created = cli(
        env,
        *("create-clinic", "--name", "Lost Desk Clinic", "--tier", "S"),
        *("--admin-email", "owner@lost.example", "--admin-password", ADMIN_PASSWORD),
    )
    clinic_id = uuid.UUID(json.loads(created.stdout)["clinic_id"])
    # The database the commands use: the admin URL, or the SQLite file in the data directory.
    url = env.get("CLINIC_ADMIN_DATABASE_URL") or sqlite_url(Path(env["CLINIC_DATA_DIR"]) / "clinic.db")
    db = Database(create_database_engine(url), chain_id="server")
    code = cli(env, "enroll-code", "--clinic", str(clinic_id), "--role", "front-desk").stdout.strip()
    enrolled = redeem(db, code, "Front desk 2")

    listed = json.loads(cli(env, "devices", "--clinic", str(clinic_id)).stdout)
    assert [(d["id"], d["name"], d["kind"], d["withdrawn_at"]) for d in listed] == [
        (str(enrolled.device_id), "Front desk 2", "front-desk", None)
    ]
    withdrawn = cli(env, "withdraw-device", "--clinic", str(clinic_id), "--device", str(enrolled.device_id))
    assert withdrawn.returncode == 0, withdrawn.stderr
    assert json.loads(cli(env, "devices", "--clinic", str(clinic_id)).stdout)[0]["withdrawn_at"]
    with db.session(None) as session, pytest.raises(DeviceNotRecognised):
        authenticate_device(session, f"Device {enrolled.credential}")
    with db.session(clinic_id) as session:
        actions = session.scalars(
            select(AuditLog.action).where(AuditLog.entity_id == enrolled.device_id)
        ).all()
    assert actions == ["withdraw_device"]
    stranger = cli(env, "withdraw-device", "--clinic", str(clinic_id), "--device", str(uuid.uuid4()))
    assert stranger.returncode == 1
    assert "has no device" in stranger.stderr
    db.engine.dispose()
