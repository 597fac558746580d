"""What `/api/devices` takes; what it answers is common/sync/devices.py (the desk reads the same
models). A device's credential never leaves the server; an enrollment code is shown once."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from common.sync.models import DeviceKind


class EnrollmentCodeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: DeviceKind
