"""Amounts with their currency symbol, as a reader of a language reads them: the one rule the desk's
screens (common/qt/i18n.py) and its PDFs (common/printing/formatting.py) share.

The symbol is CLDR's for the reader's language, except a bare "$": in Traditional Chinese that is
the New Taiwan dollar, in English the US one, and neither reader can tell which is meant. Then the
prefixed form is shown, the same in every language: NT$, US$, HK$.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Final

from babel import Locale
from babel.numbers import NumberPattern, get_currency_precision, get_currency_symbol

AMBIGUOUS_SYMBOL: Final = "$"
# Stored amounts keep four places (common/storage/types.Money); unit costs may use them all.
STORED_PLACES: Final = 4


def currency_symbol(currency: str, babel_locale: str) -> str:
    """'NT$' for TWD in every language; otherwise CLDR's symbol for the language ('¥', 'HK$')."""
    local = get_currency_symbol(currency, babel_locale)
    if local != AMBIGUOUS_SYMBOL:
        return local
    english = get_currency_symbol(currency, "en")
    # English prefixes every dollar but its own; the ISO code's country letters make that one US$.
    return english if english != AMBIGUOUS_SYMBOL else f"{currency[:2]}{AMBIGUOUS_SYMBOL}"


def format_money(amount: Decimal | int, currency: str, babel_locale: str, *, exact: bool = False) -> str:
    """'NT$12,500' (no minor units when the amount is whole), 'NT$12,500.50' (the currency's places).

    `exact` shows every place the amount has (up to the four stored), for unit costs: NT$0.35,
    NT$0.1234, ¥0.35; a whole amount still shows none."""
    value = Decimal(amount)
    whole = value == value.to_integral_value()
    places = 0 if whole else int(get_currency_precision(currency))
    pattern = _pattern(babel_locale, currency_symbol(currency, babel_locale), places)
    if exact and not whole:
        value = value.quantize(Decimal(1).scaleb(-STORED_PLACES)).normalize()
    shown = pattern.apply(
        value, babel_locale, currency=currency, currency_digits=False, decimal_quantization=not exact
    )
    return str(shown)


@cache
def _pattern(babel_locale: str, symbol: str, places: int) -> NumberPattern:
    """The language's currency pattern (symbol before or after, sign) with `symbol` and `places`."""
    standard = Locale.parse(babel_locale).currency_formats["standard"]

    def with_symbol(parts: tuple[str, str]) -> tuple[str, str]:
        return (parts[0].replace("¤", symbol), parts[1].replace("¤", symbol))

    return NumberPattern(
        standard.pattern,
        with_symbol(standard.prefix),
        with_symbol(standard.suffix),
        standard.grouping,
        standard.int_prec,
        (places, places),
        standard.exp_prec,
        standard.exp_plus,
        standard.number_pattern,
    )
