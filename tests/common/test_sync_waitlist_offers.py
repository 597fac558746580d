"""Waitlist offers answered offline: the offer a desk makes when it passes a time on is the offer
the server makes when the desk's change arrives, so accepting it offline books on the server.

A desk declines an offer, and accepts the next offer of the same time, before it reconnects; or
cancels an appointment and accepts the offer of the freed time. Offers are never sent as intents:
each replica makes them itself, under the id both derive from the freed appointment and the entry.

Real server (uvicorn in a thread) on SQLite and PostgreSQL; each desk a replica in its own file.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from common.clock import FrozenClock
from common.scheduling.models import (
    Appointment,
    AppointmentStatus,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistOfferStatus,
    WaitlistStatus,
)
from common.scheduling.status import cancel_appointment
from common.scheduling.waitlist import add_to_waitlist, offers_for_entry
from common.scheduling.waitlist_offers import offer_id
from common.sync.models import OutboxStatus
from tests.common.scheduling_fixtures import MONDAY, wall
from tests.e2e.conftest import SyncWorld, assert_converged, build_sync_world, outbox_answers
from tests.e2e.support import Device

TUESDAY = MONDAY + timedelta(days=1)


@pytest.fixture
def sync_world(
    engine: Engine, clock: FrozenClock, tmp_path: Path, staff_password_hash: str, sqlite_template: Path
) -> Iterator[SyncWorld]:
    yield from build_sync_world(engine, clock, tmp_path, staff_password_hash, sqlite_template)


def _waiting(sw: SyncWorld, patient: int, duration: int) -> uuid.UUID:
    """A waitlist entry for Tuesday, made on the server (a second apart: first come, first served)."""
    sw.clock.advance(timedelta(seconds=1))
    with sw.sched.ctx() as ctx:
        return add_to_waitlist(ctx, sw.sched.patients[patient], TUESDAY, duration_minutes=duration).id


def _desk_offers(sw: SyncWorld, desk: Device, entry_id: uuid.UUID) -> list[WaitlistOffer]:
    with desk.database.context(sw.clinic_id, sw.staff("receptionist", desk)) as ctx:
        return offers_for_entry(ctx, entry_id)


def _server_row(
    sw: SyncWorld, model: type[WaitlistOffer | WaitlistEntry | Appointment], row_id: uuid.UUID
) -> object:
    with sw.server_db.session(sw.clinic_id) as session:
        return session.get(model, (sw.clinic_id, row_id))


def _two_desks_and_a_waitlist(sw: SyncWorld) -> tuple[Device, Device, uuid.UUID, uuid.UUID, uuid.UUID]:
    """Tuesday 10:00 booked for patient 0; patients 1 and 2 wait for a time that day."""
    freed = sw.sched.book(wall(1, "10:00"), duration=30).id
    first, second = _waiting(sw, 1, 30), _waiting(sw, 2, 15)
    desk, other = sw.device("desk1"), sw.device("desk2")
    desk.sync()
    other.sync()
    return desk, other, freed, first, second


def _booked_from(sw: SyncWorld, offer: uuid.UUID, appointment_id: uuid.UUID, patient: int) -> None:
    """The offer is accepted on the server and books the desk's appointment, under the desk's id."""
    accepted = _server_row(sw, WaitlistOffer, offer)
    assert isinstance(accepted, WaitlistOffer)
    assert (accepted.status, accepted.booked_appointment_id) == (WaitlistOfferStatus.ACCEPTED, appointment_id)
    appointment = _server_row(sw, Appointment, appointment_id)
    assert isinstance(appointment, Appointment)
    assert (appointment.patient_id, appointment.starts_at, appointment.status) == (
        sw.sched.patients[patient],
        wall(1, "10:00"),
        AppointmentStatus.SCHEDULED,
    )
    entry = _server_row(sw, WaitlistEntry, accepted.entry_id)
    assert isinstance(entry, WaitlistEntry) and entry.status is WaitlistStatus.BOOKED


def test_an_offer_declined_offline_passes_on_and_the_next_offer_is_accepted_offline(
    sync_world: SyncWorld,
) -> None:
    sw = sync_world
    desk, other, freed, first, second = _two_desks_and_a_waitlist(sw)
    with sw.sched.ctx() as ctx:
        cancel_appointment(ctx, freed, "patient asked")  # the server offers 10:00 to the first entry
    desk.sync()
    [offered] = _desk_offers(sw, desk, first)

    # ---- offline: the first patient declines; the desk offers the time on, and it is taken ----
    clerk = sw.staff("receptionist", desk)
    passed_on = desk.run(clerk, "decline_offer", {"offer_id": str(offered.id)})
    assert passed_on.entry_id == second and passed_on.id == offer_id(freed, second)
    booked = desk.run(clerk, "accept_offer", {"offer_id": str(passed_on.id)})

    desk.sync()
    assert outbox_answers(desk) == [
        ("decline_offer", OutboxStatus.APPLIED),
        ("accept_offer", OutboxStatus.APPLIED),
    ]
    declined = _server_row(sw, WaitlistOffer, offered.id)
    assert isinstance(declined, WaitlistOffer) and declined.status is WaitlistOfferStatus.DECLINED
    waiting_on = _server_row(sw, WaitlistEntry, first)
    assert isinstance(waiting_on, WaitlistEntry) and waiting_on.status is WaitlistStatus.WAITING
    _booked_from(sw, passed_on.id, booked.id, patient=2)
    other.sync()
    assert_converged(sw, desk, other)


def test_a_time_freed_offline_is_offered_and_accepted_offline(sync_world: SyncWorld) -> None:
    sw = sync_world
    desk, other, freed, first, _second = _two_desks_and_a_waitlist(sw)

    # ---- offline: a cancellation frees 10:00, the desk offers it, the patient takes it ----
    clerk = sw.staff("receptionist", desk)
    desk.run(clerk, "cancel_appointment", {"appointment_id": str(freed), "reason": "patient asked"})
    [offered] = _desk_offers(sw, desk, first)
    assert offered.id == offer_id(freed, first)
    booked = desk.run(clerk, "accept_offer", {"offer_id": str(offered.id)})

    desk.sync()
    assert outbox_answers(desk) == [
        ("cancel_appointment", OutboxStatus.APPLIED),
        ("accept_offer", OutboxStatus.APPLIED),
    ]
    _booked_from(sw, offered.id, booked.id, patient=1)
    other.sync()
    assert_converged(sw, desk, other)
