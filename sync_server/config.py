"""The server's configuration, from the environment (DESIGN.md: "server from environment variables").

On top of common/config.py (`CLINIC_DATA_DIR`, `DATABASE_URL`):

- `CLINIC_ADMIN_DATABASE_URL`: the schema owner's connection, for migrations, creating clinics, the
  demo seed and listing clinics for scheduled jobs (work across clinics, which PostgreSQL's
  row-level security keeps from the app's own role). Default: `DATABASE_URL`.
- `CLINIC_JWT_SECRET`: the key that signs access tokens (HS256), at least 32 characters. When
  unset, a random key is generated on first run and kept in `$CLINIC_DATA_DIR/jwt-secret` (mode
  0600), so every worker on the machine shares it. Several machines need the variable set.
- `CLINIC_ACCESS_TOKEN_MINUTES` (15), `CLINIC_REFRESH_TOKEN_HOURS` (12): token lifetimes.
- `CLINIC_SESSION_IDLE_MINUTES` (15), `CLINIC_SESSION_MAX_HOURS` (12): a sign-in ends after this
  long without a request, and this long after it began, whatever happens.
- `CLINIC_MAX_BODY_BYTES` (4 MiB): larger request bodies are refused with 413.
- `CLINIC_RUN_JOBS` (1): run the scheduled jobs (no-shows, waitlist expiry, daily usage) in this
  server; several instances coordinate through PostgreSQL advisory locks. 0 turns them off.
- `CLINIC_GZIP_MIN_BYTES` (1024): responses at least this large are gzip-compressed for clients
  that accept it (a pull page shrinks 4-5x, minutes off a first sync over ADSL or 4G). 0: never.
- `CLINIC_GZIP_LEVEL` (1): the gzip level, 1 (fastest) to 9 (smallest); see README.md for the
  trade between the server's CPU and the bytes sent.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Final

from common.config import Settings, load_settings
from common.staff.auth import IDLE_TIMEOUT, MAX_SESSION_AGE

KEY_FILE_NAME: Final = "jwt-secret"
MIN_SECRET_LENGTH: Final = 32
DEFAULT_MAX_BODY_BYTES: Final = 4 * 1024 * 1024
DEFAULT_GZIP_MIN_BYTES: Final = 1024
DEFAULT_GZIP_LEVEL: Final = 1
ADMIN_URL_VARIABLE: Final = "CLINIC_ADMIN_DATABASE_URL"


class ConfigurationError(ValueError):
    """A setting in the environment is not usable; the message names the variable."""


@dataclass(frozen=True)
class ServerSettings:
    base: Settings
    admin_database_url: str
    jwt_secret: bytes = field(repr=False)
    access_token_ttl: timedelta = timedelta(minutes=15)
    refresh_token_ttl: timedelta = timedelta(hours=12)
    idle_timeout: timedelta = IDLE_TIMEOUT
    max_session_age: timedelta = MAX_SESSION_AGE
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    run_jobs: bool = False
    gzip_min_bytes: int = DEFAULT_GZIP_MIN_BYTES  # 0: no compression
    gzip_level: int = DEFAULT_GZIP_LEVEL

    @property
    def database_url(self) -> str:
        return self.base.database_url

    @property
    def data_dir(self) -> Path:
        return self.base.data_dir


def load_server_settings(env: Mapping[str, str] | None = None) -> ServerSettings:
    env = os.environ if env is None else env
    base = load_settings(env)
    return ServerSettings(
        base=base,
        admin_database_url=env.get(ADMIN_URL_VARIABLE, "").strip() or base.database_url,
        jwt_secret=_jwt_secret(env, base.data_dir),
        access_token_ttl=timedelta(minutes=_positive(env, "CLINIC_ACCESS_TOKEN_MINUTES", 15)),
        refresh_token_ttl=timedelta(hours=_positive(env, "CLINIC_REFRESH_TOKEN_HOURS", 12)),
        idle_timeout=timedelta(minutes=_positive(env, "CLINIC_SESSION_IDLE_MINUTES", 15)),
        max_session_age=timedelta(hours=_positive(env, "CLINIC_SESSION_MAX_HOURS", 12)),
        max_body_bytes=_positive(env, "CLINIC_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES),
        run_jobs=env.get("CLINIC_RUN_JOBS", "1").strip().lower() not in {"0", "false", "no", "off"},
        gzip_min_bytes=_whole_number(env, "CLINIC_GZIP_MIN_BYTES", DEFAULT_GZIP_MIN_BYTES),
        gzip_level=_gzip_level(env),
    )


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    value = _number(env, name, default)
    if value <= 0:
        raise ConfigurationError(f"{name} must be greater than zero")
    return value


def _whole_number(env: Mapping[str, str], name: str, default: int) -> int:
    value = _number(env, name, default)
    if value < 0:
        raise ConfigurationError(f"{name} must not be negative")
    return value


def _number(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, not {raw!r}") from None


def _gzip_level(env: Mapping[str, str]) -> int:
    level = _number(env, "CLINIC_GZIP_LEVEL", DEFAULT_GZIP_LEVEL)
    if not 1 <= level <= 9:
        raise ConfigurationError("CLINIC_GZIP_LEVEL must be from 1 to 9")
    return level


def _jwt_secret(env: Mapping[str, str], data_dir: Path) -> bytes:
    given = env.get("CLINIC_JWT_SECRET", "").strip()
    if given:
        if len(given) < MIN_SECRET_LENGTH:
            raise ConfigurationError(f"CLINIC_JWT_SECRET must be at least {MIN_SECRET_LENGTH} characters")
        return given.encode()
    return stored_secret(data_dir / KEY_FILE_NAME)


def stored_secret(path: Path) -> bytes:
    """The key kept at `path`, made on first use (readable by this user only).

    Created with O_EXCL, so two workers starting together agree on one key.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(48))
    for _ in range(50):  # another worker may be between creating and writing the file
        text = path.read_text(encoding="ascii").strip()
        if len(text) >= MIN_SECRET_LENGTH:
            return text.encode()
        time.sleep(0.01)
    raise ConfigurationError(f"the key file {path} is damaged; remove it to make a new one")
