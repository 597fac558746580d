"""Staff accounts, for administrators. Password hashes and TOTP secrets never leave the server,
except a new TOTP secret, shown once to enrol the authenticator app."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from common.staff.models import Role
from sync_server.fields import Password, Text16, Text100, Text255


class StaffOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    role: Role
    is_active: bool
    specialization: str | None
    calendar_color: str | None
    preferred_language: str
    two_factor_enabled: bool
    last_login: datetime | None
    locked_until: datetime | None
    version: int


class TotpEnrollmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    secret: str
    provisioning_uri: str


class StaffResultOut(BaseModel):
    staff: StaffOut
    totp: TotpEnrollmentOut | None = None


class StaffCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Text255
    password: Password
    first_name: Text100
    last_name: Text100
    role: Role
    specialization: Text100 | None = None
    calendar_color: Text16 | None = None
    preferred_language: Text16 = "en"
    two_factor: bool = False


class StaffUpdate(BaseModel):
    """The fields to change (absent = unchanged). A role change ends the person's sessions."""

    model_config = ConfigDict(extra="forbid")

    first_name: Text100 | None = None
    last_name: Text100 | None = None
    role: Role | None = None
    specialization: Text100 | None = None
    calendar_color: Text16 | None = None
    preferred_language: Text16 | None = None


class PasswordReset(BaseModel):
    model_config = ConfigDict(extra="forbid")

    new_password: Password
