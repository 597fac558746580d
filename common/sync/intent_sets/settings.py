"""Sync intents of the clinic's settings: its details and opening hours, booking rules, the
kiosk's check-in window and arrival questions, doctors' weeks and days off, notifications and
printing. Other desks and the kiosks receive the changed rows by the usual pull.

Edits carry only the settings a person changed (`changes`), and the service applies exactly
those, so two desks changing different settings at once both keep their change. Rows a device
creates carry the device's ids (`time_off_id`, each question's `id`, a week's `new_ids`), so a
row is the same row on every replica.
"""

from __future__ import annotations

import uuid
from datetime import date, time
from typing import Any, Final

from pydantic import Field

from common.access.permissions import Permission
from common.checkin.models import QuestionKind
from common.clinics import service as clinics
from common.context import ServiceContext
from common.notifications.models import Channel, NotificationKind, RecipientKind
from common.scheduling import schedules, schedules_admin
from common.sync.intents import Args, Intent, register

P = Permission
MAX_CHANGES: Final = 20
MAX_PROMPT: Final = 1_000  # the service refuses long wording with a readable message


class ChangesArgs(Args):
    changes: dict[str, Any] = Field(max_length=MAX_CHANGES)


class CheckInWindowArgs(Args):
    early_minutes: int
    late_minutes: int


class PrintSettingsArgs(Args):
    paper_size: str | None = Field(default=None, max_length=16)
    names_on_patient_cards: bool | None = None
    receipt_paper: str | None = Field(default=None, max_length=16)


class QuestionArgs(Args):
    id: uuid.UUID
    kind: QuestionKind
    prompts: dict[str, str] = Field(default_factory=dict, max_length=8)


class QuestionsArgs(Args):
    questions: list[QuestionArgs] = Field(max_length=20)


class PreferenceArgs(Args):
    audience: RecipientKind
    kind: NotificationKind
    channel: Channel
    enabled: bool


class PreferencesArgs(Args):
    preferences: list[PreferenceArgs] = Field(max_length=200)


class DayArgs(Args):
    start: time
    end: time
    breaks: list[tuple[time, time]] = Field(default_factory=list, max_length=12)


class DoctorWeekArgs(Args):
    doctor_id: uuid.UUID
    # ISO weekday ("1".."7") -> the day's plan, or None: not working that day
    days: dict[int, DayArgs | None] = Field(max_length=7)
    # The ids the device gave the blocks it created (filled in on the device), in order.
    new_ids: list[uuid.UUID] | None = Field(default=None, max_length=100)


class AddTimeOffArgs(Args):
    time_off_id: uuid.UUID
    doctor_id: uuid.UUID
    start_date: date
    end_date: date
    reason: str | None = Field(default=None, max_length=MAX_PROMPT)


class TimeOffArgs(Args):
    time_off_id: uuid.UUID


def _week(ctx: ServiceContext, args: DoctorWeekArgs) -> list[uuid.UUID]:
    days = {
        weekday: None
        if day is None
        else schedules_admin.DayPlan(day.start, day.end, tuple((start, end) for start, end in day.breaks))
        for weekday, day in args.days.items()
    }
    return schedules_admin.set_doctor_week(ctx, args.doctor_id, days, new_ids=args.new_ids)


def _finish_week(_ctx: ServiceContext, args: DoctorWeekArgs, created: Any) -> DoctorWeekArgs:
    return args.model_copy(update={"new_ids": list(created)})


def _questions(ctx: ServiceContext, args: QuestionsArgs) -> Any:
    return clinics.update_arrival_questions(
        ctx, [clinics.KioskQuestion(q.id, q.kind, dict(q.prompts)) for q in args.questions]
    )


def _preferences(ctx: ServiceContext, args: PreferencesArgs) -> Any:
    return clinics.set_clinic_notification_preferences(
        ctx, [(p.audience, p.kind, p.channel, p.enabled) for p in args.preferences]
    )


register(
    Intent(
        "update_clinic_details",
        ChangesArgs,
        P.CLINIC_MANAGE,
        lambda ctx, a: clinics.update_clinic_details(ctx, a.changes),
    )
)
register(
    Intent(
        "update_booking_rules",
        ChangesArgs,
        P.SCHEDULE_MANAGE,
        lambda ctx, a: schedules_admin.update_booking_rules(ctx, a.changes),
    )
)
register(
    Intent(
        "update_check_in_window",
        CheckInWindowArgs,
        P.CLINIC_MANAGE,
        lambda ctx, a: clinics.update_check_in_window(ctx, a.early_minutes, a.late_minutes),
    )
)
register(
    Intent(
        "update_print_settings",
        PrintSettingsArgs,
        P.CLINIC_MANAGE,
        lambda ctx, a: clinics.update_print_settings(
            ctx,
            paper_size=a.paper_size,
            names_on_patient_cards=a.names_on_patient_cards,
            receipt_paper=a.receipt_paper,
        ),
    )
)
register(Intent("update_arrival_questions", QuestionsArgs, P.CLINIC_MANAGE, _questions))
register(Intent("update_notification_preferences", PreferencesArgs, P.CLINIC_MANAGE, _preferences))
register(Intent("set_doctor_week", DoctorWeekArgs, P.SCHEDULE_MANAGE, _week, finish=_finish_week))
register(
    Intent(
        "add_doctor_time_off",
        AddTimeOffArgs,
        P.SCHEDULE_MANAGE,
        lambda ctx, a: schedules_admin.add_days_off(
            ctx, a.doctor_id, a.start_date, a.end_date, a.reason, time_off_id=a.time_off_id
        ),
    )
)
register(
    Intent(
        "remove_doctor_time_off",
        TimeOffArgs,
        P.SCHEDULE_MANAGE,
        lambda ctx, a: schedules.remove_time_off(ctx, a.time_off_id),
    )
)
