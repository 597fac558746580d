"""Signing in over the API: SECURITY.md rows 9 (no account enumeration, throttling), 10 (idle
timeout, maximum age), 11 (logout, disable, password change; rotating refresh tokens) and 12
(token checks: algorithm, signature, expiry, audience, issuer, type)."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import replace
from datetime import timedelta

import jwt
import pyotp
import pytest
from sqlalchemy import select

from common.audit.models import AuditLog, AuditOutcome
from common.sessions.models import SignInSession
from sync_server.app import create_app
from tests.conftest import STAFF_PASSWORD
from tests.sync_server.conftest import TEST_JWT_SECRET, bearer, enroll_kiosk, sign_in

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def email(world, who):
    return f"{who}@{world.clinic_id.hex[:8]}.example"


def login(client, world, who, *, password=STAFF_PASSWORD, totp=None, clinic_id=None, address=None):
    body = {
        "clinic_id": str(clinic_id or world.clinic_id),
        "email": address or email(world, who),
        "password": password,
        "totp_code": totp,
    }
    return client.post("/api/auth/staff/login", json=body)


def totp_now(clock):
    return pyotp.TOTP(TOTP_SECRET).at(clock.now())


# ---- logging in -----------------------------------------------------------------------------


def test_login_gives_tokens_that_open_the_api(client, world):
    answer = login(client, world, "receptionist")
    assert answer.status_code == 200
    tokens = answer.json()
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 15 * 60
    assert tokens["role"] == "Receptionist"
    assert tokens["clinic_id"] == str(world.clinic_id)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.get("/api/patients", headers=headers).status_code == 200


def test_admins_need_their_second_factor(client, world, clock):
    assert login(client, world, "admin").status_code == 401
    assert login(client, world, "admin", totp="000000").status_code == 401
    assert login(client, world, "admin", totp=totp_now(clock)).status_code == 200


def test_unknown_email_and_wrong_password_get_the_same_answer(client, world):
    """Row 9: nothing in the answer tells whether an account exists."""
    wrong_password = login(client, world, "receptionist", password="not the password at all")
    unknown_email = login(client, world, "receptionist", address="nobody@nowhere.example")
    unknown_clinic = login(client, world, "receptionist", clinic_id=uuid.uuid4())
    for answer in (unknown_email, unknown_clinic):
        assert answer.status_code == wrong_password.status_code == 401
        assert answer.json() == wrong_password.json()
        assert answer.headers.get("www-authenticate") == wrong_password.headers.get("www-authenticate")


def test_login_is_throttled_per_account_whether_or_not_it_exists(client, world):
    for address in (email(world, "nurse"), "nobody@nowhere.example"):
        answers = [login(client, world, "nurse", password="wrong", address=address) for _ in range(11)]
        assert [a.status_code for a in answers[:10]] == [401] * 10
        assert answers[10].status_code == 429
        assert answers[10].json()["error"]["code"] == "too_many_attempts"


def test_login_is_throttled_per_address(client, world):
    codes = [
        login(client, world, "nurse", password="wrong", address=f"user{i}@nowhere.example").status_code
        for i in range(31)
    ]
    assert codes[:30] == [401] * 30
    assert codes[30] == 429


# ---- refresh, logout, ended sessions (row 11) ------------------------------------------------


def refresh(client, token):
    return client.post("/api/auth/refresh", json={"refresh_token": token})


def test_refresh_rotates_and_a_reused_token_ends_the_whole_session(client, app, world, db):
    first = sign_in(app, world, "nurse")
    second = refresh(client, first.refresh_token)
    assert second.status_code == 200
    rotated = second.json()
    assert rotated["refresh_token"] != first.refresh_token
    third = refresh(client, rotated["refresh_token"])
    assert third.status_code == 200

    reused = refresh(client, first.refresh_token)  # a copy of a spent token: stolen
    assert reused.status_code == 401
    # The whole family is gone: the newest refresh token and every access token.
    assert refresh(client, third.json()["refresh_token"]).status_code == 401
    latest = {"Authorization": f"Bearer {third.json()['access_token']}"}
    assert client.get("/api/patients", headers=latest).status_code == 401
    with db.session(world.clinic_id) as session:
        denied = session.scalars(
            select(AuditLog).where(
                AuditLog.action == "auth.refresh_reuse", AuditLog.actor_id == world.staff["nurse"]
            )
        ).all()
    assert [row.outcome for row in denied] == [AuditOutcome.DENIED]


def test_logout_ends_that_session_and_no_other(client, app, world):
    phone, desk = sign_in(app, world, "doctor"), sign_in(app, world, "doctor")
    assert client.post("/api/auth/logout", headers=bearer(phone)).status_code == 204
    assert client.get("/api/patients", headers=bearer(phone)).status_code == 401
    assert refresh(client, phone.refresh_token).status_code == 401
    assert client.get("/api/patients", headers=bearer(desk)).status_code == 200
    assert refresh(client, desk.refresh_token).status_code == 200


def test_changing_ones_password_ends_every_session(client, app, world):
    phone, desk = sign_in(app, world, "nurse"), sign_in(app, world, "nurse")
    body = {"current_password": STAFF_PASSWORD, "new_password": "violet harbour lantern 2931"}
    assert client.post("/api/auth/password", json=body, headers=bearer(phone)).status_code == 204
    for pair in (phone, desk):
        assert client.get("/api/patients", headers=bearer(pair)).status_code == 401
        assert refresh(client, pair.refresh_token).status_code == 401
    assert login(client, world, "nurse", password="violet harbour lantern 2931").status_code == 200


def test_a_wrong_current_password_changes_nothing(client, app, world):
    pair = sign_in(app, world, "nurse")
    body = {"current_password": "not it", "new_password": "violet harbour lantern 2931"}
    assert client.post("/api/auth/password", json=body, headers=bearer(pair)).status_code == 422
    assert client.get("/api/patients", headers=bearer(pair)).status_code == 200


def test_disabling_an_account_ends_its_sessions(client, app, world):
    nurse, admin = sign_in(app, world, "nurse"), sign_in(app, world, "admin")
    assert client.get("/api/patients", headers=bearer(nurse)).status_code == 200
    answer = client.post(f"/api/staff/{world.staff['nurse']}/deactivate", headers=bearer(admin))
    assert answer.status_code == 200
    assert client.get("/api/patients", headers=bearer(nurse)).status_code == 401
    assert refresh(client, nurse.refresh_token).status_code == 401


def test_a_role_change_ends_the_sessions_of_the_old_role(client, app, world):
    nurse, admin = sign_in(app, world, "nurse"), sign_in(app, world, "admin")
    answer = client.put(
        f"/api/staff/{world.staff['nurse']}", json={"role": "Receptionist"}, headers=bearer(admin)
    )
    assert answer.status_code == 200
    assert client.get("/api/patients", headers=bearer(nurse)).status_code == 401


# ---- idle timeout and maximum age (row 10), with a frozen clock -------------------------------


@pytest.fixture
def strict_app(app_engine, clock, server_settings):
    settings = replace(server_settings, idle_timeout=timedelta(minutes=5), max_session_age=timedelta(hours=1))
    return create_app(settings, engine=app_engine, clock=clock)


def test_a_session_idle_past_the_timeout_ends(strict_app, world, clock):
    from fastapi.testclient import TestClient

    with TestClient(strict_app) as client:
        pair = sign_in(strict_app, world, "receptionist")
        for _ in range(3):  # active: a request every 3 minutes keeps it alive past 5 minutes
            clock.advance(timedelta(minutes=3))
            assert client.get("/api/patients", headers=bearer(pair)).status_code == 200
        clock.advance(timedelta(minutes=5))  # the access token is still unexpired, the session idle
        answer = client.get("/api/patients", headers=bearer(pair))
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == "session_expired"
        assert refresh(client, pair.refresh_token).status_code == 401


def test_a_session_ends_at_its_maximum_age_however_active(strict_app, world, clock):
    from fastapi.testclient import TestClient

    with TestClient(strict_app) as client:
        pair = sign_in(strict_app, world, "receptionist")
        access, refresh_token = pair.access_token, pair.refresh_token
        for _ in range(14):  # 56 minutes of activity, refreshing every 4 (the idle limit is 5)
            clock.advance(timedelta(minutes=4))
            answer = refresh(client, refresh_token)
            assert answer.status_code == 200
            access, refresh_token = answer.json()["access_token"], answer.json()["refresh_token"]
            assert (
                client.get("/api/patients", headers={"Authorization": f"Bearer {access}"}).status_code == 200
            )
        assert answer.json()["refresh_expires_in"] == 4 * 60  # capped at the session's end
        clock.advance(timedelta(minutes=4))  # 60 minutes since sign-in
        assert client.get("/api/patients", headers={"Authorization": f"Bearer {access}"}).status_code == 401
        assert refresh(client, refresh_token).status_code == 401


def test_an_access_token_expires_after_fifteen_minutes(client, app, world, clock):
    pair = sign_in(app, world, "receptionist")
    clock.advance(timedelta(minutes=14, seconds=59))
    assert client.get("/api/patients", headers=bearer(pair)).status_code == 200
    clock.advance(timedelta(seconds=1))
    assert client.get("/api/patients", headers=bearer(pair)).status_code == 401


# ---- token checks (row 12) -------------------------------------------------------------------


def claims_of(pair):
    return jwt.decode(pair.access_token, options={"verify_signature": False})


def forged(claims, *, key=TEST_JWT_SECRET, algorithm="HS256"):
    return jwt.encode(claims, key, algorithm=algorithm)


def unsigned(claims):
    def part(value):
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def call(client, token):
    return client.get("/api/patients", headers={"Authorization": f"Bearer {token}"})


def test_a_well_formed_token_passes(client, app, world):
    pair = sign_in(app, world, "receptionist")
    assert call(client, forged(claims_of(pair))).status_code == 200  # re-signed with the key: fine


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda c: unsigned(c), id="alg-none"),
        pytest.param(lambda c: forged(c, algorithm="HS512"), id="other-algorithm"),
        pytest.param(
            lambda c: forged(c, key=b"another-key-another-key-another-key-0000"), id="bad-signature"
        ),
        pytest.param(lambda c: forged(c | {"aud": "someone-else"}), id="wrong-audience"),
        pytest.param(lambda c: forged(c | {"iss": "someone-else"}), id="wrong-issuer"),
        pytest.param(lambda c: forged(c | {"typ": "refresh"}), id="refresh-type"),
        pytest.param(lambda c: forged(c | {"typ": "device"}), id="device-type"),
        pytest.param(lambda c: forged(c | {"exp": c["iat"] - 1}), id="expired"),
        pytest.param(lambda c: forged({k: v for k, v in c.items() if k != "sid"}), id="no-session"),
        pytest.param(lambda c: forged({k: v for k, v in c.items() if k != "exp"}), id="no-expiry"),
        pytest.param(lambda c: forged(c | {"role": "Emperor"}), id="unknown-role"),
        pytest.param(lambda c: forged(c | {"role": "Admin"}), id="escalated-role"),
        pytest.param(lambda c: forged(c | {"epoch": 7}), id="old-epoch"),
        pytest.param(lambda c: "not.a.token", id="garbage"),
    ],
)
def test_tampered_or_foreign_tokens_are_refused(client, app, world, tamper):
    pair = sign_in(app, world, "receptionist")
    answer = call(client, tamper(claims_of(pair)))
    assert answer.status_code == 401
    assert set(answer.json()) == {"error"}


def test_a_token_naming_another_clinic_is_refused(client, app, world, other_world):
    pair = sign_in(app, world, "admin")
    answer = call(client, forged(claims_of(pair) | {"cid": str(other_world.clinic_id)}))
    assert answer.status_code == 401


def test_a_refresh_token_is_not_an_access_token(client, app, world):
    pair = sign_in(app, world, "receptionist")
    assert call(client, pair.refresh_token).status_code == 401


def test_an_access_token_is_not_a_refresh_token(client, app, world):
    pair = sign_in(app, world, "receptionist")
    assert refresh(client, pair.access_token).status_code == 401


def test_other_schemes_and_missing_credentials_are_refused(client, app, world):
    pair = sign_in(app, world, "receptionist")
    for headers in ({}, {"Authorization": ""}, {"Authorization": f"Basic {pair.access_token}"}):
        answer = client.get("/api/patients", headers=headers)
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == "not_authenticated"


def test_a_kiosk_is_refused_staff_routes_and_non_kiosk_operations(client, app, world):
    """Row 12: a device credential at a staff-only route is no credential (401); row 5: a kiosk
    on any operation but its own is refused by the role matrix (403)."""
    kiosk = enroll_kiosk(app, world)
    assert client.post("/api/auth/logout", headers=kiosk.headers).status_code == 401
    body = {"current_password": "x", "new_password": "y"}
    assert client.post("/api/auth/password", json=body, headers=kiosk.headers).status_code == 401
    assert client.get("/api/patients", headers=kiosk.headers).status_code == 403
    assert client.get("/api/staff", headers=kiosk.headers).status_code == 403


def test_a_session_row_keeps_no_token(app, world, db):
    pair = sign_in(app, world, "receptionist")
    secret = pair.refresh_token.split(".", 1)[1]
    with db.session(world.clinic_id) as session:
        rows = session.scalars(select(SignInSession).where(SignInSession.clinic_id == world.clinic_id)).all()
    text = repr([vars(row) for row in rows])
    assert rows
    assert secret not in text
    assert pair.access_token not in text
