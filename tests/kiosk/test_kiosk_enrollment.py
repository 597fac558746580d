"""An enrolled kiosk against a real server (uvicorn, SQLite): `clinic-kiosk --enroll` fills a
replica that holds no medical history; a patient checks in by showing their QR code to the camera
while the server is down; when it is back, the server and a front desk both show the check-in
at the time the patient stood at the kiosk, the desk within 2 s."""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from sqlalchemy import Engine, select

from common.access.permissions import MEDICAL_FIELDS
from common.checkin.errors import AlreadyCheckedIn, NoAppointmentToday
from common.checkin.flow import Done, Found, Welcome
from common.checkin.service import record_kiosk_check_in
from common.clock import FrozenClock
from common.context import Actor
from common.database import Database
from common.scheduling.models import Appointment, AppointmentStatus
from common.scheduling.no_show import mark_no_shows
from common.storage.migrate import current_revision
from common.sync.client import SyncClient
from common.sync.engine import SyncEngine
from common.sync.models import OutboxStatus, SyncOutbox
from common.vision.frames import SwitchableSource
from common.vision.synthetic import Shot, empty_frame
from kiosk import cli
from kiosk import settings as kiosk_settings
from kiosk.app import KioskApp, KioskOptions
from sync_server.sync.enrollment import create_enrollment_code
from tests.e2e.conftest import SyncWorld, build_sync_world
from tests.e2e.support import LiveServer
from tests.kiosk.helpers import click, phone_frames
from tests.kiosk.support import CANARIES, MONDAY, NOW, TAIPEI, KioskWorld, at

CAMERA = Shot(width=640, height=480, seed=5)


@pytest.fixture
def sync_world(
    sqlite_engine: Engine, clock: FrozenClock, tmp_path: Path, staff_password_hash: str, sqlite_template: Path
) -> Iterator[SyncWorld]:
    yield from build_sync_world(sqlite_engine, clock, tmp_path, staff_password_hash, sqlite_template)


@pytest.fixture(autouse=True)
def file_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLINIC_KEYRING", "file")
    monkeypatch.setenv("CLINIC_KEYRING_PASSWORD", "kiosk test keyring password")


def _appointment(database: Database, clinic_id: uuid.UUID, appointment_id: uuid.UUID) -> Appointment:
    with database.session(clinic_id) as session:
        return session.scalars(select(Appointment).where(Appointment.id == appointment_id)).one()


def _wait(condition: object, timeout: float, step: float = 0.02) -> float:
    """Seconds until `condition()` held (fails the test after `timeout`); Qt events keep flowing."""
    started = time.monotonic()
    while not condition():  # type: ignore[operator]
        if time.monotonic() - started > timeout:
            raise AssertionError(f"not within {timeout} s")
        QApplication.processEvents()
        time.sleep(step)
    return time.monotonic()


def _assert_no_medical_history(replica: Path) -> None:
    with sqlite3.connect(replica) as connection:
        connection.row_factory = sqlite3.Row
        rows = connection.execute("SELECT * FROM patients").fetchall()
        assert rows
        for row in rows:
            for name in MEDICAL_FIELDS:
                assert row[name] in (None, "", "null", "[]", "{}"), name
            assert row["notes"] is None and row["contact_email"] is None and row["last_name"] == ""
        dump = "\n".join(connection.iterdump())
    for canary in CANARIES:
        assert canary not in dump, canary


def test_an_enrolled_kiosk_checks_in_offline_and_the_clinic_sees_the_kiosks_time(
    sync_world: SyncWorld, qtbot, tmp_path: Path
) -> None:
    sw = sync_world
    world = KioskWorld.build(sw.world, sw.clock)  # 08:30 in Taipei
    patient = world.patient("怡君", "陳")
    appointment_id = world.appointment(patient, at("09:00"))
    code, _ = create_enrollment_code(sw.server_db, sw.clinic_id, "kiosk")
    data_dir = tmp_path / "kiosk"

    assert cli.enroll(data_dir, sw.server.url, code, "Lobby kiosk") == 0
    replica = data_dir / "replica.db"
    _assert_no_medical_history(replica)
    device_id = kiosk_settings.load(data_dir).device_id

    source = SwitchableSource([empty_frame(CAMERA)], fps=15)
    kiosk = KioskApp(
        KioskOptions(data_dir=data_dir, windowed=True, sync_poll_seconds=1.0),
        source_factory=lambda: source,
        clock=sw.clock,
    )
    qtbot.addWidget(kiosk.window)
    kiosk.start()
    servers: list[LiveServer] = []
    desk_sync: SyncEngine | None = None
    try:
        qtbot.waitUntil(lambda: kiosk.controller is not None, timeout=15000)
        controller = kiosk.controller
        assert controller is not None and kiosk.enrolled is not None
        assert str(kiosk.enrolled.device_id) == device_id
        qtbot.waitUntil(lambda: isinstance(controller.state, Welcome), timeout=5000)

        # The network goes down; the patient arrives at 09:02 and shows their phone.
        port = sw.server.port
        sw.server.stop()
        sw.clock.set(at("09:02"))
        source.show(phone_frames(world.codes[patient]))
        qtbot.waitUntil(lambda: isinstance(controller.state, Found), timeout=10000)
        click(qtbot, kiosk.window, "check-in")
        qtbot.waitUntil(lambda: isinstance(controller.state, Done), timeout=5000)
        source.show([empty_frame(CAMERA)])
        local = _appointment(kiosk.enrolled.database, sw.clinic_id, appointment_id)
        assert local.status is AppointmentStatus.CHECKED_IN and local.check_in_time == at("09:02")
        assert _appointment(sw.server_db, sw.clinic_id, appointment_id).status is AppointmentStatus.SCHEDULED

        # 38 minutes later: the server's no-show job has marked the appointment (it could not
        # know), then the server is back on the same address, with a front desk connected.
        sw.clock.set(at("09:40"))
        with sw.world.ctx("admin") as ctx:
            assert mark_no_shows(ctx) == 1
        servers.append(LiveServer(sw.server_db.engine, sw.clock, tmp_path / "server", port=port).start())
        desk = sw.device("desk")
        desk.sync()
        schema = current_revision(desk.engine) or ""
        desk_sync = SyncEngine(
            desk.database,
            SyncClient(desk.server_url, desk.credential, schema),
            events_client=SyncClient(desk.server_url, desk.credential, schema),
        )
        desk_sync.start()

        def on_server() -> bool:
            found = _appointment(sw.server_db, sw.clinic_id, appointment_id)
            return found.status is AppointmentStatus.CHECKED_IN

        def on_desk() -> bool:
            found = _appointment(desk.database, sw.clinic_id, appointment_id)
            return found.status is AppointmentStatus.CHECKED_IN

        reached_server = _wait(on_server, timeout=20.0)
        reached_desk = _wait(on_desk, timeout=5.0)
        assert reached_desk - reached_server < 2.0

        arrived: datetime = at("09:02")
        assert _appointment(sw.server_db, sw.clinic_id, appointment_id).check_in_time == arrived
        assert _appointment(desk.database, sw.clinic_id, appointment_id).check_in_time == arrived
        database = kiosk.enrolled.database

        def pushed() -> bool:
            with database.session(None) as session:
                statuses = list(session.scalars(select(SyncOutbox.status)))
            return statuses == [OutboxStatus.APPLIED]

        _wait(pushed, timeout=5.0)
        assert _appointment(database, sw.clinic_id, appointment_id).check_in_time == arrived
    finally:
        if desk_sync is not None:
            desk_sync.stop(timeout=3.0)
        kiosk.stop()
        QApplication.processEvents()
        for server in servers:
            server.stop()


