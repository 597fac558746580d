"""SECURITY.md row 21: the API matches its schema and never answers 5xx to bad input.

Schemathesis generates requests, valid and invalid, for every /api operation of /openapi.json
and runs its checks on every answer: no server error, documented status codes, content types
and headers, answers matching their schemas, invalid input refused, authentication not ignored,
unsupported methods refused. Its "valid input accepted" check is replaced by a stricter-where-it-
matters one: input valid by the schema is never refused by *request validation*; a refusal by
a business rule (a date in the future, a slot taken: 409/422 with the rule's own code) is the
API working. Run as signed-in staff of a populated clinic, on SQLite and PostgreSQL (as the app
role). Examples per operation and mode: SCHEMATHESIS_EXAMPLES (default 3, under two minutes for
both databases). A longer run:

    SCHEMATHESIS_EXAMPLES=200 .venv/bin/pytest -p no:cacheprovider tests/sync_server/test_api_schemathesis.py
"""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance

from tests.sync_server.api_world import populate
from tests.sync_server.conftest import bearer, sign_in

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "3"))
# The role that may use the operation calls it, so answers go past the permission check.
CLINICIAN_PATHS = ("/api/treatments",)


def schema_valid_input_passes_request_validation(ctx, response, case):
    if response.status_code == 422 and response.json()["error"]["code"] == "invalid_request":
        fields = response.json()["error"].get("fields")
        raise AssertionError(f"input valid by the schema was refused as invalid: {fields}")


def test_the_api_keeps_its_schema_and_never_fails_on_bad_input(app, world):
    populate(world, "Fuzz")
    callers = {"admin": bearer(sign_in(app, world, "admin")), "doctor": bearer(sign_in(app, world, "doctor"))}
    schema = schemathesis.openapi.from_asgi("/openapi.json", app).include(path_regex="^/api/")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an invalid schema raises here
        operations += 1
        headers = callers["doctor" if operation.path.startswith(CLINICIAN_PATHS) else "admin"]
        for mode in GenerationMode:
            try:
                _exercise(operation, mode, headers)
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # nothing in it can be made invalid
            except (Exception, BaseExceptionGroup) as failure:  # every failing operation is reported
                failures.append(f"{operation.label} [{mode.value}]: {failure}"[:3000])
    assert operations >= 60
    assert failures == [], "\n\n".join(failures)


def _exercise(operation, mode, headers):
    extra = [schema_valid_input_passes_request_validation] if mode is GenerationMode.POSITIVE else []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        case.call_and_validate(
            headers=headers, excluded_checks=[positive_data_acceptance], additional_checks=extra
        )

    run()
