"""Each route states the role-matrix permission it needs, in the OpenAPI document
(`x-required-permission`), so clients can read it and the role-matrix test is generated from it.

The services enforce the permission (ctx.authorize); the statement here documents it, and
tests/sync_server/test_api_role_matrix.py proves the two agree for every operation and role.
"""

from __future__ import annotations

from typing import Any, Final

from common.access.permissions import Permission

EXTENSION: Final = "x-required-permission"


def requires(permission: Permission) -> dict[str, Any]:
    return {EXTENSION: permission.value}
