"""The role matrix: one table that drives both the services and the tests (SECURITY.md row 4).

Operations check a `Permission`; what each role may see of a patient is `PATIENT_FIELD_GROUPS`.
A kiosk is a device identity, limited to check-in (row 5).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from common.staff.models import Role


class Permission(StrEnum):
    PATIENT_SEARCH = "patient.search"
    PATIENT_READ = "patient.read"
    PATIENT_READ_ALLERGIES = "patient.read_allergies"
    PATIENT_READ_MEDICAL = "patient.read_medical"
    PATIENT_WRITE = "patient.write"
    PATIENT_WRITE_MEDICAL = "patient.write_medical"
    PATIENT_MERGE = "patient.merge"
    PATIENT_KIOSK_LOOKUP = "patient.kiosk_lookup"

    APPOINTMENT_READ = "appointment.read"
    APPOINTMENT_BOOK = "appointment.book"
    APPOINTMENT_MANAGE = "appointment.manage"
    APPOINTMENT_CHECK_IN = "appointment.check_in"
    APPOINTMENT_CHECK_OUT = "appointment.check_out"
    WAITLIST_MANAGE = "waitlist.manage"
    SCHEDULE_READ = "schedule.read"
    SCHEDULE_MANAGE = "schedule.manage"

    TREATMENT_READ = "treatment.read"
    TREATMENT_RECORD = "treatment.record"
    CATALOG_READ = "catalog.read"
    CATALOG_MANAGE = "catalog.manage"

    INVENTORY_READ = "inventory.read"
    INVENTORY_MOVE = "inventory.move"
    INVENTORY_MANAGE = "inventory.manage"

    PAYMENT_READ = "payment.read"
    PAYMENT_TAKE = "payment.take"
    PAYMENT_REFUND = "payment.refund"
    PAYMENT_CASH_UP = "payment.cash_up"

    BARCODE_SCAN = "barcode.scan"
    BARCODE_MANAGE = "barcode.manage"

    CHAT_READ = "chat.read"
    CHAT_SEND = "chat.send"

    STAFF_READ = "staff.read"
    STAFF_MANAGE = "staff.manage"
    CLINIC_READ = "clinic.read"
    CLINIC_MANAGE = "clinic.manage"
    LICENSE_READ = "license.read"
    # Subscription status, tier and usage records: the system (billing, monitoring) only, no role.
    # Not in WRITES, so a suspended clinic can be reactivated and its usage still recorded.
    LICENSE_MANAGE = "license.manage"
    REPORT_VIEW = "report.view"
    # The self-registration poster's signed link: print it, rotate its key (old posters stop working).
    REGISTRATION_MANAGE = "registration.manage"
    # The clinic's enrolled devices: list them, make enrollment codes, withdraw a lost one. Not in
    # WRITES: a suspended clinic can still withdraw a stolen front-desk PC.
    DEVICE_MANAGE = "device.manage"
    AUDIT_READ = "audit.read"


P = Permission

# Permissions that change data: refused while the clinic is suspended (read-only).
WRITES: Final = frozenset(
    {
        P.PATIENT_WRITE,
        P.PATIENT_WRITE_MEDICAL,
        P.PATIENT_MERGE,
        P.APPOINTMENT_BOOK,
        P.APPOINTMENT_MANAGE,
        P.APPOINTMENT_CHECK_IN,
        P.APPOINTMENT_CHECK_OUT,
        P.WAITLIST_MANAGE,
        P.SCHEDULE_MANAGE,
        P.TREATMENT_RECORD,
        P.CATALOG_MANAGE,
        P.INVENTORY_MOVE,
        P.INVENTORY_MANAGE,
        P.PAYMENT_TAKE,
        P.PAYMENT_REFUND,
        P.BARCODE_MANAGE,
        P.CHAT_SEND,
        P.STAFF_MANAGE,
        P.CLINIC_MANAGE,
        P.REGISTRATION_MANAGE,
    }
)

_EVERY_STAFF: Final = frozenset(
    {
        P.PATIENT_SEARCH,
        P.PATIENT_READ,
        P.PATIENT_READ_ALLERGIES,
        P.APPOINTMENT_READ,
        P.SCHEDULE_READ,
        P.CATALOG_READ,
        P.INVENTORY_READ,
        P.BARCODE_SCAN,
        P.STAFF_READ,
        P.CLINIC_READ,
        P.CHAT_READ,
    }
)

_CLINICAL: Final = _EVERY_STAFF | {
    P.PATIENT_READ_MEDICAL,
    P.PATIENT_WRITE,
    P.PATIENT_WRITE_MEDICAL,
    P.APPOINTMENT_CHECK_IN,
    P.APPOINTMENT_CHECK_OUT,
    P.TREATMENT_READ,
    P.TREATMENT_RECORD,
    P.INVENTORY_MOVE,
    P.PAYMENT_READ,
    P.CHAT_SEND,
}

ROLE_PERMISSIONS: Final[dict[Role, frozenset[Permission]]] = {
    Role.DOCTOR: frozenset(_CLINICAL | {P.APPOINTMENT_MANAGE}),
    Role.NURSE: frozenset(_CLINICAL),
    Role.RECEPTIONIST: frozenset(
        _EVERY_STAFF
        | {
            P.PATIENT_WRITE,
            P.APPOINTMENT_BOOK,
            P.APPOINTMENT_MANAGE,
            P.APPOINTMENT_CHECK_IN,
            P.APPOINTMENT_CHECK_OUT,
            P.WAITLIST_MANAGE,
            P.TREATMENT_READ,
            P.PAYMENT_READ,
            P.PAYMENT_TAKE,
            P.PAYMENT_CASH_UP,
            P.BARCODE_MANAGE,
            P.INVENTORY_MOVE,
            P.CHAT_SEND,
        }
    ),
    Role.ADMIN: frozenset(
        _EVERY_STAFF
        | {
            P.PATIENT_WRITE,
            P.PATIENT_MERGE,
            P.APPOINTMENT_BOOK,
            P.APPOINTMENT_MANAGE,
            P.APPOINTMENT_CHECK_IN,
            P.APPOINTMENT_CHECK_OUT,
            P.WAITLIST_MANAGE,
            P.SCHEDULE_MANAGE,
            P.TREATMENT_READ,
            P.CATALOG_MANAGE,
            P.INVENTORY_MOVE,
            P.INVENTORY_MANAGE,
            P.PAYMENT_READ,
            P.PAYMENT_TAKE,
            P.PAYMENT_REFUND,
            P.PAYMENT_CASH_UP,
            P.BARCODE_MANAGE,
            P.CHAT_SEND,
            P.STAFF_MANAGE,
            P.CLINIC_MANAGE,
            P.LICENSE_READ,
            P.REPORT_VIEW,
            P.REGISTRATION_MANAGE,
            P.DEVICE_MANAGE,
            P.AUDIT_READ,
        }
    ),
    Role.MANAGER: frozenset(
        _EVERY_STAFF
        | {
            P.PATIENT_MERGE,
            P.APPOINTMENT_MANAGE,
            P.SCHEDULE_MANAGE,
            P.TREATMENT_READ,
            P.CATALOG_MANAGE,
            P.INVENTORY_MOVE,
            P.INVENTORY_MANAGE,
            P.PAYMENT_READ,
            P.PAYMENT_REFUND,
            P.PAYMENT_CASH_UP,
            P.BARCODE_MANAGE,
            P.LICENSE_READ,
            P.REPORT_VIEW,
            P.REGISTRATION_MANAGE,
            P.AUDIT_READ,
        }
    ),
}

# A lobby kiosk: find today's appointment by code or by name + date of birth, and check in.
KIOSK_PERMISSIONS: Final = frozenset({P.PATIENT_KIOSK_LOOKUP, P.APPOINTMENT_CHECK_IN, P.BARCODE_SCAN})

# Roles that must use a second factor (TOTP) to log in.
TOTP_REQUIRED_ROLES: Final = frozenset({Role.ADMIN, Role.MANAGER})

# What of a patient each permission reveals. A role sees the union of the groups it holds.
PATIENT_FIELD_GROUPS: Final[dict[Permission, frozenset[str]]] = {
    P.PATIENT_KIOSK_LOOKUP: frozenset({"id", "first_name"}),
    P.PATIENT_READ: frozenset(
        {
            "id",
            "barcode_id",
            "qr_code_data",
            "first_name",
            "last_name",
            "date_of_birth",
            "contact_email",
            "contact_phone",
            "emergency_contact",
            "last_visit_date",
            "next_appointment_date",
            "is_active",
            "preferred_language",
            "notes",
            "marketing_opt_in",
            "treatment_details_opt_in",
            "merged_into_id",
            "version",
            "created_at",
            "updated_at",
        }
    ),
    P.PATIENT_READ_ALLERGIES: frozenset({"allergies"}),
    P.PATIENT_READ_MEDICAL: frozenset({"medical_history", "current_medications"}),
}

MEDICAL_FIELDS: Final = frozenset({"medical_history", "current_medications", "allergies"})


def role_allows(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]


def visible_patient_fields(granted: frozenset[Permission]) -> frozenset[str]:
    fields: set[str] = set()
    for permission, group in PATIENT_FIELD_GROUPS.items():
        if permission in granted:
            fields |= group
    return frozenset(fields)
