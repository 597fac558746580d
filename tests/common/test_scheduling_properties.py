"""Property: no sequence of bookings, time assignments, reschedules and cancellations leaves two
overlapping active timed appointments for a doctor, and every operation is refused exactly when
a simple model of the rules says it must be (no false refusals, no false acceptances)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, multiple, rule
from sqlalchemy import select

from common.context import ServiceContext
from common.errors import DomainError
from common.scheduling.booking import BookingRequest, assign_time, book_appointment, reschedule_appointment
from common.scheduling.errors import (
    IllegalTransition,
    NotReschedulable,
    OutsideDoctorHours,
    OutsidePeriodWindow,
    PeriodFull,
    SlotUnavailable,
)
from common.scheduling.models import ACTIVE_STATUSES, Appointment, AppointmentStatus, DayPeriod
from common.scheduling.status import cancel_appointment
from tests.common.scheduling_fixtures import MONDAY, SchedulingWorld, wall
from tests.conftest import T0, make_clinic

S = AppointmentStatus
DOCTORS = ("doctor", "doctor2")
DAYS = (0, 1)
LENGTHS = (15, 30, 45, 60)
MORNING_CAPACITY = 4


@dataclass(frozen=True)
class Booked:
    doctor: str
    day: int
    start: datetime
    end: datetime
    status: AppointmentStatus
    timed: bool
    in_period: bool  # a Time Period (morning) booking


def morning_start(day: int, quarter: int) -> datetime:
    """09:00 + quarter x 15 minutes: the doctor's morning runs 09:00-12:00, then a break."""
    return wall(day, "09:00") + timedelta(minutes=15 * quarter)


