"""Staff sign-in sessions and their refresh tokens, kept by the server.

A login starts a `SignInSession` (the refresh-token *family*); each refresh spends one
`RefreshToken` and issues the next. Presenting a spent token again means it was copied: the
whole session is revoked. Access tokens name their session, so revoking it ends them too.

These rows are server state, not clinic data: they are plain tables (no `seq`, no `version`),
so they never enter the change log and never reach a device. Only token hashes are stored.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from common.ids import new_id
from common.storage.base import Base, clinic_fk


class SignInSession(Base):
    __tablename__ = "staff_sessions"
    __table_args__ = (
        Index(None, "clinic_id", "user_id"),
        clinic_fk("user_id", "staff_users"),
    )

    clinic_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinics.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID]
    # The user's session epoch at sign-in: a password change, disable or role change moves the
    # user's epoch on, which ends this session (and its refresh tokens).
    session_epoch: Mapped[int]
    started_at: Mapped[datetime]
    # Moved forward by requests (at most once a minute), for the idle timeout.
    last_seen_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    # logout, reuse, expired: why the session ended (a code, never personal data).
    revoked_reason: Mapped[str | None] = mapped_column(String(32))


class RefreshToken(Base):
    __tablename__ = "staff_refresh_tokens"
    __table_args__ = (
        UniqueConstraint("clinic_id", "token_hash"),
        Index(None, "clinic_id", "session_id"),
        clinic_fk("session_id", "staff_sessions"),
    )

    clinic_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinics.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    session_id: Mapped[uuid.UUID]
    token_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the secret part, hex
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
