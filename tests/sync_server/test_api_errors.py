"""One error shape, in the reader's language; bad input never reaches the database as a 5xx
(SECURITY.md rows 18 and 21): wrong types, control characters, out-of-range numbers and dates,
unknown fields, malformed JSON and 10 MB bodies are refused with clear 4xx answers."""

from __future__ import annotations

import logging
import uuid

import pytest
from fastapi import APIRouter

from common.i18n import translate
from common.patients.errors import PatientNotFound
from sync_server.app import create_app
from sync_server.locale import preferred_locale
from tests.sync_server.conftest import bearer, sign_in


@pytest.fixture
def auth(app, world):
    return bearer(sign_in(app, world, "receptionist"))


def test_a_refusal_is_in_the_readers_language(client, auth):
    url = f"/api/patients/{uuid.uuid4()}"
    english = client.get(url, headers=auth)
    chinese = client.get(url, headers=auth | {"Accept-Language": "zh-TW,zh;q=0.9,en;q=0.5"})
    assert english.status_code == chinese.status_code == 404
    assert english.json()["error"]["code"] == chinese.json()["error"]["code"] == PatientNotFound.code
    assert english.json()["error"]["message"] == translate(PatientNotFound.message, "en")
    assert chinese.json()["error"]["message"] == translate(PatientNotFound.message, "zh_TW")


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        (None, "en"),
        ("ja", "ja"),
        ("ja-JP,en;q=0.5", "ja"),
        ("fr-FR, zh-Hans;q=0.8", "zh_CN"),
        ("en;q=0.2, zh-TW;q=0.9", "zh_TW"),
        ("de, *", "en"),
        ("zh-HK", "zh_TW"),
        ("xx;q=abc, ja;q=0", "en"),
    ],
)
def test_accept_language_picks_the_best_supported_locale(header, locale):
    assert preferred_locale(header) == locale


def test_an_invalid_request_names_the_fields_and_never_echoes_values(client, auth):
    body = {"first_name": "Mei", "last_name": "Lin", "date_of_birth": "not-a-date-0912345678", "extra": 1}
    answer = client.post("/api/patients", json=body, headers=auth)
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "invalid_request"
    assert "body.date_of_birth" in error["fields"]
    assert "body.extra" in error["fields"]
    assert "0912345678" not in answer.text


@pytest.mark.parametrize(
    ("method", "url", "kwargs"),
    [
        (
            "post",
            "/api/patients",
            {"json": {"first_name": "a\u0000b", "last_name": "x", "date_of_birth": "1990-01-01"}},
        ),
        (
            "post",
            "/api/patients",
            {
                "content": b'{"first_name": "a\\ud800b", "last_name": "x", "date_of_birth": "1990-01-01"}',
                "headers": {"Content-Type": "application/json"},
            },
        ),
        (
            "post",
            "/api/patients",
            {"json": {"first_name": "x" * 101, "last_name": "x", "date_of_birth": "1990-01-01"}},
        ),
        (
            "post",
            "/api/patients",
            {"json": {"first_name": "M", "last_name": "L", "date_of_birth": "9999-12-31"}},
        ),
        ("post", "/api/patients", {"content": b"{not json", "headers": {"Content-Type": "application/json"}}),
        ("post", "/api/patients", {"json": ["a", "list"]}),
        ("get", "/api/patients", {"params": {"limit": str(10**30)}}),
        ("get", "/api/patients", {"params": {"offset": "-1"}}),
        ("get", "/api/appointments/calendar", {"params": {"start_date": "9999-12-31"}}),
        (
            "get",
            "/api/appointments/availability",
            {"params": {"start_date": "2026-11-23", "end_date": "2027-11-23"}},
        ),
        ("get", "/api/appointments", {"params": {"start_date": "2026-11-30", "end_date": "2026-11-01"}}),
        ("get", "/api/patients/not-a-uuid", {}),
        ("get", "/api/barcodes/%00abc", {}),
        (
            "post",
            "/api/payments",
            {"json": {"patient_id": str(uuid.uuid4()), "amount": "1e400", "payment_method": "Cash"}},
        ),
        (
            "post",
            "/api/payments",
            {"json": {"patient_id": str(uuid.uuid4()), "amount": "NaN", "payment_method": "Cash"}},
        ),
        ("post", "/api/inventory/adjust", {"json": {"item_id": str(uuid.uuid4()), "quantity": 2**63}}),
        (
            "post",
            "/api/appointments",
            {
                "json": {
                    "patient_id": str(uuid.uuid4()),
                    "doctor_id": str(uuid.uuid4()),
                    "appointment_date": "2026-11-24",
                    "start_time": "10:00+09:00",
                }
            },
        ),
    ],
)
def test_hostile_input_is_refused_with_a_clear_4xx(client, auth, method, url, kwargs):
    kwargs = dict(kwargs)
    kwargs["headers"] = auth | kwargs.get("headers", {})
    answer = client.request(method.upper(), url, **kwargs)
    assert 400 <= answer.status_code < 500, answer.text
    assert set(answer.json()) == {"error"}


