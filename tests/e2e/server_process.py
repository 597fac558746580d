"""The sync server in its own process, for kill -9 tests.

python -m tests.e2e.server_process DATABASE_URL PORT DATA_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn

from common.clock import SYSTEM_CLOCK
from common.storage.engine import create_database_engine
from tests.e2e.support import _app


def main(argv: list[str]) -> int:
    url, port, data_dir = argv[0], int(argv[1]), Path(argv[2])
    from sync_server.config import load_server_settings

    settings = load_server_settings(
        {
            "CLINIC_DATA_DIR": str(data_dir),
            "DATABASE_URL": url,
            "CLINIC_JWT_SECRET": "e2e-secret-" + "x" * 40,
            "CLINIC_RUN_JOBS": "0",  # tests run jobs when they mean to
        }
    )
    engine = create_database_engine(url)
    app = _app(settings, engine, SYSTEM_CLOCK)
    from sync_server.cli import KEEP_ALIVE_SECONDS

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", timeout_keep_alive=KEEP_ALIVE_SECONDS)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
