"""Creating a clinic (tenant), and reading and changing its settings."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import select

from common.access.permissions import Permission
from common.checkin.models import ArrivalQuestion, QuestionKind
from common.clinics.models import Clinic, ClinicSequence, ClinicType, LicenseTier, PaperSize
from common.context import ServiceContext
from common.errors import ValidationFailed
from common.i18n import N_, SUPPORTED_LOCALES
from common.ids import new_id
from common.licensing.tiers import limits_for
from common.notifications.models import Channel, NotificationKind, NotificationPreference, RecipientKind
from common.printing.models import PrintSettings
from common.registration import service as registration
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
    # The poster's signing key is the server's: desks receive it by pull and never make one.
    session.add(registration.first_key(clinic.id))
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
    return list(session.scalars(select(Clinic.id).where(Clinic.deleted_at.is_(None))))


# ---- the clinic's settings (the desk's Settings screen and its sync intents) --------------------
#
# Each `update_*` takes only the fields that changed, so two desks editing different settings of
# the clinic at once both keep their change (the later one to reach the server wins a field they
# both changed). A refusal names the field it belongs to, so the form can show it beside it.

MAX_NAME: Final = 255
MAX_ADDRESS: Final = 500
MAX_PHONE: Final = 50
MAX_EMAIL: Final = 254
MAX_CHECK_IN_MINUTES: Final = 24 * 60
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Namespace of the ids of rows a clinic has at most one of per key (print settings, a notification
# preference): every device that creates one makes the same id, so offline creations converge.
_SETTINGS_NAMESPACE: Final = uuid.UUID("5b0e6d3c-5d1f-4c4e-9a57-3f1c2f8d7a10")


class SettingInvalid(ValidationFailed):
    """A setting refused; `field` names it ("name", "business_hours.3", ...) for the form."""

    code = "setting_invalid"

    def __init__(self, field: str, message: str, /, **params: Any) -> None:
        super().__init__(message, **params)
        self.field = field


class TimezoneLocked(ValidationFailed):
    code = "timezone_locked"
    message = N_(
        "The time zone cannot change once appointments are booked: their times would move. "
        "Contact support if the clinic has moved."
    )


def settings_row_id(clinic_id: uuid.UUID, key: str) -> uuid.UUID:
    """The id every device gives the clinic's one row for `key`."""
    return uuid.uuid5(_SETTINGS_NAMESPACE, f"{clinic_id}:{key}")


def parse_clock(value: object, field: str) -> str:
    """'9:00' / '09:00' -> '09:00'; '24:00' is the end of the day. Anything else is refused."""
    match = _CLOCK.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise SettingInvalid(field, N_("Give the time as hours and minutes, for example 09:30."))
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes >= 60 or hours > 24 or (hours == 24 and minutes):
        raise SettingInvalid(field, N_("Give the time as hours and minutes, for example 09:30."))
    return f"{hours:02d}:{minutes:02d}"


