"""Time-based one-time codes (RFC 6238): 30-second steps, at most one step of drift.

`matching_step` tells which step a code belongs to, so a login can store it and refuse the
same code (or an older one) the next time: each code is usable once (SECURITY.md row 8).
"""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Final

import pyotp

STEP_SECONDS: Final = 30
DIGITS: Final = 6
# Steps either side of now that are still accepted (clock drift between phone and server).
DRIFT_STEPS: Final = 1


def new_secret() -> str:
    """A random 160-bit base32 secret, as RFC 4226 recommends."""
    return pyotp.random_base32(length=32)


def time_step(at: datetime) -> int:
    return int(at.timestamp()) // STEP_SECONDS


def code_at_step(secret: str, step: int, *, digits: int = DIGITS) -> str:
    return pyotp.TOTP(secret, digits=digits, interval=STEP_SECONDS).generate_otp(step)


def matching_step(
    secret: str, code: str, at: datetime, *, digits: int = DIGITS, drift: int = DRIFT_STEPS
) -> int | None:
    """The step within `drift` of `at` whose code is `code`, or None. Compared in constant time."""
    candidate = "".join(code.split())
    if len(candidate) != digits or not candidate.isdigit():
        return None
    now_step = time_step(at)
    found: int | None = None
    for step in range(now_step - drift, now_step + drift + 1):
        if hmac.compare_digest(code_at_step(secret, step, digits=digits), candidate):
            found = step if found is None else max(found, step)
    return found


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads from a QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=account, issuer_name=issuer
    )
