"""How people's names are shown: CJK names family name first with no space (陳怡君), others
given name first (Emily Chen)."""

from __future__ import annotations

import unicodedata


def _is_cjk(text: str) -> bool:
    return any(unicodedata.east_asian_width(ch) in ("W", "F") for ch in text)


def display_name(first_name: str, last_name: str) -> str:
    first, last = first_name.strip(), last_name.strip()
    if _is_cjk(first) and _is_cjk(last):
        return f"{last}{first}"
    return f"{first} {last}".strip()
