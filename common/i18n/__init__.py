"""One translation system for everything a person reads: gettext catalogs (Babel).

Messages are marked with `N_` where they are defined and translated where they are shown,
in the reader's locale: a service raising an error does not know who will read it.
Catalogs are the `.po` files under `locale/`; they are compiled in memory on first use,
so there is no build step to forget.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Final

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

SUPPORTED_LOCALES: Final = ("en", "zh_TW", "zh_CN", "ja")
DEFAULT_LOCALE: Final = "en"
LOCALE_DIR: Final = Path(__file__).with_name("locale")
DOMAIN: Final = "messages"

# The names each language has for itself, for language buttons.
LANGUAGE_NATIVE_NAMES: Final = {
    "en": "English",
    "zh_TW": "繁體中文",
    "zh_CN": "简体中文",
    "ja": "日本語",
}


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, when shown."""
    return message


class LazyText(str):
    """A msgid used as a placeholder value (e.g. a field's name inside an error message):
    `translate` translates it along with the sentence it is put into."""

    __slots__ = ()


def L_(message: str) -> LazyText:
    """Mark a placeholder value for extraction and for translation when the message is shown."""
    return LazyText(message)


def normalize_locale(locale: str | None) -> str:
    """Map 'zh-TW', 'ZH_tw', 'zh_Hant', 'ja_JP'... to one of SUPPORTED_LOCALES."""
    if not locale:
        return DEFAULT_LOCALE
    tag = locale.replace("-", "_")
    if tag in SUPPORTED_LOCALES:
        return tag
    try:
        parsed = Locale.parse(tag)
    except (ValueError, TypeError):
        return DEFAULT_LOCALE
    if parsed.language == "zh":
        traditional = parsed.script == "Hant" or parsed.territory in {"TW", "HK", "MO"}
        return "zh_TW" if traditional else "zh_CN"
    return parsed.language if parsed.language in SUPPORTED_LOCALES else DEFAULT_LOCALE


@cache
def translations(locale: str) -> NullTranslations:
    locale = normalize_locale(locale)
    po_path = LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def gettext(message: str, locale: str | None = None) -> str:
    return translations(normalize_locale(locale)).gettext(message)


def ngettext(singular: str, plural: str, n: int, locale: str | None = None) -> str:
    return translations(normalize_locale(locale)).ngettext(singular, plural, n)


def translate(message: str, locale: str | None = None, **params: object) -> str:
    """Translate and fill `%(name)s` placeholders."""
    text = gettext(message, locale)
    if not params:
        return text
    values = {
        name: gettext(value, locale) if isinstance(value, LazyText) else value
        for name, value in params.items()
    }
    return text % values
