"""A kiosk enrolled with the clinic's server: its replica comes from the server, its check-ins go back.

`clinic-kiosk --enroll` enrolls this kiosk as a kiosk device with a one-time code (`clinic-server
enroll-code --role kiosk`; the credential goes to the keyring) and runs the first sync: the server
sends the kiosk's scope only (today's and tomorrow's appointments, first names, codes; no medical
history, see common/checkin/replica.py). From then on `clinic-kiosk` runs on `replica.db` in the
kiosk's data directory instead of the demo clinic, with the sync engine in the background: a
check-in is applied locally and queued in one transaction (so it works with the network down) and
pushed as soon as the server answers; the replica is pulled every `POLL_SECONDS` and whenever the
server pokes.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import httpx

from common.clock import SYSTEM_CLOCK, Clock
from common.database import Database
from common.storage.engine import create_database_engine, sqlite_url
from common.sync import state
from common.sync.client import ServerRefused
from common.sync.credentials import SERVICE, credential_store
from common.sync.engine import SyncEngine, SyncFailed
from common.sync.enrollment import REPLICA_FILE, DeviceInfo, device_info, engine_for, enroll
from common.sync.models import DeviceKind

log = logging.getLogger(__name__)

POLL_SECONDS: Final = 5.0  # pokes are the fast path; this bounds how stale a missed poke leaves it

Progress = Callable[[int, int], None]


class NotAKioskCode(RuntimeError):
    """The code enrolls another kind of device: a kiosk must never hold a front desk's data."""


@dataclass
class EnrolledKiosk:
    data_dir: Path
    info: DeviceInfo
    sync: SyncEngine

    @property
    def database(self) -> Database:
        return self.sync.database

    @property
    def clinic_id(self) -> uuid.UUID:
        return self.info.clinic_id

    @property
    def device_id(self) -> uuid.UUID:
        return self.info.device_id

    def has_synced(self) -> bool:
        return state.get(self.database.engine, state.LAST_SYNC_AT) is not None

    def close(self) -> None:
        self.sync.stop(timeout=3.0)
        self.sync.client.close()
        self.database.engine.dispose()


def is_enrolled(data_dir: Path) -> bool:
    """Whether `data_dir` holds a replica enrolled with a server (it is never created here)."""
    path = data_dir / REPLICA_FILE
    if not path.exists():
        return False
    engine = create_database_engine(sqlite_url(path))
    try:
        return device_info(engine) is not None
    except Exception:  # a replica file without the sync tables yet: not enrolled
        return False
    finally:
        engine.dispose()


def enroll_device(
    data_dir: Path, server_url: str, code: str, *, device_name: str | None = None
) -> DeviceInfo:
    """Enroll this kiosk with a one-time code (its replica stays empty until `first_sync`).

    Raises what `common.sync.enrollment.enroll` raises, and `NotAKioskCode` (nothing is kept
    then) when the code was made for a front desk.
    """
    info = enroll(server_url, code, data_dir, device_name)
    if info.kind is not DeviceKind.KIOSK:
        forget(data_dir, info)
        raise NotAKioskCode(info.kind.value)
    return info


def first_sync(data_dir: Path, progress: Progress | None = None) -> None:
    sync = engine_for(data_dir, listen=False)
    if progress is not None:
        report = progress

        def on_event(event: str, payload: object) -> None:
            if event == "progress" and isinstance(payload, tuple):
                report(int(payload[0]), int(payload[1]))

        sync.subscribe(on_event)
    try:
        sync.sync_once()
    finally:
        sync.client.close()
        sync.database.engine.dispose()


def forget(data_dir: Path, info: DeviceInfo) -> None:
    """Remove this device's replica and credential (after an enrollment it must not keep)."""
    with contextlib.suppress(Exception):
        credential_store(data_dir).delete_password(SERVICE, str(info.device_id))
    for suffix in ("", "-wal", "-shm", "-journal"):
        (data_dir / f"{REPLICA_FILE}{suffix}").unlink(missing_ok=True)


def open_enrolled(
    data_dir: Path, *, clock: Clock = SYSTEM_CLOCK, poll_seconds: float = POLL_SECONDS
) -> EnrolledKiosk:
    """The enrolled replica with its sync engine (not started yet). Raises `state.NotEnrolled`."""
    sync = engine_for(data_dir)
    sync.poll_seconds = poll_seconds
    sync.database.clock = clock  # the kiosk's own writes (check-in times) use this clock
    info = device_info(sync.database.engine)
    if info is None:
        raise state.NotEnrolled()
    return EnrolledKiosk(data_dir, info, sync)


def catch_up(kiosk: EnrolledKiosk) -> bool:
    """One sync now (a kiosk that never synced has nothing to check in against); False if offline."""
    try:
        kiosk.sync.sync_once()
    except (httpx.HTTPError, OSError, ServerRefused, SyncFailed) as error:
        log.warning("kiosk: could not sync at start (%s)", type(error).__name__)
        return False
    return True
