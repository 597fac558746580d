"""Managing staff accounts: create, edit, disable, passwords and second factors.

Results are `StaffView`s: what screens and routes may show, never the password hash or the TOTP
secret (the secret leaves only once, in the `TotpEnrollment` shown as a QR code).
Anything that should end a person's sessions bumps their `session_epoch` (SECURITY.md row 11).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, fields
from datetime import datetime
from enum import Enum
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from common.access.permissions import TOTP_REQUIRED_ROLES, Permission
from common.audit.chain import AuditEntry
from common.audit.models import ActorType, AuditOutcome
from common.context import ServiceContext
from common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from common.i18n import N_, SUPPORTED_LOCALES
from common.licensing.service import count_active_staff, ensure_staff_capacity, refresh_usage_counts
from common.staff import totp
from common.staff.models import Role, StaffUser
from common.staff.password_policy import check_password
from common.staff.passwords import hash_password, needs_rehash, verify_password
from common.storage.session import live_row

ENTITY: Final = "staff_user"
_EMAIL: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_COLOR: Final = re.compile(r"^#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")
_NAME_MAX: Final = 100
# Base32, at least the 128 bits NIST asks of a shared secret (new secrets have 160).
_TOTP_SECRET: Final = re.compile(r"^[A-Z2-7]{26,64}$")


class EmailTaken(Conflict):
    code = "staff_email_taken"
    message = N_("A staff account with this email address already exists in this clinic.")


class InvalidEmail(ValidationFailed):
    code = "staff_invalid_email"
    message = N_("Enter a valid email address, such as name@example.com.")


class NameRequired(ValidationFailed):
    code = "staff_name_required"
    message = N_("Enter a first and last name of at most %(maximum)s characters.")


class SpecializationTooLong(ValidationFailed):
    code = "staff_specialization_too_long"
    message = N_("The specialization can be at most %(maximum)s characters long.")


class InvalidColor(ValidationFailed):
    code = "staff_invalid_color"
    message = N_("The calendar colour must be written as #RRGGBB.")


class UnsupportedLanguage(ValidationFailed):
    code = "staff_unsupported_language"
    message = N_("Unsupported language: %(language)s.")


class LastAdministrator(Conflict):
    code = "staff_last_admin"
    message = N_(
        "This is the clinic's last active administrator. Make another person an administrator first."
    )


class CurrentPasswordIncorrect(ValidationFailed):
    code = "staff_current_password_incorrect"
    message = N_("The current password is not correct.")


class InvalidPasswordHash(ValidationFailed):
    code = "staff_invalid_password_hash"
    message = N_("The new password could not be accepted. Set it again on this computer.")


class InvalidTotpSecret(ValidationFailed):
    code = "staff_invalid_totp_secret"
    message = N_("The new two-factor secret could not be accepted. Reset two-factor again.")


class _Keep(Enum):
    KEEP = "keep"


KEEP: Final = _Keep.KEEP
"""An `update_staff` argument left as it is."""


@dataclass(frozen=True)
class StaffView:
    id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    role: Role
    is_active: bool
    specialization: str | None
    calendar_color: str | None
    preferred_language: str
    two_factor_enabled: bool
    last_login: datetime | None
    locked_until: datetime | None
    version: int

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @classmethod
    def of(cls, user: StaffUser) -> StaffView:
        return cls(**{f.name: getattr(user, f.name) for f in fields(cls)})


@dataclass(frozen=True)
class TotpEnrollment:
    """Shown once, as a QR code for an authenticator app; never stored outside the staff row."""

    secret: str
    provisioning_uri: str


@dataclass(frozen=True)
class StaffResult:
    staff: StaffView
    totp: TotpEnrollment | None = None


@dataclass(frozen=True)
class NewStaff:
    email: str
    password: str
    first_name: str
    last_name: str
    role: Role
    specialization: str | None = None
    calendar_color: str | None = None
    preferred_language: str = "en"
    # Staff outside TOTP_REQUIRED_ROLES may opt in to a second factor.
    two_factor: bool = False
    id: uuid.UUID | None = None  # made on the device that adds the account, so it syncs as one row


@dataclass(frozen=True)
class SeatUsage:
    """The license's staff seats: active accounts against the tier's limit."""

    used: int
    limit: int
    tier: str

    @property
    def free(self) -> int:
        return max(0, self.limit - self.used)

    @property
    def full(self) -> bool:
        return self.used >= self.limit


# ---------------------------------------------------------------------------------------------
# Reading


def get_staff(ctx: ServiceContext, user_id: uuid.UUID) -> StaffView:
    ctx.authorize(Permission.STAFF_READ, entity_type=ENTITY, entity_id=user_id)
    return StaffView.of(_load(ctx, user_id))


def list_staff(
    ctx: ServiceContext, *, include_inactive: bool = False, role: Role | None = None
) -> list[StaffView]:
    ctx.authorize(Permission.STAFF_READ, entity_type=ENTITY)
    query = select(StaffUser).order_by(StaffUser.last_name, StaffUser.first_name, StaffUser.id)
    if not include_inactive:
        query = query.where(StaffUser.is_active.is_(True))
    if role is not None:
        query = query.where(StaffUser.role == role)
    return [StaffView.of(user) for user in ctx.session.scalars(query)]


def list_doctors(ctx: ServiceContext) -> list[StaffView]:
    """Active doctors, for booking and calendars."""
    return list_staff(ctx, role=Role.DOCTOR)


def seat_usage(ctx: ServiceContext) -> SeatUsage:
    """How many of the license's staff seats are taken (active accounts), for staff screens."""
    ctx.authorize(Permission.STAFF_READ, entity_type=ENTITY)
    clinic = ctx.clinic
    return SeatUsage(count_active_staff(ctx), clinic.max_users, clinic.license_tier.value)


