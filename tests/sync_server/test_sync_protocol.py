"""The sync endpoints' walls: protocol version, device credentials, tenancy, kiosk scope, bad input.

SECURITY.md rows 1 (clinic only from the credential), 2 (another clinic's rows: none, ever),
5 (a kiosk may only check in), 21 (bad input refused with clear errors, nothing written).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from common.audit.models import AuditLog, AuditOutcome
from common.clock import FrozenClock
from common.database import Database
from common.patients.models import Patient
from common.sync.models import DeviceKind
from common.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from sync_server.app import create_app
from sync_server.config import load_server_settings
from sync_server.sync.enrollment import create_enrollment_code, redeem
from tests.common.scheduling_fixtures import SchedulingWorld, wall
from tests.conftest import ClinicWorld

CANARY = "Zqxcanary"


@pytest.fixture
def client(db: Database, tmp_path: Path) -> Iterator[TestClient]:
    settings = load_server_settings(
        {
            "CLINIC_DATA_DIR": str(tmp_path),
            "DATABASE_URL": "sqlite://",
            "CLINIC_JWT_SECRET": "t" * 40,
            # No scheduled jobs: on PostgreSQL a round over every clinic in the test database ran on
            # in its thread after the test ended, holding its job's advisory lock.
            "CLINIC_RUN_JOBS": "0",
        }
    )
    app = create_app(settings, engine=db.engine, clock=db.clock)
    with TestClient(app) as test_client:
        yield test_client


def _device(db: Database, clinic_id: uuid.UUID, kind: DeviceKind = DeviceKind.FRONT_DESK) -> dict[str, str]:
    code, _ = create_enrollment_code(db, clinic_id, kind)
    done = redeem(db, code, "test device")
    return {"Authorization": f"Device {done.credential}", PROTOCOL_HEADER: str(PROTOCOL_VERSION)}


def _pull_all(client: TestClient, headers: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    tables: dict[str, list[dict[str, Any]]] = {}
    cursor = ""
    while True:
        response = client.get("/sync/pull", params={"cursor": cursor, "limit": 50}, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        for table in page["tables"]:
            tables.setdefault(table["table"], []).extend(
                dict(zip(table["columns"], row, strict=True)) for row in table["rows"]
            )
        cursor = page["cursor"]
        if not page["has_more"]:
            return tables


def _canary_clinic(world: ClinicWorld, clock: FrozenClock) -> SchedulingWorld:
    sched = SchedulingWorld.build(world, clock, patients=2)
    with world.db.session(world.clinic_id) as session, session.begin():
        for patient in session.scalars(select(Patient)):
            patient.first_name = CANARY
            patient.medical_history = {"condition": CANARY}
            patient.contact_phone = "0900 000 000"
    return sched


def test_protocol_version_is_required_and_checked(client: TestClient, world: ClinicWorld) -> None:
    headers = _device(world.db, world.clinic_id)
    for version in (None, "0", "99", "x"):
        sent = {k: v for k, v in headers.items() if k != PROTOCOL_HEADER}
        if version is not None:
            sent[PROTOCOL_HEADER] = version
        response = client.get("/sync/pull", headers=sent)
        assert response.status_code == 426
        assert response.json()["error"]["code"] == "sync_protocol_not_supported"


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer abc",
        "Device cfd1.nothex.nothex.x",
        f"Device cfd1.{uuid.uuid4().hex}.{uuid.uuid4().hex}.secret",
    ],
)
def test_unknown_credentials_are_refused(
    client: TestClient, world: ClinicWorld, authorization: str | None
) -> None:
    headers = {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}
    if authorization is not None:
        headers["Authorization"] = authorization
    response = client.get("/sync/pull", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "device_not_recognised"


def test_a_tampered_secret_is_refused(client: TestClient, world: ClinicWorld) -> None:
    headers = _device(world.db, world.clinic_id)
    headers["Authorization"] = headers["Authorization"][:-3] + "abc"
    assert client.get("/sync/pull", headers=headers).status_code == 401


def test_enrollment_codes_are_one_time_and_expire(
    client: TestClient, world: ClinicWorld, clock: FrozenClock
) -> None:
    code, expires = create_enrollment_code(world.db, world.clinic_id, "kiosk")
    assert expires == clock.now() + timedelta(hours=1)
    headers = {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}
    first = client.post("/sync/enroll", json={"code": code, "device_name": "lobby"}, headers=headers)
    assert first.status_code == 200 and first.json()["kind"] == "kiosk"
    again = client.post("/sync/enroll", json={"code": code, "device_name": "lobby"}, headers=headers)
    assert again.status_code == 401 and again.json()["error"]["code"] == "enrollment_code_invalid"
    late, _ = create_enrollment_code(world.db, world.clinic_id, "front-desk")
    clock.advance(timedelta(hours=1, seconds=1))
    expired = client.post("/sync/enroll", json={"code": late, "device_name": "desk"}, headers=headers)
    assert expired.status_code == 401
    forged = client.post(
        "/sync/enroll",
        json={"code": f"{world.clinic_id.hex}.AAAA-BBBB-CCCC-DDDD", "device_name": "x"},
        headers=headers,
    )
    assert forged.status_code == 401


def test_a_device_never_receives_another_clinics_rows(
    client: TestClient, world: ClinicWorld, other_world: ClinicWorld, clock: FrozenClock
) -> None:
    _canary_clinic(other_world, clock)
    SchedulingWorld.build(world, clock, patients=2)
    headers = _device(world.db, world.clinic_id)
    tables = _pull_all(client, headers)
    assert tables["patients"]
    for name, rows in tables.items():
        for row in rows:
            owner = row["id"] if name == "clinics" else row["clinic_id"]
            assert owner == str(world.clinic_id), name
    assert CANARY not in json.dumps(tables)


def test_pushes_cannot_reach_another_clinic(
    client: TestClient, world: ClinicWorld, other_world: ClinicWorld, clock: FrozenClock
) -> None:
    other = _canary_clinic(other_world, clock)
    sched = SchedulingWorld.build(world, clock, patients=1)
    headers = _device(world.db, world.clinic_id)
    staff = str(world.staff["receptionist"])
    foreign_patient = str(other.patients[0])
    mutations = [
        # another clinic's patient, named in the arguments: not found, nothing written
        {
            "n": 1,
            "intent": "update_patient",
            "actor_staff_id": staff,
            "args": {"patient_id": foreign_patient, "changes": {"notes": "x"}},
        },
        # a forged clinic id in the arguments: not an argument at all
        {
            "n": 2,
            "intent": "register_patient",
            "actor_staff_id": staff,
            "args": {
                "id": str(uuid.uuid4()),
                "first_name": "A",
                "last_name": "B",
                "date_of_birth": "1990-01-01",
                "clinic_id": str(other_world.clinic_id),
            },
        },
        # another clinic's staff member as the actor
        {
            "n": 3,
            "intent": "use_stock",
            "actor_staff_id": str(other_world.staff["receptionist"]),
            "args": {"item_id": str(uuid.uuid4()), "quantity": 1},
        },
        # rows of another clinic named as touched: their state is never answered
        {
            "n": 4,
            "intent": "book_appointment",
            "actor_staff_id": staff,
            "touched": [["patients", foreign_patient], ["clinics", str(other_world.clinic_id)]],
            "args": {
                "appointment_id": str(uuid.uuid4()),
                "patient_id": str(sched.patients[0]),
                "doctor_id": str(world.staff["doctor"]),
                "starts_at": wall(1, "10:00").isoformat(),
                "duration_minutes": 30,
            },
        },
    ]
    response = client.post("/sync/push", json={"mutations": mutations}, headers=headers)
    assert response.status_code == 200, response.text
    answers = response.json()["answers"]
    assert [a["status"] for a in answers] == ["rejected", "rejected", "rejected", "applied"]
    assert answers[0]["code"] == "patient_not_found"
    assert answers[1]["code"] == "invalid_arguments"
    assert answers[2]["code"] == "permission_denied"
    assert CANARY not in response.text
    assert str(other_world.clinic_id) not in response.text
    with other_world.db.session(other_world.clinic_id) as session:
        assert session.scalar(select(func.count()).select_from(Patient)) == 2
        assert all(p.notes is None for p in session.scalars(select(Patient)))


def test_a_kiosk_gets_the_check_in_minimum_and_may_only_check_in(
    client: TestClient, world: ClinicWorld, clock: FrozenClock
) -> None:
    sched = _canary_clinic(world, clock)
    today = sched.book(wall(0, "10:00"), patient=0, notes=CANARY, reason_for_visit=CANARY)
    sched.book(wall(3, "10:00"), patient=1)  # later this week: not the kiosk's
    headers = _device(world.db, world.clinic_id, DeviceKind.KIOSK)
    tables = _pull_all(client, headers)
    assert set(tables) <= {
        "appointments",
        "arrival_questions",
        "barcode_mappings",
        "clinics",
        "patients",
        "staff_users",
    }
    assert [row["id"] for row in tables["appointments"]] == [str(today.id)]
    [patient] = tables["patients"]
    assert patient["first_name"] == CANARY  # the one name a kiosk may greet with
    assert patient["medical_history"] == {} and patient["contact_phone"] is None
    assert patient["last_name"] == "" and patient["notes"] is None and patient["allergies"] == []
    assert (
        tables["appointments"][0]["notes"] is None and tables["appointments"][0]["reason_for_visit"] is None
    )
    assert all(row["password_hash"] == "!" for row in tables["staff_users"])
    assert json.dumps(tables).count(CANARY) == 1

    clock.advance(timedelta(hours=1, minutes=30))  # 09:30: inside the check-in window
    push = {
        "mutations": [
            {
                "n": 1,
                "intent": "cancel_appointment",
                "args": {"appointment_id": str(today.id), "reason": "x"},
            },
            {
                "n": 2,
                "intent": "kiosk_check_in",
                "args": {"appointment_id": str(today.id)},
                "touched": [
                    ["staff_users", str(world.staff["doctor"])],
                    ["staff_users", str(world.staff["admin"])],
                ],
            },
        ]
    }
    answers = client.post("/sync/push", json=push, headers=headers).json()["answers"]
    assert [(a["status"], a["code"]) for a in answers] == [
        ("rejected", "permission_denied"),
        ("applied", None),
    ]
    answered = {
        t["table"]: [dict(zip(t["columns"], r, strict=True)) for r in t["rows"]] for t in answers[1]["rows"]
    }
    assert answered["appointments"][0]["status"] == "Checked-in"
    # The appointment's doctor comes back projected; another staff member not at all.
    assert [(row["id"], row["password_hash"]) for row in answered["staff_users"]] == [
        (str(world.staff["doctor"]), "!")
    ]
    assert all(
        p["medical_history"] == {} and p["contact_phone"] is None for p in answered.get("patients", [])
    )
    with world.db.session(world.clinic_id) as session:
        denied = session.scalars(
            select(AuditLog).where(
                AuditLog.outcome == AuditOutcome.DENIED, AuditLog.action == "denied:sync.cancel_appointment"
            )
        ).one()
        assert denied.actor_type.value == "Device"


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"mutations": "all of them"}',
        b'{"mutations": [{"n": 0, "intent": "use_stock", "args": {}}]}',
        b'{"mutations": [{"n": 1, "intent": "use_stock", "args": []}]}',
        b'{"mutations": [{"n": 1, "intent": "' + b"x" * 100 + b'", "args": {}}]}',
        b'{"mutations": [], "clinic_id": "00000000-0000-0000-0000-000000000000"}',
        b'{"mutations": [{"n": 1, "intent": "use_stock", "args": {}, "touched": [["patients", "not-a-uuid"]]}]}',
    ],
)
def test_malformed_pushes_are_refused_and_write_nothing(
    client: TestClient, world: ClinicWorld, body: bytes
) -> None:
    headers = {**_device(world.db, world.clinic_id), "Content-Type": "application/json"}
    response = client.post("/sync/push", content=body, headers=headers)
    assert response.status_code == 422, response.text
    assert "error" in response.json()
    with world.db.session(world.clinic_id) as session:
        from common.sync.models import SyncAppliedMutation

        applied = select(func.count()).select_from(SyncAppliedMutation)
        assert session.scalar(applied.where(SyncAppliedMutation.clinic_id == world.clinic_id)) == 0


def test_unknown_intents_and_bad_arguments_are_rejected_with_a_reason(
    client: TestClient, world: ClinicWorld
) -> None:
    headers = _device(world.db, world.clinic_id)
    staff = str(world.staff["receptionist"])
    push = {
        "mutations": [
            {"n": 1, "intent": "drop_tables", "actor_staff_id": staff, "args": {}},
            {
                "n": 2,
                "intent": "use_stock",
                "actor_staff_id": staff,
                "args": {"item_id": "nope", "quantity": "many"},
            },
            {"n": 4, "intent": "use_stock", "actor_staff_id": staff, "args": {}},
        ]
    }
    answers = client.post("/sync/push", json=push, headers=headers).json()["answers"]
    assert [(a["status"], a["code"]) for a in answers] == [
        ("rejected", "unknown_intent"),
        ("rejected", "invalid_arguments"),
        ("gap", "gap"),
    ]
    assert "item_id" in answers[1]["message"] and "nope" not in answers[1]["message"]


def test_oversized_bodies_and_bad_cursors(client: TestClient, world: ClinicWorld) -> None:
    headers = {**_device(world.db, world.clinic_id), "Content-Type": "application/json"}
    big = (
        b'{"mutations": [{"n": 1, "intent": "use_stock", "args": {"pad": "'
        + b"x" * (10 * 1024 * 1024)
        + b'"}}]}'
    )
    assert client.post("/sync/push", content=big, headers=headers).status_code == 413
    for cursor in ("abc", "1:no_such_table:" + str(uuid.uuid4()), "1:patients:not-a-uuid"):
        response = client.get("/sync/pull", params={"cursor": cursor}, headers=headers)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "sync_cursor_invalid"
