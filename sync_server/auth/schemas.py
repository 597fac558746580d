"""Requests and answers of the sign-in routes (the seed's /api/auth/... field names)."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict

from common.staff.models import Role
from sync_server.fields import Password, Text16, Text255, Text1000


class StaffLoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    clinic_id: uuid.UUID
    email: Text255
    password: Password
    totp_code: Text16 | None = None


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: Text1000


class PasswordChangeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: Password
    new_password: Password


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int  # seconds
    refresh_token: str
    refresh_expires_in: int  # seconds
    user_id: uuid.UUID
    clinic_id: uuid.UUID
    role: Role
