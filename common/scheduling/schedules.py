"""Doctors' weekly hours and breaks (per ISO weekday), and their days off."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import select

from common.access.permissions import Permission
from common.context import ServiceContext
from common.ids import new_id
from common.scheduling.doctors import require_doctor
from common.scheduling.errors import InvalidDateRange, InvalidTimeRange, InvalidWeekday, TimeOffNotFound
from common.scheduling.models import DoctorSchedule, DoctorTimeOff, ScheduleBlockKind
from common.storage.session import live_row

MAX_REASON_LENGTH = 255


@dataclass(frozen=True)
class ScheduleBlock:
    """Working hours or a break on one ISO weekday (1 = Monday), optionally only between two dates."""

    weekday: int
    start: time
    end: time
    kind: ScheduleBlockKind = ScheduleBlockKind.WORK
    valid_from: date | None = None
    valid_until: date | None = None


def set_weekly_schedule(
    ctx: ServiceContext, doctor_id: uuid.UUID, blocks: Iterable[ScheduleBlock]
) -> list[DoctorSchedule]:
    """Replace the doctor's week with `blocks`. Unchanged blocks stay as they are (nothing to sync);
    removed ones become tombstones."""
    ctx.authorize(Permission.SCHEDULE_MANAGE, entity_type="doctor_schedule", entity_id=doctor_id)
    require_doctor(ctx.session, doctor_id)
    wanted = [_valid(block) for block in blocks]
    current = ctx.session.scalars(select(DoctorSchedule).where(DoctorSchedule.doctor_id == doctor_id)).all()
    kept: list[DoctorSchedule] = []
    remaining = list(wanted)
    for row in current:
        key = ScheduleBlock(
            row.weekday, row.start_time, row.end_time, row.kind, row.valid_from, row.valid_until
        )
        if key in remaining:
            remaining.remove(key)
            kept.append(row)
        else:
            row.deleted_at = ctx.now()
    for block in remaining:
        row = DoctorSchedule(
            id=new_id(),
            doctor_id=doctor_id,
            weekday=block.weekday,
            start_time=block.start,
            end_time=block.end,
            kind=block.kind,
            valid_from=block.valid_from,
            valid_until=block.valid_until,
        )
        ctx.session.add(row)
        kept.append(row)
    ctx.audit("schedule.set", "doctor_schedule", doctor_id, changed_fields=["weekly_schedule"])
    return _in_week_order(kept)


def weekly_schedule(ctx: ServiceContext, doctor_id: uuid.UUID) -> list[DoctorSchedule]:
    ctx.authorize(Permission.SCHEDULE_READ, entity_type="doctor_schedule", entity_id=doctor_id)
    require_doctor(ctx.session, doctor_id)
    return _in_week_order(
        ctx.session.scalars(select(DoctorSchedule).where(DoctorSchedule.doctor_id == doctor_id)).all()
    )


def add_time_off(
    ctx: ServiceContext, doctor_id: uuid.UUID, start_date: date, end_date: date, reason: str | None = None
) -> DoctorTimeOff:
    """Days (inclusive) the doctor does not work. Existing appointments stay; move them separately."""
    ctx.authorize(Permission.SCHEDULE_MANAGE, entity_type="doctor_time_off", entity_id=doctor_id)
    require_doctor(ctx.session, doctor_id)
    if end_date < start_date:
        raise InvalidDateRange()
    row = DoctorTimeOff(
        id=new_id(),
        doctor_id=doctor_id,
        start_date=start_date,
        end_date=end_date,
        reason=(reason or "").strip()[:MAX_REASON_LENGTH] or None,
    )
    ctx.session.add(row)
    ctx.audit("schedule.add_time_off", "doctor_time_off", row.id, changed_fields=["start_date", "end_date"])
    return row


def remove_time_off(ctx: ServiceContext, time_off_id: uuid.UUID) -> None:
    ctx.authorize(Permission.SCHEDULE_MANAGE, entity_type="doctor_time_off", entity_id=time_off_id)
    row = live_row(ctx.session, DoctorTimeOff, time_off_id)
    if row is None:
        raise TimeOffNotFound()
    row.deleted_at = ctx.now()
    ctx.audit("schedule.remove_time_off", "doctor_time_off", row.id, changed_fields=["deleted_at"])


def time_off(
    ctx: ServiceContext,
    doctor_id: uuid.UUID | None = None,
    *,
    from_date: date | None = None,
    until_date: date | None = None,
) -> list[DoctorTimeOff]:
    """Days off meeting [from_date, until_date] (either end open), by start date."""
    ctx.authorize(Permission.SCHEDULE_READ, entity_type="doctor_time_off", entity_id=doctor_id)
    statement = select(DoctorTimeOff).order_by(DoctorTimeOff.start_date, DoctorTimeOff.doctor_id)
    if doctor_id is not None:
        statement = statement.where(DoctorTimeOff.doctor_id == doctor_id)
    if from_date is not None:
        statement = statement.where(DoctorTimeOff.end_date >= from_date)
    if until_date is not None:
        statement = statement.where(DoctorTimeOff.start_date <= until_date)
    return list(ctx.session.scalars(statement))


def _valid(block: ScheduleBlock) -> ScheduleBlock:
    # Schedules are kept to the minute, in the clinic's wall clock.
    start = block.start.replace(second=0, microsecond=0, tzinfo=None)
    end = block.end.replace(second=0, microsecond=0, tzinfo=None)
    if not 1 <= block.weekday <= 7:
        raise InvalidWeekday()
    if end <= start:
        raise InvalidTimeRange()
    if block.valid_from and block.valid_until and block.valid_until < block.valid_from:
        raise InvalidDateRange()
    return ScheduleBlock(
        block.weekday, start, end, ScheduleBlockKind(block.kind), block.valid_from, block.valid_until
    )


def _in_week_order(rows: Iterable[DoctorSchedule]) -> list[DoctorSchedule]:
    return sorted(rows, key=lambda row: (row.weekday, row.start_time, row.kind != ScheduleBlockKind.WORK))
