"""Configuration from the environment, with documented defaults (DESIGN.md: "server from environment").

- `CLINIC_DATA_DIR`: where local files live. Default: the user's data directory,
  `$XDG_DATA_HOME/clinic-front-desk` (`~/.local/share/clinic-front-desk`) on Linux,
  `%APPDATA%\\clinic-front-desk` on Windows, `~/Library/Application Support/clinic-front-desk` on macOS.
- `DATABASE_URL`: a `sqlite:///...` or `postgresql://...` URL. Default: the embedded SQLite file
  `clinic.db` in the data directory.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from sqlalchemy.engine import make_url

from common.storage.engine import sqlite_url

APP_DIR_NAME: Final = "clinic-front-desk"
DEFAULT_DATABASE_FILE: Final = "clinic.db"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str

    @property
    def is_sqlite(self) -> bool:
        return make_url(self.database_url).get_backend_name() == "sqlite"

    @property
    def database_display(self) -> str:
        """The URL without its password, for messages."""
        return make_url(self.database_url).render_as_string(hide_password=True)

    def ensure_data_dir(self) -> None:
        """Create the data directory, and the SQLite file's directory, if they are missing."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def user_data_dir(env: Mapping[str, str] | None = None, platform: str | None = None) -> Path:
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    home = Path(env.get("HOME") or env.get("USERPROFILE") or Path.home())
    if platform == "win32":
        base = Path(env["APPDATA"]) if env.get("APPDATA") else home / "AppData" / "Roaming"
    elif platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        base = Path(env["XDG_DATA_HOME"]) if env.get("XDG_DATA_HOME") else home / ".local" / "share"
    return base / APP_DIR_NAME


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    raw_dir = env.get("CLINIC_DATA_DIR", "").strip()
    data_dir = Path(raw_dir).expanduser() if raw_dir else user_data_dir(env)
    database_url = env.get("DATABASE_URL", "").strip() or sqlite_url(data_dir / DEFAULT_DATABASE_FILE)
    return Settings(data_dir=data_dir, database_url=database_url)
