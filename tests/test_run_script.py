"""The README's run command (`scripts/run.sh`) runs the product on a machine without a screen: the
demo clinic seeded into the embedded SQLite database, its server answering, a front desk enrolled
with it through a one-time code (the desk itself opens where there is a screen), and the server
stopped with the command. A second run reuses all of it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import httpx

from tests.e2e.support import free_port

ROOT = Path(__file__).resolve().parents[1]
READY = "clinic-desktop"  # the last line: how to open the desk where there is a screen


def start(data_dir: Path, port: int) -> tuple[subprocess.Popen[str], list[str]]:
    env = {key: value for key, value in os.environ.items() if key not in {"DISPLAY", "WAYLAND_DISPLAY"}}
    env.update(CLINIC_DATA_DIR=str(data_dir), CLINIC_PORT=str(port), CLINIC_KEYRING="file")
    env.pop("DATABASE_URL", None)
    script = subprocess.Popen(
        ["bash", "scripts/run.sh"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert script.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        line = script.stdout.readline()
        if not line:
            break
        lines.append(line)
        if READY in line and "CLINIC_DATA_DIR=" in line:
            return script, lines
    script.kill()
    raise AssertionError("run.sh did not get the product running:\n" + "".join(lines[-40:]))


def stop(script: subprocess.Popen[str], url: str) -> None:
    script.send_signal(signal.SIGTERM)
    assert script.wait(30) != 0  # stopped, not finished
    try:
        httpx.get(f"{url}/api/health", timeout=2)
    except httpx.TransportError:
        return
    raise AssertionError("the server outlived run.sh")


def desk_status(data_dir: Path) -> dict[str, object]:
    status = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "clinic-sync"), "status", "--data-dir", str(data_dir / "demo-desk")],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "CLINIC_KEYRING": "file"},
    )
    parsed: dict[str, object] = json.loads(status.stdout)
    return parsed


def test_the_run_command_serves_the_demo_clinic_to_an_enrolled_desk(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    script, lines = start(tmp_path, port)
    try:
        assert any("Seeded the demo clinic" in line for line in lines)
        assert httpx.get(f"{url}/api/health", timeout=5).json() == {"status": "ok"}
        first = desk_status(tmp_path)
        assert first["kind"] == "front-desk" and first["server"] == url
        assert any("There is no screen here" in line for line in lines)
        assert str(tmp_path / "demo-desk") in lines[-1]
    finally:
        stop(script, url)

    script, lines = start(tmp_path, port)  # again: nothing seeded or enrolled twice
    try:
        assert any("already in" in line for line in lines)
        assert desk_status(tmp_path)["device_id"] == first["device_id"]
    finally:
        stop(script, url)
