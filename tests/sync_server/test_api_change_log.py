"""A write through REST goes through the same services as a device's push, so it lands in the
clinic's change log (`seq`) and reaches every device on its next pull."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from common.clinics.models import ClinicSequence
from common.patients.models import Patient
from common.sync.protocol import PROTOCOL_HEADER
from sync_server.sync.enrollment import create_enrollment_code, redeem
from tests.sync_server.conftest import bearer, sign_in


def pulled_ids(client, credential, table):
    headers = {"Authorization": f"Device {credential}", PROTOCOL_HEADER: "1"}
    found, cursor = set(), ""
    while True:
        page = client.get("/sync/pull", params={"cursor": cursor}, headers=headers)
        assert page.status_code == 200, page.text
        body = page.json()
        for rows in body["tables"]:
            if rows["table"] == table:
                position = rows["columns"].index("id")
                found |= {row[position] for row in rows["rows"]}
        cursor = body["cursor"]
        if not body["has_more"]:
            return found


def test_a_patient_registered_over_rest_reaches_a_front_desk(client, app, world, db):
    code, _ = create_enrollment_code(world.db, world.clinic_id, "front-desk")
    desk = redeem(world.db, code, "front desk 1")
    before = pulled_ids(client, desk.credential, "patients")

    receptionist = bearer(sign_in(app, world, "receptionist"))
    body = {"first_name": "Rest", "last_name": "Written", "date_of_birth": "1991-02-03"}
    created = client.post("/api/patients", json=body, headers=receptionist)
    assert created.status_code == 201, created.text
    patient_id = uuid.UUID(created.json()["id"])

    with db.session(world.clinic_id) as session:
        seq = session.scalars(select(Patient.seq).where(Patient.id == patient_id)).one()
        counter = session.scalars(
            select(ClinicSequence.change_seq).where(ClinicSequence.clinic_id == world.clinic_id)
        ).one()
    assert 0 < seq <= counter
    assert str(patient_id) not in before
    assert str(patient_id) in pulled_ids(client, desk.credential, "patients")