# ---------------------------------------------------------------------------------------------
# Creating and editing


def create_staff(
    ctx: ServiceContext,
    spec: NewStaff,
    *,
    password_hash: str | None = None,
    totp_secret: str | None = None,
) -> StaffResult:
    """Add a staff account within the tier's seats. Admins and Managers get a TOTP secret to
    enrol (returned once, for the QR code).

    `password_hash` and `totp_secret` replay what the adding device decided (sync): the device
    checked the password against the policy and sends only its hash."""
    ctx.authorize(Permission.STAFF_MANAGE, entity_type=ENTITY)
    email = _valid_email(spec.email)
    first_name, last_name = _valid_name(spec.first_name), _valid_name(spec.last_name)
    _check_language(spec.preferred_language)
    color = _valid_color(spec.calendar_color)
    if _email_in_use(ctx, email):
        raise EmailTaken()
    if password_hash is None:
        check_password(spec.password, email=email, names=(first_name, last_name))
        password_hash = hash_password(spec.password)
    else:
        _check_prepared_hash(password_hash)
    ensure_staff_capacity(ctx)

    user = StaffUser(
        email=email,
        password_hash=password_hash,
        first_name=first_name,
        last_name=last_name,
        role=spec.role,
        is_active=True,
        specialization=_valid_specialization(spec.specialization),
        calendar_color=color,
        preferred_language=spec.preferred_language,
        password_changed_at=ctx.now(),
    )
    if spec.id is not None:
        user.id = spec.id
    enrollment = None
    if spec.two_factor or spec.role in TOTP_REQUIRED_ROLES:
        enrollment = _enrol_totp(ctx, user, totp_secret)
    ctx.session.add(user)
    try:
        ctx.session.flush()
    except IntegrityError:  # the same email added concurrently: the unique constraint decides
        raise EmailTaken() from None
    ctx.audit(
        "staff.create",
        ENTITY,
        user.id,
        changed_fields=["email", "first_name", "last_name", "role", "password_hash", "two_factor_enabled"],
    )
    return StaffResult(_view(ctx, user), enrollment)


