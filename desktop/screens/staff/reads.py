"""What the Staff screen shows: every account (active or not) and the license's seats."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from common.context import ServiceContext
from common.staff.models import Role
from common.staff.service import SeatUsage, list_staff, seat_usage
from desktop.names import display_name


@dataclass(frozen=True)
class StaffRow:
    id: uuid.UUID
    name: str
    first_name: str
    last_name: str
    email: str
    role: Role
    is_active: bool
    locked: bool
    two_factor: bool
    last_login: datetime | None  # in the clinic's zone
    specialization: str | None
    calendar_color: str | None


@dataclass(frozen=True)
class StaffOverview:
    rows: tuple[StaffRow, ...]
    seats: SeatUsage


def staff_overview(ctx: ServiceContext) -> StaffOverview:
    now, tz = ctx.now(), ctx.tz
    rows = tuple(
        StaffRow(
            id=person.id,
            name=display_name(person.first_name, person.last_name),
            first_name=person.first_name,
            last_name=person.last_name,
            email=person.email,
            role=person.role,
            is_active=person.is_active,
            locked=person.locked_until is not None and person.locked_until > now,
            two_factor=person.two_factor_enabled,
            last_login=person.last_login.astimezone(tz) if person.last_login is not None else None,
            specialization=person.specialization,
            calendar_color=person.calendar_color,
        )
        for person in list_staff(ctx, include_inactive=True)
    )
    return StaffOverview(rows, seat_usage(ctx))
