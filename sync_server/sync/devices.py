"""Device identities: the credential a device got at enrollment, checked on every sync request.

A credential reads `cfd1.<clinic id>.<device id>.<secret>`: the clinic and device are named in it
so the lookup can run under the clinic's row-level security; the 256-bit secret is stored only as
its SHA-256 (a secret that long needs no slow hash) and compared in constant time. The clinic
therefore always comes from the verified credential, never from a request body (SECURITY.md 1).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.errors import AuthenticationFailed
from common.i18n import N_
from common.sync.models import DeviceKind, SyncDevice
from common.sync.protocol import DEVICE_AUTH_SCHEME

PREFIX: Final = "cfd1"


class DeviceNotRecognised(AuthenticationFailed):
    code = "device_not_recognised"
    message = N_(
        "This device is not enrolled with the clinic's server, or its enrollment was withdrawn. "
        "Enroll it again with a new code from the clinic administrator."
    )


@dataclass(frozen=True)
class DeviceIdentity:
    clinic_id: uuid.UUID
    device_id: uuid.UUID
    kind: DeviceKind

    @property
    def is_kiosk(self) -> bool:
        return self.kind is DeviceKind.KIOSK


def new_credential(clinic_id: uuid.UUID, device_id: uuid.UUID) -> tuple[str, str]:
    """A fresh credential and the hash to store."""
    secret = secrets.token_urlsafe(32)
    return f"{PREFIX}.{clinic_id.hex}.{device_id.hex}.{secret}", secret_hash(secret)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_credential(value: str) -> tuple[uuid.UUID, uuid.UUID, str]:
    parts = value.strip().split(".")
    if len(parts) != 4 or parts[0] != PREFIX:
        raise DeviceNotRecognised()
    try:
        return uuid.UUID(hex=parts[1]), uuid.UUID(hex=parts[2]), parts[3]
    except ValueError:
        raise DeviceNotRecognised() from None


def authenticate_device(session: Session, authorization_header: str | None) -> DeviceIdentity:
    """The device behind an `Authorization: Device <credential>` header, or `DeviceNotRecognised`.

    Sets the transaction's row-level-security clinic (PostgreSQL) to the clinic the credential
    names, for its own lookup; use the returned identity's clinic for everything after.
    """
    scheme, _, credential = (authorization_header or "").partition(" ")
    if scheme.strip().lower() != DEVICE_AUTH_SCHEME.lower() or not credential:
        raise DeviceNotRecognised()
    clinic_id, device_id, secret = parse_credential(credential)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.set_config("app.clinic_id", str(clinic_id), True)))
    device = session.scalars(
        select(SyncDevice).where(SyncDevice.clinic_id == clinic_id, SyncDevice.id == device_id)
    ).one_or_none()
    expected = device.credential_hash if device is not None else secret_hash("not a device")
    matches = hmac.compare_digest(expected, secret_hash(secret))
    if device is None or not matches or device.revoked_at is not None:
        raise DeviceNotRecognised()
    return DeviceIdentity(device.clinic_id, device.id, device.kind)
