"""Password hashing: argon2id at or above OWASP's floor (SECURITY.md row 6).

Passwords are NFKC-normalised before hashing and verifying (NIST SP 800-63B 5.1.1.2), so the
same password typed on another keyboard or input method still matches. Nothing is truncated:
argon2 hashes the whole password.
"""

from __future__ import annotations

import unicodedata
from typing import Final

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# OWASP's minimum for argon2id: m=19 MiB, t=2, p=1.
MEMORY_KIB: Final = 19_456
TIME_COST: Final = 2
PARALLELISM: Final = 1

_hasher = PasswordHasher(
    time_cost=TIME_COST,
    memory_cost=MEMORY_KIB,
    parallelism=PARALLELISM,
    hash_len=32,
    salt_len=16,
    type=Type.ID,
)


def normalize_password(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str) -> str:
    return _hasher.hash(normalize_password(password))


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, normalize_password(password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True for hashes made with weaker parameters (or another algorithm): upgrade at login."""
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


# Verified against when the email is unknown, so both failures take the same time.
DUMMY_HASH: Final = hash_password("not-a-real-password-used-for-timing-only")
