"""What makes an acceptable staff password (SECURITY.md row 7, NIST SP 800-63B).

Length is what counts: 8 characters at least, up to 128 accepted and never truncated. There are
no composition rules (no "one digit, one symbol"); instead a password is refused if it is in a
list of common breached passwords, or is built from the person's own name or email address.
All comparisons ignore case.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Final

from common.errors import ValidationFailed
from common.i18n import N_
from common.staff.passwords import normalize_password

MIN_LENGTH: Final = 8
MAX_LENGTH: Final = 128
# A name part shorter than this is only refused as the whole password, not inside a longer one
# ("Wu" inside a passphrase is no weakness).
MIN_PERSONAL_TOKEN: Final = 3

_TOKEN_SEPARATORS: Final = re.compile(r"[\s._+\-]+")


class PasswordTooShort(ValidationFailed):
    code = "password_too_short"
    message = N_(
        "The password must be at least %(minimum)s characters long. A short phrase is easy to remember."
    )


class PasswordTooLong(ValidationFailed):
    code = "password_too_long"
    message = N_("The password can be at most %(maximum)s characters long.")


class PasswordBreached(ValidationFailed):
    code = "password_breached"
    message = N_(
        "This password appears in lists of leaked passwords, so it is easy to guess. "
        "Please choose another one."
    )


class PasswordPersonal(ValidationFailed):
    code = "password_personal"
    message = N_("The password must not contain your name or the name part of your email address.")


def check_password(password: str, *, email: str = "", names: Iterable[str] = ()) -> None:
    """Refuse a password that breaks the policy; return quietly when it is acceptable."""
    normalized = normalize_password(password)
    if len(normalized) < MIN_LENGTH:
        raise PasswordTooShort(minimum=MIN_LENGTH)
    if len(normalized) > MAX_LENGTH:
        raise PasswordTooLong(maximum=MAX_LENGTH)
    folded = normalized.casefold()
    if folded.strip() in breached_passwords():
        raise PasswordBreached()
    if _uses_personal_details(folded, email, names):
        raise PasswordPersonal()


def _uses_personal_details(folded: str, email: str, names: Iterable[str]) -> bool:
    compact = _TOKEN_SEPARATORS.sub("", folded)
    for token in personal_tokens(email, names):
        if folded == token or compact == token:
            return True
        if len(token) >= MIN_PERSONAL_TOKEN and (token in folded or token in compact):
            return True
    return False


def personal_tokens(email: str, names: Iterable[str]) -> frozenset[str]:
    """The email's local part and the names, whole and in their parts, case-folded."""
    name_list = [normalize_password(name).casefold() for name in names if name.strip()]
    sources = list(name_list)
    local_part = normalize_password(email).casefold().strip().partition("@")[0]
    if local_part:
        sources.append(local_part)
    tokens: set[str] = set()
    for source in sources:
        tokens.add(_TOKEN_SEPARATORS.sub("", source))
        tokens.update(_TOKEN_SEPARATORS.split(source))
    tokens.add("".join(_TOKEN_SEPARATORS.sub("", name) for name in name_list))
    return frozenset(token for token in tokens if token)


@cache
def breached_passwords() -> frozenset[str]:
    """Django's list of common passwords (BSD licence, see data/NOTICE), lower-cased."""
    data = resources.files("common.staff").joinpath("data/common-passwords.txt.gz").read_bytes()
    text = gzip.decompress(data).decode("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())
