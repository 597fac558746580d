"""The words screens use for stored values (statuses, types, periods, methods, roles)."""

from __future__ import annotations

from enum import Enum
from typing import Final

from common.i18n import N_
from common.payments.models import PaymentKind, PaymentMethod, PaymentStatus
from common.qt.i18n import _
from common.scheduling.models import AppointmentStatus, AppointmentType, BookingMode, DayPeriod
from common.staff.models import Role

_ENTRIES: Final[dict[Enum, str]] = {
    AppointmentStatus.SCHEDULED: N_("Scheduled"),
    AppointmentStatus.CONFIRMED: N_("Confirmed"),
    AppointmentStatus.CHECKED_IN: N_("Checked-in"),
    AppointmentStatus.IN_PROGRESS: N_("In-progress"),
    AppointmentStatus.COMPLETED: N_("Completed"),
    AppointmentStatus.CANCELLED: N_("Cancelled"),
    AppointmentStatus.NO_SHOW: N_("No-show"),
    AppointmentType.CONSULTATION: N_("Consultation"),
    AppointmentType.TREATMENT: N_("Treatment"),
    AppointmentType.FOLLOW_UP: N_("Follow-up"),
    AppointmentType.EMERGENCY: N_("Emergency"),
    BookingMode.SPECIFIC_TIME: N_("Specific time"),
    BookingMode.TIME_PERIOD: N_("Time period"),
    DayPeriod.MORNING: N_("Morning"),
    DayPeriod.AFTERNOON: N_("Afternoon"),
    DayPeriod.EVENING: N_("Evening"),
    PaymentMethod.CASH: N_("Cash"),
    PaymentMethod.CARD: N_("Card"),
    PaymentMethod.BANK_TRANSFER: N_("Bank transfer"),
    PaymentMethod.MOBILE: N_("Mobile payment"),
    PaymentMethod.INSURANCE: N_("Insurance"),
    PaymentMethod.OTHER: N_("Other"),
    PaymentStatus.PENDING: N_("Pending"),
    PaymentStatus.COMPLETED: N_("Completed"),
    PaymentStatus.FAILED: N_("Failed"),
    PaymentStatus.REFUNDED: N_("Refunded"),
    PaymentKind.PAYMENT: N_("Payment"),
    PaymentKind.REFUND: N_("Refund"),
    Role.ADMIN: N_("Administrator"),
    Role.MANAGER: N_("Manager"),
    Role.DOCTOR: N_("Doctor"),
    Role.NURSE: N_("Nurse"),
    Role.RECEPTIONIST: N_("Receptionist"),
}


# Keyed by (enum class, value): members of different enums can be equal strings ("Completed").
_LABELS: Final[dict[tuple[type, str], str]] = {}


def _register() -> None:
    for member in (
        *AppointmentStatus,
        *AppointmentType,
        *BookingMode,
        *DayPeriod,
        *PaymentMethod,
        *PaymentStatus,
        *PaymentKind,
        *Role,
    ):
        msgid = _ENTRIES.get(member)
        if msgid is not None:
            _LABELS[(type(member), member.value)] = msgid


def label(value: Enum | None) -> str:
    """The value's name in the current language ("" for None)."""
    if value is None:
        return ""
    msgid = _LABELS.get((type(value), value.value))
    return _(msgid) if msgid is not None else str(value.value)


_register()

PATIENT_FIELDS: Final[dict[str, str]] = {
    "first_name": N_("First name"),
    "last_name": N_("Last name"),
    "date_of_birth": N_("Date of birth"),
    "contact_email": N_("Email"),
    "contact_phone": N_("Phone"),
    "emergency_contact": N_("Emergency contact"),
    "preferred_language": N_("Preferred language"),
    "notes": N_("Notes"),
    "marketing_opt_in": N_("Marketing messages"),
    "treatment_details_opt_in": N_("Treatment names in messages"),
    "is_active": N_("Active"),
    "allergies": N_("Allergies"),
    "medical_history": N_("Medical history"),
    "current_medications": N_("Current medications"),
    "last_visit_date": N_("Last visit"),
    "next_appointment_date": N_("Next appointment"),
    "barcode_id": N_("Card number"),
    "created_at": N_("Registered"),
}

PREFERRED_LANGUAGES: Final = {"EN": "English", "ZH-TW": "繁體中文", "ZH-CN": "简体中文", "JA": "日本語"}


def field_label(name: str) -> str:
    msgid = PATIENT_FIELDS.get(name)
    return _(msgid) if msgid is not None else name
