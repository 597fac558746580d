"""Signing in, and unlocking a locked desk (SECURITY.md rows 8-10).

Sign-in is the staff service's `authenticate` (password, and a TOTP code for Admin and Manager).
Unlocking asks for the password only: the person already proved their second factor for this
session, which resumes. The password is checked against the staff row like a login (argon2, one
audit row, refused when the account was disabled, its sessions ended, or it got locked), and the
session must still be within its maximum age.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Final

from sqlalchemy import select

from common.audit.chain import AuditEntry, append
from common.audit.models import ActorType, AuditOutcome
from common.database import Database
from common.errors import AuthenticationFailed
from common.staff import totp
from common.staff.auth import MAX_SESSION_AGE, SessionExpired, StaffSession, authenticate
from common.staff.models import StaffUser
from common.staff.passwords import verify_password

UNLOCK_ACTION: Final = "auth.unlock"
MAX_UNLOCK_ATTEMPTS: Final = 5


def sign_in(db: Database, clinic_id: uuid.UUID, email: str, password: str, code: str) -> StaffSession:
    return authenticate(db, clinic_id, email, password, code.strip() or None)


def unlock(db: Database, session: StaffSession, password: str) -> StaffSession:
    """The same session, touched, if `password` is the person's; else AuthenticationFailed
    (or SessionExpired when the session itself has ended)."""
    now = db.clock.now()
    with db.session(session.clinic_id) as store:
        user = store.scalars(select(StaffUser).where(StaffUser.id == session.user_id)).one_or_none()
        usable = (
            user is not None
            and user.is_active
            and user.session_epoch == session.session_epoch
            and user.role == session.role
            and (user.locked_until is None or user.locked_until <= now)
        )
        password_ok = user is not None and verify_password(user.password_hash, password)
        outcome = AuditOutcome.SUCCESS if usable and password_ok else AuditOutcome.DENIED
        entry = AuditEntry(
            actor_type=ActorType.STAFF,
            actor_id=session.user_id,
            device_id=session.device_id,
            action=UNLOCK_ACTION,
            entity_type="staff_user",
            entity_id=session.user_id,
            outcome=outcome,
        )
        append(store, session.clinic_id, db.chain_id, entry, now)
        store.commit()
    if not usable or now - session.started_at >= MAX_SESSION_AGE:
        raise SessionExpired()
    if not password_ok:
        raise AuthenticationFailed()
    return replace(session, last_seen_at=now)


def demo_code_for(email: str, db: Database) -> str:
    """The current TOTP code of a demo login (the demo's secrets are published), else ""."""
    from common.demo import demo_logins

    login = next((item for item in demo_logins() if item.email == email.strip().lower()), None)
    if login is None or login.totp_secret is None:
        return ""
    return totp.code_at_step(login.totp_secret, totp.time_step(db.clock.now()))
