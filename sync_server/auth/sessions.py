"""Sign-in sessions on the server: login, refresh with rotation, logout, and the check every
request makes (SECURITY.md rows 10 and 11).

- A login starts a session and gives an access token (short) and a refresh token (opaque:
  `<clinic id hex>.<random>`; only its SHA-256 is stored).
- A refresh spends its token and returns a new pair. A spent token presented again was copied:
  the whole session is revoked, so the thief's and the owner's tokens both stop working.
- Every request checks its session: not revoked (logout), the person's session epoch unchanged
  (password change, reset, disable, role change), not idle past the idle timeout, not older than
  the maximum age.

Refusals that change state (a revoked family) are committed before the refusal is raised.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import select

from common.audit.chain import AuditEntry, append
from common.audit.models import ActorType, AuditOutcome
from common.context import ServiceContext
from common.database import Database
from common.errors import AuthenticationFailed
from common.ids import new_id
from common.sessions.models import RefreshToken, SignInSession
from common.staff.auth import SessionExpired, StaffSession, authenticate, validate_session
from common.staff.models import StaffUser
from common.storage.session import ClinicSession
from sync_server.auth.tokens import AccessClaims, AccessTokens, InvalidToken

# Requests move a session's last-seen time at most this often (one small write a minute).
TOUCH_INTERVAL: Final = timedelta(minutes=1)
MAX_REFRESH_TOKEN_LENGTH: Final = 200


class RevokedReason:
    LOGOUT: Final = "logout"
    REUSE: Final = "reuse"
    EXPIRED: Final = "expired"


@dataclass(frozen=True)
class SessionPolicy:
    refresh_lifetime: timedelta
    idle_timeout: timedelta
    max_age: timedelta


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    user_id: uuid.UUID
    clinic_id: uuid.UUID
    role: str


@dataclass(frozen=True)
class _ParsedRefresh:
    clinic_id: uuid.UUID
    token_hash: str


class SignInSessions:
    """Login, refresh and logout against one database, token issuer and policy."""

    def __init__(self, db: Database, tokens: AccessTokens, policy: SessionPolicy) -> None:
        self.db = db
        self.tokens = tokens
        self.policy = policy

    # ---- login ------------------------------------------------------------------------------

    def sign_in(self, clinic_id: uuid.UUID, email: str, password: str, totp_code: str | None) -> TokenPair:
        """Check the login (common.staff.auth: lockout, TOTP, audit) and start a session."""
        return self.start(authenticate(self.db, clinic_id, email, password, totp_code))

    def start(self, staff: StaffSession) -> TokenPair:
        """Start a session for a person whose login was just checked."""
        with self.db.session(staff.clinic_id) as session, session.begin():
            row = SignInSession(
                clinic_id=staff.clinic_id,
                id=new_id(),
                user_id=staff.user_id,
                session_epoch=staff.session_epoch,
                started_at=staff.started_at,
                last_seen_at=staff.started_at,
            )
            session.add(row)
            session.flush()
            return self._issue(session, row, staff)

    # ---- refresh ----------------------------------------------------------------------------

    def refresh(self, raw_token: str) -> TokenPair:
        parsed = _parse_refresh(raw_token)
        if parsed is None:
            raise InvalidToken()
        with self.db.session(parsed.clinic_id) as session:
            try:
                pair = self._rotate(session, parsed)
            except AuthenticationFailed:
                session.commit()  # keep the revocation
                raise
            session.commit()
            return pair

    def _rotate(self, session: ClinicSession, parsed: _ParsedRefresh) -> TokenPair:
        now = self.db.clock.now()
        token = session.scalars(
            select(RefreshToken)
            .where(RefreshToken.clinic_id == parsed.clinic_id, RefreshToken.token_hash == parsed.token_hash)
            .with_for_update()
        ).one_or_none()
        if token is None:
            raise InvalidToken()
        row = session.scalars(
            select(SignInSession)
            .where(SignInSession.clinic_id == parsed.clinic_id, SignInSession.id == token.session_id)
            .with_for_update()
        ).one()
        if token.used_at is not None:
            if row.revoked_at is None:
                _revoke(row, now, RevokedReason.REUSE)
                self._audit(session, row, "auth.refresh_reuse", AuditOutcome.DENIED)
            raise InvalidToken()
        if row.revoked_at is not None:
            raise InvalidToken()
        user = session.scalars(select(StaffUser).where(StaffUser.id == row.user_id)).one_or_none()
        try:
            if now >= token.expires_at or user is None:
                raise SessionExpired()
            staff = validate_session(
                StaffSession(
                    row.user_id, row.clinic_id, user.role, row.session_epoch, row.started_at, row.last_seen_at
                ),
                user,
                now,
                idle_timeout=self.policy.idle_timeout,
                max_age=self.policy.max_age,
            )
        except SessionExpired:
            _revoke(row, now, RevokedReason.EXPIRED)
            raise
        token.used_at = now
        row.last_seen_at = now
        return self._issue(session, row, staff)

    # ---- logout -----------------------------------------------------------------------------

    def sign_out(self, ctx: ServiceContext, session_id: uuid.UUID) -> None:
        """End one sign-in session (its access and refresh tokens); other sessions go on."""
        row = ctx.session.scalars(
            select(SignInSession).where(
                SignInSession.clinic_id == ctx.clinic_id, SignInSession.id == session_id
            )
        ).one_or_none()
        if row is not None and row.revoked_at is None:
            _revoke(row, ctx.now(), RevokedReason.LOGOUT)
            ctx.audit("auth.logout", "staff_user", row.user_id)

    # ---- every request ----------------------------------------------------------------------

    def check(self, ctx: ServiceContext, claims: AccessClaims) -> None:
        """Refuse a request whose session has ended; note that it was used."""
        now = ctx.now()
        row = ctx.session.scalars(
            select(SignInSession).where(
                SignInSession.clinic_id == claims.clinic_id, SignInSession.id == claims.session_id
            )
        ).one_or_none()
        if row is None or row.revoked_at is not None or row.user_id != claims.user_id:
            raise SessionExpired()
        user = ctx.session.scalars(select(StaffUser).where(StaffUser.id == claims.user_id)).one_or_none()
        staff = StaffSession(
            claims.user_id,
            claims.clinic_id,
            claims.role,
            claims.session_epoch,
            claims.session_started_at,
            row.last_seen_at,
        )
        validate_session(staff, user, now, idle_timeout=self.policy.idle_timeout, max_age=self.policy.max_age)
        if now - row.last_seen_at >= TOUCH_INTERVAL:
            row.last_seen_at = now

    # ---- helpers ----------------------------------------------------------------------------

    def _issue(self, session: ClinicSession, row: SignInSession, staff: StaffSession) -> TokenPair:
        now = self.db.clock.now()
        secret = secrets.token_urlsafe(32)
        expires = min(now + self.policy.refresh_lifetime, row.started_at + self.policy.max_age)
        session.add(
            RefreshToken(
                clinic_id=row.clinic_id,
                id=new_id(),
                session_id=row.id,
                token_hash=_hash(secret),
                issued_at=now,
                expires_at=expires,
            )
        )
        access = self.tokens.issue(
            user_id=staff.user_id,
            clinic_id=row.clinic_id,
            role=staff.role,
            session_id=row.id,
            session_epoch=staff.session_epoch,
            session_started_at=row.started_at,
        )
        return TokenPair(
            access_token=access.token,
            access_expires_at=access.expires_at,
            refresh_token=f"{row.clinic_id.hex}.{secret}",
            refresh_expires_at=expires,
            user_id=staff.user_id,
            clinic_id=row.clinic_id,
            role=staff.role.value,
        )

    def _audit(self, session: ClinicSession, row: SignInSession, action: str, outcome: AuditOutcome) -> None:
        entry = AuditEntry(
            actor_type=ActorType.STAFF,
            actor_id=row.user_id,
            device_id=None,
            action=action,
            entity_type="staff_user",
            entity_id=row.user_id,
            outcome=outcome,
        )
        append(session, row.clinic_id, self.db.chain_id, entry, self.db.clock.now())


def _revoke(row: SignInSession, now: datetime, reason: str) -> None:
    row.revoked_at = now
    row.revoked_reason = reason


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _parse_refresh(raw: str) -> _ParsedRefresh | None:
    if not raw or len(raw) > MAX_REFRESH_TOKEN_LENGTH:
        return None
    clinic_hex, _, secret = raw.partition(".")
    if len(clinic_hex) != 32 or len(secret) < 32:
        return None
    try:
        clinic_id = uuid.UUID(hex=clinic_hex)
    except ValueError:
        return None
    return _ParsedRefresh(clinic_id, _hash(secret))
