"""Access tokens: short-lived JWTs naming a staff member, their clinic and their sign-in session.

Checked on every use (SECURITY.md row 12): the algorithm is pinned (HS256; `none` and every other
algorithm are refused before the signature is even looked at), the signature, the issuer, the
audience (`clinic-api`), the token type (`access`: a refresh or device token is not one), and the
expiry against the server's clock (so tests can freeze it). A token failing any check is simply
not a credential: 401, with the same message whatever the reason.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Final

import jwt

from common.clock import Clock
from common.errors import AuthenticationFailed
from common.i18n import N_
from common.staff.models import Role

ALGORITHM: Final = "HS256"
ISSUER: Final = "clinic-server"
AUDIENCE: Final = "clinic-api"
MAX_TOKEN_LENGTH: Final = 4096
# A token issued by a server whose clock runs slightly ahead is still accepted.
CLOCK_SKEW: Final = timedelta(seconds=30)
REQUIRED_CLAIMS: Final = ("iss", "aud", "sub", "typ", "iat", "exp", "cid", "sid", "role", "epoch", "sst")


class TokenType(StrEnum):
    ACCESS = "access"
    REFRESH = "refresh"
    DEVICE = "device"


class InvalidToken(AuthenticationFailed):
    code = "invalid_token"
    message = N_("Your session has ended or is not valid. Please sign in again.")


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    clinic_id: uuid.UUID
    role: Role
    session_id: uuid.UUID
    session_epoch: int
    session_started_at: datetime
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime


class AccessTokens:
    """Issues and checks access tokens with one key, lifetime and clock."""

    def __init__(self, secret: bytes, lifetime: timedelta, clock: Clock) -> None:
        self._secret = secret
        self.lifetime = lifetime
        self._clock = clock

    def issue(
        self,
        *,
        user_id: uuid.UUID,
        clinic_id: uuid.UUID,
        role: Role,
        session_id: uuid.UUID,
        session_epoch: int,
        session_started_at: datetime,
    ) -> IssuedToken:
        now = self._clock.now()
        expires = now + self.lifetime
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "typ": TokenType.ACCESS.value,
            "sub": str(user_id),
            "cid": str(clinic_id),
            "sid": str(session_id),
            "role": role.value,
            "epoch": session_epoch,
            "sst": _seconds(session_started_at),
            "iat": _seconds(now),
            "exp": _seconds(expires),
            "jti": uuid.uuid4().hex,
        }
        return IssuedToken(jwt.encode(claims, self._secret, algorithm=ALGORITHM), _at(_seconds(expires)))

    def verify(self, token: str) -> AccessClaims:
        claims = self._checked_claims(token)
        if claims.get("typ") != TokenType.ACCESS.value:
            raise InvalidToken()
        try:
            parsed = AccessClaims(
                user_id=uuid.UUID(str(claims["sub"])),
                clinic_id=uuid.UUID(str(claims["cid"])),
                role=Role(claims["role"]),
                session_id=uuid.UUID(str(claims["sid"])),
                session_epoch=_integer(claims["epoch"]),
                session_started_at=_at(_integer(claims["sst"])),
                issued_at=_at(_integer(claims["iat"])),
                expires_at=_at(_integer(claims["exp"])),
            )
        except (KeyError, TypeError, ValueError, OverflowError, OSError):
            raise InvalidToken() from None
        now = self._clock.now()
        if now >= parsed.expires_at or parsed.issued_at > now + CLOCK_SKEW:
            raise InvalidToken()
        return parsed

    def _checked_claims(self, token: str) -> dict[str, Any]:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken()
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") != ALGORITHM:
                raise InvalidToken()
            claims: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                # Times are checked against our clock below, not the machine's.
                options={
                    "require": list(REQUIRED_CLAIMS),
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.PyJWTError:
            raise InvalidToken() from None
        return claims


def _seconds(instant: datetime) -> int:
    return int(instant.timestamp())


def _at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("not an integer claim")
    return value