def inside_morning(day: int, start: datetime, end: datetime) -> bool:
    return wall(day, "09:00") <= start and end <= wall(day, "12:00")


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_no_operation_sequence_double_books_a_doctor(db, clock, staff_password_hash):
    class Scheduling(RuleBasedStateMachine):
        appointments = Bundle("appointments")

        def __init__(self) -> None:
            super().__init__()
            clock.set(T0)
            self.sched = SchedulingWorld.build(make_clinic(db, staff_password_hash), clock, patients=3)
            self.model: dict[uuid.UUID, Booked] = {}
            self.lengths: dict[uuid.UUID, timedelta] = {}  # of Time Period bookings, for assignment

        # -- the model ---------------------------------------------------------------------

        def clashes(
            self, doctor: str, start: datetime, end: datetime, ignore: uuid.UUID | None = None
        ) -> bool:
            return any(
                b.doctor == doctor
                and b.timed
                and b.status in ACTIVE_STATUSES
                and b.start < end
                and start < b.end
                for key, b in self.model.items()
                if key != ignore
            )

        def expect_refusal(self, doctor: str, day: int, start: datetime, end: datetime, ignore=None):
            if not inside_morning(day, start, end):
                return OutsideDoctorHours
            if self.clashes(doctor, start, end, ignore):
                return SlotUnavailable
            return None

        def run(
            self, expected: type[DomainError] | None, operation: Callable[[ServiceContext], Appointment]
        ) -> Appointment | None:
            refusal: DomainError | None = None
            try:
                with self.sched.ctx() as ctx:
                    result = operation(ctx)
            except DomainError as error:
                refusal = error
            if refusal is not None:
                assert expected is not None and isinstance(refusal, expected), (expected, refusal)
                return None
            assert expected is None, f"accepted, but the model expected {expected.__name__}"
            return result

        # -- the rules ---------------------------------------------------------------------

        @rule(
            target=appointments,
            doctor=st.sampled_from(DOCTORS),
            day=st.sampled_from(DAYS),
            quarter=st.integers(0, 11),
            minutes=st.sampled_from(LENGTHS),
            patient=st.integers(0, 2),
        )
        def book(self, doctor, day, quarter, minutes, patient):
            start = morning_start(day, quarter)
            end = start + timedelta(minutes=minutes)
            request = BookingRequest(
                self.sched.patients[patient],
                self.sched.world.staff[doctor],
                starts_at=start,
                duration_minutes=minutes,
            )
            made = self.run(
                self.expect_refusal(doctor, day, start, end), lambda ctx: book_appointment(ctx, request)
            )
            if made is None:
                return multiple()
            self.model[made.id] = Booked(doctor, day, start, end, S.SCHEDULED, timed=True, in_period=False)
            return made.id

        @rule(
            target=appointments,
            doctor=st.sampled_from(DOCTORS),
            day=st.sampled_from(DAYS),
            minutes=st.sampled_from(LENGTHS),
        )
        def book_morning(self, doctor, day, minutes):
            taken = sum(
                1
                for b in self.model.values()
                if b.doctor == doctor and b.day == day and b.in_period and b.status in ACTIVE_STATUSES
            )
            request = BookingRequest(
                self.sched.patients[0],
                self.sched.world.staff[doctor],
                day=MONDAY + timedelta(days=day),
                period=DayPeriod.MORNING,
                duration_minutes=minutes,
            )
            expected = PeriodFull if taken >= MORNING_CAPACITY else None
            made = self.run(expected, lambda ctx: book_appointment(ctx, request))
            if made is None:
                return multiple()
            self.model[made.id] = Booked(
                doctor, day, made.starts_at, made.ends_at, S.SCHEDULED, timed=False, in_period=True
            )
            self.lengths[made.id] = timedelta(minutes=minutes)
            return made.id

        @rule(appointment=appointments, quarter=st.integers(0, 11))
        def assign(self, appointment, quarter):
            booked = self.model[appointment]
            start = morning_start(booked.day, quarter)
            if not booked.in_period:
                return  # not a Time Period booking: covered by the unit tests
            end = start + self.lengths[appointment]
            if booked.status not in (S.SCHEDULED, S.CONFIRMED, S.CHECKED_IN):
                expected: type[DomainError] | None = NotReschedulable
            elif not inside_morning(booked.day, start, end):
                expected = OutsidePeriodWindow
            else:
                expected = SlotUnavailable if self.clashes(booked.doctor, start, end, appointment) else None
            if self.run(expected, lambda ctx: assign_time(ctx, appointment, start)) is not None:
                self.model[appointment] = replace(booked, start=start, end=end, timed=True)

        @rule(
            appointment=appointments,
            doctor=st.sampled_from(DOCTORS),
            day=st.sampled_from(DAYS),
            quarter=st.integers(0, 11),
        )
        def reschedule(self, appointment, doctor, day, quarter):
            booked = self.model[appointment]
            length = booked.end - booked.start if booked.timed else self.lengths[appointment]
            start = morning_start(day, quarter)
            end = start + length
            if booked.status not in (S.SCHEDULED, S.CONFIRMED):
                expected: type[DomainError] | None = NotReschedulable
            else:
                expected = self.expect_refusal(doctor, day, start, end, ignore=appointment)
            staff = self.sched.world.staff[doctor]
            moved = self.run(
                expected,
                lambda ctx: reschedule_appointment(ctx, appointment, starts_at=start, doctor_id=staff),
            )
            if moved is not None:
                self.model[appointment] = replace(
                    booked, doctor=doctor, day=day, start=start, end=end, timed=True, in_period=False
                )

        @rule(appointment=appointments)
        def cancel(self, appointment):
            booked = self.model[appointment]
            expected = (
                None if booked.status in (S.SCHEDULED, S.CONFIRMED, S.CHECKED_IN) else IllegalTransition
            )
            if (
                self.run(expected, lambda ctx: cancel_appointment(ctx, appointment, "changed plans"))
                is not None
            ):
                self.model[appointment] = replace(booked, status=S.CANCELLED)

        # -- what must always hold ---------------------------------------------------------

        @invariant()
        def no_doctor_is_double_booked_and_the_database_matches_the_model(self):
            with db.session(self.sched.world.clinic_id) as session:
                rows = session.scalars(select(Appointment)).all()
            timed = sorted(
                (r.doctor_id, r.starts_at, r.ends_at)
                for r in rows
                if r.time_assigned and r.status in ACTIVE_STATUSES
            )
            for (doctor_a, _, end_a), (doctor_b, start_b, _) in pairwise(timed):
                assert doctor_a != doctor_b or end_a <= start_b, "two active appointments overlap"
            for row in rows:
                booked = self.model[row.id]
                assert (row.status, row.starts_at, row.ends_at, row.time_assigned) == (
                    booked.status,
                    booked.start,
                    booked.end,
                    booked.timed,
                )
                assert row.doctor_id == self.sched.world.staff[booked.doctor]

    Scheduling.TestCase.settings = settings(
        max_examples=20,
        stateful_step_count=20,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    Scheduling.TestCase().runTest()
