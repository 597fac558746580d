"""Notifications to patients and staff, and what each of them wants to receive."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from common.storage.base import Base, ClinicRecord, enum_column


class Channel(StrEnum):
    IN_APP = "in_app"
    PUSH = "push"
    EMAIL = "email"
    SMS = "sms"


class RecipientKind(StrEnum):
    PATIENT = "Patient"
    STAFF = "Staff"


class NotificationKind(StrEnum):
    APPOINTMENT_CONFIRMATION = "appointment_confirmation"
    APPOINTMENT_REMINDER = "appointment_reminder"
    APPOINTMENT_CANCELLATION = "appointment_cancellation"
    APPOINTMENT_RESCHEDULE = "appointment_reschedule"
    WAITLIST_OFFER = "waitlist_offer"
    TREATMENT_FOLLOW_UP = "treatment_follow_up"
    CHECK_IN = "check_in"
    LICENSE_ALERT = "license_alert"
    LOW_STOCK = "low_stock"
    CHAT_MESSAGE = "chat_message"
    BROADCAST = "broadcast"


class NotificationStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    SUPPRESSED = "suppressed"  # the recipient's preferences said no


class Notification(ClinicRecord, Base):
    """One message to one recipient on one channel. `data` holds ids only; the relay renders it."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index(None, "clinic_id", "recipient_kind", "recipient_id", "created_at"),
        Index(None, "clinic_id", "status", "scheduled_for"),
    )

    recipient_kind: Mapped[RecipientKind] = mapped_column(enum_column(RecipientKind, "recipient_kind"))
    recipient_id: Mapped[uuid.UUID]
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind, "kind"))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "channel"))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[NotificationStatus] = mapped_column(
        enum_column(NotificationStatus, "status"), default=NotificationStatus.QUEUED
    )
    scheduled_for: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]
    failure_reason: Mapped[str | None] = mapped_column(String(200))


class NotificationPreference(ClinicRecord, Base):
    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("clinic_id", "owner_kind", "owner_id", "kind", "channel"),)

    owner_kind: Mapped[RecipientKind] = mapped_column(enum_column(RecipientKind, "owner_kind"))
    owner_id: Mapped[uuid.UUID]
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind, "kind"))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "channel"))
    enabled: Mapped[bool] = mapped_column(default=True)
