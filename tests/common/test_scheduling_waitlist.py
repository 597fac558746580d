"""The waitlist: entries, offers of freed times (first come, first served), answers and expiry."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from common.errors import PermissionDenied
from common.scheduling.booking import BookingRequest, book_appointment, reschedule_appointment
from common.scheduling.errors import (
    DurationRequired,
    OfferClosed,
    OfferExpired,
    SlotUnavailable,
    TimeInPast,
    UnknownPeriod,
    WaitlistEntryClosed,
)
from common.scheduling.models import (
    Appointment,
    AppointmentStatus,
    DayPeriod,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistOfferStatus,
    WaitlistStatus,
)
from common.scheduling.status import cancel_appointment
from common.scheduling.waitlist import (
    accept_offer,
    add_to_waitlist,
    cancel_waitlist_entry,
    decline_offer,
    expire_waitlist,
    offers_for_entry,
    waitlist,
)
from tests.common.scheduling_fixtures import MONDAY, AuditCounter, SchedulingWorld, wall

TUESDAY = MONDAY + timedelta(days=1)


@pytest.fixture
def sched(world, clock):
    return SchedulingWorld.build(world, clock, patients=8)


def wait(
    sched: SchedulingWorld,
    patient: int,
    *,
    day: date = TUESDAY,
    doctor: uuid.UUID | None = None,
    period: DayPeriod | None = None,
    duration: int | None = 30,
    who: str = "receptionist",
) -> WaitlistEntry:
    sched.clock.advance(timedelta(seconds=1))  # first come, first served
    with sched.ctx(who) as ctx:
        return add_to_waitlist(
            ctx, sched.patients[patient], day, doctor_id=doctor, period=period, duration_minutes=duration
        )


def cancel(sched: SchedulingWorld, appointment_id: uuid.UUID) -> None:
    with sched.ctx() as ctx:
        cancel_appointment(ctx, appointment_id, "patient asked")


def offers(sched: SchedulingWorld, entry: WaitlistEntry) -> list[WaitlistOffer]:
    with sched.ctx() as ctx:
        return offers_for_entry(ctx, entry.id)


def status_of(sched: SchedulingWorld, entry: WaitlistEntry) -> WaitlistStatus:
    status: WaitlistStatus = sched.get(WaitlistEntry, entry.id).status
    return status


def test_adding_and_cancelling_entries(sched):
    with AuditCounter(sched) as audit:
        entry = wait(sched, 1, doctor=sched.doctor, period=DayPeriod.MORNING)
    assert (entry.status, entry.wanted_date, entry.doctor_id, entry.duration_minutes) == (
        WaitlistStatus.WAITING,
        TUESDAY,
        sched.doctor,
        30,
    )
    [row] = audit.rows
    assert (row.action, row.patient_id) == ("waitlist.add", sched.patients[1])
    with sched.ctx() as ctx:
        by_treatment = add_to_waitlist(ctx, sched.patients[2], TUESDAY, treatment_type_id=sched.treatment_id)
    assert by_treatment.duration_minutes == 45
    with sched.ctx("nurse") as ctx:
        assert [e.id for e in waitlist(ctx, TUESDAY)] == [entry.id, by_treatment.id]
    with pytest.raises(TimeInPast):
        wait(sched, 3, day=MONDAY - timedelta(days=1))
    with pytest.raises(DurationRequired):
        wait(sched, 3, duration=None)
    with pytest.raises(PermissionDenied):
        wait(sched, 3, who="nurse")
    sched.set_clinic(time_periods={"morning": {"start": "09:00", "end": "12:00", "capacity": 4}})
    with pytest.raises(UnknownPeriod):
        wait(sched, 3, period=DayPeriod.EVENING)
    with sched.ctx() as ctx:
        assert cancel_waitlist_entry(ctx, entry.id).status is WaitlistStatus.CANCELLED
    with pytest.raises(WaitlistEntryClosed), sched.ctx() as ctx:
        cancel_waitlist_entry(ctx, entry.id)
    with sched.ctx() as ctx:
        assert [e.id for e in waitlist(ctx, TUESDAY)] == [by_treatment.id]


def test_a_cancellation_offers_the_time_to_the_first_matching_entry(sched):
    freed = sched.book(wall(1, "10:00"), duration=30)
    sched.book(wall(1, "10:30"), duration=30, patient=7)
    own = wait(sched, 0)  # the patient who cancels is not offered their own time
    other_doctor = wait(sched, 1, doctor=sched.doctor2)
    afternoon = wait(sched, 2, period=DayPeriod.AFTERNOON)
    too_long = wait(sched, 3, duration=60)  # 10:30 is taken
    other_day = wait(sched, 4, day=TUESDAY + timedelta(days=1))
    first = wait(sched, 5, period=DayPeriod.MORNING, doctor=sched.doctor)
    second = wait(sched, 6)
    with AuditCounter(sched) as audit:
        cancel(sched, freed.id)
    assert [row.action for row in audit.rows] == ["appointment.cancel"]
    [offer] = offers(sched, first)
    assert offer.status is WaitlistOfferStatus.PENDING
    assert (offer.doctor_id, offer.starts_at, offer.ends_at) == (
        sched.doctor,
        wall(1, "10:00"),
        wall(1, "10:30"),
    )
    assert offer.freed_appointment_id == freed.id
    assert offer.expires_at == sched.clock.now() + timedelta(hours=4)
    assert status_of(sched, first) is WaitlistStatus.OFFERED
    for entry in (own, other_doctor, afternoon, too_long, other_day, second):
        assert status_of(sched, entry) is WaitlistStatus.WAITING
        assert offers(sched, entry) == []


def test_declining_passes_the_time_on_and_accepting_books_it(sched):
    freed = sched.book(wall(1, "10:00"), duration=30)
    first = wait(sched, 1)
    second = wait(sched, 2, duration=15)
    cancel(sched, freed.id)
    [offer] = offers(sched, first)
    with AuditCounter(sched) as audit, sched.ctx() as ctx:
        next_offer = decline_offer(ctx, offer.id)
    assert [(row.action, row.patient_id) for row in audit.rows] == [
        ("waitlist.decline_offer", sched.patients[1])
    ]
    assert next_offer is not None and next_offer.entry_id == second.id
    assert next_offer.ends_at == wall(1, "10:15")
    assert sched.get(WaitlistOffer, offer.id).status is WaitlistOfferStatus.DECLINED
    assert status_of(sched, first) is WaitlistStatus.WAITING  # still waiting, for another time
    with pytest.raises(OfferClosed), sched.ctx() as ctx:
        accept_offer(ctx, offer.id)
    with AuditCounter(sched) as audit, sched.ctx() as ctx:
        appointment = accept_offer(ctx, next_offer.id)
    [row] = audit.rows
    assert (row.action, row.entity_id, row.patient_id) == (
        "waitlist.accept_offer",
        appointment.id,
        sched.patients[2],
    )
    assert (
        appointment.patient_id,
        appointment.doctor_id,
        appointment.starts_at,
        appointment.duration_minutes,
    ) == (
        sched.patients[2],
        sched.doctor,
        wall(1, "10:00"),
        15,
    )
    assert appointment.status is AppointmentStatus.SCHEDULED
    accepted = sched.get(WaitlistOffer, next_offer.id)
    assert (accepted.status, accepted.booked_appointment_id) == (WaitlistOfferStatus.ACCEPTED, appointment.id)
    assert status_of(sched, second) is WaitlistStatus.BOOKED
    with pytest.raises(SlotUnavailable):
        sched.book(wall(1, "10:00"), patient=3)


def test_lapsed_offers_expire_and_pass_on(sched):
    freed = sched.book(wall(1, "10:00"), duration=30)
    first = wait(sched, 1)
    second = wait(sched, 2)
    stale = wait(sched, 3, day=MONDAY)
    cancel(sched, freed.id)
    [offer] = offers(sched, first)
    sched.clock.advance(timedelta(hours=4))
    with pytest.raises(OfferExpired), sched.ctx() as ctx:
        accept_offer(ctx, offer.id)
    sched.clock.set(wall(1, "00:10"))  # past Monday: the Monday entry lapses too
    with AuditCounter(sched) as audit, sched.world.system() as ctx:
        sweep = expire_waitlist(ctx)
    assert (sweep.offers_expired, sweep.entries_expired, sweep.offers_made) == (1, 1, 1)
    assert {row.action for row in audit.rows} == {"waitlist.expire_offer", "waitlist.expire_entry"}
    assert sched.get(WaitlistOffer, offer.id).status is WaitlistOfferStatus.EXPIRED
    assert status_of(sched, first) is WaitlistStatus.WAITING
    assert status_of(sched, stale) is WaitlistStatus.EXPIRED
    [passed_on] = offers(sched, second)
    assert passed_on.status is WaitlistOfferStatus.PENDING
    # An offer never outlives the time it offers.
    assert passed_on.expires_at == min(sched.clock.now() + timedelta(hours=4), wall(1, "10:00"))


def test_an_offer_expires_no_later_than_the_time_it_offers(sched):
    freed = sched.book(wall(0, "10:00"), duration=30)
    entry = wait(sched, 1, day=MONDAY)
    sched.clock.set(wall(0, "09:00"))
    cancel(sched, freed.id)
    [offer] = offers(sched, entry)
    assert offer.expires_at == wall(0, "10:00")


def test_rescheduling_away_offers_the_old_time(sched):
    moving = sched.book(wall(1, "10:00"), duration=30)
    entry = wait(sched, 1)
    with sched.ctx() as ctx:
        reschedule_appointment(ctx, moving.id, starts_at=wall(1, "15:00"))
    [offer] = offers(sched, entry)
    assert offer.starts_at == wall(1, "10:00") and offer.freed_appointment_id == moving.id


def test_no_offer_for_times_gone_or_never_held(sched):
    entry = wait(sched, 1, day=MONDAY)
    past = sched.book(wall(0, "09:00"))
    with sched.ctx() as ctx:
        untimed = book_appointment(
            ctx,
            BookingRequest(
                sched.patients[2], sched.doctor, day=MONDAY, period=DayPeriod.AFTERNOON, duration_minutes=30
            ),
        )
    sched.clock.set(wall(0, "09:10"))
    cancel(sched, past.id)
    cancel(sched, untimed.id)
    assert offers(sched, entry) == []


def test_cancelling_an_offered_entry_passes_the_offer_on(sched):
    freed = sched.book(wall(1, "10:00"), duration=30)
    first = wait(sched, 1)
    second = wait(sched, 2)
    cancel(sched, freed.id)
    [offer] = offers(sched, first)
    with sched.ctx() as ctx:
        cancel_waitlist_entry(ctx, first.id)
    assert sched.get(WaitlistOffer, offer.id).status is WaitlistOfferStatus.DECLINED
    assert len(offers(sched, second)) == 1


def test_accepting_a_time_someone_else_took_meanwhile_is_refused(sched):
    freed = sched.book(wall(1, "10:00"), duration=30)
    entry = wait(sched, 1)
    cancel(sched, freed.id)
    [offer] = offers(sched, entry)
    sched.book(wall(1, "10:00"), patient=3)
    with pytest.raises(SlotUnavailable), sched.ctx() as ctx:
        accept_offer(ctx, offer.id)
    assert sched.get(WaitlistOffer, offer.id).status is WaitlistOfferStatus.PENDING
    assert sched.get(Appointment, freed.id).status is AppointmentStatus.CANCELLED
