"""Which staff members can be booked: active doctors of the clinic."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.errors import NotFound
from common.scheduling.errors import NotADoctor
from common.staff.models import Role, StaffUser
from common.storage.session import live_row


def require_doctor(session: Session, doctor_id: uuid.UUID) -> StaffUser:
    """The doctor, or NotFound (unknown here, e.g. another clinic's id) / NotADoctor."""
    staff = live_row(session, StaffUser, doctor_id)
    if staff is None:
        raise NotFound()
    if staff.role is not Role.DOCTOR or not staff.is_active:
        raise NotADoctor()
    return staff


def active_doctor_ids(session: Session) -> list[uuid.UUID]:
    """Active doctors in calendar order (by name)."""
    return list(
        session.scalars(
            select(StaffUser.id)
            .where(StaffUser.role == Role.DOCTOR, StaffUser.is_active.is_(True))
            .order_by(StaffUser.last_name, StaffUser.first_name, StaffUser.id)
        )
    )
