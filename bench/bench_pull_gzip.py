# ruff: noqa: E501 - report lines
"""Pull pages with and without gzip: the server's CPU per page and the bytes on the wire, per level.

    python -m bench.bench_pull_gzip [--patients 3000] [--passes 3] [--levels 1,3,6,9]

A demo clinic (bench.dataset: `--patients` patients with their visits) in a SQLite file, and a real
server (uvicorn in its own process, the app `serve` runs) started once per setting: compression
off (CLINIC_GZIP_MIN_BYTES=0), then each CLINIC_GZIP_LEVEL. A device pulls everything from the
start `--passes` times after one warm-up, in pages of 20,000 rows (an initial sync's page) and of
500 rows (the desk's steady pulls). Printed per setting and page size: the server process's CPU
(user + system, from /proc: Linux only) per page, the bytes per page on the wire, the ratio to the
uncompressed page, and how long those bytes take on a 4 Mbit/s line (a clinic's ADSL or 4G).
Then the compression alone, in this process, on one page of each size. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import httpx

from bench.dataset import DatasetSpec, build
from bench.timing import process_cpu_seconds
from common.database import Database
from common.storage.engine import create_database_engine, sqlite_url
from common.sync.models import DeviceKind
from common.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from sync_server.sync.enrollment import create_enrollment_code, redeem
from tests.e2e.support import free_port

PAGE_SIZES: Final = (20_000, 500)
LINE_BITS_PER_SECOND: Final = 4_000_000


@dataclass(frozen=True)
class Setting:
    name: str
    min_bytes: int
    level: int


@dataclass(frozen=True)
class Figures:
    setting: str
    page_rows: int
    pages: int
    cpu_ms_per_page: float
    raw_bytes_per_page: float
    wire_bytes_per_page: float

    @property
    def ratio(self) -> float:
        return self.raw_bytes_per_page / self.wire_bytes_per_page

    @property
    def line_ms_per_page(self) -> float:
        return self.wire_bytes_per_page * 8 / LINE_BITS_PER_SECOND * 1000


def serve(url: str, port: str, data_dir: str, min_bytes: str, level: str) -> None:
    """The server process: the app as `serve` builds it, from these settings."""
    import uvicorn

    from sync_server.app import create_app
    from sync_server.config import load_server_settings

    settings = load_server_settings(
        {
            "CLINIC_DATA_DIR": data_dir,
            "DATABASE_URL": url,
            "CLINIC_JWT_SECRET": "bench-secret-" + "x" * 40,
            "CLINIC_RUN_JOBS": "0",
            "CLINIC_GZIP_MIN_BYTES": min_bytes,
            "CLINIC_GZIP_LEVEL": level,
        }
    )
    uvicorn.run(create_app(settings), host="127.0.0.1", port=int(port), log_level="warning", access_log=False)


def start_server(url: str, data_dir: Path, setting: Setting) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = ["--serve", url, str(port), str(data_dir), str(setting.min_bytes), str(setting.level)]
    process = subprocess.Popen([sys.executable, "-m", "bench.bench_pull_gzip", *command])
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not come up")


def pull_everything(client: httpx.Client, page_rows: int) -> list[tuple[int, int, bytes]]:
    """Every page from the start: (bytes on the wire, bytes of JSON, the JSON) each."""
    pages = []
    cursor = ""
    while True:
        response = client.get("/sync/pull", params={"cursor": cursor, "limit": page_rows})
        response.raise_for_status()
        pages.append((response.num_bytes_downloaded, len(response.content), response.content))
        page = response.json()
        cursor = page["cursor"]
        if not page["has_more"]:
            return pages


def measure(base: str, pid: int, credential: str, setting: Setting, passes: int) -> list[Figures]:
    headers = {
        "Authorization": f"Device {credential}",
        PROTOCOL_HEADER: str(PROTOCOL_VERSION),
        "Accept-Encoding": "gzip",
    }
    figures = []
    with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
        for page_rows in PAGE_SIZES:
            pull_everything(client, page_rows)  # warm-up
            started = process_cpu_seconds(pid)
            pages = [page for _ in range(passes) for page in pull_everything(client, page_rows)]
            spent = process_cpu_seconds(pid) - started
            figures.append(
                Figures(
                    setting.name,
                    page_rows,
                    len(pages),
                    spent * 1000 / len(pages),
                    sum(raw for _, raw, _ in pages) / len(pages),
                    sum(wire for wire, _, _ in pages) / len(pages),
                )
            )
    return figures


def compression_alone(page: bytes, level: int, repetitions: int = 20) -> float:
    """CPU milliseconds to gzip `page` at `level`, as the middleware does."""
    started = time.process_time()
    for _ in range(repetitions):
        compressor = zlib.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        compressor.compress(page)
        compressor.flush()
    return (time.process_time() - started) * 1000 / repetitions


def enroll(path: Path, clinic_id: uuid.UUID) -> str:
    engine = create_database_engine(sqlite_url(path), check_integrity=False)
    db = Database(engine, chain_id="server")
    code, _ = create_enrollment_code(db, clinic_id, DeviceKind.FRONT_DESK)
    credential = redeem(db, code, "bench desk").credential
    engine.dispose()
    return credential


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--serve"]:
        serve(*args[1:6])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--patients", type=int, default=3000)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--levels", default="1,3,6,9")
    options = parser.parse_args(args)
    levels = [int(level) for level in options.levels.split(",")]
    settings = [Setting("off", 0, 1), *(Setting(f"gzip {level}", 1024, level) for level in levels)]
    with tempfile.TemporaryDirectory(prefix="bench-gzip-") as scratch:
        directory = Path(scratch)
        spec = DatasetSpec(
            "gzip",
            patients=options.patients,
            doctors=10,
            min_appointments=options.patients,
            regular_visits=12,
            days_around=3,
            min_history_days=30,
        )
        print(f"building a demo clinic of {options.patients} patients ...", flush=True)
        dataset = build(directory / "server.db", spec)
        print(f"rows: {dataset.counts}", flush=True)
        credential = enroll(dataset.path, dataset.clinic_id)
        url = sqlite_url(dataset.path)
        results: list[Figures] = []
        samples: dict[int, bytes] = {}
        for setting in settings:
            process, base = start_server(url, directory, setting)
            try:
                results.extend(measure(base, process.pid, credential, setting, options.passes))
                if setting.min_bytes == 0:
                    headers = {
                        "Authorization": f"Device {credential}",
                        PROTOCOL_HEADER: str(PROTOCOL_VERSION),
                    }
                    with httpx.Client(base_url=base, headers=headers) as client:
                        for page_rows in PAGE_SIZES:
                            samples[page_rows] = pull_everything(client, page_rows)[0][2]
            finally:
                process.terminate()
                process.wait(10)
    print(
        f"\nserver CPU and bytes per pull page ({options.passes} passes; line: {LINE_BITS_PER_SECOND / 1e6:.0f} Mbit/s)"
    )
    print(
        f"{'setting':<8} {'rows/page':>9} {'pages':>5} {'CPU ms/page':>11} {'JSON KiB':>9} {'wire KiB':>9} {'ratio':>6} {'line ms':>8}"
    )
    for row in sorted(
        results,
        key=lambda f: (-f.page_rows, settings.index(next(s for s in settings if s.name == f.setting))),
    ):
        print(
            f"{row.setting:<8} {row.page_rows:>9} {row.pages:>5} {row.cpu_ms_per_page:>11.1f} "
            f"{row.raw_bytes_per_page / 1024:>9.1f} {row.wire_bytes_per_page / 1024:>9.1f} {row.ratio:>6.1f} {row.line_ms_per_page:>8.0f}"
        )
    print("\ncompression alone, in this process (CPU ms per page; ratio)")
    for page_rows, page in samples.items():
        cells = []
        for level in levels:
            size = len(zlib.compress(page, level))
            cells.append(f"level {level}: {compression_alone(page, level):.1f} ms, {len(page) / size:.1f}x")
        print(f"{page_rows:>6} rows ({len(page) / 1024:.0f} KiB): " + "; ".join(cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