def test_a_front_desk_code_is_refused_and_nothing_is_kept(
    sync_world: SyncWorld, tmp_path: Path, capsys
) -> None:
    sw = sync_world
    code, _ = create_enrollment_code(sw.server_db, sw.clinic_id, "front-desk")
    data_dir = tmp_path / "kiosk"
    assert cli.enroll(data_dir, sw.server.url, code) == 1
    assert "not a kiosk" in capsys.readouterr().err
    assert not (data_dir / "replica.db").exists()


def test_a_restarted_kiosk_does_not_enroll_again() -> None:
    arguments = [
        "--windowed",
        "--enroll",
        "--server",
        "https://x",
        "--code=abc",
        "--name",
        "Lobby",
        "--no-camera",
    ]
    assert cli.without_enrollment(arguments) == ["--windowed", "--no-camera"]


# ---- the check-in time travels with the intent (the service's clamps) ---------------------------


def _kiosk_check_in(world: KioskWorld, appointment_id: uuid.UUID, checked_in_at: datetime) -> Appointment:
    with world.world.db.context(world.clinic_id, Actor.kiosk(world.device_id)) as ctx:
        record_kiosk_check_in(ctx, appointment_id, checked_in_at=checked_in_at)
    return world.get_appointment(appointment_id)


def test_the_kiosks_time_is_kept_within_the_appointments_day_and_never_in_the_future(
    kiosk_world: KioskWorld,
) -> None:
    world = kiosk_world
    patient = world.patient()
    kept, future, yesterday = (world.appointment(patient, at(hhmm)) for hhmm in ("08:50", "09:00", "09:10"))
    assert _kiosk_check_in(world, kept, at("08:20")).check_in_time == at("08:20")
    assert _kiosk_check_in(world, future, at("10:00")).check_in_time == NOW
    day_start = datetime.combine(MONDAY, clock_time(0), tzinfo=TAIPEI)
    assert (
        _kiosk_check_in(world, yesterday, at("23:00", MONDAY - timedelta(days=1))).check_in_time == day_start
    )


def test_a_check_in_synced_the_next_day_keeps_its_day_and_one_claimed_after_it_is_refused(
    kiosk_world: KioskWorld,
) -> None:
    world = kiosk_world
    patient = world.patient()
    yesterday = MONDAY - timedelta(days=1)
    kept, late = (world.appointment(patient, at(hhmm, yesterday)) for hhmm in ("09:00", "10:00"))
    assert _kiosk_check_in(world, kept, at("09:05", yesterday)).check_in_time == at("09:05", yesterday)
    with pytest.raises(NoAppointmentToday):
        _kiosk_check_in(world, late, at("08:00"))  # a time after the appointment's day
    assert world.get_appointment(late).status is AppointmentStatus.SCHEDULED


def test_a_no_show_is_withdrawn_only_for_a_patient_who_arrived_before_it_was_due(
    kiosk_world: KioskWorld,
) -> None:
    world = kiosk_world
    patient = world.patient()
    on_time = world.appointment(patient, at("07:00"), status=AppointmentStatus.NO_SHOW)
    overdue = world.appointment(patient, at("07:30"), status=AppointmentStatus.NO_SHOW)
    withdrawn = _kiosk_check_in(world, on_time, at("07:05"))
    assert withdrawn.status is AppointmentStatus.CHECKED_IN and withdrawn.check_in_time == at("07:05")
    with pytest.raises(AlreadyCheckedIn):  # the kiosk's refusal for a visit it may no longer take
        _kiosk_check_in(world, overdue, at("08:05"))
    assert world.get_appointment(overdue).status is AppointmentStatus.NO_SHOW
