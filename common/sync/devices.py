"""The clinic's devices as its administrator sees them: `/api/devices`'s wire format, one model
for the server that answers and the desk that reads (common/sync/device_admin.py). A device's
credential never leaves the server; an enrollment code is shown once, when it is made."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from common.sync.models import DeviceKind


class ClinicDevice(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    name: str
    kind: DeviceKind
    enrolled_at: datetime
    last_seen_at: datetime | None  # its last push, or its last pull as noted (at most hourly)
    withdrawn_at: datetime | None


class EnrollmentCode(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    kind: DeviceKind
    expires_at: datetime
