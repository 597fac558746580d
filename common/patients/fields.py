"""Which patient fields a caller may set, and how each is checked and normalized."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, Final

from common.access.permissions import MEDICAL_FIELDS
from common.i18n import L_
from common.patients.errors import (
    DateOfBirthImplausible,
    DateOfBirthInFuture,
    InvalidEmail,
    InvalidPatientFieldValue,
    InvalidPhone,
    PatientFieldTooLong,
    PatientNameRequired,
    UnknownPatientField,
)
from common.patients.models import Patient, PreferredLanguage
from common.patients.search_keys import fold, phone_digits
from common.patients.search_keys import search_text as build_search_text

DEMOGRAPHIC_FIELDS: Final = frozenset(
    {
        "first_name",
        "last_name",
        "date_of_birth",
        "contact_email",
        "contact_phone",
        "emergency_contact",
        "preferred_language",
        "notes",
        "marketing_opt_in",
        "treatment_details_opt_in",
    }
)
EDITABLE_FIELDS: Final = DEMOGRAPHIC_FIELDS | MEDICAL_FIELDS
REQUIRED_FIELDS: Final = ("first_name", "last_name", "date_of_birth")
# A change to any of these changes what search finds.
SEARCH_SOURCES: Final = frozenset({"first_name", "last_name", "contact_email", "contact_phone", "barcode_id"})

NAME_MAX: Final = 100
EMAIL_MAX: Final = 254
NOTES_MAX: Final = 10_000
PHONE_MAX: Final = 50
PHONE_DIGITS_MIN: Final = 6
PHONE_DIGITS_MAX: Final = 15  # E.164
MAX_AGE_YEARS: Final = 130
KEY_MAX: Final = 100

_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
_PHONE = re.compile(r"\+?[0-9][0-9 ()./\-]*")
_SPACES = re.compile(r"\s+")


def clean_fields(values: Mapping[str, Any], today: date) -> dict[str, Any]:
    """Check and normalize each given field; refuse names that are not editable patient fields."""
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        cleaner = _CLEANERS.get(name)
        if cleaner is None:
            raise UnknownPatientField(field=name)
        cleaned[name] = cleaner(value, today)
    return cleaned


def apply_search_keys(patient: Patient) -> None:
    """Recompute the folded keys and the searchable text from the patient's current values."""
    patient.first_name_key = fold(patient.first_name)[:KEY_MAX]
    patient.last_name_key = fold(patient.last_name)[:KEY_MAX]
    patient.phone_digits = phone_digits(patient.contact_phone)
    patient.search_text = build_search_text(
        patient.first_name,
        patient.last_name,
        email=patient.contact_email,
        phone=patient.contact_phone,
        barcode=patient.barcode_id,
    )


def _plain_text(value: Any, field: str, limit: int) -> str:
    if not isinstance(value, str):
        raise InvalidPatientFieldValue(field=field)
    text = unicodedata.normalize("NFC", value).strip()
    if any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\n\t" for ch in text):
        raise InvalidPatientFieldValue(field=field)
    if len(text) > limit:
        raise PatientFieldTooLong(field=field, limit=limit)
    return text


def _name(field: str) -> Callable[[Any, date], str]:
    def clean(value: Any, _today: date) -> str:
        if value is None:
            raise PatientNameRequired()
        text = _SPACES.sub(" ", _plain_text(value, field, NAME_MAX))
        if not text:
            raise PatientNameRequired()
        return text

    return clean


def _date_of_birth(value: Any, today: date) -> date:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise InvalidPatientFieldValue(field=L_("date of birth")) from None
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvalidPatientFieldValue(field=L_("date of birth"))
    if value > today:
        raise DateOfBirthInFuture()
    if today.year - value.year > MAX_AGE_YEARS:
        raise DateOfBirthImplausible(years=MAX_AGE_YEARS)
    return value


def _email(value: Any, _today: date) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidEmail()
    # NFKC turns a full-width ＠ or letters typed with a CJK input method into ASCII.
    text = unicodedata.normalize("NFKC", value).strip().lower()
    if not text:
        return None
    if len(text) > EMAIL_MAX or not _EMAIL.fullmatch(text):
        raise InvalidEmail()
    return text


def _phone(value: Any, _today: date) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidPhone(min=PHONE_DIGITS_MIN, max=PHONE_DIGITS_MAX)
    text = _SPACES.sub(" ", unicodedata.normalize("NFKC", value)).strip()
    if not text:
        return None
    digits = sum(ch in "0123456789" for ch in text)
    if (
        len(text) > PHONE_MAX
        or not _PHONE.fullmatch(text)
        or not PHONE_DIGITS_MIN <= digits <= PHONE_DIGITS_MAX
    ):
        raise InvalidPhone(min=PHONE_DIGITS_MIN, max=PHONE_DIGITS_MAX)
    return text


def _document(kind: type[dict[str, Any]] | type[list[Any]], field: str) -> Callable[[Any, date], Any]:
    def clean(value: Any, _today: date) -> Any:
        if value is None:
            return kind()
        if kind is list and isinstance(value, tuple):
            value = list(value)
        if kind is dict and isinstance(value, Mapping):
            value = dict(value)
        if not isinstance(value, kind):
            raise InvalidPatientFieldValue(field=field)
        try:
            # Stored as JSON: only plain JSON values, and a copy so the caller's object is not shared.
            return json.loads(json.dumps(value, allow_nan=False))
        except (TypeError, ValueError):
            raise InvalidPatientFieldValue(field=field) from None

    return clean


def _language(value: Any, _today: date) -> PreferredLanguage:
    try:
        return PreferredLanguage(value)
    except ValueError:
        raise InvalidPatientFieldValue(field=L_("preferred language")) from None


def _notes(value: Any, _today: date) -> str | None:
    if value is None:
        return None
    return _plain_text(value, L_("notes"), NOTES_MAX) or None


def _flag(field: str) -> Callable[[Any, date], bool]:
    def clean(value: Any, _today: date) -> bool:
        if not isinstance(value, bool):
            raise InvalidPatientFieldValue(field=field)
        return value

    return clean


_CLEANERS: Final[dict[str, Callable[[Any, date], Any]]] = {
    "first_name": _name(L_("first name")),
    "last_name": _name(L_("last name")),
    "date_of_birth": _date_of_birth,
    "contact_email": _email,
    "contact_phone": _phone,
    "emergency_contact": _document(dict, L_("emergency contact")),
    "medical_history": _document(dict, L_("medical history")),
    "allergies": _document(list, L_("allergies")),
    "current_medications": _document(list, L_("current medications")),
    "preferred_language": _language,
    "notes": _notes,
    "marketing_opt_in": _flag(L_("marketing consent")),
    "treatment_details_opt_in": _flag(L_("consent to name treatments in messages")),
}
assert set(_CLEANERS) == EDITABLE_FIELDS
