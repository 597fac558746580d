"""Booking in both modes, assigning times, and every refusal of the booking rules."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import update

from common.catalog.models import TreatmentCatalogItem
from common.errors import Conflict, NotFound, PermissionDenied
from common.ids import new_id
from common.patients.models import Patient
from common.scheduling import reservation_ids
from common.scheduling.booking import BookingRequest, assign_time, book_appointment
from common.scheduling.errors import (
    BookingModeUnclear,
    ClinicClosed,
    DoctorOff,
    DurationExceedsPeriod,
    DurationRequired,
    InvalidDuration,
    InvalidStartTime,
    NotADoctor,
    NotTimePeriodBooking,
    OutsideDoctorHours,
    OutsidePeriodWindow,
    PatientNotBookable,
    PeriodFull,
    SlotUnavailable,
    TimeInPast,
    TooFarAhead,
    TooShortNotice,
    TreatmentNotBookable,
    UnknownPeriod,
)
from common.scheduling.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    BookingMode,
    DayPeriod,
)
from common.scheduling.reservation_ids import is_reservation_id, normalize_reservation_id
from common.scheduling.schedules import ScheduleBlock, add_time_off, set_weekly_schedule
from common.scheduling.slots import FreeSlot
from tests.common.scheduling_fixtures import MONDAY, AuditCounter, SchedulingWorld, wall

PERSONAL = ("Canary", "Pat0", "Pat1", "1980")


@pytest.fixture
def sched(world, clock):
    return SchedulingWorld.build(world, clock)


def hhmm(slot: FreeSlot) -> str:
    return slot.local_start.strftime("%H:%M")


def period_request(
    sched: SchedulingWorld,
    *,
    patient: int = 0,
    day: date = MONDAY,
    period: DayPeriod = DayPeriod.MORNING,
    duration: int = 30,
    doctor: uuid.UUID | None = None,
) -> BookingRequest:
    return BookingRequest(
        sched.patients[patient], doctor or sched.doctor, day=day, period=period, duration_minutes=duration
    )


# -- Specific Time ---------------------------------------------------------------------------------


def test_a_specific_time_booking_holds_consistent_instants_and_wall_clock(sched):
    with AuditCounter(sched) as audit:
        appointment = sched.book(
            wall(0, "10:00"),
            duration=30,
            reason_for_visit="  follow-up of laser  ",
            appointment_type=AppointmentType.TREATMENT,
        )
    assert appointment.status is AppointmentStatus.SCHEDULED
    assert appointment.booking_mode is BookingMode.SPECIFIC_TIME and appointment.time_assigned
    assert (appointment.starts_at, appointment.ends_at) == (wall(0, "10:00"), wall(0, "10:30"))
    assert (appointment.appointment_date, appointment.start_time, appointment.end_time) == (
        MONDAY,
        time(10),
        time(10, 30),
    )
    assert appointment.duration_minutes == 30 and appointment.period is None
    assert appointment.reason_for_visit == "follow-up of laser"
    assert appointment.booked_by == sched.world.staff["receptionist"]
    assert is_reservation_id(appointment.reservation_id) and appointment.reservation_id.startswith("261123-")
    stored = sched.get(Appointment, appointment.id)
    assert (stored.starts_at, stored.start_time, stored.appointment_date) == (
        wall(0, "10:00"),
        time(10),
        MONDAY,
    )
    assert sched.get(Patient, sched.patient).next_appointment_date == MONDAY
    [row] = audit.rows
    assert (row.action, row.entity_id, row.patient_id) == ("appointment.book", appointment.id, sched.patient)
    assert "starts_at" in row.changed_fields and "reason_for_visit" in row.changed_fields


def test_length_comes_from_the_catalog_item_when_given(sched):
    appointment = sched.book(wall(0, "10:00"), duration=30, treatment_type_id=sched.treatment_id)
    assert appointment.duration_minutes == 45 and appointment.ends_at == wall(0, "10:45")
    with pytest.raises(DurationRequired):
        sched.book(wall(0, "11:00"), duration=None)
    for minutes in (0, -15, 12 * 60 + 1):
        with pytest.raises(InvalidDuration):
            sched.book(wall(0, "11:00"), duration=minutes)
    with sched.world.db.session(sched.world.clinic_id) as session, session.begin():
        session.execute(
            update(TreatmentCatalogItem)
            .where(TreatmentCatalogItem.id == sched.treatment_id)
            .values(is_active=False)
        )
    with pytest.raises(TreatmentNotBookable):
        sched.book(wall(0, "11:00"), treatment_type_id=sched.treatment_id)
    with pytest.raises(TreatmentNotBookable):
        sched.book(wall(0, "11:00"), treatment_type_id=new_id())


@pytest.mark.parametrize(
    ("day", "start", "minutes", "error"),
    [
        (0, "07:00", 30, TimeInPast),
        (1, "08:30", 30, ClinicClosed),  # before opening
        (1, "17:45", 30, ClinicClosed),  # runs past closing
        (6, "10:00", 30, ClinicClosed),  # Sunday
        (1, "11:45", 30, OutsideDoctorHours),  # into the break
        (1, "12:15", 15, OutsideDoctorHours),  # in the break
        (5, "12:00", 30, OutsideDoctorHours),  # Saturday: clinic open till 13:00, the doctor till 12:00
        (91, "10:00", 30, TooFarAhead),
    ],
)
def test_times_outside_the_rules_are_refused(sched, day, start, minutes, error):
    with pytest.raises(error):
        sched.book(wall(day, start), duration=minutes)


def test_lead_time_day_off_and_malformed_starts(sched):
    sched.set_clinic(booking_min_lead_minutes=120)
    with pytest.raises(TooShortNotice) as refused:
        sched.book(wall(0, "09:30"))
    assert "120" in str(refused.value)
    sched.book(wall(0, "10:00"))
    with sched.ctx("admin") as ctx:
        add_time_off(ctx, sched.doctor, MONDAY + timedelta(days=2), MONDAY + timedelta(days=2))
    with pytest.raises(DoctorOff):
        sched.book(wall(2, "10:00"))
    with pytest.raises(InvalidStartTime):
        sched.book(datetime(2026, 11, 24, 10, 0))  # naive
    with pytest.raises(InvalidStartTime):
        sched.book(wall(1, "10:00") + timedelta(seconds=30))
    with pytest.raises(BookingModeUnclear):
        sched.book(wall(1, "10:00"), day=MONDAY, period=DayPeriod.MORNING)
    with pytest.raises(BookingModeUnclear):
        sched.book(None)


def test_an_overlap_is_refused_with_free_alternatives(sched):
    sched.book(wall(0, "10:00"), duration=30)
    with pytest.raises(SlotUnavailable) as refused:
        sched.book(wall(0, "10:15"), duration=30, patient=1)
    error = refused.value
    assert error.http_status == 409 and error.code == "slot_unavailable"
    assert [(a.doctor_id, hhmm(a)) for a in error.alternatives] == [
        (sched.doctor, "10:30"),
        (sched.doctor, "10:45"),
        (sched.doctor, "09:30"),
        (sched.doctor2, "10:15"),
        (sched.doctor2, "10:00"),
        (sched.doctor2, "10:30"),
    ]
    assert all(a.ends_at - a.starts_at == timedelta(minutes=30) for a in error.alternatives)
    for locale in ("en", "zh_TW", "ja"):
        assert not any(word in error.translated(locale) for word in PERSONAL)
    # Touching is not overlapping; another doctor is free at the same time.
    sched.book(wall(0, "10:30"), duration=30, patient=1)
    sched.book(wall(0, "09:30"), duration=30, patient=2)
    sched.book(wall(0, "10:15"), duration=30, patient=1, doctor="doctor2")
    with pytest.raises(SlotUnavailable):
        sched.book(wall(0, "09:00"), duration=120, patient=3)


def test_cancelled_and_untimed_bookings_do_not_hold_the_doctors_time(sched):
    first = sched.book(wall(0, "10:00"))
    sched.set_status(first.id, AppointmentStatus.CANCELLED)
    sched.book(wall(0, "10:00"), patient=1)
    with sched.ctx() as ctx:
        book_appointment(ctx, period_request(sched, patient=2))
    sched.book(wall(0, "09:00"), patient=3)


def test_only_bookable_patients_and_doctors(sched, other_world):
    with pytest.raises(NotADoctor):
        sched.book(wall(0, "10:00"), doctor="nurse")
    with pytest.raises(NotFound), sched.ctx() as ctx:
        book_appointment(
            ctx, BookingRequest(new_id(), sched.doctor, starts_at=wall(0, "10:00"), duration_minutes=30)
        )
    with pytest.raises(NotFound), sched.ctx() as ctx:
        book_appointment(
            ctx,
            BookingRequest(
                sched.patient, other_world.staff["doctor"], starts_at=wall(0, "10:00"), duration_minutes=30
            ),
        )
    with sched.world.db.session(sched.world.clinic_id) as session, session.begin():
        session.execute(update(Patient).where(Patient.id == sched.patients[1]).values(is_active=False))
        session.execute(
            update(Patient).where(Patient.id == sched.patients[2]).values(merged_into_id=sched.patient)
        )
    for patient in (1, 2):
        with pytest.raises(PatientNotBookable):
            sched.book(wall(0, "10:00"), patient=patient)


@pytest.mark.parametrize("who", ["nurse", "doctor", "manager"])
def test_roles_without_booking_rights_are_refused_and_audited(sched, who):
    with AuditCounter(sched) as audit, pytest.raises(PermissionDenied):
        sched.book(wall(0, "10:00"), who=who)
    [row] = audit.rows
    assert row.outcome == "denied" and row.patient_id == sched.patient


def test_admin_can_book(sched):
    assert sched.book(wall(0, "10:00"), who="admin").booked_by == sched.world.staff["admin"]


# -- reservation ids ----------------------------------------------------------------------------


def test_reservation_ids_are_unique_and_redrawn_on_collision(sched, monkeypatch):
    draws = iter(["AAAAA", "AAAAA", "BBBBB", "CCCCC"])
    monkeypatch.setattr(reservation_ids, "random_symbols", lambda: next(draws))
    first = sched.book(wall(0, "10:00"))
    second = sched.book(wall(0, "11:00"))
    assert (first.reservation_id, second.reservation_id) == ("261123-AAAAA", "261123-BBBBB")


def test_a_reservation_id_clash_at_insert_draws_again(sched, monkeypatch):
    """A booking draws its id without a look first; a clash (with a booking made earlier, or one
    arriving in between) is caught by the unique constraint and drawn again."""
    first = sched.book(wall(0, "10:00"))
    import common.scheduling.booking as booking

    monkeypatch.setattr(booking, "new_reservation_id", lambda _day: first.reservation_id)
    second = sched.book(wall(0, "11:00"))
    assert second.reservation_id != first.reservation_id and is_reservation_id(second.reservation_id)


def test_reservation_id_normalization():
    assert normalize_reservation_id(" 26ll23 k7qmx") == "261123-K7QMX"
    assert normalize_reservation_id("261123-K7QMX") == "261123-K7QMX"
    assert not is_reservation_id("261123-K7QM0")  # 0 is not in the alphabet


def test_a_device_made_id_is_kept_and_cannot_be_reused(sched):
    appointment_id = new_id()
    assert sched.book(wall(0, "10:00"), appointment_id=appointment_id).id == appointment_id
    with pytest.raises(Conflict):
        sched.book(wall(0, "11:00"), appointment_id=appointment_id)


# -- Time Period ---------------------------------------------------------------------------------


def test_a_time_period_booking_holds_the_window(sched):
    with sched.ctx() as ctx:
        appointment = book_appointment(ctx, period_request(sched, duration=30))
    assert appointment.booking_mode is BookingMode.TIME_PERIOD and not appointment.time_assigned
    assert appointment.period is DayPeriod.MORNING
    assert (appointment.starts_at, appointment.ends_at) == (wall(0, "09:00"), wall(0, "12:00"))
    assert (appointment.start_time, appointment.end_time, appointment.appointment_date) == (
        time(9),
        time(12),
        MONDAY,
    )
    assert appointment.duration_minutes == 30


def test_a_full_period_is_refused_with_periods_that_have_room(sched):
    sched.set_clinic(
        time_periods={
            "morning": {"start": "09:00", "end": "12:00", "capacity": 2},
            "afternoon": {"start": "13:00", "end": "17:00", "capacity": 1},
        }
    )
    for patient in range(2):
        with sched.ctx() as ctx:
            book_appointment(ctx, period_request(sched, patient=patient))
    with pytest.raises(PeriodFull) as refused, sched.ctx() as ctx:
        book_appointment(ctx, period_request(sched, patient=2))
    alternatives = refused.value.alternatives
    assert [(a.doctor_id, a.date, a.period) for a in alternatives] == [
        (sched.doctor, MONDAY, DayPeriod.AFTERNOON),
        (sched.doctor, MONDAY + timedelta(days=1), DayPeriod.MORNING),
        (sched.doctor, MONDAY + timedelta(days=1), DayPeriod.AFTERNOON),
        (sched.doctor2, MONDAY, DayPeriod.MORNING),
        (sched.doctor2, MONDAY, DayPeriod.AFTERNOON),
        (sched.doctor2, MONDAY + timedelta(days=1), DayPeriod.MORNING),
    ]
    assert all(a.remaining > 0 for a in alternatives)
    assert "morning" in str(refused.value) and "2026-11-23" in str(refused.value)
    with pytest.raises(UnknownPeriod), sched.ctx() as ctx:
        book_appointment(ctx, period_request(sched, period=DayPeriod.EVENING))


def test_time_period_refusals(sched):
    sched.clock.set(wall(0, "12:30"))
    with pytest.raises(TimeInPast), sched.ctx() as ctx:
        book_appointment(ctx, period_request(sched))
    with sched.ctx() as ctx:  # the afternoon has not ended
        book_appointment(ctx, period_request(sched, period=DayPeriod.AFTERNOON))
    with pytest.raises(ClinicClosed), sched.ctx() as ctx:  # Saturday's clinic closes at 13:00
        book_appointment(ctx, period_request(sched, day=MONDAY + timedelta(days=5), period=DayPeriod.EVENING))
    with sched.ctx("admin") as ctx:
        set_weekly_schedule(ctx, sched.doctor2, [ScheduleBlock(2, time(13), time(18))])
    with pytest.raises(OutsideDoctorHours), sched.ctx() as ctx:  # doctor2 starts at 13:00 on Tuesday
        book_appointment(ctx, period_request(sched, day=MONDAY + timedelta(days=1), doctor=sched.doctor2))
    with pytest.raises(DurationExceedsPeriod), sched.ctx() as ctx:  # 17:00-18:00 is all the doctor has
        book_appointment(
            ctx, period_request(sched, day=MONDAY + timedelta(days=1), period=DayPeriod.EVENING, duration=90)
        )
    with pytest.raises(TooFarAhead), sched.ctx() as ctx:
        book_appointment(ctx, period_request(sched, day=MONDAY + timedelta(days=95)))
    with sched.ctx("admin") as ctx:
        add_time_off(ctx, sched.doctor, MONDAY + timedelta(days=1), MONDAY + timedelta(days=1))
    with pytest.raises(DoctorOff), sched.ctx() as ctx:
        book_appointment(ctx, period_request(sched, day=MONDAY + timedelta(days=1)))


def test_assign_time_inside_the_window(sched):
    with sched.ctx() as ctx:
        appointment = book_appointment(ctx, period_request(sched, duration=30))
    with AuditCounter(sched) as audit, sched.ctx("doctor") as ctx:
        assigned = assign_time(ctx, appointment.id, wall(0, "10:00"))
    assert assigned.time_assigned and assigned.booking_mode is BookingMode.TIME_PERIOD
    assert assigned.period is DayPeriod.MORNING
    assert (assigned.starts_at, assigned.ends_at) == (wall(0, "10:00"), wall(0, "10:30"))
    assert (assigned.start_time, assigned.end_time, assigned.appointment_date) == (
        time(10),
        time(10, 30),
        MONDAY,
    )
    [row] = audit.rows
    assert row.action == "appointment.assign_time" and row.patient_id == sched.patient
    assert set(row.changed_fields) == {"starts_at", "ends_at", "start_time", "end_time", "time_assigned"}
    # The time now blocks others; the booking still counts against the period's capacity.
    with pytest.raises(SlotUnavailable):
        sched.book(wall(0, "10:15"), patient=1)
    # It can be moved within the window, but not outside it.
    with sched.ctx() as ctx:
        assert assign_time(ctx, appointment.id, wall(0, "11:30")).ends_at == wall(0, "12:00")
    for start in ("08:45", "11:45", "13:00"):
        with pytest.raises(OutsidePeriodWindow), sched.ctx() as ctx:
            assign_time(ctx, appointment.id, wall(0, start))


def test_assign_time_obeys_overlap_past_and_mode(sched):
    sched.book(wall(0, "10:00"), duration=30, patient=1)
    with sched.ctx() as ctx:
        appointment = book_appointment(ctx, period_request(sched, duration=30))
    with pytest.raises(SlotUnavailable) as refused, sched.ctx() as ctx:
        assign_time(ctx, appointment.id, wall(0, "10:15"))
    assert refused.value.alternatives[0].doctor_id == sched.doctor
    sched.clock.set(wall(0, "10:40"))
    with pytest.raises(TimeInPast), sched.ctx() as ctx:
        assign_time(ctx, appointment.id, wall(0, "09:30"))
    timed = sched.book(wall(0, "11:00"), patient=2)
    with pytest.raises(NotTimePeriodBooking), sched.ctx() as ctx:
        assign_time(ctx, timed.id, wall(0, "11:30"))
    with pytest.raises(PermissionDenied), sched.ctx("nurse") as ctx:
        assign_time(ctx, appointment.id, wall(0, "11:30"))


def test_bookings_are_scoped_to_their_clinic(sched, other_world):
    appointment = sched.book(wall(0, "10:00"))
    with pytest.raises(NotFound), other_world.ctx("receptionist") as ctx:
        assign_time(ctx, appointment.id, wall(0, "10:00"))
    other = SchedulingWorld.build(other_world, sched.clock, patients=1)
    # The same doctor-time in another clinic is another doctor's time.
    assert other.book(wall(0, "10:00")).reservation_id


def test_unknown_ids(sched):
    with pytest.raises(NotFound), sched.ctx() as ctx:
        assign_time(ctx, uuid.uuid4(), wall(0, "10:00"))


def test_a_booking_keeps_the_patients_next_appointment_the_earliest_upcoming(sched):
    def next_date() -> date | None:
        patient: Patient = sched.get(Patient, sched.patient)
        return patient.next_appointment_date

    sched.book(wall(3, "10:00"))
    assert next_date() == MONDAY + timedelta(days=3)
    sched.book(wall(4, "10:00"))  # later: the noted one stays
    assert next_date() == MONDAY + timedelta(days=3)
    sched.book(wall(1, "10:00"))  # earlier: it becomes the next
    assert next_date() == MONDAY + timedelta(days=1)
    # A date gone by (noted last week and never moved on) is worked out again, not trusted.
    with sched.world.db.session(sched.world.clinic_id) as session, session.begin():
        session.execute(
            update(Patient)
            .where(Patient.id == sched.patient)
            .values(next_appointment_date=MONDAY - timedelta(days=7))
        )
    sched.book(wall(2, "10:00"))
    assert next_date() == MONDAY + timedelta(days=1)