def update_staff(
    ctx: ServiceContext,
    user_id: uuid.UUID,
    *,
    first_name: str | _Keep = KEEP,
    last_name: str | _Keep = KEEP,
    role: Role | _Keep = KEEP,
    specialization: str | _Keep | None = KEEP,
    calendar_color: str | _Keep | None = KEEP,
    preferred_language: str | _Keep = KEEP,
    totp_secret: str | None = None,
) -> StaffResult:
    """Change what is given, leave the rest. A role change is audited as such, ends the person's
    sessions, and enrols a second factor when the new role requires one (with `totp_secret`
    when replaying what the changing device enrolled)."""
    ctx.authorize(Permission.STAFF_MANAGE, entity_type=ENTITY, entity_id=user_id)
    user = _load(ctx, user_id)
    wanted: dict[str, object] = {}
    if first_name is not KEEP:
        wanted["first_name"] = _valid_name(first_name)
    if last_name is not KEEP:
        wanted["last_name"] = _valid_name(last_name)
    if specialization is not KEEP:
        wanted["specialization"] = _valid_specialization(specialization)
    if calendar_color is not KEEP:
        wanted["calendar_color"] = _valid_color(calendar_color)
    if preferred_language is not KEEP:
        _check_language(preferred_language)
        wanted["preferred_language"] = preferred_language
    if role is not KEEP:
        wanted["role"] = role
    changed = sorted(name for name, value in wanted.items() if getattr(user, name) != value)
    if not changed:
        return StaffResult(_view(ctx, user))

    enrollment = None
    if isinstance(role, Role) and role != user.role:
        if user.role is Role.ADMIN and user.is_active:
            _keep_an_admin(ctx, user)
        # A replayed change sets the secret its desk showed, whatever this replica holds.
        if role in TOTP_REQUIRED_ROLES and (not user.totp_secret or totp_secret is not None):
            enrollment = _enrol_totp(ctx, user, totp_secret)
            changed.append("totp_secret")
        if role in TOTP_REQUIRED_ROLES and not user.two_factor_enabled:
            user.two_factor_enabled = True
            changed.append("two_factor_enabled")
        user.session_epoch += 1
        changed.append("session_epoch")
    for name in wanted:
        setattr(user, name, wanted[name])
    ctx.audit(
        "staff.role_change" if "role" in changed else "staff.update", ENTITY, user.id, changed_fields=changed
    )
    return StaffResult(_view(ctx, user), enrollment)


def deactivate_staff(ctx: ServiceContext, user_id: uuid.UUID) -> StaffView:
    """Disable an account: it can no longer sign in and its sessions end. Frees its seat."""
    ctx.authorize(Permission.STAFF_MANAGE, entity_type=ENTITY, entity_id=user_id)
    user = _load(ctx, user_id)
    if not user.is_active:
        return _view(ctx, user)
    if user.role is Role.ADMIN:
        _keep_an_admin(ctx, user)
    user.is_active = False
    user.session_epoch += 1
    ctx.session.flush()
    refresh_usage_counts(ctx)
    ctx.audit("staff.deactivate", ENTITY, user.id, changed_fields=["is_active", "session_epoch"])
    return _view(ctx, user)


def reactivate_staff(ctx: ServiceContext, user_id: uuid.UUID) -> StaffView:
    """Enable a disabled account again, if the tier has a free seat."""
    ctx.authorize(Permission.STAFF_MANAGE, entity_type=ENTITY, entity_id=user_id)
    user = _load(ctx, user_id)
    if user.is_active:
        return _view(ctx, user)
    ensure_staff_capacity(ctx)
    user.is_active = True
    user.failed_login_count = 0
    user.locked_until = None
    ctx.audit("staff.reactivate", ENTITY, user.id, changed_fields=["is_active"])
    return _view(ctx, user)


# ---------------------------------------------------------------------------------------------
# Passwords, second factor, sessions


