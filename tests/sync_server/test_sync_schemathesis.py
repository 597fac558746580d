"""SECURITY.md row 21 for the device sync routes: schemathesis over /sync of /openapi.json.

Every /sync operation (except the poke stream, which never ends) gets generated requests, valid
and invalid, with its checks: no server error, documented status codes and content types, answers
matching their schemas (generated requests are made invalid too). Devices call as an enrolled front desk; the conflict inbox as signed-in
staff. On SQLite and PostgreSQL (as the app's role). SCHEMATHESIS_EXAMPLES as in
test_api_schemathesis.py.
"""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import negative_data_rejection, positive_data_acceptance

from common.sync.models import DeviceKind
from common.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from sync_server.sync.enrollment import create_enrollment_code, redeem
from tests.sync_server.api_world import populate
from tests.sync_server.conftest import bearer, sign_in

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "3"))
STREAMS = ("/sync/events",)


def test_the_sync_routes_keep_their_schema_and_never_fail_on_bad_input(app, world):
    populate(world, "Fuzz")
    code, _ = create_enrollment_code(world.db, world.clinic_id, DeviceKind.FRONT_DESK)
    device = {"Authorization": f"Device {redeem(world.db, code, 'fuzz').credential}"}
    staff = bearer(sign_in(app, world, "admin"))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app).include(path_regex="^/sync/")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]
        if operation.path in STREAMS:
            continue
        operations += 1
        caller = staff if operation.path.startswith("/sync/conflicts") else device
        headers = {**caller, PROTOCOL_HEADER: str(PROTOCOL_VERSION)}
        for mode in GenerationMode:
            try:
                _exercise(operation, mode, headers)
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE
            except (Exception, BaseExceptionGroup) as failure:
                failures.append(f"{operation.label} [{mode.value}]: {failure}"[:3000])
    assert operations >= 6
    assert failures == [], "\n\n".join(failures)


def _exercise(operation, mode, headers):
    # The caller's credentials are added to every case, so a case "missing" Authorization is sent
    # with it, and FastAPI ignores unknown query parameters: "invalid input was accepted" would only
    # report those two. Invalid bodies, parameters and headers are still sent and must not fail.
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
            headers=headers, excluded_checks=[positive_data_acceptance, negative_data_rejection]
        )

    run()
