"""How patients are found: folded names and one searchable text per patient.

Folding (common/text/folding.py) makes search case-, accent-, width-, script- and
kana-insensitive ("José" = "jose", "ＭＡＲＩＡ" = "maria", "陳" = "陈", "サトウ" = "さとう"),
while Japanese voicing marks are kept, so が never matches か. Full names are indexed both ways
round and, for CJK names, without a space ("王小明" finds 王 小明).
"""

from __future__ import annotations

import unicodedata

from common.text.folding import fold

__all__ = ["fold", "phone_digits", "search_text"]


def phone_digits(phone: str | None) -> str | None:
    if not phone:
        return None
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", phone) if ch.isdigit())
    return digits or None


def search_text(
    first_name: str,
    last_name: str,
    *,
    email: str | None = None,
    phone: str | None = None,
    barcode: str | None = None,
) -> str:
    first, last = fold(first_name), fold(last_name)
    parts = [f"{first} {last}", f"{last} {first}", f"{last}{first}", fold(email)]
    digits = phone_digits(phone)
    if digits:
        parts.append(digits)
    if barcode:
        parts.append(barcode.replace("-", "").upper().casefold())
    return " | ".join(part for part in parts if part)
