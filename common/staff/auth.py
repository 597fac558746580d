"""Staff login and session checks (SECURITY.md rows 8-11).

Every refusal an unauthenticated caller can see is the same `AuthenticationFailed`, with the same
message and about the same cost (one argon2 verification), whether the email is unknown, the
password or code is wrong, the account is disabled or it is locked: nothing tells an attacker
which emails exist. The reason is kept in the audit log, by user id, never by email.

Login is its own unit of work: a failed attempt is recorded (counter, lock, audit row) and
committed before the refusal is raised.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import select

from common.access.permissions import TOTP_REQUIRED_ROLES
from common.audit.chain import AuditEntry, append
from common.audit.models import ActorType, AuditOutcome
from common.context import Actor
from common.database import Database
from common.errors import AuthenticationFailed
from common.i18n import N_
from common.staff import totp
from common.staff.models import Role, StaffUser
from common.staff.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password
from common.storage.session import ClinicSession, load_clinic

log = logging.getLogger(__name__)

MAX_FAILED_LOGINS: Final = 5
LOCKOUT: Final = timedelta(minutes=15)
IDLE_TIMEOUT: Final = timedelta(minutes=15)
MAX_SESSION_AGE: Final = timedelta(hours=12)

LOGIN_ACTION: Final = "auth.login"
LOCKOUT_ACTION: Final = "auth.lockout"


class SessionExpired(AuthenticationFailed):
    code = "session_expired"
    message = N_("Your session has ended. Please sign in again.")


@dataclass(frozen=True)
class StaffSession:
    """What a signed-in person holds; checked against their row on every use."""

    user_id: uuid.UUID
    clinic_id: uuid.UUID
    role: Role
    session_epoch: int
    started_at: datetime
    last_seen_at: datetime
    device_id: uuid.UUID | None = None

    def actor(self) -> Actor:
        return Actor.staff(self.user_id, self.role, self.device_id)


def requires_totp(user: StaffUser) -> bool:
    return user.role in TOTP_REQUIRED_ROLES or user.two_factor_enabled


def authenticate(
    db_or_session: Database | ClinicSession,
    clinic_id: uuid.UUID,
    email: str,
    password: str,
    totp_code: str | None,
    *,
    device_id: uuid.UUID | None = None,
    chain_id: str | None = None,
    server_checked_code: bool = False,
) -> StaffSession:
    """Check a login; return a session or raise `AuthenticationFailed`.

    Given a `Database`, runs in its own transaction. Given a session (of `clinic_id`), uses it and
    commits it, also when refusing: the failure must be recorded. `server_checked_code`: the
    clinic's server has just accepted this person's authenticator code (a desk's replica never
    holds the TOTP secret, so it cannot check the code itself); it counts only where the secret is
    absent, never on the server.
    """
    if isinstance(db_or_session, Database):
        with db_or_session.session(clinic_id) as session:
            return _authenticate(
                session,
                clinic_id,
                email,
                password,
                totp_code,
                device_id,
                chain_id or db_or_session.chain_id,
                server_checked_code,
            )
    if db_or_session.clinic_id != clinic_id:
        raise ValueError("the session belongs to another clinic")
    return _authenticate(
        db_or_session,
        clinic_id,
        email,
        password,
        totp_code,
        device_id,
        chain_id or "local",
        server_checked_code,
    )


def _authenticate(
    session: ClinicSession,
    clinic_id: uuid.UUID,
    email: str,
    password: str,
    totp_code: str | None,
    device_id: uuid.UUID | None,
    chain_id: str,
    server_checked_code: bool = False,
) -> StaffSession:
    now = session.clock.now()
    user = session.scalars(
        select(StaffUser).where(StaffUser.email == email.strip().lower()).with_for_update()
    ).one_or_none()

    if user is None:
        verify_password(DUMMY_HASH, password)
        if load_clinic(session, clinic_id) is not None:
            _audit(session, clinic_id, chain_id, now, None, device_id, LOGIN_ACTION, AuditOutcome.DENIED)
        session.commit()
        raise AuthenticationFailed()

    password_ok = verify_password(user.password_hash, password)
    step = _totp_step(user, totp_code, now) if requires_totp(user) else None
    checked_elsewhere = server_checked_code and not user.totp_secret
    second_factor_ok = step is not None or checked_elsewhere or not requires_totp(user)

    if user.locked_until is not None and user.locked_until <= now:
        user.locked_until = None
        user.failed_login_count = 0
    locked = user.locked_until is not None

    if not user.is_active or locked:
        _audit(session, clinic_id, chain_id, now, user.id, device_id, LOGIN_ACTION, AuditOutcome.DENIED)
        session.commit()
        raise AuthenticationFailed()

    if not (password_ok and second_factor_ok):
        user.failed_login_count += 1
        _audit(session, clinic_id, chain_id, now, user.id, device_id, LOGIN_ACTION, AuditOutcome.DENIED)
        if user.failed_login_count >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            _audit(
                session, clinic_id, chain_id, now, user.id, device_id, LOCKOUT_ACTION, AuditOutcome.SUCCESS
            )
        session.commit()
        raise AuthenticationFailed()

    user.failed_login_count = 0
    user.locked_until = None
    user.last_login = now
    if step is not None:
        user.totp_last_used_step = step
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    _audit(session, clinic_id, chain_id, now, user.id, device_id, LOGIN_ACTION, AuditOutcome.SUCCESS)
    started = StaffSession(user.id, clinic_id, user.role, user.session_epoch, now, now, device_id)
    session.commit()
    return started


def _totp_step(user: StaffUser, code: str | None, now: datetime) -> int | None:
    """The step of a valid, not yet used code; None if the code is missing, wrong or used."""
    if not user.totp_secret or not code:
        return None
    try:
        step = totp.matching_step(user.totp_secret, code, now)
    except ValueError:  # not base32, or shorter than the 112 bits pyotp (and NIST) require
        log.warning("staff user %s has an unusable TOTP secret; reset their second factor", user.id)
        return None
    if step is None:
        return None
    if user.totp_last_used_step is not None and step <= user.totp_last_used_step:
        return None
    return step


def _audit(
    session: ClinicSession,
    clinic_id: uuid.UUID,
    chain_id: str,
    now: datetime,
    user_id: uuid.UUID | None,
    device_id: uuid.UUID | None,
    action: str,
    outcome: AuditOutcome,
) -> None:
    entry = AuditEntry(
        actor_type=ActorType.SYSTEM if user_id is None else ActorType.STAFF,
        actor_id=user_id,
        device_id=device_id,
        action=action,
        entity_type="staff_user",
        entity_id=user_id,
        outcome=outcome,
    )
    append(session, clinic_id, chain_id, entry, now)


def validate_session(
    session_obj: StaffSession,
    user_row: StaffUser | None,
    now: datetime,
    *,
    idle_timeout: timedelta = IDLE_TIMEOUT,
    max_age: timedelta = MAX_SESSION_AGE,
) -> StaffSession:
    """Refuse a session that has ended; otherwise return it with `last_seen_at` moved to `now`.

    A session ends when its epoch is no longer the user's (password change, reset, disable,
    role change, logout everywhere), the user is gone or disabled, it was idle for
    `idle_timeout`, or it began `max_age` ago.
    """
    if (
        user_row is None
        or user_row.id != session_obj.user_id
        or user_row.clinic_id != session_obj.clinic_id
        or user_row.deleted_at is not None
        or not user_row.is_active
        or user_row.session_epoch != session_obj.session_epoch
        or user_row.role != session_obj.role
        or now - session_obj.last_seen_at >= idle_timeout
        or now - session_obj.started_at >= max_age
    ):
        raise SessionExpired()
    return replace(session_obj, last_seen_at=now)


def resume_session(db: Database, session_obj: StaffSession) -> StaffSession:
    """Check a session against the person's current row, now; return it touched, or raise."""
    with db.session(session_obj.clinic_id) as session:
        user = session.scalars(select(StaffUser).where(StaffUser.id == session_obj.user_id)).one_or_none()
        return validate_session(session_obj, user, db.clock.now())
