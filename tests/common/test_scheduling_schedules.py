"""Doctors' weekly schedules and days off: set, read, validate, permissions, tenancy."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import update

from common.errors import NotFound, PermissionDenied
from common.scheduling.errors import (
    InvalidDateRange,
    InvalidTimeRange,
    InvalidWeekday,
    NotADoctor,
    TimeOffNotFound,
)
from common.scheduling.models import DoctorSchedule, ScheduleBlockKind
from common.scheduling.schedules import (
    ScheduleBlock,
    add_time_off,
    remove_time_off,
    set_weekly_schedule,
    time_off,
    weekly_schedule,
)
from common.staff.models import StaffUser
from tests.common.scheduling_fixtures import AuditCounter, SchedulingWorld, standard_week


@pytest.fixture
def sched(world, clock):
    return SchedulingWorld.build(world, clock)


def test_weekly_schedule_reads_back_in_week_order(sched):
    with sched.ctx("nurse") as ctx:
        rows = weekly_schedule(ctx, sched.doctor)
    assert [(r.weekday, r.start_time, r.end_time, r.kind) for r in rows[:3]] == [
        (1, time(9), time(18), ScheduleBlockKind.WORK),
        (1, time(12), time(13), ScheduleBlockKind.BREAK),
        (2, time(9), time(18), ScheduleBlockKind.WORK),
    ]
    assert len(rows) == len(standard_week())


def test_replacing_a_week_keeps_unchanged_blocks_and_tombstones_the_rest(sched):
    with sched.ctx("admin") as ctx:
        before = {(r.weekday, r.kind): r.id for r in weekly_schedule(ctx, sched.doctor)}
    new_week = [b for b in standard_week() if b.weekday != 6] + [ScheduleBlock(6, time(10), time(14))]
    with sched.ctx("manager") as ctx:
        rows = set_weekly_schedule(ctx, sched.doctor, new_week)
    after = {(r.weekday, r.kind): r.id for r in rows}
    assert after[(1, ScheduleBlockKind.WORK)] == before[(1, ScheduleBlockKind.WORK)]
    assert after[(6, ScheduleBlockKind.WORK)] != before[(6, ScheduleBlockKind.WORK)]
    old_saturday = sched.get(DoctorSchedule, before[(6, ScheduleBlockKind.WORK)])
    assert old_saturday.deleted_at is not None
    with sched.ctx("admin") as ctx:
        saturday = [r for r in weekly_schedule(ctx, sched.doctor) if r.weekday == 6]
    assert [(r.start_time, r.end_time) for r in saturday] == [(time(10), time(14))]


@pytest.mark.parametrize(
    ("block", "error"),
    [
        (ScheduleBlock(1, time(10), time(9)), InvalidTimeRange),
        (ScheduleBlock(1, time(10), time(10)), InvalidTimeRange),
        (ScheduleBlock(0, time(9), time(10)), InvalidWeekday),
        (ScheduleBlock(8, time(9), time(10)), InvalidWeekday),
        (
            ScheduleBlock(1, time(9), time(10), valid_from=date(2027, 1, 2), valid_until=date(2027, 1, 1)),
            InvalidDateRange,
        ),
    ],
)
def test_invalid_blocks_are_refused(sched, block, error):
    with pytest.raises(error), sched.ctx("admin") as ctx:
        set_weekly_schedule(ctx, sched.doctor, [block])


def test_only_active_doctors_have_schedules(sched, other_world):
    with pytest.raises(NotADoctor), sched.ctx("admin") as ctx:
        set_weekly_schedule(ctx, sched.world.staff["nurse"], standard_week())
    with sched.world.db.session(sched.world.clinic_id) as session, session.begin():
        session.execute(update(StaffUser).where(StaffUser.id == sched.doctor2).values(is_active=False))
    with pytest.raises(NotADoctor), sched.ctx("admin") as ctx:
        add_time_off(ctx, sched.doctor2, date(2026, 12, 1), date(2026, 12, 2))
    # Another clinic's doctor does not exist here.
    with pytest.raises(NotFound), sched.ctx("admin") as ctx:
        set_weekly_schedule(ctx, other_world.staff["doctor"], standard_week())


def test_schedule_permissions(sched):
    with pytest.raises(PermissionDenied), sched.ctx("receptionist") as ctx:
        set_weekly_schedule(ctx, sched.doctor, standard_week())
    with pytest.raises(PermissionDenied), sched.ctx("doctor") as ctx:
        add_time_off(ctx, sched.doctor, date(2026, 12, 1), date(2026, 12, 1))
    for who in ("doctor", "nurse", "receptionist", "manager"):
        with sched.ctx(who) as ctx:
            assert weekly_schedule(ctx, sched.doctor)


def test_time_off_add_list_remove(sched):
    with AuditCounter(sched) as audit, sched.ctx("admin") as ctx:
        leave = add_time_off(ctx, sched.doctor, date(2026, 12, 24), date(2026, 12, 26), "  holiday ")
    assert len(audit.rows) == 1
    with sched.ctx("admin") as ctx:
        add_time_off(ctx, sched.doctor2, date(2027, 1, 4), date(2027, 1, 4))
    with sched.ctx("receptionist") as ctx:
        assert [t.id for t in time_off(ctx, sched.doctor)] == [leave.id]
        assert len(time_off(ctx)) == 2
        assert [t.doctor_id for t in time_off(ctx, from_date=date(2026, 12, 27))] == [sched.doctor2]
        assert [t.doctor_id for t in time_off(ctx, until_date=date(2026, 12, 24))] == [sched.doctor]
        assert (
            time_off(ctx, from_date=date(2026, 12, 26), until_date=date(2026, 12, 26))[0].reason == "holiday"
        )
    with pytest.raises(InvalidDateRange), sched.ctx("admin") as ctx:
        add_time_off(ctx, sched.doctor, date(2026, 12, 2), date(2026, 12, 1))
    with sched.ctx("admin") as ctx:
        remove_time_off(ctx, leave.id)
    with sched.ctx("admin") as ctx:
        assert time_off(ctx, sched.doctor) == []
    with pytest.raises(TimeOffNotFound), sched.ctx("admin") as ctx:
        remove_time_off(ctx, leave.id)


def test_schedules_are_scoped_to_their_clinic(sched, other_world):
    with other_world.ctx("admin") as ctx:
        assert time_off(ctx) == []
    with pytest.raises(NotFound), other_world.ctx("admin") as ctx:
        weekly_schedule(ctx, sched.doctor)
