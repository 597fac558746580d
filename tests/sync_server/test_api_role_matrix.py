"""SECURITY.md rows 4 and 5, generated from the OpenAPI document: every operation × every role
(Doctor, Nurse, Receptionist, Admin, Manager and a kiosk device) gets the answer the role matrix
(common/access/permissions.py) implies for the permission the operation states
(`x-required-permission`): 403 when the role lacks it, anything but 401/403 when it has it.
What a role is shown of a patient is no more than the matrix lets it see."""

from __future__ import annotations

import pytest

from common.access.permissions import KIOSK_PERMISSIONS, ROLE_PERMISSIONS, Permission, visible_patient_fields
from sync_server.permissions import EXTENSION
from tests.sync_server.api_probes import api_operations, probes, send
from tests.sync_server.api_world import populate
from tests.sync_server.conftest import ROLE_OF, bearer, enroll_kiosk, sign_in

CALLERS = ("doctor", "nurse", "receptionist", "admin", "manager", "kiosk")


def granted(caller: str) -> frozenset[Permission]:
    return KIOSK_PERMISSIONS if caller == "kiosk" else ROLE_PERMISSIONS[ROLE_OF[caller]]


def test_every_operation_states_its_permission_and_has_a_probe(client, world):
    objects = populate(world, "Matrix")
    table = probes(objects, "x")
    missing_permission, missing_probe = [], []
    for method, path, operation in api_operations(client.get("/openapi.json").json()):
        if operation.get(EXTENSION) not in {permission.value for permission in Permission}:
            missing_permission.append(f"{method.upper()} {path}")
        if (method, path) not in table:
            missing_probe.append(f"{method.upper()} {path}")
    assert missing_permission == []
    assert missing_probe == []


def test_every_operation_answers_each_role_as_the_matrix_says(client, app, world):
    objects = populate(world, "Matrix")
    headers = {who: bearer(sign_in(app, world, who)) for who in CALLERS if who != "kiosk"}
    headers["kiosk"] = enroll_kiosk(app, world).headers
    wrong = []
    for number, (method, path, operation) in enumerate(api_operations(client.get("/openapi.json").json())):
        needed = Permission(operation[EXTENSION])
        for caller in CALLERS:
            probe = probes(objects, f"{caller}{number}")[(method, path)]
            answer = send(client, method, path, probe, headers[caller])
            allowed = needed in granted(caller)
            if allowed and answer.status_code in (401, 403):
                wrong.append(f"{caller}: {method.upper()} {path} -> {answer.status_code}, expected access")
            if not allowed and answer.status_code != 403:
                wrong.append(f"{caller}: {method.upper()} {path} -> {answer.status_code}, expected 403")
            assert answer.status_code < 500, (caller, method, path, answer.text)
    assert wrong == []


@pytest.mark.parametrize("caller", ["doctor", "nurse", "receptionist", "admin", "manager"])
def test_patient_fields_shown_are_within_what_the_role_may_see(client, app, world, caller):
    objects = populate(world, "Fields")
    allowed = visible_patient_fields(granted(caller)) | {"id"}
    auth = bearer(sign_in(app, world, caller))
    one = client.get(f"/api/patients/{objects.patient_id}", headers=auth)
    listed = client.get("/api/patients", headers=auth)
    found = client.get("/api/patients/search", params={"q": "Fields"}, headers=auth)
    records = client.get(f"/api/patients/{objects.patient_id}/records", headers=auth)
    for answer in (one, listed, found, records):
        assert answer.status_code == 200, answer.text
    shown = [one.json(), *listed.json(), *found.json(), records.json()["patient"]]
    for patient in shown:
        assert set(patient) <= allowed, set(patient) - allowed
    if Permission.PATIENT_READ_MEDICAL not in granted(caller):
        assert "medical_history" not in one.text
        assert "Fields history" not in one.text + records.text


def test_a_kiosk_sees_only_what_check_in_needs(client, app, world):
    """Row 15 on the server side: the kiosk's check-in answer names the first name, the time and
    the doctor, and nothing of the visit."""
    objects = populate(world, "Kiosk")
    kiosk = enroll_kiosk(app, world)
    answer = client.post(f"/api/appointments/{objects.appointment_id}/check-in", headers=kiosk.headers)
    assert answer.status_code == 200, answer.text
    shown = answer.json()
    assert shown["status"] == "Checked-in"
    assert shown["patient_name"] == "KioskMei"
    assert shown["doctor_name"]
    assert shown["reason_for_visit"] is None
    assert "KioskLin" not in answer.text
    assert "Kiosk reason" not in answer.text
