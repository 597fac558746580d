"""Every string a person can read exists in all four languages, with the same placeholders; amounts
read the same on the desk's screens and its PDFs, with a currency symbol no reader can mistake."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from babel.numbers import list_currencies

from common.errors import DomainError
from common.i18n import LOCALE_DIR, SUPPORTED_LOCALES, normalize_locale, translate
from common.i18n.money import currency_symbol, format_money
from common.printing import formatting
from common.qt import i18n as screen_text
from common.reports.model import ValueKind

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"N_": None, "L_": None, "_": None, "gettext": None, "translate": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def source_messages() -> set[str]:
    found: set[str] = set()
    for package in ("common", "desktop", "kiosk", "sync_server"):
        if not (ROOT / package).exists():
            continue
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            found.update([message] if isinstance(message, str) else [m for m in message if m])
    return found


def catalog(locale: str):
    with (LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_source_message_is_in_the_catalog(locale):
    known = {part for m in catalog(locale) if m.id for part in ([m.id] if isinstance(m.id, str) else m.id)}
    assert sorted(source_messages() - known) == [], "run scripts/i18n.sh and translate"


@pytest.mark.parametrize("locale", [loc for loc in SUPPORTED_LOCALES if loc != "en"])
def test_every_message_is_translated_with_the_same_placeholders(locale):
    problems = []
    for message in catalog(locale):
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        expected = set(PLACEHOLDER.findall(ids[0]))
        for text in strings:
            if set(PLACEHOLDER.findall(text)) != expected:
                problems.append(f"placeholders differ: {ids[0]!r} -> {text!r}")
    assert problems == []


def test_every_domain_error_message_is_translated():
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    import importlib
    import pkgutil

    import common

    # Load every feature module so all its errors are defined.
    for module in pkgutil.walk_packages(common.__path__, "common."):
        if not module.name.startswith(("common.qt", "common.storage.migrations")):
            importlib.import_module(module.name)

    for error_class in subclasses(DomainError):
        english = translate(error_class.message, "en")
        for locale in ("zh_TW", "zh_CN", "ja"):
            assert translate(error_class.message, locale) != english or not english, (error_class, locale)


def test_every_stored_value_shown_in_a_message_is_translated():
    """Statuses, kinds, periods and tiers go into messages as `L_(member.value)`: each value is a msgid."""
    from common.catalog.models import TreatmentKind
    from common.clinics.models import LicenseTier
    from common.inventory.models import ReorderStatus
    from common.payments.models import PaymentStatus
    from common.scheduling.models import AppointmentStatus, DayPeriod

    shown = (TreatmentKind, LicenseTier, ReorderStatus, PaymentStatus, AppointmentStatus, DayPeriod)
    values = sorted({member.value for enum in shown for member in enum})
    for locale in ("zh_TW", "zh_CN", "ja"):
        assert [value for value in values if translate(value, locale) == value] == [], locale


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("zh-TW", "zh_TW"),
        ("zh_Hant", "zh_TW"),
        ("zh-HK", "zh_TW"),
        ("zh", "zh_CN"),
        ("zh-Hans-CN", "zh_CN"),
        ("ja_JP", "ja"),
        ("en-GB", "en"),
        ("fr", "en"),
        ("", "en"),
        (None, "en"),
        ("not a locale!", "en"),
    ],
)
def test_locales_are_normalized(given, expected):
    assert normalize_locale(given) == expected


# ---- money --------------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_twd_reads_nt_dollar_in_every_language(locale):
    where = formatting.babel_locale(locale)
    assert format_money(Decimal(12500), "TWD", where) == "NT$12,500"
    assert format_money(Decimal("12500.5"), "TWD", where) == "NT$12,500.50"
    assert format_money(Decimal("-3.5000"), "TWD", where) == "-NT$3.50"


@pytest.mark.parametrize(
    ("currency", "locale", "symbol"),
    [
        ("USD", "en", "US$"),  # CLDR's English "$" is as ambiguous to a clinic in Taipei
        ("USD", "ja_JP", "US$"),
        ("USD", "zh_Hant_TW", "US$"),
        ("HKD", "zh_Hant_TW", "HK$"),
        ("AUD", "en", "A$"),
        ("JPY", "ja_JP", "￥"),  # not a dollar: the language's own symbol stays
        ("CNY", "zh_Hans_CN", "¥"),
        ("EUR", "en", "€"),
    ],
)
def test_a_bare_dollar_gets_its_country_and_other_symbols_stay(currency, locale, symbol):
    assert currency_symbol(currency, locale) == symbol


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_no_currency_shows_a_bare_dollar_in_any_language(locale):
    where = formatting.babel_locale(locale)
    bare = [code for code in sorted(list_currencies()) if currency_symbol(code, where) == "$"]
    assert bare == []


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "shown"),
    [
        ("0.35", "TWD", "en", "NT$0.35"),
        ("0.3500", "TWD", "zh_Hant_TW", "NT$0.35"),  # as stored: four places, trailing zeros
        ("0.1234", "TWD", "en", "NT$0.1234"),
        ("0.5", "TWD", "en", "NT$0.50"),  # at least the currency's places
        ("12.0000", "TWD", "en", "NT$12"),
        ("1234.125", "TWD", "en", "NT$1,234.125"),
        ("0.35", "JPY", "ja_JP", "￥0.35"),  # a yen has no minor unit, a unit cost may
    ],
)
def test_unit_costs_show_every_place_they_have(amount, currency, locale, shown):
    assert format_money(Decimal(amount), currency, locale, exact=True) == shown


def test_amounts_show_the_currencys_places_and_unit_costs_more():
    assert format_money(Decimal("0.1234"), "TWD", "en") == "NT$0.12"
    assert format_money(Decimal("0.1234"), "TWD", "en", exact=True) == "NT$0.1234"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("amount", [Decimal(12500), Decimal("1234.5"), Decimal("-80")])
def test_the_screen_and_the_pdf_show_a_key_figure_alike(locale, amount):
    screen_text.language().set_locale(locale)
    try:
        on_screen = screen_text.format_money(amount, "TWD")
    finally:
        screen_text.language().set_locale("en")
    assert on_screen == formatting.figure(amount, ValueKind.MONEY, locale, "TWD")
    assert on_screen.lstrip("-").startswith("NT$")
