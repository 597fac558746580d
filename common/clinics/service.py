"""Creating a clinic (tenant) and reading its settings."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from common.clinics.models import Clinic, ClinicSequence, ClinicType, LicenseTier
from common.errors import ValidationFailed
from common.i18n import N_, SUPPORTED_LOCALES
from common.ids import new_id
from common.licensing.tiers import limits_for
from common.staff.models import Role, StaffUser
from common.staff.passwords import hash_password
from common.staff.totp import new_secret
from common.storage.session import ClinicSession


@dataclass(frozen=True)
class NewClinic:
    name: str
    license_tier: LicenseTier = LicenseTier.M
    clinic_type: ClinicType = ClinicType.MEDICAL_AESTHETIC
    timezone: str = "UTC"
    currency: str = "USD"
    languages: tuple[str, ...] = ("en",)
    default_language: str = "en"


@dataclass(frozen=True)
class NewAdmin:
    email: str
    password: str
    first_name: str = "Clinic"
    last_name: str = "Administrator"
    totp_secret: str | None = None


def create_clinic(session: ClinicSession, spec: NewClinic, admin: NewAdmin | None = None) -> Clinic:
    """Create a tenant with its change counter and, optionally, its first administrator.

    Runs in a system session (no clinic yet); the caller commits.
    """
    _validate(spec)
    limits = limits_for(spec.license_tier)
    clinic = Clinic(
        id=new_id(),
        name=spec.name.strip(),
        clinic_type=spec.clinic_type,
        license_tier=spec.license_tier,
        max_users=limits.max_users,
        max_patients=limits.max_patients,
        timezone=spec.timezone,
        currency=spec.currency.upper(),
        languages=list(spec.languages),
        default_language=spec.default_language,
    )
    session.add(clinic)
    session.add(ClinicSequence(clinic_id=clinic.id, change_seq=0))
    session.flush()
    if admin is not None:
        session.add(
            StaffUser(
                id=new_id(),
                clinic_id=clinic.id,
                email=admin.email.strip().lower(),
                password_hash=hash_password(admin.password),
                first_name=admin.first_name,
                last_name=admin.last_name,
                role=Role.ADMIN,
                two_factor_enabled=True,
                totp_secret=admin.totp_secret or new_secret(),
                preferred_language=spec.default_language,
            )
        )
        clinic.current_user_count = 1
        session.flush()
    return clinic


def _validate(spec: NewClinic) -> None:
    if not spec.name.strip():
        raise ValidationFailed(N_("The clinic needs a name."))
    try:
        ZoneInfo(spec.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(N_("Unknown time zone: %(zone)s."), zone=spec.timezone) from None
    if len(spec.currency) != 3 or not spec.currency.isalpha():
        raise ValidationFailed(N_("The currency must be a three-letter code such as USD or TWD."))
    unknown = [lang for lang in (*spec.languages, spec.default_language) if lang not in SUPPORTED_LOCALES]
    if unknown:
        raise ValidationFailed(N_("Unsupported language: %(language)s."), language=unknown[0])


def clinic_ids(session: ClinicSession) -> list[uuid.UUID]:
    from sqlalchemy import select

    return list(session.scalars(select(Clinic.id).where(Clinic.deleted_at.is_(None))))
