"""Every mapped class, imported once so the metadata (and Alembic) sees the whole schema."""

from common.audit.models import AuditChainHead, AuditLog
from common.barcodes.models import BarcodeMapping, BarcodeScanEvent
from common.catalog.models import TreatmentCatalogItem, TreatmentCategory
from common.chat.models import ChatMessage
from common.checkin.models import ArrivalQuestion
from common.clinics.models import Clinic, ClinicSequence
from common.inventory.models import InventoryItem, InventoryMovement, ReorderRequest
from common.licensing.models import LicenseUsage
from common.notifications.models import Notification, NotificationPreference
from common.patients.models import Patient, PatientMerge
from common.payments.models import PaymentRecord
from common.printing.models import PrintSettings
from common.registration.models import RegistrationKey
from common.scheduling.models import (
    Appointment,
    DoctorSchedule,
    DoctorTimeOff,
    WaitlistEntry,
    WaitlistOffer,
)
from common.sessions.models import RefreshToken, SignInSession
from common.staff.models import StaffUser
from common.storage.base import Base
from common.sync.models import (
    MergeReview,
    SyncAppliedMutation,
    SyncConflict,
    SyncDevice,
    SyncEnrollmentCode,
    SyncOutbox,
    SyncState,
)
from common.sync.tables import index_change_order
from common.treatments.models import TreatmentRecord

metadata = Base.metadata
index_change_order(metadata)  # (clinic_id, seq, id) on every synced table, for pulls

__all__ = [
    "Appointment",
    "ArrivalQuestion",
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
    "MergeReview",
    "Notification",
    "NotificationPreference",
    "Patient",
    "PatientMerge",
    "PaymentRecord",
    "PrintSettings",
    "RefreshToken",
    "RegistrationKey",
    "ReorderRequest",
    "SignInSession",
    "StaffUser",
    "SyncAppliedMutation",
    "SyncConflict",
    "SyncDevice",
    "SyncEnrollmentCode",
    "SyncOutbox",
    "SyncState",
    "TreatmentCatalogItem",
    "TreatmentCategory",
    "TreatmentRecord",
    "WaitlistEntry",
    "WaitlistOffer",
    "metadata",
]
