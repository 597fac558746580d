"""Device identities: the credential a device got at enrollment, checked on every sync request.

A credential reads `cfd1.<clinic id>.<device id>.<secret>`: the clinic and device are named in it
so the lookup can run under the clinic's row-level security; the 256-bit secret is stored only as
its SHA-256 (a secret that long needs no slow hash) and compared in constant time. The clinic
therefore always comes from the verified credential, never from a request body (SECURITY.md 1).

Each pull also notes where the device stands (`note_pull`): the tombstone purge removes only what
every active desk has pulled past, and a desk whose position is older than what was purged is
told to sync again from the start (the page comes with `reset`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.errors import AuthenticationFailed
from common.i18n import N_
from common.sync.models import DeviceKind, SyncDevice, SyncPurgeHorizon
from common.sync.protocol import DEVICE_AUTH_SCHEME, FROM_START, cursor_seq

PREFIX: Final = "cfd1"
# A device pulling from an unchanged position is noted again only this often (pulls stay reads).
PULLED_AT_GRAIN: Final = timedelta(hours=1)


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


@dataclass(frozen=True)
class DeviceClaim:
    """Who a device credential says it is, not yet checked against the device's row."""

    clinic_id: uuid.UUID
    device_id: uuid.UUID
    secret: str

    @classmethod
    def of(cls, authorization_header: str | None) -> DeviceClaim:
        return cls(*parse_credential(_credential(authorization_header)))

    def verified(self, device: SyncDevice | None) -> DeviceIdentity:
        """The identity, if `device` (the row of the claimed id, read in the claimed clinic) holds
        this secret and is not withdrawn; else `DeviceNotRecognised`."""
        expected = device.credential_hash if device is not None else secret_hash("not a device")
        matches = hmac.compare_digest(expected, secret_hash(self.secret))
        if device is None or not matches or device.revoked_at is not None:
            raise DeviceNotRecognised()
        return DeviceIdentity(device.clinic_id, device.id, device.kind)


def credential_clinic(authorization_header: str | None) -> uuid.UUID:
    """The clinic a device credential names (unverified: `authenticate_device` checks it), or
    `DeviceNotRecognised` for a header that is no device credential."""
    return parse_credential(_credential(authorization_header))[0]


def _credential(authorization_header: str | None) -> str:
    scheme, _, credential = (authorization_header or "").partition(" ")
    if scheme.strip().lower() != DEVICE_AUTH_SCHEME.lower() or not credential:
        raise DeviceNotRecognised()
    return credential


def authenticate_device(
    session: Session, authorization_header: str | None, *, clinic_set: bool = False
) -> DeviceIdentity:
    """The device behind an `Authorization: Device <credential>` header, or `DeviceNotRecognised`.

    Sets the transaction's row-level-security clinic (PostgreSQL) to the clinic the credential
    names, for its own lookup (unless `clinic_set`: the session was opened for that clinic); use
    the returned identity's clinic for everything after.
    """
    return authenticated_row(session, authorization_header, clinic_set=clinic_set)[0]


def authenticated_row(
    session: Session, authorization_header: str | None, *, clinic_set: bool = False
) -> tuple[DeviceIdentity, SyncDevice]:
    """`authenticate_device`, with the device's row it read."""
    claim = DeviceClaim.of(authorization_header)
    if session.get_bind().dialect.name == "postgresql" and not clinic_set:
        session.execute(select(func.set_config("app.clinic_id", str(claim.clinic_id), True)))
    return claimed_row(session, claim)


def claimed_row(session: Session, claim: DeviceClaim) -> tuple[DeviceIdentity, SyncDevice]:
    """The claimed device, checked against its row (read in the session's clinic), and the row."""
    row = session.scalars(
        select(SyncDevice).where(SyncDevice.clinic_id == claim.clinic_id, SyncDevice.id == claim.device_id)
    ).one_or_none()
    identity = claim.verified(row)
    assert row is not None  # verified
    return identity, row


@dataclass(frozen=True)
class PullPlan:
    cursor: str  # what to pull from: the device's cursor, or "" when it must start again
    reset: bool  # the device must drop its synced rows first (it fell behind a purge)


def purge_horizon(session: Session, clinic_id: uuid.UUID) -> int:
    value = session.scalar(select(SyncPurgeHorizon.purged_seq).where(SyncPurgeHorizon.clinic_id == clinic_id))
    return int(value or 0)


def steady_pull(device: DeviceIdentity, row: SyncDevice, cursor: str, now: datetime) -> PullPlan | None:
    """`note_pull`'s plan when it would write nothing, from the device's row as the page's own
    transaction read it (no lock); None when the position must be noted first.

    A desk whose position was noted within `PULLED_AT_GRAIN` counts as active for the tombstone
    purge, whose horizon never passes an active desk's noted position; a cursor not behind that
    position is therefore not behind the horizon either. The noted position lags the desk's
    by at most the grain, which only makes the purge keep tombstones a little longer.
    """
    if device.is_kiosk:
        # A kiosk's pulls are snapshots, with no position to note: only when it was last seen.
        seen_lately = row.pulled_at is not None and now - row.pulled_at < PULLED_AT_GRAIN
        return PullPlan(cursor, reset=False) if seen_lately else None
    position = cursor_seq(cursor)
    if row.pulled_seq is None or row.pulled_at is None or position == FROM_START:
        return None
    if position < row.pulled_seq or now - row.pulled_at >= PULLED_AT_GRAIN:
        return None
    return PullPlan(cursor, reset=False)


def note_pull(session: Session, device: DeviceIdentity, cursor: str, now: datetime) -> PullPlan:
    """Record where a desk's pull starts and decide whether it must start again.

    Runs in its own short transaction before the page is read: the device's row is locked first,
    so a purge running at the same moment either sees this position or has committed its horizon
    before it is read here."""
    row = session.scalars(
        select(SyncDevice)
        .where(SyncDevice.clinic_id == device.clinic_id, SyncDevice.id == device.device_id)
        .with_for_update()
    ).one_or_none()
    if row is None:
        raise DeviceNotRecognised()
    if device.is_kiosk:
        row.pulled_at = now  # when it was last seen (the tombstone purge counts front desks only)
        return PullPlan(cursor, reset=False)
    horizon = purge_horizon(session, device.clinic_id)
    position = cursor_seq(cursor)
    reset = position != FROM_START and position < horizon and row.resync_baseline < horizon
    if reset or position == FROM_START:
        position = FROM_START
        if row.resync_baseline != horizon:
            row.resync_baseline = horizon
    if (
        row.pulled_seq is None
        or position < row.pulled_seq
        or row.pulled_at is None
        or now - row.pulled_at >= PULLED_AT_GRAIN
    ):
        row.pulled_seq = position
        row.pulled_at = now
    return PullPlan("" if reset else cursor, reset=reset)
