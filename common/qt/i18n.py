"""The language a Qt app speaks, switchable at runtime, from the same gettext catalogs as everything
else (common.i18n; no Qt .ts files).

Widgets set their texts in a `retranslate()` method and connect it to
`language().sig_language_changed`; `_()` translates a msgid in the current language. Dates, times
and money are formatted here too, in the current language's conventions (Babel), with times on a
24-hour clock as clinics read them. The application font follows the language, so Han characters
take the shapes each reader expects (Traditional, Simplified or Japanese).
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Final

from babel.dates import format_date as babel_format_date
from babel.dates import format_skeleton
from babel.numbers import format_decimal
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QFont, QGuiApplication

from common.i18n import (
    DEFAULT_LOCALE,
    LANGUAGE_NATIVE_NAMES,
    SUPPORTED_LOCALES,
    money,
    normalize_locale,
    translate,
)
from common.i18n import ngettext as common_ngettext

BABEL_LOCALES: Final = {"en": "en", "zh_TW": "zh_Hant_TW", "zh_CN": "zh_Hans_CN", "ja": "ja_JP"}

# Font families by language, most preferred first: Windows, macOS, then the Noto fonts Linux
# installs (fonts-noto-cjk). The first one present is used; the rest fill in missing glyphs.
_LATIN: Final = ("Segoe UI", "Inter", "Noto Sans", "Helvetica Neue")
FONT_FAMILIES: Final = {
    "en": (*_LATIN, "Noto Sans CJK TC", "Microsoft JhengHei UI", "PingFang TC", "Noto Sans CJK JP"),
    "zh_TW": ("Microsoft JhengHei UI", "PingFang TC", "Noto Sans CJK TC", *_LATIN, "Noto Sans CJK JP"),
    "zh_CN": ("Microsoft YaHei UI", "PingFang SC", "Noto Sans CJK SC", *_LATIN, "Noto Sans CJK TC"),
    "ja": ("Yu Gothic UI", "Hiragino Sans", "Noto Sans CJK JP", *_LATIN, "Noto Sans CJK TC"),
}


class LanguageManager(QObject):
    """The current language; `sig_language_changed(locale)` tells widgets to re-translate."""

    sig_language_changed = Signal(str)

    def __init__(self, locale: str = DEFAULT_LOCALE) -> None:
        super().__init__()
        self._locale = normalize_locale(locale)
        self._font_applied = False

    @property
    def locale(self) -> str:
        return self._locale

    @property
    def babel_locale(self) -> str:
        return BABEL_LOCALES[self._locale]

    def set_locale(self, locale: str) -> None:
        wanted = normalize_locale(locale)
        if wanted == self._locale:
            if not self._font_applied:  # the first language an app sets is the default one
                self._font_applied = True
                apply_font(wanted)
            return
        self._locale = wanted
        self._font_applied = True
        apply_font(wanted)
        self.sig_language_changed.emit(wanted)


_language = LanguageManager()


def language() -> LanguageManager:
    return _language


def _(message: str, /, **params: object) -> str:
    """`message` (a msgid) in the current language, with `%(name)s` placeholders filled."""
    return translate(message, _language.locale, **params)


def ngettext(singular: str, plural: str, count: int, /, **params: object) -> str:
    """The singular or plural msgid for `count` in the current language (`%(count)s` filled)."""
    text = common_ngettext(singular, plural, count, _language.locale)
    return text % {"count": count, **params}


def language_choices() -> list[tuple[str, str]]:
    """(locale, the language's own name) for a language picker."""
    return [(locale, LANGUAGE_NATIVE_NAMES[locale]) for locale in SUPPORTED_LOCALES]


def app_font(locale: str, point_size: float = 0) -> QFont:
    font = QFont()
    font.setFamilies(list(FONT_FAMILIES[normalize_locale(locale)]))
    if point_size:
        font.setPointSizeF(point_size)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    return with_punctuation_for(font, locale)


# OpenType "proportional widths". Noto Sans CJK, the face Linux falls back to for every language,
# draws curly quotes, dashes and the ellipsis full width, as Chinese and Japanese text wants them;
# in English they would leave gaps. Fonts without the feature (Segoe UI) are unchanged.
_PROPORTIONAL: Final = QFont.Tag("pwid")


def with_punctuation_for(font: QFont, locale: str) -> QFont:
    """`font` with punctuation of the widths `locale`'s text expects."""
    adjusted = QFont(font)
    if normalize_locale(locale) == "en":
        adjusted.setFeature(_PROPORTIONAL, 1)
    else:
        adjusted.unsetFeature(_PROPORTIONAL)
    return adjusted


def apply_font(locale: str) -> None:
    app = QGuiApplication.instance()
    if isinstance(app, QGuiApplication):
        size = app.font().pointSizeF()
        QGuiApplication.setFont(app_font(locale, size if size > 0 else 10))


# ---- formatting in the current language -------------------------------------------------------


def format_date(value: date, style: str = "medium") -> str:
    """'Nov 23, 2026' / '2026年11月23日'."""
    return babel_format_date(value, style, locale=_language.babel_locale)


def format_day(value: date) -> str:
    """A short day with its weekday: 'Mon, Nov 23' / '11月23日 週一' / '11月23日(月)'."""
    return format_skeleton("MMMEd", datetime.combine(value, time()), locale=_language.babel_locale)


def format_day_number(value: date) -> str:
    """The weekday and day of month, for narrow calendar headers: 'Mon 23' / '23 週一'."""
    moment = datetime.combine(value, time())
    weekday = format_skeleton("EEE", moment, locale=_language.babel_locale)
    if _language.locale == "en":
        return f"{weekday} {value.day}"
    return f"{value.day}日 {weekday}" if _language.locale != "ja" else f"{value.day}日({weekday})"


def format_weekday(value: date) -> str:
    return format_skeleton("EEEE", datetime.combine(value, time()), locale=_language.babel_locale)


def format_time(value: datetime | time) -> str:
    """Wall-clock time, 24-hour: '09:05'. Give a datetime already in the clinic's zone."""
    return f"{value.hour:02d}:{value.minute:02d}"


def format_datetime(value: datetime) -> str:
    return f"{format_day(value.date())} {format_time(value)}"


def format_money(amount: Decimal | int, currency: str, *, exact: bool = False) -> str:
    """'NT$12,500' (no minor units when the amount is whole) / 'NT$12,500.50'; NT$ in every
    language (common/i18n/money.py). `exact` keeps every place a unit cost has: 'NT$0.35'."""
    return money.format_money(amount, currency, _language.babel_locale, exact=exact)


def format_number(value: int | Decimal) -> str:
    return format_decimal(value, locale=_language.babel_locale)
