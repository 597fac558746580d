"""The Settings screen's changes, as intents (desktop/actions.py: `Intent`, `perform`). Their
names and arguments are the sync intents of common/sync/intent_sets/settings.py, so on an
enrolled desk each change is queued for the server in the same transaction."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, time
from typing import Any

from common.checkin.models import QuestionKind
from common.clinics import service as clinics
from common.ids import new_id
from common.notifications.models import Channel, NotificationKind, RecipientKind
from common.scheduling import schedules, schedules_admin
from desktop.actions import Intent

CLINIC_TABLES = frozenset({"clinics"})


def _clock(value: time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def update_clinic(changes: Mapping[str, Any]) -> Intent:
    """Some of the clinic's details; `business_hours` holds only the weekdays that changed."""
    values = dict(changes)
    return Intent(
        "update_clinic_details",
        {"changes": values},
        lambda ctx: clinics.update_clinic_details(ctx, values),
        changes=CLINIC_TABLES,
    )


def update_booking_rules(changes: Mapping[str, Any]) -> Intent:
    values = dict(changes)
    return Intent(
        "update_booking_rules",
        {"changes": values},
        lambda ctx: schedules_admin.update_booking_rules(ctx, values),
        changes=CLINIC_TABLES,
    )


def update_check_in_window(early_minutes: int, late_minutes: int) -> Intent:
    return Intent(
        "update_check_in_window",
        {"early_minutes": early_minutes, "late_minutes": late_minutes},
        lambda ctx: clinics.update_check_in_window(ctx, early_minutes, late_minutes),
        changes=CLINIC_TABLES,
    )


def update_print_settings(
    *, paper_size: str | None, names_on_patient_cards: bool | None, receipt_paper: str | None = None
) -> Intent:
    return Intent(
        "update_print_settings",
        {
            "paper_size": paper_size,
            "names_on_patient_cards": names_on_patient_cards,
            "receipt_paper": receipt_paper,
        },
        lambda ctx: clinics.update_print_settings(
            ctx,
            paper_size=paper_size,
            names_on_patient_cards=names_on_patient_cards,
            receipt_paper=receipt_paper,
        ),
        changes=CLINIC_TABLES | {"print_settings"},
    )


def update_arrival_questions(questions: Sequence[clinics.KioskQuestion]) -> Intent:
    wanted = list(questions)
    return Intent(
        "update_arrival_questions",
        {
            "questions": [
                {"id": str(q.id), "kind": QuestionKind(q.kind).value, "prompts": dict(q.prompts)}
                for q in wanted
            ]
        },
        lambda ctx: clinics.update_arrival_questions(ctx, wanted),
        changes=frozenset({"arrival_questions"}),
    )


def update_notifications(changes: Sequence[tuple[RecipientKind, NotificationKind, Channel, bool]]) -> Intent:
    wanted = list(changes)
    return Intent(
        "update_notification_preferences",
        {
            "preferences": [
                {"audience": a.value, "kind": k.value, "channel": c.value, "enabled": on}
                for a, k, c, on in wanted
            ]
        },
        lambda ctx: clinics.set_clinic_notification_preferences(ctx, wanted),
        changes=frozenset({"notification_preferences"}),
    )


def set_doctor_week(doctor_id: uuid.UUID, days: Mapping[int, schedules_admin.DayPlan | None]) -> Intent:
    """The weekdays of a doctor that changed (None: not working that day)."""
    wanted = dict(days)
    return Intent(
        "set_doctor_week",
        {
            "doctor_id": str(doctor_id),
            "days": {
                str(weekday): None
                if plan is None
                else {
                    "start": _clock(plan.start),
                    "end": _clock(plan.end),
                    "breaks": [[_clock(start), _clock(end)] for start, end in plan.breaks],
                }
                for weekday, plan in sorted(wanted.items())
            },
            "new_ids": None,
        },
        lambda ctx: schedules_admin.set_doctor_week(ctx, doctor_id, wanted),
        changes=frozenset({"doctor_schedules"}),
    )


def add_days_off(doctor_id: uuid.UUID, start_date: date, end_date: date, reason: str | None) -> Intent:
    time_off_id = new_id()
    return Intent(
        "add_doctor_time_off",
        {
            "time_off_id": str(time_off_id),
            "doctor_id": str(doctor_id),
            "start_date": start_date.isoformat(),
            "end_date": end_date.isoformat(),
            "reason": reason,
        },
        lambda ctx: schedules_admin.add_days_off(
            ctx, doctor_id, start_date, end_date, reason, time_off_id=time_off_id
        ),
        changes=frozenset({"doctor_time_off"}),
    )


def remove_day_off(time_off_id: uuid.UUID) -> Intent:
    return Intent(
        "remove_doctor_time_off",
        {"time_off_id": str(time_off_id)},
        lambda ctx: schedules.remove_time_off(ctx, time_off_id),
        changes=frozenset({"doctor_time_off"}),
    )
