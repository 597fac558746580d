"""Signing in, and unlocking a locked desk (SECURITY.md rows 8-10).

Sign-in is the staff service's `authenticate` (password, and a TOTP code for Admin and Manager;
on a desk enrolled with a server, the server checks that code: the secret never leaves it; for 12
hours after it did on this PC, an outage does not lock that person out).
Unlocking asks for the password only: the person already proved their second factor for this
session, which resumes. The password is checked against the staff row like a login (argon2, one
audit row, refused when the account was disabled, its sessions ended, or it got locked), and the
session must still be within its maximum age.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import select

from common.audit.chain import AuditEntry, append
from common.audit.models import ActorType, AuditOutcome
from common.database import Database
from common.errors import AuthenticationFailed, DomainError
from common.i18n import N_
from common.staff import totp
from common.staff.auth import MAX_SESSION_AGE, SessionExpired, StaffSession, authenticate, requires_totp
from common.staff.models import StaffUser
from common.staff.passwords import verify_password
from common.sync import state

UNLOCK_ACTION: Final = "auth.unlock"
MAX_UNLOCK_ATTEMPTS: Final = 5
# An Admin or Manager whose code the server checked on this PC within this span signs in here while
# the server cannot be reached: a working day goes on through an outage; a stolen PC's window for a
# guessed password stays short.
OFFLINE_CODE_GRACE: Final = timedelta(hours=12)
OFFLINE_CODE_ACTION: Final = "auth.login_code_unchecked_offline"


class CodeCheckUnreachable(DomainError):
    code = "second_factor_unreachable"
    http_status = 503
    message = N_(
        "An Admin's or Manager's authenticator code is checked by the clinic's server, which this "
        "PC cannot reach right now, and you have not signed in here with your code in the last "
        "%(hours)s hours. Check the connection and try again; other staff can sign in meanwhile."
    )

    def __init__(self) -> None:
        super().__init__(hours=int(OFFLINE_CODE_GRACE.total_seconds() // 3600))


def sign_in(db: Database, clinic_id: uuid.UUID, email: str, password: str, code: str) -> StaffSession:
    """A session for this person, or AuthenticationFailed. On a desk enrolled with a server, an
    Admin's or Manager's code is checked by the server (the secret never reaches the desk); while
    the server cannot be reached, someone whose code it checked on this PC within
    OFFLINE_CODE_GRACE signs in with the password (and the code typed, unchecked), audited as
    such; anyone else gets CodeCheckUnreachable."""
    code = code.strip()
    checking = _code_checked_by(db, clinic_id, email)
    if checking is None:
        return authenticate(db, clinic_id, email, password, code or None)
    server, user_id = checking
    import httpx  # the server's client: only for a desk enrolled with one, not at start-up

    from common.sync.device_admin import server_accepts_sign_in

    accepted = offline = False
    if code:
        try:
            accepted = server_accepts_sign_in(server, clinic_id, email.strip().lower(), password, code)
        except httpx.TransportError:
            if not _code_checked_lately(db, user_id):
                raise CodeCheckUnreachable() from None
            accepted = offline = True
    session = authenticate(db, clinic_id, email, password, code or None, server_checked_code=accepted)
    if offline:
        _audit_offline_code(db, session)
    elif accepted:
        with db.engine.begin() as connection:
            state.put(connection, _checked_key(user_id), db.clock.now().isoformat())
    return session


def _code_checked_by(db: Database, clinic_id: uuid.UUID, email: str) -> tuple[str, uuid.UUID] | None:
    """The server that checks this person's code, and who they are: an enrolled desk's, for a
    person whose role needs a code and whose secret this replica does not hold."""
    from common.sync.enrollment import enrolled_device

    info = enrolled_device(db)
    if info is None:
        return None
    with db.session(clinic_id) as session:
        named = StaffUser.email == email.strip().lower()
        user = session.scalars(select(StaffUser).where(named)).one_or_none()
        if user is None or not requires_totp(user) or user.totp_secret:
            return None
        return info.server_url, user.id


def _checked_key(user_id: uuid.UUID) -> str:
    return f"second_factor_checked:{user_id}"


def _code_checked_lately(db: Database, user_id: uuid.UUID) -> bool:
    checked = state.get(db.engine, _checked_key(user_id))
    if checked is None:
        return False
    # A clock set back does not stretch the window: a check "in the future" does not count.
    return timedelta(0) <= db.clock.now() - datetime.fromisoformat(checked) <= OFFLINE_CODE_GRACE


def _audit_offline_code(db: Database, session: StaffSession) -> None:
    entry = _own_entry(session, OFFLINE_CODE_ACTION, AuditOutcome.SUCCESS)
    with db.session(session.clinic_id) as store, store.begin():
        append(store, session.clinic_id, db.chain_id, entry, db.clock.now())


def _own_entry(session: StaffSession, action: str, outcome: AuditOutcome) -> AuditEntry:
    """An audit link about the signed-in person's own account, by them."""
    return AuditEntry(
        actor_type=ActorType.STAFF,
        actor_id=session.user_id,
        device_id=session.device_id,
        action=action,
        entity_type="staff_user",
        entity_id=session.user_id,
        outcome=outcome,
    )


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
        append(store, session.clinic_id, db.chain_id, _own_entry(session, UNLOCK_ACTION, outcome), now)
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
