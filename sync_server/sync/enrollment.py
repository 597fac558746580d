"""Enrolling a device into one clinic with a one-time, short-lived code.

An administrator makes a code (the clinic's, through `/api/devices/enrollment-codes`; the server's
operator, with `clinic-server enroll-code`), shown as text and QR; the device
sends it once to `POST /sync/enroll` and gets its id and credential. The code reads
`<clinic id>.<secret>`: the clinic in it lets the lookup run under that clinic's row-level
security; the secret (80 random bits) is stored only hashed and works once, until it expires.
A lost or stolen device is withdrawn (`clinic-server withdraw-device`, or by the clinic's
administrator through `/api/devices`): its credential stops working at once, on every route and on
the poke stream it has open (within 30 s).
"""

from __future__ import annotations

import base64
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import select

from common.audit.chain import AuditEntry, append
from common.audit.models import ActorType
from common.clinics.models import Clinic
from common.database import Database
from common.errors import AuthenticationFailed
from common.i18n import N_
from common.ids import new_id
from common.storage.session import ClinicSession
from common.sync.devices import ClinicDevice
from common.sync.models import DeviceKind, SyncDevice, SyncEnrollmentCode
from sync_server.sync.devices import new_credential, secret_hash

CODE_LIFETIME: Final = timedelta(hours=1)
ROLE_KINDS: Final = {"front-desk": DeviceKind.FRONT_DESK, "kiosk": DeviceKind.KIOSK}


class EnrollmentCodeInvalid(AuthenticationFailed):
    code = "enrollment_code_invalid"
    message = N_(
        "The enrollment code is not valid: it may be mistyped, already used or expired. "
        "Ask the clinic administrator for a new code."
    )


@dataclass(frozen=True)
class Enrollment:
    device_id: uuid.UUID
    clinic_id: uuid.UUID
    credential: str
    kind: DeviceKind


def create_enrollment_code(
    db: Database, clinic_id: uuid.UUID, role: str | DeviceKind, *, lifetime: timedelta = CODE_LIFETIME
) -> tuple[str, datetime]:
    """A one-time code enrolling one device of `role` ("front-desk" or "kiosk") into the clinic."""
    kind = role if isinstance(role, DeviceKind) else ROLE_KINDS[role]
    with db.session(clinic_id) as session, session.begin():
        if session.scalars(select(Clinic.id).where(Clinic.id == clinic_id)).one_or_none() is None:
            raise ValueError("no such clinic")
        code, expires, _ = add_enrollment_code(session, clinic_id, kind, db.clock.now(), lifetime)
    return code, expires


def add_enrollment_code(
    session: ClinicSession, clinic_id: uuid.UUID, kind: DeviceKind, now: datetime, lifetime: timedelta
) -> tuple[str, datetime, uuid.UUID]:
    """A new code's row, in the caller's transaction: the code, when it expires, and the row's id."""
    secret = base64.b32encode(secrets.token_bytes(10)).decode("ascii")
    row = SyncEnrollmentCode(
        clinic_id=clinic_id,
        id=new_id(),
        code_hash=secret_hash(secret),
        kind=kind,
        created_at=now,
        expires_at=now + lifetime,
    )
    session.add(row)
    return f"{clinic_id.hex}.{_grouped(secret)}", row.expires_at, row.id


def redeem(db: Database, code: str, device_name: str) -> Enrollment:
    """Use a code once: a new device and its credential, or `EnrollmentCodeInvalid`."""
    clinic_id, secret = _parse(code)
    now = db.clock.now()
    with db.session(clinic_id) as session, session.begin():
        row = session.scalars(
            select(SyncEnrollmentCode)
            .where(
                SyncEnrollmentCode.clinic_id == clinic_id, SyncEnrollmentCode.code_hash == secret_hash(secret)
            )
            .with_for_update()
        ).one_or_none()
        if row is None or row.used_at is not None or row.expires_at <= now:
            raise EnrollmentCodeInvalid()
        device_id = new_id()
        credential, credential_hash = new_credential(clinic_id, device_id)
        session.add(
            SyncDevice(
                clinic_id=clinic_id,
                id=device_id,
                name=device_name.strip()[:100] or "device",
                kind=row.kind,
                credential_hash=credential_hash,
                last_applied_n=0,
                created_at=now,
            )
        )
        row.used_at = now
        row.device_id = device_id
        kind = row.kind
    return Enrollment(device_id, clinic_id, credential, kind)


def clinic_devices(db: Database, clinic_id: uuid.UUID) -> list[ClinicDevice]:
    """The clinic's devices, the most recently enrolled first."""
    with db.session(clinic_id) as session:
        return devices_of(session, clinic_id)


def devices_of(session: ClinicSession, clinic_id: uuid.UUID) -> list[ClinicDevice]:
    rows = session.scalars(
        select(SyncDevice).where(SyncDevice.clinic_id == clinic_id).order_by(SyncDevice.created_at.desc())
    ).all()
    return [enrolled(row) for row in rows]


def enrolled(row: SyncDevice) -> ClinicDevice:
    # Seen: its last push, or its last pull as noted for the tombstone purge (at most hourly).
    seen = max((at for at in (row.last_seen_at, row.pulled_at) if at is not None), default=None)
    return ClinicDevice(
        id=row.id,
        name=row.name,
        kind=row.kind,
        enrolled_at=row.created_at,
        last_seen_at=seen,
        withdrawn_at=row.revoked_at,
    )


def withdraw_device(db: Database, clinic_id: uuid.UUID, device_id: uuid.UUID) -> bool:
    """Withdraw the device (False: the clinic has no such device), with an audit link, at once."""
    now = db.clock.now()
    with db.session(clinic_id) as session, session.begin():
        if revoke_device(session, clinic_id, device_id, now) is None:
            return False
        entry = AuditEntry(
            actor_type=ActorType.SYSTEM,
            actor_id=None,
            device_id=device_id,
            action="withdraw_device",
            entity_type="sync_device",
            entity_id=device_id,
        )
        append(session, clinic_id, db.chain_id, entry, now)
    return True


def revoke_device(
    session: ClinicSession, clinic_id: uuid.UUID, device_id: uuid.UUID, at: datetime
) -> SyncDevice | None:
    """The device, withdrawn at `at` unless it already was (None: the clinic has no such device)."""
    device = session.scalars(
        select(SyncDevice).where(SyncDevice.clinic_id == clinic_id, SyncDevice.id == device_id)
    ).one_or_none()
    if device is not None and device.revoked_at is None:
        device.revoked_at = at
    return device


def _parse(code: str) -> tuple[uuid.UUID, str]:
    clinic_part, _, secret = code.strip().partition(".")
    secret = secret.replace("-", "").replace(" ", "").upper()
    try:
        clinic_id = uuid.UUID(hex=clinic_part)
    except ValueError:
        raise EnrollmentCodeInvalid() from None
    if len(secret) != 16:
        raise EnrollmentCodeInvalid()
    return clinic_id, secret


def _grouped(secret: str) -> str:
    return "-".join(secret[i : i + 4] for i in range(0, len(secret), 4))