def change_password(ctx: ServiceContext, current_password: str, new_password: str) -> StaffView:
    """The signed-in person changes their own password. Ends all their sessions, this one too:
    the app signs in again (or renews its session with the returned view's new epoch)."""
    user = _load(ctx, _self(ctx, "staff.change_password"))
    if not verify_password(user.password_hash, current_password):
        _deny(ctx, "staff.change_password", user.id)
        raise CurrentPasswordIncorrect()
    check_password(new_password, email=user.email, names=(user.first_name, user.last_name))
    _set_password(ctx, user, new_password)
    ctx.audit(
        "staff.change_password",
        ENTITY,
        user.id,
        changed_fields=["password_hash", "password_changed_at", "session_epoch"],
    )
    return _view(ctx, user)


def reset_password(
    ctx: ServiceContext,
    user_id: uuid.UUID,
    new_password: str | None = None,
    *,
    password_hash: str | None = None,
) -> StaffView:
    """An administrator sets a new password (the person forgot theirs); unlocks the account.
    `password_hash` replays a reset whose password a device already checked and hashed."""
    ctx.authorize(Permission.STAFF_MANAGE, entity_type=ENTITY, entity_id=user_id)
    user = _load(ctx, user_id)
    if password_hash is None:
        check_password(new_password or "", email=user.email, names=(user.first_name, user.last_name))
        _set_password(ctx, user, new_password or "")
    else:
        _check_prepared_hash(password_hash)
        _set_password_hash(ctx, user, password_hash)
    user.failed_login_count = 0
    user.locked_until = None
    ctx.audit(
        "staff.reset_password",
        ENTITY,
        user.id,
        changed_fields=[
            "password_hash",
            "password_changed_at",
            "session_epoch",
            "failed_login_count",
            "locked_until",
        ],
    )
    return _view(ctx, user)


def reset_two_factor(ctx: ServiceContext, user_id: uuid.UUID, *, secret: str | None = None) -> TotpEnrollment:
    """A new TOTP secret (lost phone); the old codes stop working and sessions end. `secret`
    replays the one the resetting device showed as a QR code."""
    ctx.authorize(Permission.STAFF_MANAGE, entity_type=ENTITY, entity_id=user_id)
    user = _load(ctx, user_id)
    enrollment = _enrol_totp(ctx, user, secret)
    user.session_epoch += 1
    ctx.audit(
        "staff.reset_2fa",
        ENTITY,
        user.id,
        changed_fields=["totp_secret", "totp_last_used_step", "two_factor_enabled", "session_epoch"],
    )
    return enrollment


reset_2fa = reset_two_factor


def prepare_password(password: str, *, email: str, first_name: str, last_name: str) -> str:
    """Check a new person's password against the policy and hash it, where it was typed: what
    travels on (to the sync outbox and the server) is the hash, never the password."""
    check_password(password, email=email.strip().lower(), names=(first_name.strip(), last_name.strip()))
    return hash_password(password)


def prepare_reset_password(ctx: ServiceContext, user_id: uuid.UUID, password: str) -> str:
    """`prepare_password` for an existing account (the policy knows its name and email)."""
    ctx.authorize(Permission.STAFF_MANAGE, entity_type=ENTITY, entity_id=user_id)
    user = _load(ctx, user_id)
    check_password(password, email=user.email, names=(user.first_name, user.last_name))
    return hash_password(password)


def unlock_staff(ctx: ServiceContext, user_id: uuid.UUID) -> StaffView:
    """Lift a lockout before its 15 minutes are over."""
    ctx.authorize(Permission.STAFF_MANAGE, entity_type=ENTITY, entity_id=user_id)
    user = _load(ctx, user_id)
    user.failed_login_count = 0
    user.locked_until = None
    ctx.audit("staff.unlock", ENTITY, user.id, changed_fields=["failed_login_count", "locked_until"])
    return _view(ctx, user)


def end_all_sessions(ctx: ServiceContext, user_id: uuid.UUID) -> StaffView:
    """Log out everywhere: oneself, or anyone for a staff manager."""
    if ctx.actor.id != user_id:
        ctx.authorize(Permission.STAFF_MANAGE, entity_type=ENTITY, entity_id=user_id)
    user = _load(ctx, user_id)
    user.session_epoch += 1
    ctx.audit("staff.end_sessions", ENTITY, user.id, changed_fields=["session_epoch"])
    return _view(ctx, user)