TEN_MEGABYTES = b'{"first_name": "' + b"x" * (10 * 1024 * 1024) + b'"}'


def test_a_ten_megabyte_body_is_refused(client, auth):
    answer = client.post(
        "/api/patients", content=TEN_MEGABYTES, headers=auth | {"Content-Type": "application/json"}
    )
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "payload_too_large"


def test_a_ten_megabyte_body_without_a_declared_length_is_cut_off(client, auth):
    def chunks():
        for start in range(0, len(TEN_MEGABYTES), 65536):
            yield TEN_MEGABYTES[start : start + 65536]

    answer = client.post(
        "/api/patients", content=chunks(), headers=auth | {"Content-Type": "application/json"}
    )
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "payload_too_large"


def test_unknown_routes_and_methods_answer_in_the_same_shape(client, auth):
    missing = client.get("/api/nothing-here", headers=auth)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    wrong = client.patch("/api/patients", headers=auth)
    assert wrong.status_code == 405
    assert wrong.json()["error"]["code"] == "method_not_allowed"


def test_an_unexpected_error_is_a_generic_500_that_logs_no_details(
    app_engine, clock, server_settings, caplog
):
    from fastapi.testclient import TestClient

    app = create_app(server_settings, engine=app_engine, clock=clock)
    broken = APIRouter()

    @broken.get("/api/broken")
    def explode() -> None:
        raise RuntimeError("patient Mei Lin 0912345678 crashed this")

    app.include_router(broken)
    with caplog.at_level(logging.INFO), TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/api/broken", headers={"Accept-Language": "ja"})
    assert answer.status_code == 500
    assert answer.json()["error"]["code"] == "server_error"
    assert answer.json()["error"]["message"] == translate(
        "Something went wrong on the server. Please try again; if it keeps happening, contact support.", "ja"
    )
    assert "0912345678" not in answer.text
    assert "RuntimeError" in caplog.text
    assert "0912345678" not in caplog.text
    assert "Mei Lin" not in caplog.text


def test_the_access_log_names_routes_not_queries(client, auth, caplog):
    with caplog.at_level(logging.INFO, logger="sync_server.access"):
        client.get("/api/patients/search", params={"q": "Canarysurname"}, headers=auth)
        client.get(f"/api/patients/{uuid.uuid4()}", headers=auth)
    assert "GET /api/patients/search 200" in caplog.text
    assert "GET /api/patients/{patient_id} 404" in caplog.text
    assert "Canarysurname" not in caplog.text


def test_control_characters_inside_a_document_are_dropped_not_stored(client, app, world):
    doctor = bearer(sign_in(app, world, "doctor"))
    body = {
        "first_name": "Mei",
        "last_name": "Lin",
        "date_of_birth": "1990-01-01",
        "medical_history": {"no\u0000te": "a\u0000b\u0007c", "lines": ["x\ty\nz"]},
    }
    created = client.post("/api/patients", json=body, headers=doctor)
    assert created.status_code == 201, created.text
    assert created.json()["medical_history"] == {"note": "abc", "lines": ["x\ty\nz"]}
