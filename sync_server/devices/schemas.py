"""The clinic's devices as its administrator sees them. A device's credential never leaves the
server; an enrollment code is shown once, when it is made."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from common.sync.models import DeviceKind


class DeviceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    kind: DeviceKind
    enrolled_at: datetime
    last_seen_at: datetime | None
    withdrawn_at: datetime | None


class EnrollmentCodeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: DeviceKind


class EnrollmentCodeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    kind: DeviceKind
    expires_at: datetime
