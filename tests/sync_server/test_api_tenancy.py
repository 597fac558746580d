"""SECURITY.md rows 1 and 2, generated from the OpenAPI document: clinic A's callers aimed at
clinic B's objects get 404 with none of B's canary strings in the body; A's lists and searches
hold no row of B; a clinic named in a body or query is never taken over the token's."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from common.access.permissions import KIOSK_PERMISSIONS, ROLE_PERMISSIONS, Permission
from common.scheduling.models import Appointment
from sync_server.permissions import EXTENSION
from tests.sync_server.api_probes import api_operations, probes, send
from tests.sync_server.api_world import ClinicObjects, populate
from tests.sync_server.conftest import ROLE_OF, bearer, enroll_kiosk, sign_in

STAFF = ("admin", "manager", "receptionist", "doctor", "nurse")


@pytest.fixture
def clinics(world, other_world):
    return populate(world, "Alpaca"), populate(other_world, "Zebra")


def caller_allowed(app, world, needed: Permission, cache: dict[str, dict[str, str]]) -> dict[str, str]:
    """Headers of one of A's staff whose role may do the operation (so a 403 cannot hide a leak)."""
    who = next(who for who in STAFF if needed in ROLE_PERMISSIONS[ROLE_OF[who]])
    if who not in cache:
        cache[who] = bearer(sign_in(app, world, who))
    return cache[who]


def leaks(text: str, other: ClinicObjects) -> list[str]:
    return [canary for canary in other.canaries if canary and canary in text]


def test_every_operation_on_another_clinics_object_is_not_found(client, app, clinics):
    mine, theirs = clinics
    cache: dict[str, dict[str, str]] = {}
    aimed_at_theirs = probes(theirs, "t")
    wrong = []
    for method, path, operation in api_operations(client.get("/openapi.json").json()):
        probe = aimed_at_theirs[(method, path)]
        if not probe.path and not probe.body_refers:
            continue  # names no object: covered by the list test below
        headers = caller_allowed(app, mine.world, Permission(operation[EXTENSION]), cache)
        answer = send(client, method, path, probe, headers)
        expected = {404} if probe.path else {404, 422}
        if answer.status_code not in expected:
            wrong.append(f"{method.upper()} {path} -> {answer.status_code}: {answer.text[:200]}")
        found = leaks(answer.text, theirs)
        if found:
            wrong.append(f"{method.upper()} {path} leaks {found}")
    assert wrong == []


def test_lists_and_searches_hold_no_row_of_another_clinic(client, app, clinics):
    mine, theirs = clinics
    cache: dict[str, dict[str, str]] = {}
    own = probes(mine, "m")
    wrong = []
    for method, path, operation in api_operations(client.get("/openapi.json").json()):
        if method != "get" or "{" in path:
            continue
        probe = own[(method, path)]
        if "q" in probe.query:  # search for the other clinic's canary: must find nothing of theirs
            probe = type(probe)(path=probe.path, body=probe.body, query=probe.query | {"q": theirs.canary})
        headers = caller_allowed(app, mine.world, Permission(operation[EXTENSION]), cache)
        answer = send(client, method, path, probe, headers)
        if answer.status_code != 200:
            wrong.append(f"GET {path} -> {answer.status_code}: {answer.text[:200]}")
        found = leaks(answer.text, theirs)
        if found:
            wrong.append(f"GET {path} leaks {found}")
    assert wrong == []
    # and the lists do hold our own rows (the test looks at real answers)
    listed = client.get(
        "/api/patients", headers=caller_allowed(app, mine.world, Permission.PATIENT_SEARCH, cache)
    )
    assert str(mine.patient_id) in listed.text


def test_a_clinic_named_in_a_body_or_query_is_not_taken(client, app, clinics, db):
    """Row 1: A's token with B's clinic id in the body books nothing for B (refused as not found)."""
    mine, theirs = clinics
    receptionist = bearer(sign_in(app, mine.world, "receptionist"))
    admin = bearer(sign_in(app, mine.world, "admin"))

    def booked(clinic_id):
        with db.session(clinic_id) as session:
            return session.scalar(select(func.count()).select_from(Appointment))

    before = booked(theirs.clinic_id), booked(mine.clinic_id)
    body = probes(mine, "x")[("post", "/api/appointments")].body | {"clinic_id": str(theirs.clinic_id)}
    answer = client.post("/api/appointments", json=body, headers=receptionist)
    assert answer.status_code == 404
    assert leaks(answer.text, theirs) == []
    assert (booked(theirs.clinic_id), booked(mine.clinic_id)) == before

    # The same booking naming its own clinic (or none) goes through, to A.
    answer = client.post(
        "/api/appointments", json=body | {"clinic_id": str(mine.clinic_id)}, headers=receptionist
    )
    assert answer.status_code == 201, answer.text
    assert booked(mine.clinic_id) == before[1] + 1
    assert booked(theirs.clinic_id) == before[0]

    for url in ("/api/appointments/availability", "/api/licensing/usage"):
        params = {"clinic_id": str(theirs.clinic_id), "start_date": "2026-11-23", "end_date": "2026-11-24"}
        answer = client.get(url, params=params, headers=admin)
        assert answer.status_code == 404, url
        assert leaks(answer.text, theirs) == []


def test_a_kiosk_cannot_check_in_another_clinics_appointment(client, app, clinics):
    mine, theirs = clinics
    kiosk = enroll_kiosk(app, mine.world)
    assert Permission.APPOINTMENT_CHECK_IN in KIOSK_PERMISSIONS
    answer = client.post(f"/api/appointments/{theirs.appointment_id}/check-in", headers=kiosk.headers)
    assert answer.status_code == 404
    assert leaks(answer.text, theirs) == []
    scan = client.post(
        "/api/barcodes/scan", json={"barcode_value": theirs.barcode_value}, headers=kiosk.headers
    )
    assert scan.status_code in (404, 422)
    assert leaks(scan.text, theirs) == []
