"""The clinic's administrator manages its devices through `/api/devices`: a code made there enrolls
one device through `/sync/enroll`, once; a withdrawn device is refused at once; each step is
audited under the administrator. Roles and tenancy are walked for every route elsewhere
(test_api_role_matrix.py, test_api_tenancy.py)."""

from __future__ import annotations

from sqlalchemy import select

from common.audit.models import AuditLog
from common.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from tests.common.commerce_support import suspend
from tests.sync_server.conftest import bearer, sign_in

PROTOCOL = {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}


def enroll(client, code: str, name: str):
    return client.post("/sync/enroll", json={"code": code, "device_name": name}, headers=PROTOCOL)


def test_a_code_made_by_the_administrator_enrolls_one_device_once(client, app, world):
    admin = bearer(sign_in(app, world, "admin"))
    made = client.post("/api/devices/enrollment-codes", json={"kind": "kiosk"}, headers=admin)
    assert made.status_code == 201, made.text
    code = made.json()["code"]
    assert made.json()["kind"] == "kiosk"

    enrolled = enroll(client, code, "Lobby kiosk")
    assert enrolled.status_code == 200, enrolled.text
    assert enroll(client, code, "A second kiosk").status_code == 401  # the code is spent

    listed = client.get("/api/devices", headers=admin).json()
    assert [(d["name"], d["kind"], d["withdrawn_at"]) for d in listed] == [("Lobby kiosk", "kiosk", None)]
    assert listed[0]["id"] == enrolled.json()["device_id"]
    assert listed[0]["last_seen_at"] is None

    kiosk = {"Authorization": f"Device {enrolled.json()['credential']}", **PROTOCOL}
    assert client.get("/sync/pull", headers=kiosk).status_code == 200
    assert client.get("/api/devices", headers=admin).json()[0]["last_seen_at"] is not None  # seen pulling


def test_a_withdrawn_device_is_refused_at_once_and_stays_withdrawn(client, app, world):
    admin = bearer(sign_in(app, world, "admin"))
    code = client.post("/api/devices/enrollment-codes", json={"kind": "front-desk"}, headers=admin).json()
    desk = enroll(client, code["code"], "Front desk 2").json()
    device = {"Authorization": f"Device {desk['credential']}", **PROTOCOL}
    assert client.get("/sync/pull", headers=device).status_code == 200

    withdrawn = client.post(f"/api/devices/{desk['device_id']}/withdraw", headers=admin)
    assert withdrawn.status_code == 200, withdrawn.text
    first = withdrawn.json()["withdrawn_at"]
    assert first is not None
    assert client.get("/sync/pull", headers=device).status_code == 401
    assert client.post("/sync/push", json={"mutations": []}, headers=device).status_code == 401

    again = client.post(f"/api/devices/{desk['device_id']}/withdraw", headers=admin)
    assert again.json()["withdrawn_at"] == first  # the first withdrawal's time is kept


def test_each_step_is_audited_under_the_administrator(client, app, world):
    admin = bearer(sign_in(app, world, "admin"))
    code = client.post("/api/devices/enrollment-codes", json={"kind": "kiosk"}, headers=admin).json()
    kiosk = enroll(client, code["code"], "Lobby kiosk").json()
    client.post(f"/api/devices/{kiosk['device_id']}/withdraw", headers=admin)
    with world.db.session(world.clinic_id) as session:
        rows = session.scalars(select(AuditLog).where(AuditLog.action.like("device.%"))).all()
    assert sorted(row.action for row in rows) == ["device.enrollment_code.kiosk", "device.withdraw"]
    assert {row.actor_id for row in rows} == {world.staff["admin"]}
    assert code["code"].split(".")[1] not in str([row.__dict__ for row in rows])  # no secret kept


def test_a_suspended_clinic_can_still_withdraw_a_stolen_device(client, app, world):
    admin = bearer(sign_in(app, world, "admin"))
    code = client.post("/api/devices/enrollment-codes", json={"kind": "front-desk"}, headers=admin).json()
    stolen = enroll(client, code["code"], "Front desk").json()
    suspend(world)
    answer = client.post(f"/api/devices/{stolen['device_id']}/withdraw", headers=admin)
    assert answer.status_code == 200, answer.text


def test_an_unknown_device_is_not_found(client, app, world):
    admin = bearer(sign_in(app, world, "admin"))
    answer = client.post("/api/devices/0190a8b2-0000-7000-8000-000000000000/withdraw", headers=admin)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "device_not_found"


def test_an_unknown_kind_of_device_is_refused_and_nothing_is_made(client, app, world):
    admin = bearer(sign_in(app, world, "admin"))
    answer = client.post("/api/devices/enrollment-codes", json={"kind": "printer"}, headers=admin)
    assert answer.status_code == 422
    assert client.get("/api/devices", headers=admin).json() == []
