"""SECURITY.md row 22: one slot cannot be booked twice, whatever the concurrency."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime

import pytest
from sqlalchemy import select

import common.scheduling.booking as booking
import common.scheduling.placement as placement
from common.errors import DomainError
from common.scheduling.booking import BookingRequest, book_appointment, reschedule_appointment
from common.scheduling.errors import SlotUnavailable
from common.scheduling.models import Appointment
from tests.common.scheduling_fixtures import SchedulingWorld, wall

BOOKERS = 50


@pytest.fixture
def sched(world, clock):
    return SchedulingWorld.build(world, clock, patients=BOOKERS)


def active_at(sched: SchedulingWorld, starts_at: datetime) -> list[Appointment]:
    with sched.world.db.session(sched.world.clinic_id) as session:
        query = select(Appointment).where(
            Appointment.doctor_id == sched.doctor, Appointment.starts_at == starts_at
        )
        return list(session.scalars(query))


@pytest.mark.slow
@pytest.mark.parametrize("checks_serialized", [True, False], ids=["serialized", "constraint-only"])
def test_fifty_concurrent_bookings_of_one_slot_exactly_one_succeeds(sched, monkeypatch, checks_serialized):
    """Each booker in its own thread and transaction. "constraint-only" skips the up-front
    serialization, so on PostgreSQL the checks race and the exclusion constraint must decide."""
    if not checks_serialized:
        monkeypatch.setattr(booking, "serialize_clinic_writes", lambda _ctx: None)
    start = wall(1, "10:00")
    barrier = threading.Barrier(BOOKERS)
    outcomes: list[str] = []
    alternatives: list[int] = []
    lock = threading.Lock()

    def book(patient_index: int) -> None:
        request = BookingRequest(
            sched.patients[patient_index], sched.doctor, starts_at=start, duration_minutes=30
        )
        barrier.wait()
        try:
            with sched.world.db.context(sched.world.clinic_id, sched.world.actor("receptionist")) as ctx:
                book_appointment(ctx, request)
            outcome = "booked"
        except SlotUnavailable as refused:
            outcome = "slot_unavailable"
            with lock:
                alternatives.append(len(refused.alternatives))
        except DomainError as error:
            outcome = error.code
        except Exception as error:
            outcome = type(error).__name__
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=book, args=(n,)) for n in range(BOOKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert Counter(outcomes) == {"booked": 1, "slot_unavailable": BOOKERS - 1}
    assert len(active_at(sched, start)) == 1
    assert all(count > 0 for count in alternatives)  # every loser is shown free times


@pytest.mark.parametrize("engine", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_the_exclusion_constraint_refusal_becomes_the_same_friendly_conflict(sched, monkeypatch):
    """If a check ever lets an overlap through, PostgreSQL's exclusion constraint refuses it, and
    the refusal is the same SlotUnavailable, with alternatives, in a still-usable transaction."""
    sched.book(wall(1, "10:00"), duration=30)
    moving = sched.book(wall(1, "11:00"), duration=30, patient=1)
    monkeypatch.setattr(placement, "_overlaps", lambda *_args: False)
    with pytest.raises(SlotUnavailable) as refused:
        sched.book(wall(1, "10:15"), duration=30, patient=2)
    assert refused.value.alternatives and refused.value.http_status == 409
    with pytest.raises(SlotUnavailable), sched.ctx() as ctx:
        reschedule_appointment(ctx, moving.id, starts_at=wall(1, "10:15"))
    assert sched.get(Appointment, moving.id).starts_at == wall(1, "11:00")
    assert len(active_at(sched, wall(1, "10:15"))) == 0
