"""Registration links: the current one (for posters), rotation, and verification (for the server)."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from sqlalchemy import func, select

from common.access.permissions import Permission
from common.context import ServiceContext
from common.database import Database
from common.inventory.stock import acting_staff_id
from common.registration import tokens
from common.registration.errors import (
    RegistrationBaseUrlInvalid,
    RegistrationKeyNotSynced,
    RegistrationLinkInvalid,
    RegistrationLinkRetired,
)
from common.registration.models import RegistrationKey
from common.storage.session import next_change_seq
from common.sync import state

# The server serves the registration form at this path, followed by the token.
REGISTRATION_PATH: Final = "/register/"
ENTITY: Final = "registration_key"
LOCAL_HOSTS: Final = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True)
class RegistrationLink:
    url: str
    token: str
    version: int


@dataclass(frozen=True)
class RegistrationClaim:
    """A verified token: the clinic whose registration form to show."""

    clinic_id: uuid.UUID
    version: int


def registration_link(ctx: ServiceContext, base_url: str) -> RegistrationLink:
    """The clinic's current signed link. A replica enrolled with a server signs only with a key
    the server made (it arrives by pull); elsewhere the first key is made on first use."""
    ctx.authorize(Permission.REGISTRATION_MANAGE, entity_type=ENTITY)
    base = _base(base_url)
    key = _current_key(ctx)
    if key is None:
        if follows_a_server(ctx):
            raise RegistrationKeyNotSynced()
        key = _new_key(ctx, _newest_version(ctx) + 1)
    token = tokens.sign(key.secret, ctx.clinic_id, key.key_version)
    return RegistrationLink(f"{base}{REGISTRATION_PATH}{token}", token, key.key_version)


def rotate_registration_key(ctx: ServiceContext, *, base_version: int | None = None) -> int | None:
    """Retire the signing key and make the next one: every poster printed before stops working.
    Returns the new key's version.

    `base_version`: the newest key version the caller knew when it asked (a desk's rotation
    carries it). Two desks asking for a new poster link at about the same time both mean the key
    they knew; once the first rotation has replaced it, the second changes nothing and returns the
    live key's version: rotating again would retire the key the first made, and with it the
    posters already printed from it. Without `base_version` (a rotation from older desk software)
    the live key is always rotated.

    On a replica enrolled with a server (the `rotate_registration_key` intent's local run) the key
    is only retired, so the desk stops printing the old link at once; the server makes the next
    key and the desk receives it by pull (None is returned)."""
    ctx.authorize(Permission.REGISTRATION_MANAGE, entity_type=ENTITY)
    # Taken first (the clinic's other writers wait to the commit), so the keys read below include
    # a rotation another desk committed a moment ago.
    next_change_seq(ctx.session, ctx.clinic_id)
    keys = list(ctx.session.scalars(select(RegistrationKey).with_for_update()))
    live = max((key for key in keys if key.retired_at is None), key=_version, default=None)
    if base_version is not None and live is not None and live.key_version > base_version:
        # Recorded, though nothing changed: who asked for a new link, and which key answered it.
        ctx.audit("registration.key_rotate_superseded", ENTITY, live.id)
        return live.key_version
    now = ctx.now()
    for key in keys:
        if key.retired_at is None:
            key.retired_at = now
            ctx.audit("registration.key_retire", ENTITY, key.id, changed_fields=["retired_at"])
    if follows_a_server(ctx):
        return None
    newest = max((key.key_version for key in keys), default=0)
    return _new_key(ctx, newest + 1).key_version


def _version(key: RegistrationKey) -> int:
    return key.key_version


def newest_key_version(ctx: ServiceContext) -> int:
    """The newest signing key's version this database holds, retired or not (0 if none): what a
    desk's rotation is based on."""
    return _newest_version(ctx)


def first_key(clinic_id: uuid.UUID) -> RegistrationKey:
    """A new clinic's first signing key (made with the clinic, in its system session)."""
    return RegistrationKey(
        clinic_id=clinic_id, key_version=1, secret=secrets.token_bytes(32), retired_at=None, created_by=None
    )


def follows_a_server(ctx: ServiceContext) -> bool:
    """Whether this database is a device's replica enrolled with a clinic server (its sync state
    names the clinic). The server's own database (PostgreSQL, or SQLite in tests) is not."""
    if ctx.session.get_bind().dialect.name != "sqlite":
        return False
    return state.get(ctx.session, state.CLINIC_ID) is not None


def verify_registration_token(db: Database, token: str) -> RegistrationClaim:
    """Check a token from a scanned poster (the server, before the registration form).

    Refuses a malformed token, an unknown clinic or key, a forged signature
    (`RegistrationLinkInvalid`), and a link signed with a retired key (`RegistrationLinkRetired`).
    """
    try:
        claim = tokens.parse(token)
    except tokens.MalformedToken:
        raise RegistrationLinkInvalid() from None
    with db.session(claim.clinic_id) as session:
        key = session.execute(
            select(RegistrationKey.secret, RegistrationKey.retired_at).where(
                RegistrationKey.key_version == claim.version
            )
        ).one_or_none()
        session.rollback()
    if key is None or not tokens.matches(key.secret, claim):
        raise RegistrationLinkInvalid()
    if key.retired_at is not None:
        raise RegistrationLinkRetired()
    return RegistrationClaim(claim.clinic_id, claim.version)


def _current_key(ctx: ServiceContext) -> RegistrationKey | None:
    return ctx.session.scalars(
        select(RegistrationKey)
        .where(RegistrationKey.retired_at.is_(None))
        .order_by(RegistrationKey.key_version.desc())
        .limit(1)
    ).first()


def _newest_version(ctx: ServiceContext) -> int:
    return ctx.session.scalar(select(func.max(RegistrationKey.key_version))) or 0


def _new_key(ctx: ServiceContext, version: int) -> RegistrationKey:
    key = RegistrationKey(
        clinic_id=ctx.clinic_id,
        key_version=version,
        secret=secrets.token_bytes(32),
        retired_at=None,
        created_by=acting_staff_id(ctx),
    )
    ctx.session.add(key)
    ctx.session.flush()
    ctx.audit("registration.key_create", ENTITY, key.id, changed_fields=["key_version", "secret"])
    return key


def _base(base_url: str) -> str:
    base = base_url.strip().rstrip("/")
    parts = urlsplit(base)
    secure = parts.scheme == "https"
    local = parts.scheme == "http" and (parts.hostname or "") in LOCAL_HOSTS
    if not (secure or local) or not parts.hostname or parts.query or parts.fragment:
        raise RegistrationBaseUrlInvalid()
    return base
