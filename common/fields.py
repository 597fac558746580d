"""Helpers for the fields services take from people: partial updates and free text.

`UNSET` means "leave this field as it is" in a partial update, where `None` means "clear it".
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Final

from common.errors import ValidationFailed
from common.i18n import N_


class Unset(Enum):
    UNSET = "unset"

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset.UNSET


class TextRequired(ValidationFailed):
    code = "text_required"
    message = N_("Enter the %(field)s.")


class TextTooLong(ValidationFailed):
    code = "text_too_long"
    message = N_("The %(field)s is too long: at most %(maximum)s characters.")


class InvalidTextList(ValidationFailed):
    code = "invalid_text_list"
    message = N_("The %(field)s must be a list of short texts (at most %(maximum)s characters each).")


def optional_text(value: str | None, *, field: str, maximum: int | None = None) -> str | None:
    """Stripped text, or None when empty."""
    if value is None:
        return None
    text = value.strip()
    if maximum is not None and len(text) > maximum:
        raise TextTooLong(field=field, maximum=maximum)
    return text or None


def required_text(value: str | None, *, field: str, maximum: int | None = None) -> str:
    text = optional_text(value, field=field, maximum=maximum)
    if text is None:
        raise TextRequired(field=field)
    return text


def text_list(values: Iterable[str] | None, *, field: str, maximum: int = 500) -> list[str]:
    """A list of stripped, non-empty texts (blank entries dropped, order kept)."""
    if values is None:
        return []
    if isinstance(values, str):
        raise InvalidTextList(field=field, maximum=maximum)
    cleaned: list[str] = []
    for value in values:
        if not isinstance(value, str) or len(value.strip()) > maximum:
            raise InvalidTextList(field=field, maximum=maximum)
        if value.strip():
            cleaned.append(value.strip())
    return cleaned
