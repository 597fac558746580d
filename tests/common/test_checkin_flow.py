"""The check-in flow without Qt: scan, find, check in, questions, and the screens in between."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from common.audit.models import AuditLog
from common.checkin.errors import RefusalKind
from common.checkin.flow import CheckInFlow, Done, EnterDetails, Found, Question, Refused, Welcome
from common.checkin.models import QuestionKind
from common.checkin.outcomes import FoundAppointment
from common.checkin.questions import Answer, QuestionSpec, set_arrival_questions
from common.context import Actor
from common.errors import PermissionDenied
from common.scheduling.models import AppointmentStatus, DayPeriod
from tests.kiosk.support import NOW, FakeMonotonic, KioskWorld, at


@pytest.fixture
def kiosk(world, clock) -> KioskWorld:
    return KioskWorld.build(world, clock)


def audit_actions(kiosk: KioskWorld) -> list[str]:
    with kiosk.world.db.session(kiosk.clinic_id) as session:
        return list(session.scalars(select(AuditLog.action).order_by(AuditLog.chain_seq)))


def test_a_scan_finds_todays_appointment_and_check_in_records_its_time(kiosk):
    patient = kiosk.patient("Ana")
    appointment_id = kiosk.appointment(patient, at("09:00"))
    flow = kiosk.flow()

    state = flow.scan(kiosk.codes[patient])

    assert isinstance(state, Found)
    found = state.appointment
    assert (found.first_name, found.starts_at, found.doctor_name) == ("Ana", at("09:00"), "Dora Lin")
    assert found.appointment_id == appointment_id
    before = audit_actions(kiosk)
    assert isinstance(flow.confirm(), Done)
    stored = kiosk.get_appointment(appointment_id)
    assert stored.status is AppointmentStatus.CHECKED_IN
    assert stored.check_in_time == NOW
    assert audit_actions(kiosk)[len(before) :] == ["appointment.check_in"]


def test_found_carries_only_what_the_screen_shows_and_ids():
    shown = {f.name for f in dataclasses.fields(FoundAppointment)}
    assert shown == {
        "appointment_id",
        "patient_id",
        "first_name",
        "starts_at",
        "ends_at",
        "time_assigned",
        "doctor_name",
        "timezone",
        "questions",
    }


def test_a_scan_writes_one_audit_row_and_one_scan_event(kiosk):
    patient = kiosk.patient()
    kiosk.appointment(patient, at("09:00"))
    before = audit_actions(kiosk)
    kiosk.flow().scan(kiosk.codes[patient])
    assert audit_actions(kiosk)[len(before) :] == ["barcode.scan"]


def test_of_several_appointments_today_the_one_whose_window_is_open_is_found(kiosk):
    patient = kiosk.patient()
    kiosk.appointment(patient, at("07:00"), status=AppointmentStatus.COMPLETED)
    wanted = kiosk.appointment(patient, at("09:00"))
    kiosk.appointment(patient, at("16:00"))
    state = kiosk.flow().scan(kiosk.codes[patient])
    assert isinstance(state, Found)
    assert state.appointment.appointment_id == wanted


def test_a_time_period_booking_can_check_in_until_its_period_ends(kiosk):
    patient = kiosk.patient()
    kiosk.appointment(patient, at("09:00"), minutes=180, period=DayPeriod.MORNING)
    kiosk.clock.set(at("11:30"))
    state = kiosk.flow().scan(kiosk.codes[patient])
    assert isinstance(state, Found)
    assert state.appointment.time_assigned is False


def test_the_window_is_the_clinics_setting(kiosk):
    patient = kiosk.patient()
    kiosk.appointment(patient, at("11:00"))
    assert isinstance(kiosk.flow().scan(kiosk.codes[patient]), Refused)
    kiosk.set_clinic(check_in_early_minutes=180)
    assert isinstance(kiosk.flow().scan(kiosk.codes[patient]), Found)


def test_scans_are_ignored_while_a_patient_is_at_the_screen(kiosk):
    first, second = kiosk.patient("Ana"), kiosk.patient("Ben", "Wu", date(1985, 1, 2))
    kiosk.appointment(first, at("09:00"))
    kiosk.appointment(second, at("09:00"), doctor="doctor2")
    flow = kiosk.flow()
    flow.scan(kiosk.codes[first])
    state = flow.scan(kiosk.codes[second])
    assert isinstance(state, Found)
    assert state.appointment.first_name == "Ana"


def test_not_me_goes_back_to_welcome_and_checks_nothing_in(kiosk):
    patient = kiosk.patient()
    appointment_id = kiosk.appointment(patient, at("09:00"))
    flow = kiosk.flow()
    flow.scan(kiosk.codes[patient])
    assert isinstance(flow.back(), Welcome)
    assert kiosk.get_appointment(appointment_id).status is AppointmentStatus.SCHEDULED


def test_a_check_in_the_desk_made_meanwhile_is_refused_kindly(kiosk):
    patient = kiosk.patient()
    appointment_id = kiosk.appointment(patient, at("09:00"))
    flow = kiosk.flow()
    flow.scan(kiosk.codes[patient])
    with kiosk.world.ctx("receptionist") as ctx:
        from common.scheduling.status import check_in

        check_in(ctx, appointment_id)
    state = flow.confirm()
    assert isinstance(state, Refused)
    assert state.refusal.kind is RefusalKind.ALREADY_CHECKED_IN


def test_the_window_is_checked_again_at_check_in(kiosk):
    patient = kiosk.patient()
    kiosk.appointment(patient, at("09:00"))
    flow = kiosk.flow()
    flow.scan(kiosk.codes[patient])
    kiosk.clock.advance(timedelta(hours=1))  # the patient walked away and came back at 09:30
    state = flow.confirm()
    assert isinstance(state, Refused)
    assert state.refusal.kind is RefusalKind.TOO_LATE


def test_arrival_questions_are_asked_in_the_patients_language_and_answers_kept_for_staff(kiosk):
    with kiosk.world.ctx("admin") as ctx:
        set_arrival_questions(
            ctx,
            [
                QuestionSpec(
                    prompts={
                        "en": "Any change in your medications or allergies since your last visit?",
                        "zh_TW": "自上次就診後，您的用藥或過敏狀況有任何變化嗎？",
                    }
                ),
                QuestionSpec(kind=QuestionKind.PHONE_ENDING),
            ],
        )
    patient = kiosk.patient(phone="+886 912 345 642")
    appointment_id = kiosk.appointment(patient, at("09:00"))
    flow = kiosk.flow()
    flow.scan(kiosk.codes[patient])

    first = flow.confirm()
    assert isinstance(first, Question)
    assert kiosk.get_appointment(appointment_id).status is AppointmentStatus.CHECKED_IN
    assert first.question.text("zh_TW") == "自上次就診後，您的用藥或過敏狀況有任何變化嗎？"
    assert first.question.text("ja").startswith("Any change")  # no Japanese wording: English
    second = flow.answer(Answer.YES)
    assert isinstance(second, Question)
    assert second.question.text("en") == "Does your phone number end in 42?"
    assert isinstance(flow.answer(Answer.NO), Done)

    answers = kiosk.get_appointment(appointment_id).arrival_answers
    assert [(a["kind"], a["answer"]) for a in answers] == [("yes_no", "yes"), ("phone_ending", "no")]
    assert answers[1]["question"] == "Does your phone number end in 42?"


def test_a_phone_question_is_skipped_for_a_patient_without_a_phone(kiosk):
    with kiosk.world.ctx("admin") as ctx:
        set_arrival_questions(ctx, [QuestionSpec(kind=QuestionKind.PHONE_ENDING)])
    patient = kiosk.patient(phone=None)
    kiosk.appointment(patient, at("09:00"))
    flow = kiosk.flow()
    flow.scan(kiosk.codes[patient])
    assert isinstance(flow.confirm(), Done)


def test_only_an_administrator_sets_the_questions(kiosk):
    with (
        pytest.raises(PermissionDenied),
        kiosk.world.db.context(kiosk.clinic_id, Actor.kiosk(kiosk.device_id)) as ctx,
    ):
        set_arrival_questions(ctx, [])
    with pytest.raises(PermissionDenied), kiosk.world.ctx("receptionist") as ctx:
        set_arrival_questions(ctx, [])


def test_no_code_then_details_find_the_appointment(kiosk):
    patient = kiosk.patient("Ana", "García", date(1990, 5, 17))
    kiosk.appointment(patient, at("09:00"))
    flow = kiosk.flow()
    assert isinstance(flow.no_code(), EnterDetails)
    state = flow.submit_details("  GARCIA ", date(1990, 5, 17))
    assert isinstance(state, Found)
    assert state.appointment.first_name == "Ana"


def test_idle_reset_returns_to_welcome_in_the_clinic_language(kiosk):
    patient = kiosk.patient()
    kiosk.appointment(patient, at("09:00"))
    ticks = FakeMonotonic()
    flow = kiosk.flow(ticks)
    flow.set_locale("ja")
    flow.scan(kiosk.codes[patient])
    ticks.advance(29)
    assert not flow.reset_if_due()
    flow.touch()
    ticks.advance(29)
    assert not flow.reset_if_due()
    ticks.advance(2)
    assert flow.reset_if_due()
    assert isinstance(flow.state, Welcome)
    assert flow.locale == "zh_TW"
    assert flow.seconds_until_reset() is None


def test_the_confirmation_resets_sooner_than_idle(kiosk):
    patient = kiosk.patient()
    kiosk.appointment(patient, at("09:00"))
    ticks = FakeMonotonic()
    flow = kiosk.flow(ticks)
    flow.scan(kiosk.codes[patient])
    flow.confirm()
    ticks.advance(10.5)
    assert flow.reset_if_due()
    assert isinstance(flow.state, Welcome)


def test_a_language_chosen_on_welcome_also_resets_after_idle(kiosk):
    ticks = FakeMonotonic()
    flow = kiosk.flow(ticks)
    flow.set_locale("en")
    ticks.advance(31)
    assert flow.reset_if_due()
    assert flow.locale == "zh_TW"


def test_an_enrolled_kiosk_queues_its_check_in_for_the_server(kiosk):
    patient = kiosk.patient()
    appointment_id = kiosk.appointment(patient, at("09:00"))
    backend = kiosk.backend()
    backend.sync_writes = True
    flow = CheckInFlow(backend, "en")
    flow.scan(kiosk.codes[patient])
    state = flow.confirm()
    assert isinstance(state, Done)
    assert state.checked_in.checked_in_at == NOW
    assert kiosk.get_appointment(appointment_id).status is AppointmentStatus.CHECKED_IN
    assert queued_for(kiosk, appointment_id) == ["kiosk_check_in"]


def test_an_enrolled_kiosk_judges_the_window_before_queueing(kiosk):
    patient = kiosk.patient()
    appointment_id = kiosk.appointment(patient, at("09:00"))
    backend = kiosk.backend()
    backend.sync_writes = True
    flow = CheckInFlow(backend, "en")
    flow.scan(kiosk.codes[patient])
    kiosk.clock.advance(timedelta(hours=1))
    assert isinstance(flow.confirm(), Refused)
    assert queued_for(kiosk, appointment_id) == []


def queued_for(kiosk, appointment_id) -> list[str]:
    """The outbox's intents about this appointment (the outbox is the device's, not a clinic's)."""
    from common.sync.models import SyncOutbox

    with kiosk.world.db.session(None) as session:
        rows = session.scalars(select(SyncOutbox).order_by(SyncOutbox.n)).all()
    return [row.intent for row in rows if row.args.get("appointment_id") == str(appointment_id)]


