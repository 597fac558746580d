"""Every mapped class, imported once so the metadata (and Alembic) sees the whole schema."""

from common.audit.models import AuditChainHead, AuditLog
from common.barcodes.models import BarcodeMapping, BarcodeScanEvent
from common.catalog.models import TreatmentCatalogItem, TreatmentCategory
from common.chat.models import ChatMessage
from common.clinics.models import Clinic, ClinicSequence
from common.inventory.models import InventoryItem, InventoryMovement, ReorderRequest
from common.licensing.models import LicenseUsage
from common.notifications.models import Notification, NotificationPreference
from common.patients.models import Patient, PatientMerge
from common.payments.models import PaymentRecord
from common.scheduling.models import (
    Appointment,
    DoctorSchedule,
    DoctorTimeOff,
    WaitlistEntry,
    WaitlistOffer,
)
from common.staff.models import StaffUser
from common.storage.base import Base
from common.treatments.models import TreatmentRecord

metadata = Base.metadata

__all__ = [
    "Appointment",
    "AuditChainHead",
    "AuditLog",
    "BarcodeMapping",
    "BarcodeScanEvent",
    "Base",
    "ChatMessage",
    "Clinic",
    "ClinicSequence",
    "DoctorSchedule",
    "DoctorTimeOff",
    "InventoryItem",
    "InventoryMovement",
    "LicenseUsage",
    "Notification",
    "NotificationPreference",
    "Patient",
    "PatientMerge",
    "PaymentRecord",
    "ReorderRequest",
    "StaffUser",
    "TreatmentCatalogItem",
    "TreatmentCategory",
    "TreatmentRecord",
    "WaitlistEntry",
    "WaitlistOffer",
    "metadata",
]
