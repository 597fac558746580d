"""“No code?”: last name and date of birth, the phone's last digits when several match, and a
limit on how fast a kiosk may try."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from common.audit.models import AuditLog, AuditOutcome
from common.checkin.errors import RefusalKind
from common.checkin.flow import EnterDetails, EnterPhoneDigits, Found, Refused
from common.checkin.lookup import AttemptLimiter
from tests.kiosk.support import KioskWorld, at

DOB = date(1990, 5, 17)


@pytest.fixture
def kiosk(world, clock) -> KioskWorld:
    return KioskWorld.build(world, clock)


def details(kiosk: KioskWorld, flow, last_name: str, dob: date = DOB):
    flow.no_code()
    return flow.submit_details(last_name, dob)


@pytest.mark.parametrize("typed", ["García", "garcia", "GARCIA ", "ｇａｒｃｉａ"])
def test_the_last_name_is_matched_folded(kiosk, typed):
    patient = kiosk.patient("Ana", "García", DOB)
    kiosk.appointment(patient, at("09:00"))
    state = details(kiosk, kiosk.flow(), typed)
    assert isinstance(state, Found)


def test_cjk_names_match(kiosk):
    patient = kiosk.patient("怡君", "陳", DOB)
    kiosk.appointment(patient, at("09:00"))
    state = details(kiosk, kiosk.flow(), "陳")
    assert isinstance(state, Found)
    assert state.appointment.first_name == "怡君"


@pytest.mark.parametrize(("last_name", "dob"), [("Garcia", date(1990, 5, 18)), ("Garcin", DOB), ("", DOB)])
def test_wrong_details_keep_the_form_with_a_message(kiosk, last_name, dob):
    patient = kiosk.patient("Ana", "García", DOB)
    kiosk.appointment(patient, at("09:00"))
    state = details(kiosk, kiosk.flow(), last_name, dob)
    assert isinstance(state, EnterDetails)
    assert state.error is not None
    assert state.error.kind is RefusalKind.DETAILS_NOT_FOUND


def test_a_match_without_an_appointment_today_says_so(kiosk):
    kiosk.patient("Ana", "García", DOB)
    state = details(kiosk, kiosk.flow(), "Garcia")
    assert isinstance(state, Refused)
    assert state.refusal.kind is RefusalKind.NO_APPOINTMENT_TODAY


def test_an_inactive_or_merged_record_is_not_found(kiosk):
    from sqlalchemy import update

    from common.patients.models import Patient

    patient = kiosk.patient("Ana", "García", DOB)
    kiosk.appointment(patient, at("09:00"))
    with kiosk.world.db.session(kiosk.clinic_id) as session, session.begin():
        session.execute(update(Patient).where(Patient.id == patient).values(is_active=False))
    assert isinstance(details(kiosk, kiosk.flow(), "Garcia"), EnterDetails)


def test_several_matches_ask_for_the_phone_and_the_right_digits_find_the_one(kiosk):
    ana = kiosk.patient("Ana", "García", DOB, phone="0912-345-642")
    eva = kiosk.patient("Eva", "García", DOB, phone="0988-111-222")
    kiosk.appointment(ana, at("09:00"))
    kiosk.appointment(eva, at("09:00"), doctor="doctor2")
    flow = kiosk.flow()
    state = details(kiosk, flow, "Garcia")
    assert isinstance(state, EnterPhoneDigits)
    wrong = flow.submit_phone_digits("9999")
    assert isinstance(wrong, EnterPhoneDigits)
    assert wrong.error is not None
    found = flow.submit_phone_digits("1222")
    assert isinstance(found, Found)
    assert found.appointment.first_name == "Eva"


def test_several_matches_sharing_a_phone_are_sent_to_reception(kiosk):
    for name, doctor in (("Ana", "doctor"), ("Eva", "doctor2")):
        kiosk.appointment(
            kiosk.patient(name, "García", DOB, phone="0912-345-642"), at("09:00"), doctor=doctor
        )
    flow = kiosk.flow()
    details(kiosk, flow, "Garcia")
    state = flow.submit_phone_digits("5642")
    assert isinstance(state, Refused)
    assert state.refusal.kind is RefusalKind.DETAILS_AMBIGUOUS


def test_another_clinics_patient_is_never_found(kiosk, other_world):
    other = KioskWorld(other_world, kiosk.clock)
    patient = other.patient("Ana", "García", DOB)
    other.appointment(patient, at("09:00"))
    assert isinstance(details(kiosk, kiosk.flow(), "Garcia"), EnterDetails)


def test_each_lookup_writes_one_audit_row_naming_the_patient_only_when_found(kiosk):
    patient = kiosk.patient("Ana", "García", DOB)
    kiosk.appointment(patient, at("09:00"))
    flow = kiosk.flow()
    details(kiosk, flow, "Nobody")
    flow.submit_details("Garcia", DOB)
    with kiosk.world.db.session(kiosk.clinic_id) as session:
        rows = list(
            session.scalars(
                select(AuditLog).where(AuditLog.action == "checkin.lookup").order_by(AuditLog.chain_seq)
            )
        )
    assert [(row.outcome, row.patient_id) for row in rows] == [
        (AuditOutcome.FAILED, None),
        (AuditOutcome.SUCCESS, patient),
    ]
    assert all(row.device_id == kiosk.device_id for row in rows)


def test_a_kiosk_may_try_five_times_a_minute(kiosk):
    patient = kiosk.patient("Ana", "García", DOB)
    kiosk.appointment(patient, at("09:00"))
    flow = kiosk.flow(limiter=AttemptLimiter(kiosk.clock.now))
    flow.no_code()
    for _ in range(5):
        assert isinstance(flow.submit_details("Nobody", DOB), EnterDetails)
    locked = flow.submit_details("Garcia", DOB)  # right this time, but the limit is reached
    assert isinstance(locked, Refused)
    assert locked.refusal.kind is RefusalKind.TOO_MANY_ATTEMPTS
    kiosk.clock.advance(timedelta(seconds=61))
    flow.no_code()
    assert isinstance(flow.submit_details("Garcia", DOB), Found)


def test_the_limit_holds_across_patients_and_idle_resets(kiosk):
    limiter = AttemptLimiter(kiosk.clock.now, max_attempts=2)
    flow = kiosk.flow(limiter=limiter)
    for _ in range(2):
        flow.reset()
        details(kiosk, flow, "Nobody")
    flow.reset()
    state = details(kiosk, flow, "Nobody")
    assert isinstance(state, Refused)
    assert limiter.retry_after() == timedelta(minutes=1)
