"""The keys that sign a clinic's registration links, one per version."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import LargeBinary, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from common.storage.base import Base, ClinicRecord, clinic_fk


class RegistrationKey(ClinicRecord, Base):
    """A signing key of the clinic's registration links. The newest live key signs; a retired key's
    links are refused."""

    __tablename__ = "registration_keys"
    __table_args__ = (
        UniqueConstraint("clinic_id", "key_version"),
        clinic_fk("created_by", "staff_users"),
    )

    key_version: Mapped[int]
    secret: Mapped[bytes] = mapped_column(LargeBinary(32))
    retired_at: Mapped[datetime | None]
    created_by: Mapped[uuid.UUID | None]
