"""Clinic staff: the people who log in to the desktop app."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from common.storage.base import Base, ClinicRecord, enum_column


class Role(StrEnum):
    DOCTOR = "Doctor"
    NURSE = "Nurse"
    RECEPTIONIST = "Receptionist"
    ADMIN = "Admin"
    MANAGER = "Manager"


class StaffUser(ClinicRecord, Base):
    __tablename__ = "staff_users"
    __table_args__ = (
        UniqueConstraint("clinic_id", "email"),
        Index(None, "clinic_id", "role"),
    )

    email: Mapped[str]  # stored lower-cased; the login identifier within a clinic
    password_hash: Mapped[str]
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    # Grants beyond the role's, e.g. {"grant": ["reports.view"]}; the matrix stays the source of truth.
    permissions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    is_active: Mapped[bool] = mapped_column(default=True)
    last_login: Mapped[datetime | None]
    two_factor_enabled: Mapped[bool] = mapped_column(default=False)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_used_step: Mapped[int | None]  # a TOTP code is usable once
    specialization: Mapped[str | None] = mapped_column(String(100))
    preferred_language: Mapped[str] = mapped_column(String(8), default="en")
    calendar_color: Mapped[str | None] = mapped_column(String(9))
    failed_login_count: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    # Bumped on password change, disable and logout-everywhere: sessions carry the epoch they began in.
    session_epoch: Mapped[int] = mapped_column(default=0)
    password_changed_at: Mapped[datetime | None]
