"""The registration token: pure signing and parsing, no database.

    token = base64url( format(1) | clinic id (16) | key version (2, big-endian) | MAC (16) )

MAC = the first 16 bytes of HMAC-SHA256(key, "clinic-registration" | format | clinic id | version).
47 URL-safe characters, no padding: short enough for a QR code a phone reads from across a room.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from typing import Final

FORMAT: Final = 1
DOMAIN: Final = b"clinic-registration"
MAC_BYTES: Final = 16
TOKEN_BYTES: Final = 1 + 16 + 2 + MAC_BYTES
MAX_VERSION: Final = 0xFFFF


class MalformedToken(ValueError):
    """Not a registration token of this format."""


@dataclass(frozen=True)
class TokenClaim:
    clinic_id: uuid.UUID
    version: int
    mac: bytes


def _message(clinic_id: uuid.UUID, version: int) -> bytes:
    return DOMAIN + bytes([FORMAT]) + clinic_id.bytes + version.to_bytes(2, "big")


def mac(secret: bytes, clinic_id: uuid.UUID, version: int) -> bytes:
    return hmac.new(secret, _message(clinic_id, version), hashlib.sha256).digest()[:MAC_BYTES]


def sign(secret: bytes, clinic_id: uuid.UUID, version: int) -> str:
    if not 1 <= version <= MAX_VERSION:
        raise ValueError("key version out of range")
    raw = bytes([FORMAT]) + clinic_id.bytes + version.to_bytes(2, "big") + mac(secret, clinic_id, version)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def parse(token: str) -> TokenClaim:
    """The claim a token makes (not yet verified)."""
    text = token.strip()
    if not text or len(text) > 64 or not all(c.isalnum() or c in "-_" for c in text):
        raise MalformedToken()
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise MalformedToken() from None
    if len(raw) != TOKEN_BYTES or raw[0] != FORMAT:
        raise MalformedToken()
    clinic_id = uuid.UUID(bytes=raw[1:17])
    version = int.from_bytes(raw[17:19], "big")
    return TokenClaim(clinic_id, version, raw[19:])


def matches(secret: bytes, claim: TokenClaim) -> bool:
    return hmac.compare_digest(mac(secret, claim.clinic_id, claim.version), claim.mac)
