"""The clinic of a request is the verified caller's; a clinic named in a request is only checked.

The seed's API carries `clinic_id` in some queries and bodies. It is accepted for compatibility
and must name the caller's own clinic: any other clinic answers 404, exactly as if the object
asked about did not exist (SECURITY.md rows 1 and 2).
"""

from __future__ import annotations

import uuid

from common.context import ServiceContext
from common.errors import NotFound


def require_own_clinic(ctx: ServiceContext, clinic_id: uuid.UUID | None) -> None:
    if clinic_id is not None and clinic_id != ctx.clinic_id:
        raise NotFound()
