"""The settings services: clinic details and hours, booking rules, doctors' weeks and days off,
the check-in window, arrival questions, notifications and printing; and their sync intents."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from common.checkin.models import ArrivalQuestion, QuestionKind
from common.checkin.questions import TooManyQuestions
from common.checkin.window import CheckInWindow
from common.clinics.models import Clinic, PaperSize
from common.clinics.service import (
    KioskQuestion,
    SettingInvalid,
    TimezoneLocked,
    arrival_questions,
    clinic_details,
    clinic_notification_preferences,
    set_clinic_notification_preferences,
    settings_row_id,
    update_arrival_questions,
    update_check_in_window,
    update_clinic_details,
    update_print_settings,
)
from common.errors import PermissionDenied, ValidationFailed
from common.ids import new_id
from common.notifications.models import Channel, NotificationKind, NotificationPreference, RecipientKind
from common.printing.models import PrintSettings
from common.printing.service import print_preferences
from common.scheduling.availability import availability
from common.scheduling.models import DayPeriod, DoctorSchedule
from common.scheduling.schedules import ScheduleBlock, remove_time_off, set_weekly_schedule
from common.scheduling.schedules_admin import (
    DayPlan,
    add_days_off,
    booking_settings,
    doctor_week,
    set_doctor_week,
    update_booking_rules,
)
from common.sync.intents import INTENTS
from tests.common.scheduling_fixtures import MONDAY, SchedulingWorld, standard_week, wall


@pytest.fixture
def sched(world, clock):
    return SchedulingWorld.build(world, clock)


def starts(sched: SchedulingWorld, day: date, doctor=None) -> list[str]:
    with sched.ctx() as ctx:
        (result,) = availability(ctx, day, days=1, doctor_id=doctor or sched.doctor)
    return [slot.local_start.strftime("%H:%M") for slot in result.slots]


def run(sched: SchedulingWorld, name: str, args: dict[str, Any], who: str = "admin") -> Any:
    """A sync intent as the server applies it: parsed from its JSON arguments, then applied."""
    intent = INTENTS[name]
    with sched.ctx(who) as ctx:
        return intent.apply(ctx, intent.parse(args))


# ---- clinic details and business hours ------------------------------------------------------------


def test_business_hours_change_reaches_availability(sched):
    tuesday = MONDAY + timedelta(days=1)
    assert starts(sched, tuesday)[-1] == "17:45"
    with sched.ctx("admin") as ctx:
        details = update_clinic_details(ctx, {"business_hours": {"2": ["10:00", "15:00"]}})
    assert details.business_hours[2] == (("10:00", "15:00"),)
    assert details.business_hours[1] == (("09:00", "18:00"),)  # the other days stay as they were
    slots = starts(sched, tuesday)
    assert slots[0] == "10:00" and slots[-1] == "14:45"
    with sched.ctx("admin") as ctx:
        update_clinic_details(ctx, {"business_hours": {"2": None}})
    assert starts(sched, tuesday) == []


def test_closing_before_opening_is_refused_naming_the_day(sched):
    with sched.ctx("admin") as ctx, pytest.raises(SettingInvalid) as refused:
        update_clinic_details(ctx, {"business_hours": {"3": ["18:00", "09:00"]}})
    assert refused.value.field == "business_hours.3"
    assert "closing time must be after" in refused.value.translated("en")
    with sched.ctx("admin") as ctx, pytest.raises(SettingInvalid) as bad_clock:
        update_clinic_details(ctx, {"business_hours": {"3": ["9h", "18:00"]}})
    assert bad_clock.value.field == "business_hours.3"
    with sched.ctx("admin") as ctx:
        assert clinic_details(ctx).business_hours[3] == (("09:00", "18:00"),)


def test_details_validate_and_only_changed_fields_are_written(sched):
    with sched.ctx("admin") as ctx:
        details = update_clinic_details(
            ctx,
            {"name": "  Lotus  Clinic ", "phone": "+886 2 1234", "address": "", "languages": ["zh_TW", "en"]},
        )
    assert details.name == "Lotus Clinic" and details.phone == "+886 2 1234" and details.address == ""
    assert details.languages == ("en", "zh_TW")
    for changes, field in (
        ({"name": " "}, "name"),
        ({"email": "not an address"}, "email"),
        ({"languages": []}, "languages"),
        ({"languages": ["en", "xx"]}, "languages"),
        ({"default_language": "ja"}, "default_language"),
        ({"timezone": "Mars/Base"}, "timezone"),
        ({"currency": "EUR"}, "currency"),
    ):
        with sched.ctx("admin") as ctx, pytest.raises(SettingInvalid) as refused:
            update_clinic_details(ctx, changes)
        assert refused.value.field == field


def test_the_time_zone_is_fixed_once_appointments_exist(sched):
    with sched.ctx("admin") as ctx:
        assert clinic_details(ctx).timezone_locked is False
        assert update_clinic_details(ctx, {"timezone": "Asia/Tokyo"}).timezone == "Asia/Tokyo"
        update_clinic_details(ctx, {"timezone": "Asia/Taipei"})
    sched.book(wall(1, "10:00"))
    with sched.ctx("admin") as ctx:
        assert clinic_details(ctx).timezone_locked is True
    with sched.ctx("admin") as ctx, pytest.raises(TimezoneLocked):
        update_clinic_details(ctx, {"timezone": "Asia/Tokyo"})


def test_roles_clinic_settings_need_an_administrator(sched):
    for who in ("manager", "receptionist", "doctor", "nurse"):
        with sched.ctx(who) as ctx:
            assert clinic_details(ctx).name  # everyone reads
        with sched.ctx(who) as ctx, pytest.raises(PermissionDenied):
            update_clinic_details(ctx, {"name": "Taken over"})
        with sched.ctx(who) as ctx, pytest.raises(PermissionDenied):
            update_check_in_window(ctx, 5, 5)


# ---- booking rules -------------------------------------------------------------------------------------


def test_booking_rules_change_slots_and_periods(sched):
    with sched.ctx("manager") as ctx:  # a manager runs the calendar
        rules = update_booking_rules(
            ctx,
            {
                "slot_minutes": 30,
                "booking_max_advance_days": 30,
                "periods": {"evening": {"start": "17:00", "end": "19:00", "capacity": 6}},
            },
        )
    assert rules.slot_minutes == 30 and rules.booking_max_advance_days == 30
    assert rules.periods[DayPeriod.EVENING].capacity == 6
    assert rules.periods[DayPeriod.MORNING].start == "09:00"  # untouched
    tuesday = MONDAY + timedelta(days=1)
    assert starts(sched, tuesday)[:3] == ["09:00", "09:30", "10:00"]
    assert starts(sched, MONDAY + timedelta(days=31)) == []  # past the new horizon
    with sched.ctx("receptionist") as ctx, pytest.raises(PermissionDenied):
        update_booking_rules(ctx, {"slot_minutes": 10})


def test_booking_rules_are_validated(sched):
    for changes, field in (
        ({"slot_minutes": 0}, "slot_minutes"),
        ({"slot_minutes": "15"}, "slot_minutes"),
        ({"booking_max_advance_days": 0}, "booking_max_advance_days"),
        ({"periods": {"morning": {"start": "12:00", "end": "09:00", "capacity": 1}}}, "periods.morning"),
        ({"periods": {"morning": {"start": "09:00", "end": "14:00", "capacity": 1}}}, "periods.afternoon"),
        ({"periods": {"evening": {"start": "17:00", "end": "20:00", "capacity": -1}}}, "periods.evening"),
        ({"tax_rate": 5}, "tax_rate"),
    ):
        with sched.ctx("admin") as ctx, pytest.raises(SettingInvalid) as refused:
            update_booking_rules(ctx, changes)
        assert refused.value.field == field, changes
    with sched.ctx("admin") as ctx:
        assert booking_settings(ctx).slot_minutes == 15


# ---- doctors' weeks and days off ----------------------------------------------------------------------


def test_a_doctor_week_reads_as_one_plan_per_day(sched):
    with sched.ctx("nurse") as ctx:
        week = doctor_week(ctx, sched.doctor, days_off_from=MONDAY)
    assert week.days[1] == DayPlan(time(9), time(18), ((time(12), time(13)),))
    assert week.days[6] == DayPlan(time(9), time(12))
    assert 7 not in week.days and week.dated_blocks == 0 and week.days_off == ()


def test_setting_some_days_leaves_the_others_and_dated_blocks(sched):
    with sched.ctx("admin") as ctx:
        set_weekly_schedule(
            ctx,
            sched.doctor,
            [
                *standard_week(),
                ScheduleBlock(
                    7, time(10), time(12), valid_from=MONDAY, valid_until=MONDAY + timedelta(days=30)
                ),
            ],
        )
    with sched.ctx("manager") as ctx:
        created = set_doctor_week(
            ctx, sched.doctor, {2: DayPlan(time(13), time(20), ((time(16), time(16, 30)),)), 3: None}
        )
    assert len(created) == 2
    with sched.ctx("admin") as ctx:
        week = doctor_week(ctx, sched.doctor, days_off_from=MONDAY)
    assert week.days[2] == DayPlan(time(13), time(20), ((time(16), time(16, 30)),))
    assert 3 not in week.days
    assert week.days[1] == DayPlan(time(9), time(18), ((time(12), time(13)),))
    assert week.dated_blocks == 1
    tuesday = MONDAY + timedelta(days=1)
    assert starts(sched, tuesday)[0] == "13:00"  # the clinic closes at 18:00, the doctor at 20:00
    assert starts(sched, tuesday + timedelta(days=1)) == []


def test_week_validation_names_the_day(sched):
    for plan, field in (
        (DayPlan(time(18), time(9)), "days.2"),
        (DayPlan(time(9), time(18), ((time(8), time(10)),)), "breaks.2"),
        (DayPlan(time(9), time(18), ((time(12), time(13)), (time(12, 30), time(14)))), "breaks.2"),
        (DayPlan(time(9), time(18), ((time(13), time(12)),)), "breaks.2"),
    ):
        with sched.ctx("admin") as ctx, pytest.raises(SettingInvalid) as refused:
            set_doctor_week(ctx, sched.doctor, {2: plan})
        assert refused.value.field == field
    with sched.ctx("receptionist") as ctx, pytest.raises(PermissionDenied):
        set_doctor_week(ctx, sched.doctor, {2: None})


def test_a_day_off_leaves_that_day_without_slots(sched):
    wednesday = MONDAY + timedelta(days=2)
    assert starts(sched, wednesday)
    with sched.ctx("manager") as ctx:
        day_off = add_days_off(ctx, sched.doctor, wednesday, reason="Training")
    assert starts(sched, wednesday) == []
    assert starts(sched, wednesday, sched.doctor2)  # the other doctor still works
    with sched.ctx("admin") as ctx, pytest.raises(SettingInvalid) as twice:
        add_days_off(ctx, sched.doctor, wednesday - timedelta(days=1), wednesday)
    assert twice.value.field == "start_date"
    with sched.ctx("admin") as ctx:
        assert [d.id for d in doctor_week(ctx, sched.doctor, days_off_from=MONDAY).days_off] == [day_off.id]
        remove_time_off(ctx, day_off.id)
    assert starts(sched, wednesday)
    with sched.ctx("admin") as ctx, pytest.raises(SettingInvalid):
        add_days_off(ctx, sched.doctor, wednesday, wednesday - timedelta(days=1))


# ---- kiosk, notifications, printing ---------------------------------------------------------------------


def test_check_in_window_is_what_the_check_in_flow_reads(sched):
    with sched.ctx("admin") as ctx:
        update_check_in_window(ctx, 20, 5)
    with sched.world.system() as ctx:
        window = CheckInWindow.of(ctx.clinic)
    assert (window.early, window.late) == (timedelta(minutes=20), timedelta(minutes=5))
    with sched.ctx("admin") as ctx, pytest.raises(SettingInvalid) as refused:
        update_check_in_window(ctx, -1, 5)
    assert refused.value.field == "check_in_early_minutes"


def test_arrival_questions_keep_their_ids_when_edited_and_reordered(sched):
    first, second = new_id(), new_id()
    with sched.ctx("admin") as ctx:
        update_arrival_questions(
            ctx,
            [
                KioskQuestion(
                    first, QuestionKind.YES_NO, {"en": "Any new medication?", "zh_TW": "有新的用藥嗎？"}
                ),
                KioskQuestion(second, QuestionKind.PHONE_ENDING, {}),
            ],
        )
    with sched.ctx("admin") as ctx:
        result = update_arrival_questions(
            ctx,
            [
                KioskQuestion(second, QuestionKind.PHONE_ENDING, {}),
                KioskQuestion(first, QuestionKind.YES_NO, {"en": "Any  change in medication?"}),
            ],
        )
    assert [q.id for q in result] == [second, first]
    assert result[1].prompts == {"en": "Any change in medication?"}
    with sched.ctx("receptionist") as ctx:
        assert [q.id for q in arrival_questions(ctx)] == [second, first]
    with sched.ctx("admin") as ctx:
        assert update_arrival_questions(
            ctx, [KioskQuestion(first, QuestionKind.YES_NO, {"en": "Pain today?"})]
        )
    with sched.world.system() as ctx:
        rows = ctx.session.scalars(select(ArrivalQuestion).execution_options(include_deleted=True)).all()
    assert {row.id: row.deleted_at is not None for row in rows} == {first: False, second: True}
    seven = [KioskQuestion(new_id(), QuestionKind.PHONE_ENDING, {}) for _ in range(7)]
    with sched.ctx("admin") as ctx, pytest.raises(TooManyQuestions):
        update_arrival_questions(ctx, seven)


def test_notification_preferences_of_the_clinic(sched):
    key = (RecipientKind.PATIENT, NotificationKind.APPOINTMENT_REMINDER, Channel.SMS)
    with sched.ctx("nurse") as ctx:
        assert clinic_notification_preferences(ctx)[key] is True
    with sched.ctx("admin") as ctx:
        after = set_clinic_notification_preferences(ctx, [(*key, False)])
    assert after[key] is False
    with sched.world.system() as ctx:
        row = ctx.session.scalars(select(NotificationPreference)).one()
    assert row.owner_id == sched.world.clinic_id
    assert row.id == settings_row_id(sched.world.clinic_id, "notify:Patient:appointment_reminder:sms")
    with sched.ctx("manager") as ctx, pytest.raises(PermissionDenied):
        set_clinic_notification_preferences(ctx, [(*key, True)])


def test_print_settings_paper_and_names_on_cards(sched):
    with sched.ctx("admin") as ctx:
        details = update_print_settings(ctx, paper_size="Letter", names_on_patient_cards=True)
    assert details.paper_size is PaperSize.LETTER and details.names_on_patient_cards is True
    with sched.ctx("admin") as ctx:
        assert print_preferences(ctx).names_on_patient_cards is True
        row = ctx.session.scalars(select(PrintSettings)).one()
    assert row.id == settings_row_id(sched.world.clinic_id, "print_settings")  # the same on every device
    with sched.ctx("admin") as ctx, pytest.raises(SettingInvalid):
        update_print_settings(ctx, paper_size="A5")


def test_receipts_can_move_to_a_till_roll_and_back(sched):
    with sched.ctx("admin") as ctx:
        assert update_print_settings(ctx, receipt_paper="80mm").receipt_paper == "80mm"
    with sched.ctx("admin") as ctx:
        assert print_preferences(ctx).receipt_paper.value == "80mm"
        assert update_print_settings(ctx, receipt_paper="page").receipt_paper == "page"
    with sched.ctx("admin") as ctx, pytest.raises(ValidationFailed):
        update_print_settings(ctx, receipt_paper="57mm")


# ---- the sync intents ------------------------------------------------------------------------------------


def test_intents_apply_the_same_changes_from_json(sched):
    run(sched, "update_clinic_details", {"changes": {"business_hours": {"2": ["10:00", "12:00"]}}})
    run(sched, "update_booking_rules", {"changes": {"slot_minutes": 20}}, who="manager")
    run(sched, "update_check_in_window", {"early_minutes": 30, "late_minutes": 10})
    run(sched, "update_print_settings", {"paper_size": "Letter", "names_on_patient_cards": None})
    run(
        sched,
        "update_notification_preferences",
        {"preferences": [{"audience": "Staff", "kind": "low_stock", "channel": "email", "enabled": False}]},
    )
    question = new_id()
    run(
        sched,
        "update_arrival_questions",
        {"questions": [{"id": str(question), "kind": "yes_no", "prompts": {"en": "Fever?"}}]},
    )
    time_off = new_id()
    wednesday = MONDAY + timedelta(days=2)
    run(
        sched,
        "add_doctor_time_off",
        {
            "time_off_id": str(time_off),
            "doctor_id": str(sched.doctor),
            "start_date": wednesday.isoformat(),
            "end_date": wednesday.isoformat(),
            "reason": None,
        },
    )
    block_ids = [new_id(), new_id()]
    week = {
        "doctor_id": str(sched.doctor),
        "days": {"4": {"start": "10:00", "end": "16:00", "breaks": [["12:00", "12:30"]]}},
        "new_ids": [str(i) for i in block_ids],
    }
    run(sched, "set_doctor_week", week)
    with sched.world.system() as ctx:
        clinic = ctx.session.scalars(select(Clinic)).one()
        assert clinic.business_hours["2"] == ["10:00", "12:00"] and clinic.slot_minutes == 20
        assert (clinic.check_in_early_minutes, clinic.paper_size) == (30, PaperSize.LETTER)
        thursday = ctx.session.scalars(
            select(DoctorSchedule.id).where(
                DoctorSchedule.doctor_id == sched.doctor, DoctorSchedule.weekday == 4
            )
        ).all()
    assert set(thursday) == set(block_ids)  # the device's ids: the same rows on every replica
    assert starts(sched, wednesday) == []
    with sched.ctx("admin") as ctx:
        assert [q.id for q in arrival_questions(ctx)] == [question]
    run(sched, "remove_doctor_time_off", {"time_off_id": str(time_off)})
    assert starts(sched, wednesday)


def test_a_week_intent_records_the_ids_the_device_made(sched):
    intent = INTENTS["set_doctor_week"]
    args = intent.parse(
        {"doctor_id": str(sched.doctor), "days": {"5": None, "7": {"start": "09:00", "end": "12:00"}}}
    )
    with sched.ctx("admin") as ctx:
        created = intent.apply(ctx, args)
        assert intent.finish is not None
        finished = intent.finish(ctx, args, created)
    assert finished.new_ids == created and len(created) == 1
    with pytest.raises(ValueError, match="surprise"):
        intent.parse({"doctor_id": str(sched.doctor), "days": {}, "surprise": 1})
