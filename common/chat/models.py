"""Messages between a patient and the clinic's departments."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from common.storage.base import Base, ClinicRecord, clinic_fk, enum_column


class SenderType(StrEnum):
    PATIENT = "Patient"
    STAFF = "Staff"
    SYSTEM = "System"


class RecipientType(StrEnum):
    PATIENT = "Patient"
    STAFF = "Staff"
    DEPARTMENT = "Department"


class MessageType(StrEnum):
    TEXT = "Text"
    IMAGE = "Image"
    VOICE = "Voice"
    DOCUMENT = "Document"


class Department(StrEnum):
    GENERAL = "General"
    BILLING = "Billing"
    MEDICAL = "Medical"
    APPOINTMENT = "Appointment"


class MessagePriority(StrEnum):
    LOW = "Low"
    NORMAL = "Normal"
    HIGH = "High"
    URGENT = "Urgent"


class ChatMessage(ClinicRecord, Base):
    __tablename__ = "chat_messages"
    __table_args__ = (
        Index(None, "clinic_id", "patient_id", "created_at"),
        Index(None, "clinic_id", "department", "is_read"),
        clinic_fk("patient_id", "patients"),
        clinic_fk("related_appointment_id", "appointments"),
        clinic_fk("related_treatment_id", "treatment_records"),
    )

    patient_id: Mapped[uuid.UUID]
    sender_type: Mapped[SenderType] = mapped_column(enum_column(SenderType, "sender_type"))
    sender_id: Mapped[uuid.UUID]
    recipient_type: Mapped[RecipientType] = mapped_column(enum_column(RecipientType, "recipient_type"))
    recipient_id: Mapped[uuid.UUID | None]
    message_type: Mapped[MessageType] = mapped_column(
        enum_column(MessageType, "message_type"), default=MessageType.TEXT
    )
    content: Mapped[str | None] = mapped_column(Text)
    media_url: Mapped[str | None] = mapped_column(String(500))
    is_read: Mapped[bool] = mapped_column(default=False)
    read_at: Mapped[datetime | None]
    department: Mapped[Department] = mapped_column(enum_column(Department, "department"))
    priority: Mapped[MessagePriority] = mapped_column(
        enum_column(MessagePriority, "priority"), default=MessagePriority.NORMAL
    )
    related_appointment_id: Mapped[uuid.UUID | None]
    related_treatment_id: Mapped[uuid.UUID | None]
    edited_at: Mapped[datetime | None]
