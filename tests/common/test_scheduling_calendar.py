"""Reading appointments: the calendar window, a patient's appointments, one appointment."""

from __future__ import annotations

from datetime import timedelta

import pytest

from common.errors import NotFound, PermissionDenied
from common.scheduling.calendar_view import appointments_between, appointments_for_patient, get_appointment
from common.scheduling.errors import InvalidTimeRange
from common.scheduling.models import AppointmentStatus
from tests.common.scheduling_fixtures import AuditCounter, SchedulingWorld, wall


@pytest.fixture
def sched(world, clock):
    return SchedulingWorld.build(world, clock)


def test_the_bi_weekly_calendar(sched):
    a = sched.book(wall(0, "10:00"))
    b = sched.book(wall(0, "10:00"), doctor="doctor2", patient=1)
    c = sched.book(wall(12, "09:00"), patient=2)
    late = sched.book(wall(14, "09:00"), patient=3)
    gone = sched.book(wall(1, "09:00"), patient=4)
    sched.set_status(gone.id, AppointmentStatus.CANCELLED)
    # Spanning the window's start counts: 09:45-10:15 meets [10:00, ...).
    spanning = sched.book(wall(2, "09:45"), patient=5)
    start, end = wall(0, "00:00"), wall(14, "00:00")
    with AuditCounter(sched) as audit, sched.ctx("nurse") as ctx:
        ids = [x.id for x in appointments_between(ctx, start, end)]
    assert set(ids) == {a.id, b.id, c.id, spanning.id}
    assert ids.index(a.id) < ids.index(spanning.id) < ids.index(c.id)
    assert late.id not in ids
    [row] = audit.rows
    assert (row.action, row.patient_id) == ("appointment.list", None)
    with sched.ctx() as ctx:
        assert [x.id for x in appointments_between(ctx, start, end, [sched.doctor2])] == [b.id]
        assert gone.id in {x.id for x in appointments_between(ctx, start, end, include_cancelled=True)}
        assert [x.id for x in appointments_between(ctx, wall(2, "10:00"), wall(2, "11:00"))] == [spanning.id]
    with pytest.raises(InvalidTimeRange), sched.ctx() as ctx:
        appointments_between(ctx, end, start)
    with pytest.raises(InvalidTimeRange), sched.ctx() as ctx:
        appointments_between(ctx, start, start + timedelta(days=60))


def test_a_patients_appointments_and_one_appointment(sched, other_world):
    first = sched.book(wall(0, "10:00"))
    second = sched.book(wall(2, "10:00"))
    sched.book(wall(1, "10:00"), patient=1)
    sched.set_status(second.id, AppointmentStatus.CANCELLED)
    with AuditCounter(sched) as audit, sched.ctx("doctor") as ctx:
        mine = appointments_for_patient(ctx, sched.patient)
    assert [x.id for x in mine] == [first.id, second.id]
    [row] = audit.rows
    assert (row.action, row.patient_id) == ("appointment.list_for_patient", sched.patient)
    with sched.ctx() as ctx:
        assert [x.id for x in appointments_for_patient(ctx, sched.patient, include_cancelled=False)] == [
            first.id
        ]
    with AuditCounter(sched) as audit, sched.ctx() as ctx:
        assert get_appointment(ctx, first.id).reservation_id == first.reservation_id
    assert [(r.action, r.entity_id, r.patient_id) for r in audit.rows] == [
        ("appointment.read", first.id, sched.patient)
    ]
    with pytest.raises(NotFound), other_world.ctx("admin") as ctx:
        get_appointment(ctx, first.id)
    with other_world.ctx("admin") as ctx:
        assert appointments_for_patient(ctx, sched.patient) == []
        assert appointments_between(ctx, wall(0, "00:00"), wall(7, "00:00")) == []


def test_the_kiosk_cannot_read_the_calendar(sched):
    from common.context import Actor
    from common.ids import new_id

    with (
        pytest.raises(PermissionDenied),
        sched.world.db.context(sched.world.clinic_id, Actor.kiosk(new_id())) as ctx,
    ):
        appointments_between(ctx, wall(0, "00:00"), wall(1, "00:00"))
