"""Self-registration from the clinic's QR poster, thin over common/: the signed link checked by
common.registration, the patient created by common.patients as the patient themselves.

The form is checked field by field with the patient service's own rules, so every mistake is
shown at once, beside its field, and what was typed is kept. A form carries the id its patient
will get (made when the page was served): sending it twice registers one patient.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Final

from sqlalchemy import select

from common.clinics.models import Clinic
from common.clock import Clock
from common.context import Actor
from common.database import Database
from common.errors import DomainError
from common.i18n import N_, normalize_locale, translate
from common.ids import new_id
from common.patients.fields import clean_fields
from common.patients.models import Patient, PreferredLanguage
from common.patients.service import clinic_today, register_patient
from common.registration.service import RegistrationClaim, verify_registration_token
from sync_server.auth.throttle import BucketRule, TokenBuckets

# A clinic's lobby shares one address: a queue of patients can register, a script cannot.
PER_IP: Final = BucketRule(burst=12, refill_every=timedelta(seconds=20))
TEXT_FIELDS: Final = ("first_name", "last_name", "date_of_birth", "contact_phone", "contact_email")
REQUIRED: Final = ("first_name", "last_name", "date_of_birth")
MAX_FIELD: Final = 300  # characters kept from any one field (the service refuses longer anyway)

FILL_THIS_IN: Final = N_("Please fill this in.")
TICK_TO_CONTINUE: Final = N_("Please tick this box to continue.")
LANGUAGE_BY_LOCALE: Final = {
    "en": PreferredLanguage.EN,
    "zh_TW": PreferredLanguage.ZH_TW,
    "zh_CN": PreferredLanguage.ZH_CN,
    "ja": PreferredLanguage.JA,
}


@dataclass(frozen=True)
class ClinicFacts:
    """What the form shows of the clinic: its name, and the languages it speaks."""

    id: uuid.UUID
    name: str
    default_language: str
    languages: tuple[str, ...]


@dataclass
class RegistrationForm:
    """What was typed, as typed (shown again when something needs fixing)."""

    form_id: uuid.UUID
    values: dict[str, str] = field(default_factory=dict)
    preferred_language: str = PreferredLanguage.EN.value
    marketing_opt_in: bool = False
    consent: bool = False

    @classmethod
    def blank(cls, locale: str) -> RegistrationForm:
        return cls(new_id(), {}, LANGUAGE_BY_LOCALE.get(normalize_locale(locale), PreferredLanguage.EN).value)

    @classmethod
    def parse(cls, fields: Mapping[str, list[str]], locale: str) -> RegistrationForm:
        def first(name: str) -> str:
            values = fields.get(name) or [""]
            return values[0][:MAX_FIELD]

        try:
            form_id = uuid.UUID(first("form_id"))
        except ValueError:
            form_id = new_id()
        language = first("preferred_language")
        if language not in {member.value for member in PreferredLanguage}:
            language = LANGUAGE_BY_LOCALE.get(normalize_locale(locale), PreferredLanguage.EN).value
        return cls(
            form_id,
            {name: first(name).strip() for name in TEXT_FIELDS},
            language,
            marketing_opt_in=first("marketing_opt_in") == "yes",
            consent=first("consent") == "yes",
        )

    def value(self, name: str) -> str:
        return self.values.get(name, "")


@dataclass(frozen=True)
class Registered:
    patient_id: uuid.UUID
    first_name: str
    barcode: str


class RegistrationRefused(Exception):
    """The form needs fixing: a translated message per field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("registration form refused")
        self.errors = errors


class RegistrationThrottle:
    """Registrations per client address, in this process (as the sign-in throttle)."""

    def __init__(self, clock: Clock, rule: BucketRule = PER_IP) -> None:
        self._lock = threading.Lock()
        self._buckets = TokenBuckets(rule, clock)

    def allow(self, ip: str) -> bool:
        with self._lock:
            if not self._buckets.available(ip):
                return False
            self._buckets.take(ip)
            return True


def check_link(db: Database, token: str) -> ClinicFacts:
    """The clinic of a valid link; refuses as `verify_registration_token` does."""
    claim: RegistrationClaim = verify_registration_token(db, token)
    with db.session(claim.clinic_id) as session:
        row = session.execute(
            select(Clinic.name, Clinic.default_language, Clinic.languages).where(Clinic.id == claim.clinic_id)
        ).one()
        session.rollback()
    languages = tuple(normalize_locale(language) for language in (row.languages or []))
    return ClinicFacts(claim.clinic_id, row.name, normalize_locale(row.default_language), languages)


def register(db: Database, clinic: ClinicFacts, form: RegistrationForm, locale: str) -> Registered:
    """Create the patient (as themselves), or refuse with every field's problem at once."""
    with db.context(clinic.id, Actor.registering_patient(form.form_id)) as ctx:
        existing = ctx.session.execute(
            select(Patient.first_name, Patient.barcode_id).where(Patient.id == form.form_id)
        ).one_or_none()
        if existing is not None:  # the same form sent again: one patient
            return Registered(form.form_id, existing.first_name, existing.barcode_id)
        values = _values(form)
        today = clinic_today(ctx)
        errors: dict[str, str] = {}
        for name in REQUIRED:
            if not form.value(name):
                errors[name] = translate(FILL_THIS_IN, locale)
        for name, value in values.items():
            if name in errors:
                continue
            try:
                clean_fields({name: value}, today)
            except DomainError as error:
                errors[name] = error.translated(locale)
        if not form.consent:
            errors["consent"] = translate(TICK_TO_CONTINUE, locale)
        if errors:
            raise RegistrationRefused(errors)
        view = register_patient(ctx, {"id": form.form_id, **values})
        barcode = ctx.session.execute(
            select(Patient.barcode_id).where(Patient.id == form.form_id)
        ).scalar_one()
        return Registered(form.form_id, str(view.get("first_name") or form.value("first_name")), barcode)


def _values(form: RegistrationForm) -> dict[str, object]:
    values: dict[str, object] = {name: form.value(name) for name in REQUIRED}
    for name in ("contact_phone", "contact_email"):
        values[name] = form.value(name) or None
    values["preferred_language"] = form.preferred_language
    values["marketing_opt_in"] = form.marketing_opt_in
    return values
