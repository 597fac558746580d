"""Shared fixtures: databases built by the migrations, on SQLite and PostgreSQL.

- SQLite: one migrated template file per run, copied for each test (a fresh replica each time).
- PostgreSQL: one migrated database per run (`clinic_test`), shared; every test makes its own
  clinics, so tests are isolated the way tenants are. In CI (CI=true) an unreachable
  PostgreSQL fails the run; elsewhere its tests are skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from common.clinics.models import LicenseTier
from common.clinics.service import NewClinic, create_clinic
from common.clock import FrozenClock
from common.context import Actor, ServiceContext
from common.database import Database
from common.ids import new_id
from common.staff.models import Role, StaffUser
from common.staff.passwords import hash_password
from common.storage.engine import create_database_engine, sqlite_url
from common.storage.migrate import upgrade

PG_ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
STAFF_PASSWORD = "correct horse battery staple"
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # the test clinics' Admins and Managers
# Monday 2026-11-23, 08:00 in Taipei: the start of the working week in every test.
T0 = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
CLINIC_TZ = "Asia/Taipei"


def _database_name() -> str:
    # One database per test process: parallel runs (xdist workers, several developers) never collide.
    return f"clinic_test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = create_database_engine(sqlite_url(path))
    upgrade(engine)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture
def sqlite_engine(sqlite_template: Path, tmp_path: Path) -> Iterator[Engine]:
    path = tmp_path / "replica.db"
    shutil.copyfile(sqlite_template, path)
    engine = create_database_engine(sqlite_url(path))
    yield engine
    engine.dispose()


def postgres_url_for(database: str) -> str:
    return make_url(PG_ADMIN_URL).set(database=database).render_as_string(hide_password=False)


def _abandoned_test_databases(connection: Connection) -> list[str]:
    """Test databases left by runs that were killed (their process is gone)."""
    names = connection.execute(
        text("SELECT datname FROM pg_database WHERE datname LIKE 'clinic_test_%'")
    ).scalars()
    abandoned = []
    for name in names:
        pid = name.rsplit("_", 1)[-1]
        if pid.isdigit() and not _process_alive(int(pid)):
            abandoned.append(name)
    return abandoned


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    name = _database_name()
    try:
        admin = create_database_engine(PG_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for stale in _abandoned_test_databases(connection):
                connection.execute(text(f'DROP DATABASE IF EXISTS "{stale}" WITH (FORCE)'))
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except OperationalError as error:
        message = f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {error.orig}"
        if IN_CI:
            pytest.fail(message + " (PostgreSQL tests must run in CI)")
        pytest.skip(message)
    engine = create_database_engine(postgres_url_for(name), pool_size=20)
    upgrade(engine)
    yield engine
    engine.dispose()
    admin = create_database_engine(PG_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Engine:
    chosen: Engine = request.getfixturevalue(f"{request.param}_engine")
    return chosen


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
def db(engine: Engine, clock: FrozenClock) -> Database:
    return Database(engine, clock=clock, chain_id="test-desk")


@pytest.fixture(scope="session")
def staff_password_hash() -> str:
    return hash_password(STAFF_PASSWORD)


@dataclass
class ClinicWorld:
    """A clinic with one staff member of each role (two doctors), ready for services."""

    db: Database
    clinic_id: uuid.UUID
    staff: dict[str, uuid.UUID] = field(default_factory=dict)

    def actor(self, who: str) -> Actor:
        role = {
            "admin": Role.ADMIN,
            "manager": Role.MANAGER,
            "doctor": Role.DOCTOR,
            "doctor2": Role.DOCTOR,
            "nurse": Role.NURSE,
            "receptionist": Role.RECEPTIONIST,
        }[who]
        return Actor.staff(self.staff[who], role)

    def ctx(self, who: str = "admin") -> AbstractContextManager[ServiceContext]:
        """`with world.ctx("receptionist") as ctx:` one committed operation as that person."""
        return self.db.context(self.clinic_id, self.actor(who))

    def system(self) -> AbstractContextManager[ServiceContext]:
        return self.db.context(self.clinic_id, Actor.system())


def make_clinic(
    db: Database,
    password_hash: str,
    *,
    name: str = "Lotus Aesthetic Clinic",
    tier: LicenseTier = LicenseTier.M,
) -> ClinicWorld:
    with db.session(None) as session, session.begin():
        clinic = create_clinic(
            session,
            NewClinic(
                name=name, license_tier=tier, timezone=CLINIC_TZ, currency="TWD", languages=("en", "zh_TW")
            ),
        )
        clinic_id = clinic.id
    world = ClinicWorld(db, clinic_id)
    people = [
        ("admin", Role.ADMIN, "Ada", "Admin"),
        ("manager", Role.MANAGER, "Mona", "Manager"),
        ("doctor", Role.DOCTOR, "Dora", "Lin"),
        ("doctor2", Role.DOCTOR, "Ken", "Wu"),
        ("nurse", Role.NURSE, "Nia", "Chen"),
        ("receptionist", Role.RECEPTIONIST, "Rita", "Huang"),
    ]
    with db.session(clinic_id) as session, session.begin():
        for key, role, first, last in people:
            user = StaffUser(
                id=new_id(),
                email=f"{key}@{clinic_id.hex[:8]}.example",
                password_hash=password_hash,
                first_name=first,
                last_name=last,
                role=role,
                two_factor_enabled=role in (Role.ADMIN, Role.MANAGER),
                totp_secret=TEST_TOTP_SECRET if role in (Role.ADMIN, Role.MANAGER) else None,
            )
            session.add(user)
            world.staff[key] = user.id
    return world


@pytest.fixture
def world(db: Database, staff_password_hash: str) -> ClinicWorld:
    return make_clinic(db, staff_password_hash)


@pytest.fixture
def other_world(db: Database, staff_password_hash: str) -> ClinicWorld:
    """A second clinic in the same database, for tenant-isolation tests."""
    return make_clinic(db, staff_password_hash, name="Harbour Dental")
