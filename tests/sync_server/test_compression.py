"""Responses over CLINIC_GZIP_MIN_BYTES go gzip-compressed to clients that accept it: a pull page
arrives compressed with the same data; a small answer and the poke stream (server-sent events,
which must reach the device at once) are sent as they are. A real uvicorn on a loopback port."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from common.clock import FrozenClock
from common.sync import client as sync_client
from common.sync.client import SyncClient
from common.sync.models import DeviceKind
from common.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from sync_server.app import create_app
from sync_server.config import DEFAULT_GZIP_MIN_BYTES, load_server_settings
from sync_server.sync.enrollment import create_enrollment_code, redeem
from tests.common.commerce_support import make_patient
from tests.conftest import ClinicWorld
from tests.e2e.support import LiveServer


@pytest.fixture
def live(app_engine: Engine, clock: FrozenClock, tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(app_engine, clock, tmp_path).start()
    yield server
    server.stop()


def device(world: ClinicWorld) -> tuple[str, dict[str, str]]:
    code, _ = create_enrollment_code(world.db, world.clinic_id, DeviceKind.FRONT_DESK)
    credential = redeem(world.db, code, "front desk").credential
    return credential, {"Authorization": f"Device {credential}", PROTOCOL_HEADER: str(PROTOCOL_VERSION)}


def pull(live: LiveServer, headers: dict[str, str], encoding: str) -> httpx.Response:
    response = httpx.get(
        f"{live.url}/sync/pull",
        params={"cursor": "", "limit": 500},
        headers={**headers, "Accept-Encoding": encoding},
    )
    assert response.status_code == 200, response.text
    return response


def test_a_pull_page_arrives_compressed_with_the_same_data(live: LiveServer, world: ClinicWorld) -> None:
    for number in range(20):
        make_patient(world, first=f"Mei{number}")
    _, headers = device(world)
    plain = pull(live, headers, "identity")
    packed = pull(live, headers, "gzip")
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in packed.headers["vary"].lower()
    assert packed.json() == plain.json()
    assert packed.num_bytes_downloaded * 3 < len(plain.content)


@pytest.mark.parametrize("across_a_network", [True, False])
def test_the_sync_client_asks_for_compressed_pages_across_a_network(
    live: LiveServer, world: ClinicWorld, monkeypatch: pytest.MonkeyPatch, across_a_network: bool
) -> None:
    for number in range(20):
        make_patient(world, first=f"Mei{number}")
    credential, headers = device(world)
    encodings: list[str | None] = []
    if across_a_network:  # the test server is on this machine: the client is told otherwise
        monkeypatch.setattr(sync_client, "_across_a_network", lambda _url: True)
    client = SyncClient(live.url, credential, "head")
    client._http.event_hooks["response"].append(
        lambda response: encodings.append(response.headers.get("content-encoding"))
    )
    try:
        page = client.pull("", 500)
    finally:
        client.close()
    assert encodings == (["gzip"] if across_a_network else [None])
    assert page.model_dump(mode="json") == pull(live, headers, "identity").json()


def test_compression_is_off_with_a_minimum_of_zero(
    app_engine: Engine, clock: FrozenClock, world: ClinicWorld, tmp_path: Path
) -> None:
    settings = load_server_settings(
        {
            "CLINIC_DATA_DIR": str(tmp_path),
            "CLINIC_JWT_SECRET": "t" * 40,
            "CLINIC_RUN_JOBS": "0",
            "CLINIC_GZIP_MIN_BYTES": "0",
        }
    )
    assert settings.gzip_min_bytes == 0
    _, headers = device(world)
    with TestClient(create_app(settings, engine=app_engine, clock=clock)) as client:
        response = client.get("/sync/pull", headers={**headers, "Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert len(response.content) > DEFAULT_GZIP_MIN_BYTES
    assert "content-encoding" not in response.headers


def test_a_small_answer_is_sent_as_it_is(live: LiveServer) -> None:
    response = httpx.get(f"{live.url}/api/health", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert len(response.content) < DEFAULT_GZIP_MIN_BYTES
    assert "content-encoding" not in response.headers


def test_the_poke_stream_is_not_compressed_and_pokes_arrive_at_once(
    live: LiveServer, world: ClinicWorld
) -> None:
    _, headers = device(world)
    lines: queue.Queue[tuple[float, str]] = queue.Queue()
    answered: dict[str, Any] = {}
    stop = threading.Event()

    def listen() -> None:
        try:
            with httpx.stream(
                "GET", f"{live.url}/sync/events", headers={**headers, "Accept-Encoding": "gzip"}, timeout=30
            ) as response:
                answered["headers"] = response.headers
                for line in response.iter_lines():
                    lines.put((time.monotonic(), line))
                    if stop.is_set():
                        return
        except httpx.HTTPError:
            return  # the server stopped

    threading.Thread(target=listen, daemon=True).start()
    wait_for_line(lines, "event: hello", time.monotonic() + 10)
    assert "content-encoding" not in answered["headers"]
    assert answered["headers"]["content-type"].startswith("text/event-stream")
    committed = time.monotonic()
    make_patient(world)
    arrived = wait_for_line(lines, "event: poke", committed + 5)  # keepalives come every 15 s
    stop.set()
    assert arrived - committed < 3


def wait_for_line(lines: queue.Queue[tuple[float, str]], wanted: str, deadline: float) -> float:
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"no {wanted!r} in time"
        try:
            at, line = lines.get(timeout=remaining)
        except queue.Empty:
            continue
        if line == wanted:
            return at
