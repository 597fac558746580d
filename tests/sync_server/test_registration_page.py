"""`/register/{token}`: the page the clinic's QR poster opens, on SQLite and PostgreSQL.

A valid link shows the form in the reader's language with the clinic's name; sending it creates
the patient as the patient themselves (once, however often it is sent); a bad field is explained
beside it and nothing typed is lost; a rotated, forged or unknown link answers 404/410 with a
page that names no clinic; one address cannot send forms without limit.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from common.audit.models import ActorType, AuditLog
from common.i18n import translate
from common.patients.models import Patient
from common.registration import service as registration
from common.registration.tokens import parse, sign
from sync_server.registration.endpoints import TOO_MANY
from sync_server.registration.service import FILL_THIS_IN, PER_IP, TICK_TO_CONTINUE
from tests.conftest import ClinicWorld

BASE = "https://clinic.example"
CLINIC = "Lotus Aesthetic Clinic"


@pytest.fixture
def link(world: ClinicWorld) -> str:
    with world.ctx("manager") as ctx:
        return registration.registration_link(ctx, BASE).url.removeprefix(BASE)


def form_id(html: str) -> str:
    found = re.search(r'name="form_id" value="([0-9a-f-]{36})"', html)
    assert found is not None
    return found.group(1)


def filled(html: str, **changes: str | None) -> dict[str, str]:
    values: dict[str, str | None] = {
        "form_id": form_id(html),
        "lang": "en",
        "first_name": "Mei",
        "last_name": "Chen",
        "date_of_birth": "1990-04-12",
        "contact_phone": "+886 912 345 678",
        "contact_email": "mei.chen@example.com",
        "preferred_language": "ZH-TW",
        "marketing_opt_in": "yes",
        "consent": "yes",
    }
    values.update(changes)
    return {name: value for name, value in values.items() if value is not None}


def patients(world: ClinicWorld) -> list[Patient]:
    with world.db.session(world.clinic_id) as session:
        return list(session.scalars(select(Patient)))


def test_a_valid_link_shows_the_form_in_the_readers_language(client, link):
    chinese = client.get(link, headers={"Accept-Language": "zh-TW,zh;q=0.9,en;q=0.8"})
    assert chinese.status_code == 200
    assert chinese.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-Hant-TW">' in chinese.text
    assert CLINIC in chinese.text
    assert translate("Date of birth", "zh_TW") in chinese.text
    assert translate("Register", "zh_TW") in chinese.text
    # Family name first, as Chinese forms ask.
    assert chinese.text.index('id="last_name"') < chinese.text.index('id="first_name"')
    assert "default-src 'none'" in chinese.headers["content-security-policy"]
    assert chinese.headers["referrer-policy"] == "no-referrer"
    assert chinese.headers["cache-control"] == "no-store"

    japanese = client.get(f"{link}?lang=ja", headers={"Accept-Language": "en"})
    assert '<html lang="ja">' in japanese.text and translate("Date of birth", "ja") in japanese.text
    plain = client.get(link)  # no preference: the clinic's own language
    assert '<html lang="en">' in plain.text
    assert plain.text.index('id="first_name"') < plain.text.index('id="last_name"')
    assert form_id(plain.text) != form_id(japanese.text)


def test_sending_the_form_registers_the_patient_once_as_themselves(client, link, world):
    page = client.get(link).text
    answer = client.post(link, data=filled(page))
    assert answer.status_code == 201, answer.text
    assert "Thank you, Mei" in answer.text
    assert "<svg" in answer.text  # their code, to show at the desk or the kiosk
    [patient] = patients(world)
    assert str(patient.id) == form_id(page)
    assert (patient.first_name, patient.last_name, str(patient.date_of_birth)) == (
        "Mei",
        "Chen",
        "1990-04-12",
    )
    assert patient.contact_email == "mei.chen@example.com"
    assert patient.preferred_language.value == "ZH-TW"
    assert patient.marketing_opt_in is True
    assert patient.barcode_id.replace("-", "")[:4] in answer.text.replace("-", "")

    again = client.post(link, data=filled(page))  # sent twice (a reload, a double tap)
    assert again.status_code == 201
    assert len(patients(world)) == 1
    with world.db.session(world.clinic_id) as session:
        created = session.scalars(select(AuditLog).where(AuditLog.action == "patient.create")).one()
    assert created.actor_type is ActorType.PATIENT
    assert created.actor_id == patient.id


def test_bad_fields_are_explained_beside_them_and_nothing_typed_is_lost(client, link, world):
    page = client.get(link, headers={"Accept-Language": "zh-TW"}).text
    answer = client.post(
        link,
        data=filled(
            page,
            lang="zh_TW",
            first_name="<b>美玲</b>",
            last_name="  ",
            date_of_birth="2999-01-01",
            contact_email="not-an-email",
            contact_phone="+886 912 345 678",
            consent=None,
        ),
    )
    assert answer.status_code == 422
    text = answer.text
    assert translate(FILL_THIS_IN, "zh_TW") in text  # the last name
    assert translate(TICK_TO_CONTINUE, "zh_TW") in text
    assert translate("The date of birth cannot be in the future.", "zh_TW") in text
    assert translate("The email address is not valid. It should look like name@example.com.", "zh_TW") in text
    assert 'id="contact_email-error"' in text and 'id="date_of_birth-error"' in text
    assert 'id="contact_phone-error"' not in text
    # What was typed comes back, escaped.
    assert 'value="&lt;b&gt;美玲&lt;/b&gt;"' in text
    assert 'value="+886 912 345 678"' in text
    assert 'value="not-an-email"' in text
    assert "<b>美玲" not in text
    assert form_id(text) == form_id(page)
    assert patients(world) == []

    fixed = client.post(link, data=filled(page, first_name="美玲", last_name="林", lang="zh_TW"))
    assert fixed.status_code == 201
    assert [p.first_name for p in patients(world)] == ["美玲"]


def test_rotated_forged_and_unknown_links_answer_kindly_and_name_no_clinic(client, link, world):
    page = client.get(link).text
    token = link.removeprefix("/register/")
    claim = parse(token)
    forged = sign(b"x" * 32, claim.clinic_id, claim.version)
    someone_else = sign(b"x" * 32, uuid.uuid4(), 1)
    for path in (
        f"/register/{forged}",
        f"/register/{someone_else}",
        "/register/not-a-token",
        "/register/%3Cscript%3E",
    ):
        answer = client.get(path, headers={"Accept-Language": "ja"})
        assert answer.status_code == 404, path
        assert answer.headers["content-type"].startswith("text/html")
        assert CLINIC not in answer.text
        assert translate("This registration link does not work", "ja") in answer.text
        assert client.post(path, data=filled(page)).status_code == 404

    with world.ctx("manager") as ctx:
        registration.rotate_registration_key(ctx)
    retired = client.get(link)
    assert retired.status_code == 410
    assert CLINIC not in retired.text
    assert "replaced by a newer one" in retired.text
    sent = client.post(link, data=filled(page))
    assert sent.status_code == 410
    assert patients(world) == []
    with world.ctx("manager") as ctx:
        fresh = registration.registration_link(ctx, BASE).url.removeprefix(BASE)
    assert client.get(fresh).status_code == 200


def test_one_address_cannot_send_forms_without_limit(client, link, world, clock):
    page = client.get(link).text
    for _attempt in range(PER_IP.burst):
        assert client.post(link, data=filled(page, contact_email="wrong")).status_code == 422
    refused = client.post(link, data=filled(page))
    assert refused.status_code == 429
    assert translate(TOO_MANY, "en") in refused.text
    assert 'value="mei.chen@example.com"' in refused.text  # kept for the next try
    assert patients(world) == []
    clock.advance(PER_IP.refill_every + timedelta(seconds=1))
    assert client.post(link, data=filled(page)).status_code == 201
