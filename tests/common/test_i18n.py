"""Every string a person can read exists in all four languages, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from common.errors import DomainError
from common.i18n import LOCALE_DIR, SUPPORTED_LOCALES, normalize_locale, translate

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