# ---------------------------------------------------------------------------------------------


def _view(ctx: ServiceContext, user: StaffUser) -> StaffView:
    ctx.session.flush()  # the view shows the version the change was stored as
    return StaffView.of(user)


def _load(ctx: ServiceContext, user_id: uuid.UUID) -> StaffUser:
    user = live_row(ctx.session, StaffUser, user_id)
    if user is None:
        raise NotFound()
    return user


def _self(ctx: ServiceContext, action: str) -> uuid.UUID:
    if ctx.actor.type is not ActorType.STAFF or ctx.actor.id is None:
        _deny(ctx, action, None)
        raise PermissionDenied()
    return ctx.actor.id


def _deny(ctx: ServiceContext, action: str, user_id: uuid.UUID | None) -> None:
    """Audit a refusal; `Database.context` writes it even though the operation rolls back."""
    actor = ctx.actor
    ctx.denials.append(
        AuditEntry(
            actor.type, actor.id, actor.device_id, action, ENTITY, user_id, outcome=AuditOutcome.DENIED
        )
    )


def _set_password(ctx: ServiceContext, user: StaffUser, password: str) -> None:
    _set_password_hash(ctx, user, hash_password(password))


def _set_password_hash(ctx: ServiceContext, user: StaffUser, password_hash: str) -> None:
    user.password_hash = password_hash
    user.password_changed_at = ctx.now()
    user.session_epoch += 1


def _check_prepared_hash(password_hash: str) -> None:
    """A hash made elsewhere must be argon2id at or above the floor (SECURITY.md row 6)."""
    if not password_hash.startswith("$argon2id$") or needs_rehash(password_hash):
        raise InvalidPasswordHash()


def _enrol_totp(ctx: ServiceContext, user: StaffUser, secret: str | None = None) -> TotpEnrollment:
    if secret is None:
        secret = totp.new_secret()
    elif not _TOTP_SECRET.match(secret):
        raise InvalidTotpSecret()
    user.totp_secret = secret
    user.totp_last_used_step = None
    user.two_factor_enabled = True
    return TotpEnrollment(secret, totp.provisioning_uri(secret, user.email, ctx.clinic.name))


def _keep_an_admin(ctx: ServiceContext, leaving: StaffUser) -> None:
    others = ctx.session.scalar(
        select(func.count(StaffUser.id)).where(
            StaffUser.role == Role.ADMIN, StaffUser.is_active.is_(True), StaffUser.id != leaving.id
        )
    )
    if not others:
        raise LastAdministrator()


def _email_in_use(ctx: ServiceContext, email: str) -> bool:
    # Tombstoned accounts still hold their address (the unique constraint covers them).
    query = select(StaffUser.id).where(StaffUser.email == email).execution_options(include_deleted=True)
    return ctx.session.scalars(query).first() is not None


def _valid_email(raw: str) -> str:
    email = raw.strip().lower()
    if len(email) > 255 or not _EMAIL.match(email):
        raise InvalidEmail()
    return email


def _valid_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name or len(name) > _NAME_MAX:
        raise NameRequired(maximum=_NAME_MAX)
    return name


def _valid_color(raw: str | None) -> str | None:
    color = _clean_optional(raw)
    if color is not None and not _COLOR.match(color):
        raise InvalidColor()
    return color


def _valid_specialization(raw: str | None) -> str | None:
    cleaned = _clean_optional(raw)
    if cleaned is not None and len(cleaned) > _NAME_MAX:
        raise SpecializationTooLong(maximum=_NAME_MAX)
    return cleaned


def _clean_optional(raw: str | None) -> str | None:
    if raw is None:
        return None
    cleaned = raw.strip()
    return cleaned or None


def _check_language(language: str) -> None:
    if language not in SUPPORTED_LOCALES:
        raise UnsupportedLanguage(language=language)