def whole_number(value: object, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SettingInvalid(field, N_("Enter a whole number from %(low)s to %(high)s."), low=low, high=high)
    return value


@dataclass(frozen=True)
class ClinicDetails:
    """The clinic's own settings, as the Settings screen shows them."""

    name: str
    address: str
    phone: str
    email: str
    timezone: str
    timezone_locked: bool  # appointments exist: their instants were placed by this zone
    languages: tuple[str, ...]
    default_language: str
    currency: str
    # ISO weekday -> its opening ranges ("HH:MM", "HH:MM"); a weekday that is absent is closed.
    business_hours: Mapping[int, tuple[tuple[str, str], ...]]
    check_in_early_minutes: int
    check_in_late_minutes: int
    paper_size: PaperSize
    names_on_patient_cards: bool
    receipt_paper: str = "page"  # "page" (the paper size above) or "80mm" (a till roll)


def clinic_details(ctx: ServiceContext) -> ClinicDetails:
    ctx.authorize(Permission.CLINIC_READ, entity_type="clinic", entity_id=ctx.clinic_id)
    clinic = ctx.clinic
    printing = ctx.session.scalars(select(PrintSettings)).one_or_none()
    return ClinicDetails(
        name=clinic.name,
        address=clinic.address or "",
        phone=clinic.phone or "",
        email=clinic.email or "",
        timezone=clinic.timezone,
        timezone_locked=_has_appointments(ctx),
        languages=tuple(clinic.languages or ()),
        default_language=clinic.default_language,
        currency=clinic.currency,
        business_hours=_stored_hours(clinic.business_hours),
        check_in_early_minutes=clinic.check_in_early_minutes,
        check_in_late_minutes=clinic.check_in_late_minutes,
        paper_size=clinic.paper_size,
        names_on_patient_cards=bool(printing is not None and printing.names_on_patient_cards),
        receipt_paper=(printing.receipt_paper if printing is not None else None) or "page",
    )


CLINIC_DETAIL_FIELDS: Final = frozenset(
    {"name", "address", "phone", "email", "timezone", "languages", "default_language", "business_hours"}
)


def update_clinic_details(ctx: ServiceContext, changes: Mapping[str, Any]) -> ClinicDetails:
    """Change some of the clinic's details. `business_hours` maps the weekdays that change
    ("1".."7") to [open, close], or to None for a closed day; the other weekdays stay as they are."""
    ctx.authorize(Permission.CLINIC_MANAGE, entity_type="clinic", entity_id=ctx.clinic_id)
    unknown = set(changes) - CLINIC_DETAIL_FIELDS
    if unknown:
        raise SettingInvalid(sorted(unknown)[0], N_("This setting cannot be changed here."))
    clinic = ctx.clinic
    changed: list[str] = []

    def put(name: str, value: Any) -> None:
        if getattr(clinic, name) != value:
            setattr(clinic, name, value)
            changed.append(name)

    if "name" in changes:
        name = " ".join(str(changes["name"] or "").split())
        if not name or len(name) > MAX_NAME:
            raise SettingInvalid(
                "name", N_("The clinic needs a name, up to %(max)s characters."), max=MAX_NAME
            )
        put("name", name)
    for field, limit in (("address", MAX_ADDRESS), ("phone", MAX_PHONE), ("email", MAX_EMAIL)):
        if field in changes:
            text = str(changes[field] or "").strip()
            if len(text) > limit:
                raise SettingInvalid(field, N_("Use at most %(max)s characters."), max=limit)
            if field == "email" and text and not _EMAIL.match(text):
                raise SettingInvalid(field, N_("Enter an email address such as front@clinic.example."))
            put(field, text or None)
    if "timezone" in changes and changes["timezone"] != clinic.timezone:
        zone = str(changes["timezone"] or "")
        if zone not in available_timezones():
            raise SettingInvalid("timezone", N_("Unknown time zone: %(zone)s."), zone=zone)
        if _has_appointments(ctx):
            raise TimezoneLocked()
        put("timezone", zone)
    if "languages" in changes or "default_language" in changes:
        languages = _languages(changes.get("languages", clinic.languages))
        default = str(changes.get("default_language", clinic.default_language))
        if default not in languages:
            raise SettingInvalid(
                "default_language", N_("The default language must be one of the clinic's languages.")
            )
        put("languages", languages)
        put("default_language", default)
    if "business_hours" in changes:
        put("business_hours", _merged_hours(clinic.business_hours, changes["business_hours"]))
    if changed:
        ctx.session.flush()
    ctx.audit("clinic.update", "clinic", ctx.clinic_id, changed_fields=changed)
    return clinic_details(ctx)


def update_check_in_window(ctx: ServiceContext, early_minutes: int, late_minutes: int) -> ClinicDetails:
    """How early before an appointment, and how late after its start, a patient may check in."""
    ctx.authorize(Permission.CLINIC_MANAGE, entity_type="clinic", entity_id=ctx.clinic_id)
    early = whole_number(early_minutes, "check_in_early_minutes", 0, MAX_CHECK_IN_MINUTES)
    late = whole_number(late_minutes, "check_in_late_minutes", 0, MAX_CHECK_IN_MINUTES)
    clinic = ctx.clinic
    changed = [
        name
        for name, value in (("check_in_early_minutes", early), ("check_in_late_minutes", late))
        if getattr(clinic, name) != value
    ]
    clinic.check_in_early_minutes, clinic.check_in_late_minutes = early, late
    ctx.session.flush()
    ctx.audit("clinic.check_in_window", "clinic", ctx.clinic_id, changed_fields=changed)
    return clinic_details(ctx)


def update_print_settings(
    ctx: ServiceContext,
    *,
    paper_size: str | None = None,
    names_on_patient_cards: bool | None = None,
    receipt_paper: str | None = None,
) -> ClinicDetails:
    """The paper documents are laid out for, whether cards and labels name the patient, and
    whether receipts come out on the page or on an 80 mm till roll."""
    from common.printing.service import update_print_preferences

    ctx.authorize(Permission.CLINIC_MANAGE, entity_type="print_settings")
    changed: list[str] = []
    if paper_size is not None:
        try:
            paper = PaperSize(paper_size)
        except ValueError:
            raise SettingInvalid("paper_size", N_("Choose A4 or Letter.")) from None
        if ctx.clinic.paper_size is not paper:
            ctx.clinic.paper_size = paper
            changed.append("paper_size")
    if names_on_patient_cards is not None or receipt_paper is not None:
        if ctx.session.scalars(select(PrintSettings)).one_or_none() is None:
            ctx.session.add(
                PrintSettings(
                    id=settings_row_id(ctx.clinic_id, "print_settings"),
                    clinic_id=ctx.clinic_id,
                    names_on_patient_cards=False,
                    label_size="62x29",
                )
            )
            ctx.session.flush()
        update_print_preferences(
            ctx, names_on_patient_cards=names_on_patient_cards, receipt_paper=receipt_paper
        )
    ctx.session.flush()
    ctx.audit("clinic.print_settings", "clinic", ctx.clinic_id, changed_fields=changed)
    return clinic_details(ctx)


def _has_appointments(ctx: ServiceContext) -> bool:
    from common.scheduling.models import Appointment

    found = ctx.session.scalar(select(Appointment.id).limit(1).execution_options(include_deleted=True))
    return found is not None


def _languages(value: object) -> list[str]:
    if not isinstance(value, list | tuple):
        raise SettingInvalid("languages", N_("Choose at least one language."))
    chosen = [str(item) for item in value]
    unknown = [item for item in chosen if item not in SUPPORTED_LOCALES]
    if unknown:
        raise SettingInvalid("languages", N_("Unsupported language: %(language)s."), language=unknown[0])
    ordered: list[str] = [locale for locale in SUPPORTED_LOCALES if locale in chosen]
    if not ordered:
        raise SettingInvalid("languages", N_("Choose at least one language."))
    return ordered


def _stored_hours(raw: Mapping[str, Any] | None) -> dict[int, tuple[tuple[str, str], ...]]:
    hours: dict[int, tuple[tuple[str, str], ...]] = {}
    for key, value in (raw or {}).items():
        if not value or not str(key).isdigit():
            continue
        several = isinstance(value, list | tuple) and isinstance(value[0], list | tuple)
        ranges = value if several else [value]
        hours[int(key)] = tuple((str(start), str(end)) for start, end in ranges)
    return dict(sorted(hours.items()))


def _merged_hours(current: Mapping[str, Any] | None, changes: object) -> dict[str, Any]:
    if not isinstance(changes, Mapping):
        raise SettingInvalid("business_hours", N_("Give the opening hours of each day."))
    merged = {str(key): value for key, value in (current or {}).items()}
    for key, value in changes.items():
        weekday = str(key)
        if weekday not in {str(day) for day in range(1, 8)}:
            raise SettingInvalid("business_hours", N_("Give the opening hours of each day."))
        field = f"business_hours.{weekday}"
        if value is None:
            merged.pop(weekday, None)
            continue
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise SettingInvalid(field, N_("Give the opening and the closing time."))
        opens, closes = parse_clock(value[0], field), parse_clock(value[1], field)
        if closes <= opens:
            raise SettingInvalid(field, N_("The closing time must be after the opening time."))
        merged[weekday] = [opens, closes]
    return dict(sorted(merged.items()))


# ---- notifications ------------------------------------------------------------------------------

# What the clinic sends to whom. A preference of the clinic is kept with owner_id = the clinic's
# id, for all its patients (or all its staff); a person's own preferences, when they have them,
# are rows with their own id. A missing row means on (the model's default).
PATIENT_NOTIFICATIONS: Final = (
    NotificationKind.APPOINTMENT_CONFIRMATION,
    NotificationKind.APPOINTMENT_REMINDER,
    NotificationKind.APPOINTMENT_RESCHEDULE,
    NotificationKind.APPOINTMENT_CANCELLATION,
    NotificationKind.WAITLIST_OFFER,
    NotificationKind.TREATMENT_FOLLOW_UP,
    NotificationKind.CHAT_MESSAGE,
)
STAFF_NOTIFICATIONS: Final = (
    NotificationKind.CHECK_IN,
    NotificationKind.LOW_STOCK,
    NotificationKind.LICENSE_ALERT,
    NotificationKind.CHAT_MESSAGE,
)
CHANNELS: Final = (Channel.IN_APP, Channel.PUSH, Channel.EMAIL, Channel.SMS)
NotificationKey = tuple[RecipientKind, NotificationKind, Channel]


def notification_keys() -> list[NotificationKey]:
    audiences = ((RecipientKind.PATIENT, PATIENT_NOTIFICATIONS), (RecipientKind.STAFF, STAFF_NOTIFICATIONS))
    return [
        (audience, kind, channel) for audience, kinds in audiences for kind in kinds for channel in CHANNELS
    ]


def clinic_notification_preferences(ctx: ServiceContext) -> dict[NotificationKey, bool]:
    ctx.authorize(Permission.CLINIC_READ, entity_type="notification_preferences")
    stored = {
        (row.owner_kind, row.kind, row.channel): row.enabled
        for row in ctx.session.scalars(
            select(NotificationPreference).where(NotificationPreference.owner_id == ctx.clinic_id)
        )
    }
    return {key: stored.get(key, True) for key in notification_keys()}


def set_clinic_notification_preferences(
    ctx: ServiceContext, changes: Iterable[tuple[RecipientKind, NotificationKind, Channel, bool]]
) -> dict[NotificationKey, bool]:
    """Turn some of what the clinic sends on or off (one row per audience, kind and channel)."""
    ctx.authorize(Permission.CLINIC_MANAGE, entity_type="notification_preferences")
    known = set(notification_keys())
    rows = {
        (row.owner_kind, row.kind, row.channel): row
        for row in ctx.session.scalars(
            select(NotificationPreference)
            .where(NotificationPreference.owner_id == ctx.clinic_id)
            .execution_options(include_deleted=True)
        )
    }
    changed: list[str] = []
    for audience, kind, channel, enabled in changes:
        key = (RecipientKind(audience), NotificationKind(kind), Channel(channel))
        if key not in known:
            raise SettingInvalid("notifications", N_("This notification cannot be set for the clinic."))
        row = rows.get(key)
        if row is None:
            row = NotificationPreference(
                id=settings_row_id(ctx.clinic_id, "notify:" + ":".join(part.value for part in key)),
                clinic_id=ctx.clinic_id,
                owner_kind=key[0],
                owner_id=ctx.clinic_id,
                kind=key[1],
                channel=key[2],
                enabled=bool(enabled),
            )
            ctx.session.add(row)
            rows[key] = row
        elif row.enabled != bool(enabled) or row.deleted_at is not None:
            row.enabled, row.deleted_at = bool(enabled), None
        else:
            continue
        changed.append(":".join(part.value for part in key))
    ctx.session.flush()
    ctx.audit("clinic.notification_preferences", "notification_preferences", changed_fields=changed)
    return clinic_notification_preferences(ctx)


# ---- the kiosk's arrival questions -----------------------------------------------------------------


@dataclass(frozen=True)
class KioskQuestion:
    id: uuid.UUID
    kind: QuestionKind
    prompts: Mapping[str, str]


def arrival_questions(ctx: ServiceContext) -> list[KioskQuestion]:
    """The questions the kiosk asks after check-in, in order."""
    from common.checkin.questions import active_questions

    ctx.authorize(Permission.CLINIC_READ, entity_type="ArrivalQuestion")
    return [KioskQuestion(q.id, q.kind, dict(q.prompts or {})) for q in active_questions(ctx)]


def update_arrival_questions(ctx: ServiceContext, questions: Iterable[KioskQuestion]) -> list[KioskQuestion]:
    """Replace the clinic's arrival questions, in this order. A question keeps its id (and so the
    answers a kiosk gave to it) when its wording is edited; removed ones become tombstones; new
    ones carry the id the device gave them, so every replica has the same row."""
    from common.checkin.questions import MAX_QUESTIONS, QuestionSpec, TooManyQuestions, _clean_prompts

    ctx.authorize(Permission.CLINIC_MANAGE, entity_type="ArrivalQuestion")
    wanted = list(questions)
    if len(wanted) > MAX_QUESTIONS:
        raise TooManyQuestions(max=MAX_QUESTIONS)
    if len({question.id for question in wanted}) != len(wanted):
        raise SettingInvalid("questions", N_("Each question may appear only once."))
    cleaned = [
        (question.id, question.kind, _clean_prompts(QuestionSpec(question.kind, question.prompts)))
        for question in wanted
    ]
    existing = {
        row.id: row
        for row in ctx.session.scalars(select(ArrivalQuestion).execution_options(include_deleted=True))
    }
    now = ctx.now()
    keep = {question_id for question_id, _kind, _prompts in cleaned}
    for old in existing.values():
        if old.id not in keep and old.deleted_at is None:
            old.deleted_at = now
    for position, (question_id, kind, prompts) in enumerate(cleaned):
        row = existing.get(question_id)
        if row is None:
            ctx.session.add(
                ArrivalQuestion(
                    id=question_id, clinic_id=ctx.clinic_id, position=position, kind=kind, prompts=prompts
                )
            )
            continue
        if (row.position, row.kind, dict(row.prompts or {}), row.deleted_at, row.is_active) != (
            position,
            kind,
            prompts,
            None,
            True,
        ):
            row.position, row.kind, row.prompts = position, kind, prompts
            row.deleted_at, row.is_active = None, True
    ctx.session.flush()
    ctx.audit("arrival_questions.set", "ArrivalQuestion", changed_fields=["kind", "prompts", "position"])
    return arrival_questions(ctx)
