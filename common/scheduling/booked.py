"""The doctor time already taken: one indexed range query over (clinic_id, doctor_id, starts_at)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.scheduling.clinic_rules import LONGEST_INTERVAL
from common.scheduling.models import ACTIVE_STATUSES, Appointment, BookingMode, DayPeriod

ACTIVE = sorted(ACTIVE_STATUSES)


class BookedTime(NamedTuple):
    doctor_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    time_assigned: bool
    booking_mode: BookingMode
    period: DayPeriod | None
    appointment_date: date


def booked_between(
    session: Session,
    doctor_ids: Sequence[uuid.UUID],
    start: datetime,
    end: datetime,
    *,
    exclude_id: uuid.UUID | None = None,
) -> list[BookedTime]:
    """Active appointments (timed ones, and Time Period windows) of these doctors meeting [start, end).

    Appointments are never longer than LONGEST_INTERVAL, so `starts_at` is bounded on both sides
    and the query is an index range scan however many past appointments the clinic has.
    """
    if not doctor_ids:
        return []
    doctor_filter = (
        Appointment.doctor_id == doctor_ids[0]
        if len(doctor_ids) == 1
        else Appointment.doctor_id.in_(doctor_ids)
    )
    statement = select(
        Appointment.doctor_id,
        Appointment.starts_at,
        Appointment.ends_at,
        Appointment.time_assigned,
        Appointment.booking_mode,
        Appointment.period,
        Appointment.appointment_date,
    ).where(
        doctor_filter,
        Appointment.starts_at >= start - LONGEST_INTERVAL,
        Appointment.starts_at < end,
        Appointment.ends_at > start,
        Appointment.status.in_(ACTIVE),
    )
    if exclude_id is not None:
        statement = statement.where(Appointment.id != exclude_id)
    return [BookedTime(*row) for row in session.execute(statement)]
