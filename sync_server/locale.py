"""The reader's language, from the request's Accept-Language header (one of SUPPORTED_LOCALES)."""

from __future__ import annotations

from typing import Final

from starlette.datastructures import Headers
from starlette.requests import HTTPConnection

from common.i18n import DEFAULT_LOCALE, normalize_locale

MAX_LANGUAGES: Final = 20


def preferred_locale(accept_language: str | None) -> str:
    """The supported locale the header ranks highest ('zh-TW,zh;q=0.9,en;q=0.8' -> 'zh_TW')."""
    if not accept_language:
        return DEFAULT_LOCALE
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")[:MAX_LANGUAGES]):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        if not tag or tag == "*":
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, tag))
    for _quality, _position, tag in sorted(ranked):
        locale = normalize_locale(tag)
        if locale != DEFAULT_LOCALE or tag.lower().startswith("en"):
            return locale
    return DEFAULT_LOCALE


def request_locale(connection: HTTPConnection) -> str:
    return preferred_locale(connection.headers.get("accept-language"))


def scope_locale(headers: Headers) -> str:
    return preferred_locale(headers.get("accept-language"))
