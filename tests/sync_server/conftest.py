"""Fixtures for the server's tests: the app on both databases, signed-in callers, a kiosk.

On PostgreSQL the app connects as a login role that is a member of `clinic_app` (no superuser,
no BYPASSRLS, not the owner), exactly as a deployment does, so every API test also runs under
row-level security. The `world` fixtures make their clinics through the superuser engine: the
admin path that creating clinics takes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text

from common.clock import FrozenClock
from common.config import Settings
from common.staff.auth import StaffSession
from common.staff.models import Role
from common.storage.engine import create_database_engine
from sync_server.app import create_app
from sync_server.auth.sessions import TokenPair
from sync_server.config import ServerSettings
from sync_server.runtime import Server, server_of
from sync_server.sync import push
from tests.conftest import ClinicWorld
from tests.sync_server.push_support import Desk, make_desk

APP_LOGIN_ROLE = "clinic_app_tester"
TEST_JWT_SECRET = b"test-secret-" * 6  # 72 bytes: long enough for any HMAC a forged token tries
ROLE_OF = {
    "admin": Role.ADMIN,
    "manager": Role.MANAGER,
    "doctor": Role.DOCTOR,
    "doctor2": Role.DOCTOR,
    "nurse": Role.NURSE,
    "receptionist": Role.RECEPTIONIST,
}


@pytest.fixture(scope="session")
def postgres_app_engine(postgres_engine: Engine) -> Iterator[Engine]:
    """The per-run test database, reached as a member of clinic_app (created once per cluster)."""
    with postgres_engine.connect() as connection:
        connection.execute(
            text(
                "DO $$ BEGIN "
                f"CREATE ROLE {APP_LOGIN_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS IN ROLE clinic_app; "
                "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
            )
        )
        connection.commit()
    url = postgres_engine.url.set(username=APP_LOGIN_ROLE, password=None)
    engine = create_database_engine(url.render_as_string(hide_password=False), pool_size=10)

    @event.listens_for(engine, "connect")
    def _quick_commits(dbapi_connection: Any, _record: Any) -> None:
        # Tests need no durability across a power cut; waiting for each WAL flush only slows them.
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")
        dbapi_connection.commit()

    yield engine
    engine.dispose()


@pytest.fixture
def app_engine(engine: Engine, request: pytest.FixtureRequest) -> Engine:
    """What the server connects with: the app role on PostgreSQL, the file itself on SQLite."""
    if engine.dialect.name == "postgresql":
        chosen: Engine = request.getfixturevalue("postgres_app_engine")
        return chosen
    return engine


@pytest.fixture
def server_settings(tmp_path: Path) -> ServerSettings:
    return ServerSettings(
        base=Settings(data_dir=tmp_path, database_url="sqlite:///unused.db"),
        admin_database_url="sqlite:///unused.db",
        jwt_secret=TEST_JWT_SECRET,
    )


@pytest.fixture
def app(app_engine: Engine, clock: FrozenClock, server_settings: ServerSettings) -> FastAPI:
    return create_app(server_settings, engine=app_engine, clock=clock)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def server(app: FastAPI) -> Server:
    found = app.state.server
    assert isinstance(found, Server)
    return found


def sign_in(app: FastAPI, world: ClinicWorld, who: str, *, clock: FrozenClock | None = None) -> TokenPair:
    """A fresh sign-in session for one of the world's staff (skipping the password check)."""
    running = server(app)
    now = running.db.clock.now() if clock is None else clock.now()
    staff = StaffSession(world.staff[who], world.clinic_id, ROLE_OF[who], 0, now, now)
    return running.sessions.start(staff)


def bearer(pair: TokenPair) -> dict[str, str]:
    return {"Authorization": f"Bearer {pair.access_token}"}


@dataclass
class Kiosk:
    device_id: str
    credential: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Device {self.credential}"}


def enroll_kiosk(app: FastAPI, world: ClinicWorld) -> Kiosk:
    from sync_server.sync.enrollment import create_enrollment_code, redeem

    code, _expires = create_enrollment_code(world.db, world.clinic_id, "kiosk")
    enrolled = redeem(world.db, code, "lobby kiosk")
    return Kiosk(str(enrolled.device_id), enrolled.credential)


__all__ = ["Kiosk", "bearer", "enroll_kiosk", "server", "server_of", "sign_in"]


@pytest.fixture
def desk(world: ClinicWorld, clock: Any) -> Desk:
    return make_desk(world, clock)


@pytest.fixture(params=[200, 3], ids=["one-chunk", "chunks-of-3"])
def chunk(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Pushes applied in one chunk, and in chunks of three mutations."""
    size: int = request.param
    monkeypatch.setattr(push, "CHUNK_MUTATIONS", size)
    return size
