"""The status machine, the visit steps, cancellation, rescheduling and no-shows."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest

from common.context import Actor, ServiceContext
from common.errors import PermissionDenied
from common.ids import new_id
from common.patients.models import Patient
from common.scheduling.booking import BookingRequest, book_appointment, reschedule_appointment
from common.scheduling.errors import (
    CancellationReasonRequired,
    CheckInNotToday,
    IllegalTransition,
    NoShowTooEarly,
    NotReschedulable,
    OutsideDoctorHours,
    SlotUnavailable,
)
from common.scheduling.models import Appointment, AppointmentStatus, BookingMode, DayPeriod
from common.scheduling.no_show import mark_no_shows
from common.scheduling.status import (
    cancel_appointment,
    check_in,
    check_out,
    confirm_appointment,
    mark_no_show,
    start_appointment,
)
from tests.common.scheduling_fixtures import MONDAY, AuditCounter, SchedulingWorld, wall

S = AppointmentStatus


@pytest.fixture
def sched(world, clock):
    return SchedulingWorld.build(world, clock)


def cancel_for_the_patient(ctx: ServiceContext, appointment_id: uuid.UUID) -> Appointment:
    return cancel_appointment(ctx, appointment_id, "patient asked")


Action = Callable[[ServiceContext, uuid.UUID], Appointment]
ACTIONS: dict[str, tuple[Action, AppointmentStatus]] = {
    "confirm": (confirm_appointment, S.CONFIRMED),
    "check_in": (check_in, S.CHECKED_IN),
    "start": (start_appointment, S.IN_PROGRESS),
    "check_out": (check_out, S.COMPLETED),
    "cancel": (cancel_for_the_patient, S.CANCELLED),
    "no_show": (mark_no_show, S.NO_SHOW),
}

# What the seed's workflow allows, written out independently of the code's table.
ALLOWED = {
    (S.SCHEDULED, "confirm"),
    (S.SCHEDULED, "check_in"),
    (S.SCHEDULED, "cancel"),
    (S.SCHEDULED, "no_show"),
    (S.CONFIRMED, "check_in"),
    (S.CONFIRMED, "cancel"),
    (S.CONFIRMED, "no_show"),
    (S.CHECKED_IN, "start"),
    (S.CHECKED_IN, "check_out"),
    (S.CHECKED_IN, "cancel"),
    (S.IN_PROGRESS, "check_out"),
}


def test_every_status_and_action(sched):
    """7 statuses x 6 actions: the allowed ones move the status and write one audit row; the
    rest are refused with IllegalTransition and change nothing."""
    sched.clock.set(wall(0, "23:00"))  # every appointment below has started, today
    start = wall(0, "00:00")
    for status in S:
        for name, (action, target) in ACTIONS.items():
            appointment_id = sched.insert_appointment(start, status=status)
            start += timedelta(minutes=15)
            allowed = (status, name) in ALLOWED
            with AuditCounter(sched) as audit:
                if allowed:
                    with sched.ctx("admin") as ctx:
                        assert action(ctx, appointment_id).status is target
                else:
                    with pytest.raises(IllegalTransition), sched.ctx("admin") as ctx:
                        action(ctx, appointment_id)
            if allowed:
                assert [(row.action, row.patient_id) for row in audit.rows] == [
                    (f"appointment.{name}", sched.patient)
                ]
            else:
                assert audit.rows == []
            assert sched.get(Appointment, appointment_id).status is (target if allowed else status), (
                status,
                name,
            )


def test_a_visit_from_booking_to_check_out(sched):
    appointment = sched.book(wall(0, "10:00"))
    with sched.ctx("receptionist") as ctx:
        confirm_appointment(ctx, appointment.id)
    sched.clock.set(wall(0, "09:50"))
    with sched.ctx("receptionist") as ctx:
        arrived = check_in(ctx, appointment.id)
    assert arrived.check_in_time == wall(0, "09:50")
    sched.clock.set(wall(0, "10:02"))
    with sched.ctx("nurse") as ctx:
        assert start_appointment(ctx, appointment.id).status is S.IN_PROGRESS
    sched.clock.set(wall(0, "10:31"))
    with AuditCounter(sched) as audit, sched.ctx("doctor") as ctx:
        done = check_out(ctx, appointment.id)
    assert (done.status, done.check_out_time) == (S.COMPLETED, wall(0, "10:31"))
    assert set(audit.rows[0].changed_fields) == {"status", "check_out_time"}
    patient = sched.get(Patient, sched.patient)
    assert patient.last_visit_date == MONDAY and patient.next_appointment_date is None


def test_check_in_only_on_the_appointments_day_and_by_kiosk(sched):
    tomorrow = sched.book(wall(1, "10:00"))
    with pytest.raises(CheckInNotToday) as refused, sched.ctx() as ctx:
        check_in(ctx, tomorrow.id)
    assert "2026-11-24" in str(refused.value)
    # 00:30 on Tuesday in Taipei is still Monday in UTC: the clinic's day decides.
    sched.clock.set(wall(1, "00:30"))
    kiosk = Actor.kiosk(new_id())
    with sched.world.db.context(sched.world.clinic_id, kiosk) as ctx:
        assert check_in(ctx, tomorrow.id).check_in_time == wall(1, "00:30")
    with pytest.raises(PermissionDenied), sched.world.db.context(sched.world.clinic_id, kiosk) as ctx:
        start_appointment(ctx, tomorrow.id)
    with pytest.raises(PermissionDenied), sched.world.db.context(sched.world.clinic_id, kiosk) as ctx:
        cancel_appointment(ctx, tomorrow.id, "kiosk")
    rows = [row for row in sched.audit_rows() if row.action == "appointment.check_in"]
    assert rows[-1].device_id == kiosk.device_id


def test_cancel_needs_a_reason_and_frees_the_time(sched):
    appointment = sched.book(wall(1, "10:00"))
    later = sched.book(wall(3, "10:00"))
    assert sched.get(Patient, sched.patient).next_appointment_date == MONDAY + timedelta(days=1)
    with pytest.raises(CancellationReasonRequired), sched.ctx() as ctx:
        cancel_appointment(ctx, appointment.id, "   ")
    sched.clock.advance(timedelta(minutes=5))
    with AuditCounter(sched) as audit, sched.ctx() as ctx:
        cancelled = cancel_appointment(ctx, appointment.id, "  feeling better ")
    assert (cancelled.status, cancelled.cancellation_reason) == (S.CANCELLED, "feeling better")
    assert cancelled.cancelled_at == sched.clock.now()
    [row] = audit.rows
    assert set(row.changed_fields) == {"status", "cancelled_at", "cancellation_reason"}
    assert sched.get(Patient, sched.patient).next_appointment_date == later.appointment_date
    sched.book(wall(1, "10:00"), patient=1)


def test_no_show_by_hand_only_after_the_start(sched):
    appointment = sched.book(wall(0, "10:00"))
    with pytest.raises(NoShowTooEarly), sched.ctx() as ctx:
        mark_no_show(ctx, appointment.id)
    sched.clock.set(wall(0, "10:20"))
    with sched.ctx() as ctx:
        assert mark_no_show(ctx, appointment.id).status is S.NO_SHOW
    assert sched.get(Patient, sched.patient).next_appointment_date is None


def test_automatic_no_shows(sched):
    nine = sched.book(wall(0, "09:00"))
    half_nine = sched.book(wall(0, "09:30"), patient=1)
    ten = sched.book(wall(0, "10:00"), patient=2)
    arrived = sched.book(wall(0, "09:00"), patient=3, doctor="doctor2")
    with sched.ctx() as ctx:
        confirm_appointment(ctx, half_nine.id)
        check_in(ctx, arrived.id)
    with sched.ctx() as ctx:
        morning = book_appointment(
            ctx,
            BookingRequest(
                sched.patients[4], sched.doctor, day=MONDAY, period=DayPeriod.MORNING, duration_minutes=15
            ),
        )
    sched.clock.set(wall(0, "10:01"))  # no-show after 30 minutes (the default)
    with AuditCounter(sched) as audit, sched.world.system() as ctx:
        assert mark_no_shows(ctx) == 2
    assert {row.patient_id for row in audit.rows} == {sched.patients[0], sched.patients[1]}
    assert all(row.action == "appointment.no_show" for row in audit.rows)
    statuses = {a.id: sched.get(Appointment, a.id).status for a in (nine, half_nine, ten, arrived, morning)}
    assert statuses == {
        nine.id: S.NO_SHOW,
        half_nine.id: S.NO_SHOW,
        ten.id: S.SCHEDULED,
        arrived.id: S.CHECKED_IN,
        morning.id: S.SCHEDULED,  # a Time Period booking without a time waits until its window ends
    }
    sched.set_clinic(no_show_after_minutes=60)
    sched.clock.set(wall(0, "12:59"))
    with sched.world.system() as ctx:
        assert mark_no_shows(ctx) == 1  # ten
    sched.clock.set(wall(0, "13:01"))
    with sched.world.system() as ctx:
        assert mark_no_shows(ctx) == 1  # the morning booking
        assert mark_no_shows(ctx) == 0


def test_reschedule_keeps_the_reservation_id_and_obeys_the_booking_rules(sched):
    appointment = sched.book(wall(0, "10:00"))
    with sched.ctx() as ctx:
        confirm_appointment(ctx, appointment.id)
    sched.book(wall(1, "10:00"), patient=1)
    with pytest.raises(SlotUnavailable), sched.ctx() as ctx:
        reschedule_appointment(ctx, appointment.id, starts_at=wall(1, "10:15"))
    with pytest.raises(OutsideDoctorHours), sched.ctx() as ctx:
        reschedule_appointment(ctx, appointment.id, starts_at=wall(1, "12:00"))
    with AuditCounter(sched) as audit, sched.ctx("doctor") as ctx:
        moved = reschedule_appointment(
            ctx, appointment.id, starts_at=wall(1, "11:00"), doctor_id=sched.doctor2
        )
    assert moved.reservation_id == appointment.reservation_id
    assert (moved.starts_at, moved.doctor_id, moved.status) == (wall(1, "11:00"), sched.doctor2, S.CONFIRMED)
    assert moved.appointment_date == MONDAY + timedelta(days=1)
    [row] = audit.rows
    assert row.action == "appointment.reschedule"
    assert {"starts_at", "doctor_id", "appointment_date"} <= set(row.changed_fields)
    assert sched.get(Patient, sched.patient).next_appointment_date == MONDAY + timedelta(days=1)
    # Its old time is free again; moving by a quarter-hour onto itself is fine.
    sched.book(wall(0, "10:00"), patient=2)
    with sched.ctx() as ctx:
        reschedule_appointment(ctx, appointment.id, starts_at=wall(1, "11:15"), doctor_id=sched.doctor2)


def test_reschedule_between_modes(sched):
    appointment = sched.book(wall(0, "10:00"))
    with sched.ctx() as ctx:
        in_period = reschedule_appointment(
            ctx, appointment.id, day=MONDAY + timedelta(days=1), period=DayPeriod.AFTERNOON
        )
    assert (in_period.booking_mode, in_period.time_assigned, in_period.period) == (
        BookingMode.TIME_PERIOD,
        False,
        DayPeriod.AFTERNOON,
    )
    assert (in_period.starts_at, in_period.ends_at) == (wall(1, "13:00"), wall(1, "17:00"))
    sched.book(wall(0, "10:00"), patient=1)
    with sched.ctx() as ctx:
        timed = reschedule_appointment(ctx, appointment.id, starts_at=wall(2, "09:00"))
    assert (timed.booking_mode, timed.time_assigned, timed.period) == (BookingMode.SPECIFIC_TIME, True, None)
    assert timed.ends_at == wall(2, "09:30")


def test_only_scheduled_or_confirmed_appointments_move(sched):
    sched.clock.set(wall(0, "09:55"))
    appointment = sched.book(wall(0, "10:00"))
    with sched.ctx() as ctx:
        check_in(ctx, appointment.id)
    with pytest.raises(NotReschedulable), sched.ctx() as ctx:
        reschedule_appointment(ctx, appointment.id, starts_at=wall(1, "10:00"))


@pytest.mark.parametrize(
    ("who", "action"),
    [
        ("nurse", "confirm"),
        ("nurse", "cancel"),
        ("nurse", "no_show"),
        ("manager", "check_in"),
        ("manager", "check_out"),
        ("manager", "start"),
    ],
)
def test_the_role_matrix_decides(sched, who, action):
    appointment = sched.book(wall(0, "10:00"))
    perform, _ = ACTIONS[action]
    with AuditCounter(sched) as audit, pytest.raises(PermissionDenied), sched.ctx(who) as ctx:
        perform(ctx, appointment.id)
    assert [row.outcome for row in audit.rows] == ["denied"]
