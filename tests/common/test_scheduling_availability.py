"""Availability: free slots per doctor and day, Time Period capacity, the clinic's wall clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from common.errors import NotFound, PermissionDenied
from common.scheduling.availability import availability
from common.scheduling.booking import BookingRequest, book_appointment
from common.scheduling.errors import InvalidDayCount, InvalidDuration, NotADoctor
from common.scheduling.models import AppointmentStatus, DayPeriod, ScheduleBlockKind
from common.scheduling.schedules import ScheduleBlock, add_time_off, set_weekly_schedule
from common.scheduling.slots import DayAvailability
from tests.common.scheduling_fixtures import MONDAY, SchedulingWorld, wall

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def sched(world, clock):
    return SchedulingWorld.build(world, clock)


def local_starts(day_availability: DayAvailability) -> list[str]:
    return [slot.local_start.strftime("%H:%M") for slot in day_availability.slots]


def test_free_slots_follow_the_doctors_hours_and_breaks(sched):
    with sched.ctx() as ctx:
        result = availability(ctx, MONDAY, days=7, doctor_id=sched.doctor)
    assert [d.date for d in result] == [MONDAY + timedelta(days=n) for n in range(7)]
    monday = result[0]
    starts = local_starts(monday)
    assert starts[0] == "09:00" and starts[-1] == "17:45"
    assert "11:45" in starts and "12:00" not in starts and "12:45" not in starts and "13:00" in starts
    assert len(starts) == 12 + 20
    first = monday.slots[0]
    assert first.starts_at == datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    assert first.starts_at.tzinfo is UTC and first.local_start.utcoffset() == timedelta(hours=8)
    assert first.ends_at - first.starts_at == timedelta(minutes=15)
    assert local_starts(result[5])[-1] == "11:45"  # Saturday until noon
    assert result[6].slots == ()  # Sunday


def test_appointments_take_their_time_for_the_requested_length(sched):
    sched.book(wall(0, "10:00"), duration=30)
    cancelled = sched.book(wall(0, "14:00"), duration=30)
    sched.set_status(cancelled.id, AppointmentStatus.CANCELLED)
    with sched.ctx() as ctx:
        monday = availability(ctx, MONDAY, days=1, doctor_id=sched.doctor)[0]
        longer = availability(ctx, MONDAY, days=1, doctor_id=sched.doctor, duration_minutes=30)[0]
        other = availability(ctx, MONDAY, days=1, doctor_id=sched.doctor2)[0]
    assert "10:00" not in local_starts(monday) and "10:15" not in local_starts(monday)
    assert "09:45" in local_starts(monday) and "10:30" in local_starts(monday)
    assert "14:00" in local_starts(monday)  # cancelled: free again
    assert "09:45" not in local_starts(longer) and "09:30" in local_starts(longer)
    assert "11:45" not in local_starts(longer)  # would run into the break
    assert "10:00" in local_starts(other)


def test_an_odd_length_appointment_moves_the_next_start_to_the_grid(sched):
    sched.book(wall(0, "10:00"), duration=20)
    with sched.ctx() as ctx:
        starts = local_starts(availability(ctx, MONDAY, days=1, doctor_id=sched.doctor)[0])
    assert "10:15" not in starts and "10:30" in starts


def test_past_and_lead_time_are_not_offered(sched):
    sched.clock.set(wall(0, "10:07"))
    with sched.ctx() as ctx:
        assert local_starts(availability(ctx, MONDAY, days=1, doctor_id=sched.doctor)[0])[0] == "10:15"
    sched.set_clinic(booking_min_lead_minutes=60)
    with sched.ctx() as ctx:
        assert local_starts(availability(ctx, MONDAY, days=1, doctor_id=sched.doctor)[0])[0] == "11:15"
        # A window wholly in the past offers nothing.
        assert availability(ctx, MONDAY - timedelta(days=7), days=1)[0].slots == ()


def test_days_off_clinic_hours_and_the_booking_horizon(sched):
    with sched.ctx("admin") as ctx:
        add_time_off(ctx, sched.doctor, MONDAY + timedelta(days=1), MONDAY + timedelta(days=2))
        # The doctor would work Saturday afternoon and Sunday, but the clinic is open Saturday
        # morning only (09:00-13:00) and closed on Sunday.
        set_weekly_schedule(
            ctx,
            sched.doctor,
            [
                ScheduleBlock(1, time(9), time(18)),
                ScheduleBlock(6, time(9), time(15)),
                ScheduleBlock(7, time(9), time(15)),
            ],
        )
    sched.set_clinic(booking_max_advance_days=8)
    with sched.ctx() as ctx:
        result = availability(ctx, MONDAY, days=14, doctor_id=sched.doctor)
    assert result[1].slots == () and result[2].slots == ()
    assert all(not period.open for period in result[1].periods)
    assert local_starts(result[5])[-1] == "12:45"
    assert result[6].slots == ()
    assert result[7].slots != ()  # next Monday: 7 days ahead
    assert all(d.slots == () for d in result[9:])  # beyond 8 days ahead
    assert local_starts(result[0])[-1] == "17:45"  # no break any more


def test_schedule_blocks_limited_to_dates(sched):
    with sched.ctx("admin") as ctx:
        set_weekly_schedule(
            ctx,
            sched.doctor,
            [
                ScheduleBlock(1, time(9), time(12), valid_until=MONDAY),
                ScheduleBlock(1, time(14), time(16), valid_from=MONDAY + timedelta(days=1)),
                ScheduleBlock(
                    1, time(10), time(11), ScheduleBlockKind.BREAK, valid_from=MONDAY, valid_until=MONDAY
                ),
            ],
        )
    with sched.ctx() as ctx:
        this_monday, next_monday = (
            d for d in availability(ctx, MONDAY, days=8, doctor_id=sched.doctor) if d.date.isoweekday() == 1
        )
    assert local_starts(this_monday) == [
        "09:00",
        "09:15",
        "09:30",
        "09:45",
        "11:00",
        "11:15",
        "11:30",
        "11:45",
    ]
    assert local_starts(next_monday)[0] == "14:00" and len(next_monday.slots) == 8


def test_all_doctors_in_name_order_and_argument_checks(sched, other_world):
    with sched.ctx("nurse") as ctx:
        result = availability(ctx, MONDAY, days=14)
    assert len(result) == 2 * 14
    # Dora Lin before Ken Wu.
    assert [d.doctor_id for d in result[::14]] == [sched.doctor, sched.doctor2]
    with pytest.raises(InvalidDayCount), sched.ctx() as ctx:
        availability(ctx, MONDAY, days=0)
    with pytest.raises(InvalidDuration), sched.ctx() as ctx:
        availability(ctx, MONDAY, duration_minutes=0)
    with pytest.raises(NotADoctor), sched.ctx() as ctx:
        availability(ctx, MONDAY, doctor_id=sched.world.staff["nurse"])
    with pytest.raises(NotFound), sched.ctx() as ctx:
        availability(ctx, MONDAY, doctor_id=other_world.staff["doctor"])


def test_the_kiosk_cannot_read_availability(sched):
    from common.context import Actor
    from common.ids import new_id

    with (
        pytest.raises(PermissionDenied),
        sched.world.db.context(sched.world.clinic_id, Actor.kiosk(new_id())) as ctx,
    ):
        availability(ctx, MONDAY)


def test_time_period_capacity(sched):
    for patient in range(2):
        with sched.ctx() as ctx:
            book_appointment(
                ctx,
                BookingRequest(
                    sched.patients[patient],
                    sched.doctor,
                    day=MONDAY,
                    period=DayPeriod.MORNING,
                    duration_minutes=30,
                ),
            )
    sched.book(wall(0, "09:00"), duration=30)  # a timed booking does not use period capacity
    with sched.ctx() as ctx:
        monday = availability(ctx, MONDAY, days=1, doctor_id=sched.doctor)[0]
    periods = {p.period: p for p in monday.periods}
    morning = periods[DayPeriod.MORNING]
    assert (morning.capacity, morning.booked, morning.remaining, morning.bookable) == (4, 2, 2, True)
    assert morning.starts_at == wall(0, "09:00") and morning.ends_at == wall(0, "12:00")
    assert periods[DayPeriod.AFTERNOON].remaining == 4
    # Evening is 17:00-20:00; the doctor works until 18:00, so it is open for short visits...
    assert periods[DayPeriod.EVENING].open
    with sched.ctx() as ctx:
        long_visit = availability(ctx, MONDAY, days=1, doctor_id=sched.doctor, duration_minutes=90)[0]
    # ...but not for a 90-minute one.
    assert not {p.period: p for p in long_visit.periods}[DayPeriod.EVENING].open
    # Time Period bookings without a time leave the slots free.
    assert "09:30" in local_starts(monday) and "09:00" not in local_starts(monday)


def test_availability_runs_one_appointments_query(sched):
    for hour in ("09:00", "10:00", "11:00"):
        sched.book(wall(0, hour))
        sched.book(wall(1, hour), doctor="doctor2")
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = sched.world.db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        with sched.ctx() as ctx:
            availability(ctx, MONDAY, days=14)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    from_appointments = [s for s in statements if "FROM appointments" in s]
    assert len(from_appointments) == 1
    assert len(statements) <= 8


# -- the wall clock across daylight-saving switches (America/New_York) -------------------------


def new_york_clinic(sched: SchedulingWorld, clock_at: datetime) -> None:
    sched.set_clinic(timezone="America/New_York")
    sched.clock.set(clock_at)


def ny(day: date, hhmm: str) -> datetime:
    return wall(day, hhmm, NEW_YORK)


def test_slots_keep_their_wall_clock_across_the_spring_switch(sched):
    new_york_clinic(sched, datetime(2026, 3, 2, 12, tzinfo=UTC))
    with sched.ctx() as ctx:
        result = availability(ctx, date(2026, 3, 6), days=4, doctor_id=sched.doctor)
    friday, monday = result[0], result[3]
    assert friday.slots[0].starts_at == datetime(2026, 3, 6, 14, tzinfo=UTC)  # EST, UTC-5
    assert monday.slots[0].starts_at == datetime(2026, 3, 9, 13, tzinfo=UTC)  # EDT, UTC-4
    assert local_starts(friday) == local_starts(monday)
    assert monday.slots[0].local_start.utcoffset() == timedelta(hours=-4)


def test_slots_keep_their_wall_clock_across_the_autumn_switch(sched):
    new_york_clinic(sched, datetime(2026, 10, 26, 12, tzinfo=UTC))
    with sched.ctx() as ctx:
        result = availability(ctx, date(2026, 10, 30), days=4, doctor_id=sched.doctor)
    friday, monday = result[0], result[3]
    assert friday.slots[0].starts_at == datetime(2026, 10, 30, 13, tzinfo=UTC)
    assert monday.slots[0].starts_at == datetime(2026, 11, 2, 14, tzinfo=UTC)
    assert local_starts(friday) == local_starts(monday)


@pytest.mark.parametrize(
    ("sunday", "real_hours", "local_hours"),
    [
        # Spring forward: 02:00-03:00 does not exist; the night has 5 real hours.
        (date(2026, 3, 8), 5, ["00:00", "01:00", "03:00", "04:00", "05:00"]),
        # Fall back: 01:00-02:00 happens twice; the night has 7 real hours.
        (date(2026, 11, 1), 7, ["00:00", "01:00", "01:00", "02:00", "03:00", "04:00", "05:00"]),
    ],
)
def test_a_night_shift_over_the_switch_gets_the_hours_that_exist(sched, sunday, real_hours, local_hours):
    new_york_clinic(sched, datetime.combine(sunday - timedelta(days=3), time(12), tzinfo=UTC))
    sched.set_clinic(business_hours={"7": ["00:00", "06:00"]}, slot_minutes=60)
    with sched.ctx("admin") as ctx:
        set_weekly_schedule(ctx, sched.doctor, [ScheduleBlock(7, time(0), time(6))])
    with sched.ctx() as ctx:
        night = availability(ctx, sunday, days=1, doctor_id=sched.doctor, duration_minutes=60)[0]
    assert len(night.slots) == real_hours
    assert local_starts(night) == local_hours
    instants = [slot.starts_at for slot in night.slots]
    assert all(b - a == timedelta(hours=1) for a, b in pairwise(instants))


def test_booking_on_the_day_after_the_switch_stores_utc_and_wall_clock(sched):
    new_york_clinic(sched, datetime(2026, 3, 2, 12, tzinfo=UTC))
    appointment = sched.book(ny(date(2026, 3, 9), "09:00"), duration=30)
    assert appointment.starts_at == datetime(2026, 3, 9, 13, tzinfo=UTC)
    assert (appointment.appointment_date, appointment.start_time, appointment.end_time) == (
        date(2026, 3, 9),
        time(9),
        time(9, 30),
    )
    earlier = sched.book(ny(date(2026, 3, 6), "09:00"), duration=30)
    assert earlier.starts_at == datetime(2026, 3, 6, 14, tzinfo=UTC)
    assert earlier.start_time == time(9)