def test_an_enrolled_kiosk_queues_the_arrival_answers_too(kiosk):
    with kiosk.world.ctx("admin") as ctx:
        set_arrival_questions(ctx, [QuestionSpec(prompts={"en": "Any change in your medications?"})])
    patient = kiosk.patient()
    appointment_id = kiosk.appointment(patient, at("09:00"))
    backend = kiosk.backend()
    backend.sync_writes = True
    flow = CheckInFlow(backend, "en")
    flow.scan(kiosk.codes[patient])
    flow.confirm()
    assert isinstance(flow.answer(Answer.NO), Done)
    assert queued_for(kiosk, appointment_id) == ["kiosk_check_in", "kiosk_answers"]
    assert [a["answer"] for a in kiosk.get_appointment(appointment_id).arrival_answers] == ["no"]


def test_a_check_in_arriving_late_by_sync_is_not_judged_by_the_window(kiosk):
    from common.checkin.service import record_kiosk_check_in

    patient = kiosk.patient()
    appointment_id = kiosk.appointment(patient, at("09:00"))
    kiosk.clock.set(at("10:30"))  # the kiosk was offline; its check-in reaches the server now
    with kiosk.world.db.context(kiosk.clinic_id, Actor.kiosk(kiosk.device_id)) as ctx:
        record_kiosk_check_in(ctx, appointment_id)
    assert kiosk.get_appointment(appointment_id).status is AppointmentStatus.CHECKED_IN
