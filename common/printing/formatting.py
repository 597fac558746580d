"""Values shown in the reader's language: numbers, money, percentages, dates and periods.

Reports keep raw values (`common.reports.model`); this is where they become text, for the PDF
(grouped digits, localized dates) and for CSV (plain, machine-readable figures).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Final
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_skeleton
from babel.numbers import format_compact_decimal, format_decimal, format_percent

from common.i18n import N_, LazyText, gettext, money, normalize_locale, translate
from common.payments.money import currency_places
from common.reports.model import Cell, ValueKind

EMPTY: Final = "–"
_BABEL_LOCALE: Final = {"en": "en", "zh_TW": "zh_Hant_TW", "zh_CN": "zh_Hans_CN", "ja": "ja_JP"}


def babel_locale(locale: str) -> str:
    return _BABEL_LOCALE[normalize_locale(locale)]


_THIN_SPACES: Final = str.maketrans({"\u202f": "\u00a0", "\u2009": " ", "\u2007": " "})


def plain_spaces(value: str) -> str:
    """CLDR puts narrow no-break spaces in times ("11:30\u202fAM"); print them as ordinary ones."""
    return value.translate(_THIN_SPACES)


def text(value: str, locale: str) -> str:
    """A msgid (`LazyText`) translated; data shown as it is."""
    return gettext(value, locale) if isinstance(value, LazyText) else value


def money_pattern(currency: str) -> str:
    places = currency_places(currency)
    return "#,##0" + ("." + "0" * places if places else "")


def cell(value: Cell, kind: ValueKind, locale: str, currency: str) -> str:
    if value is None:
        return EMPTY
    where = babel_locale(locale)
    if isinstance(value, str):
        return text(value, locale)
    if isinstance(value, date):
        return period(value, kind, locale)
    if kind is ValueKind.MONEY:
        shown = format_decimal(value, format=money_pattern(currency), locale=where, decimal_quantization=True)
    elif kind is ValueKind.PERCENT:
        shown = format_percent(value, format="#,##0.0%", locale=where, decimal_quantization=True)
    elif kind in (ValueKind.MINUTES, ValueKind.DAYS):
        shown = format_decimal(value, format="#,##0.#", locale=where)
    else:
        shown = format_decimal(value, format="#,##0", locale=where)
    return plain_spaces(shown)


def figure(value: Cell, kind: ValueKind, locale: str, currency: str) -> str:
    """A key figure, on a report's first page and on the Reports screen alike: money with its
    symbol, whole amounts without minor units ('NT$12,500'); any other kind as a table shows it."""
    if kind is ValueKind.MONEY and isinstance(value, Decimal | int):
        return plain_spaces(money.format_money(value, currency, babel_locale(locale)))
    return cell(value, kind, locale, currency)


def period(day: date, kind: ValueKind, locale: str) -> str:
    where = babel_locale(locale)
    if kind is ValueKind.MONTH:
        return format_skeleton("yMMMM", day, locale=where)
    if kind is ValueKind.WEEK:
        return translate(N_("Week of %(date)s"), locale, date=format_skeleton("yMMMd", day, locale=where))
    if kind is ValueKind.DAY:
        return format_skeleton("yMMMEd", day, locale=where)
    return format_date(day, "medium", locale=where)


def short_period(day: date, kind: ValueKind, locale: str) -> str:
    """Compact axis labels: "Nov 23", "Nov 2026"."""
    where = babel_locale(locale)
    if kind is ValueKind.MONTH:
        return format_skeleton("yMMM", day, locale=where)
    return format_skeleton("MMMd", day, locale=where)


def compact(value: int | Decimal | float, locale: str) -> str:
    """Axis ticks: 1.2K, 3.4M (120萬 in Chinese)."""
    return format_compact_decimal(value, locale=babel_locale(locale), fraction_digits=1)


def long_date(day: date, locale: str) -> str:
    return format_date(day, "long", locale=babel_locale(locale))


def moment(instant: datetime, zone: ZoneInfo, locale: str) -> str:
    return plain_spaces(
        format_datetime(instant.astimezone(zone), "medium", tzinfo=zone, locale=babel_locale(locale))
    )


def csv_cell(value: Cell, kind: ValueKind, locale: str) -> str:
    """Plain figures a spreadsheet reads back: 1234.50, 12.35 (percent), 2026-11-23, 2026-11."""
    if value is None:
        return ""
    if isinstance(value, str):
        return text(value, locale)
    if isinstance(value, date):
        return value.strftime("%Y-%m") if kind is ValueKind.MONTH else value.isoformat()
    if kind is ValueKind.PERCENT:
        return str((Decimal(value) * 100).quantize(Decimal("0.01")))
    return str(value)
