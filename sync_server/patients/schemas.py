"""Patients in the seed's field names. What a reader gets is limited to what their role may see
(common.patients.views): fields the role may not see are absent, not empty."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict

from common.patients.models import PreferredLanguage
from common.payments.models import PaymentKind, PaymentMethod, PaymentStatus
from common.scheduling.models import AppointmentStatus, AppointmentType, DayPeriod
from sync_server.fields import (
    Day,
    JsonList,
    JsonObject,
    LongText,
    Text50,
    Text100,
    Text255,
    Text1000,
    Version,
)


class PatientOut(BaseModel):
    """Only the fields present are the reader's to see (the role decides)."""

    id: uuid.UUID
    barcode_id: str | None = None
    qr_code_data: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    date_of_birth: date | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    emergency_contact: dict[str, Any] | None = None
    medical_history: dict[str, Any] | None = None
    allergies: list[Any] | None = None
    current_medications: list[Any] | None = None
    last_visit_date: date | None = None
    next_appointment_date: date | None = None
    is_active: bool | None = None
    preferred_language: PreferredLanguage | None = None
    notes: str | None = None
    marketing_opt_in: bool | None = None
    treatment_details_opt_in: bool | None = None
    merged_into_id: uuid.UUID | None = None
    version: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class PatientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID | None = None
    first_name: Text100
    last_name: Text100
    date_of_birth: Day
    contact_email: Text255 | None = None
    contact_phone: Text50 | None = None
    emergency_contact: JsonObject | None = None
    medical_history: JsonObject | None = None
    allergies: JsonList | None = None
    current_medications: JsonList | None = None
    preferred_language: PreferredLanguage = PreferredLanguage.EN
    notes: LongText | None = None
    marketing_opt_in: bool = False
    treatment_details_opt_in: bool = False


class PatientUpdate(BaseModel):
    """The fields to change (absent = unchanged). With `base_version`, a stale edit is merged
    field by field and refused (409) only where someone else changed the same field."""

    model_config = ConfigDict(extra="forbid")

    base_version: Version | None = None
    first_name: Text100 | None = None
    last_name: Text100 | None = None
    date_of_birth: Day | None = None
    contact_email: Text255 | None = None
    contact_phone: Text50 | None = None
    emergency_contact: JsonObject | None = None
    medical_history: JsonObject | None = None
    allergies: JsonList | None = None
    current_medications: JsonList | None = None
    preferred_language: PreferredLanguage | None = None
    notes: LongText | None = None
    marketing_opt_in: bool | None = None
    treatment_details_opt_in: bool | None = None
    is_active: bool | None = None


class BarcodeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Text255 | None = None
    expiry_date: Day | None = None


class MergeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    duplicate_id: uuid.UUID


class MergeOut(BaseModel):
    merge_id: uuid.UUID
    survivor_id: uuid.UUID
    duplicate_id: uuid.UUID
    moved: dict[str, list[uuid.UUID]]
    filled_fields: list[str]


class AppointmentEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    reservation_id: str
    starts_at: datetime
    ends_at: datetime
    status: AppointmentStatus
    appointment_type: AppointmentType
    doctor_id: uuid.UUID
    treatment_type_id: uuid.UUID | None
    period: DayPeriod | None
    time_assigned: bool


class TreatmentEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    treatment_date: date
    treatment_name: str
    treatment_type_id: uuid.UUID
    doctor_id: uuid.UUID
    appointment_id: uuid.UUID | None
    final_amount: Decimal
    currency: str
    follow_up_date: date | None


class PaymentEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    paid_at: datetime
    kind: PaymentKind
    final_amount: Decimal
    currency: str
    payment_method: PaymentMethod | None
    payment_status: PaymentStatus
    appointment_id: uuid.UUID | None
    treatment_id: uuid.UUID | None


class BarcodeEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    barcode_value: str
    is_active: bool
    generated_at: datetime
    expiry_date: date | None
    scan_count: int


class PatientRecordsOut(BaseModel):
    """Everything about one patient the reader may see, newest first. A section the role may
    not see is null (not empty)."""

    patient: PatientOut
    appointments: list[AppointmentEntryOut] | None
    treatments: list[TreatmentEntryOut] | None
    payments: list[PaymentEntryOut] | None
    barcodes: list[BarcodeEntryOut]
    chat_message_count: int | None


SearchText = Text1000
