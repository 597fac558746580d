"""Money rules shared by the catalog, treatments and payments.

Amounts are `Decimal` in a currency and never carry more places than that currency's minor unit
(Babel's CLDR data: 2 for TWD and USD, 0 for JPY, 3 for KWD). Amounts a person enters are
refused when they are more precise than that, rather than silently rounded; amounts the system
computes (tax, percentage discounts, proportional refunds) are rounded half-up to the minor unit.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from typing import Final

from babel.numbers import get_currency_precision, is_currency

from common.errors import ValidationFailed
from common.i18n import L_, N_

MoneyInput = Decimal | int | str

# Far below NUMERIC(19,4) and SQLite's scaled 64-bit integer, far above any clinic's bill.
MAX_AMOUNT: Final = Decimal("1000000000000")
HUNDRED: Final = Decimal(100)


class UnknownCurrency(ValidationFailed):
    code = "unknown_currency"
    message = N_("%(currency)s is not a currency code. Use a three-letter code such as TWD or USD.")


class InvalidAmount(ValidationFailed):
    code = "invalid_amount"
    message = N_("Enter the amount as a number, such as 1500 or 1500.50.")


class NegativeAmount(ValidationFailed):
    code = "negative_amount"
    message = N_("The %(field)s cannot be negative.")


class AmountNotPositive(ValidationFailed):
    code = "amount_not_positive"
    message = N_("The %(field)s must be more than zero.")


class AmountTooPrecise(ValidationFailed):
    code = "amount_too_precise"
    message = N_("%(currency)s amounts have at most %(places)s decimal places; check the %(field)s.")


class AmountTooLarge(ValidationFailed):
    code = "amount_too_large"
    message = N_("The %(field)s is too large. Check the amount for extra digits.")


class InvalidPercent(ValidationFailed):
    code = "invalid_percent"
    message = N_("A percentage must be between 0 and 100.")


def normalize_currency(code: str) -> str:
    currency = code.strip().upper()
    if not is_currency(currency):
        raise UnknownCurrency(currency=currency[:3])
    return currency


@cache
def currency_places(currency: str) -> int:
    return int(get_currency_precision(currency))


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of the currency: 0.01 TWD, 1 JPY, 0.001 KWD."""
    return Decimal(1).scaleb(-currency_places(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round a computed amount half-up to the currency's minor unit."""
    return amount.quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


def in_currency(amount: Decimal, currency: str) -> Decimal:
    """A stored amount (kept with 4 places) shown at the currency's places: 400.0000 -> 400.00."""
    return round_money(amount, currency)


def to_decimal(value: MoneyInput) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        # A float has already lost cents; refusing it here keeps money exact end to end.
        raise InvalidAmount()
    try:
        number = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        raise InvalidAmount() from None
    if not number.is_finite():
        raise InvalidAmount()
    return number


def parse_money(
    value: MoneyInput, currency: str, *, field: str = L_("amount"), positive: bool = False
) -> Decimal:
    """An amount a person entered: finite, not negative (or more than zero), no finer than the
    currency's minor unit, within range; returned at exactly the currency's places."""
    amount = to_decimal(value)
    if amount < 0:
        raise NegativeAmount(field=field)
    if positive and amount == 0:
        raise AmountNotPositive(field=field)
    if amount >= MAX_AMOUNT:
        raise AmountTooLarge(field=field)
    unit = minor_unit(currency)
    quantized = amount.quantize(unit)
    if quantized != amount:
        raise AmountTooPrecise(currency=currency, places=currency_places(currency), field=field)
    return quantized


def parse_percent(value: MoneyInput) -> Decimal:
    try:
        percent = to_decimal(value)
    except InvalidAmount:
        raise InvalidPercent() from None
    if not 0 <= percent <= HUNDRED:
        raise InvalidPercent()
    return percent


def percent_of(amount: Decimal, percent: MoneyInput, currency: str) -> Decimal:
    """`percent`% of `amount`, rounded half-up to the minor unit (15% of 1999 TWD = 299.85)."""
    return round_money(amount * parse_percent(percent) / HUNDRED, currency)
