"""What the conflict inbox shows, read on the database worker: each open conflict with both
patients named and the free times nearby as they are now (the availability service on this PC's
replica: the server's suggestions may have been taken since), and the overwritten values to review."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from common.access.permissions import Permission
from common.context import ServiceContext
from common.scheduling.availability import nearest_free_slots
from common.scheduling.clinic_rules import BookingRules, appointment_length
from common.scheduling.models import DayPeriod
from common.sync.conflicts import list_conflicts
from common.sync.models import ConflictKind, SyncConflict
from common.sync.reviews import list_reviews
from desktop.reads.appointments import patient_names

BOOKING_INTENTS: Final = frozenset({"book_appointment", "reschedule_appointment", "assign_time"})
FREE_TIMES: Final = 6


@dataclass(frozen=True)
class FreeTime:
    doctor_id: uuid.UUID
    starts_at: datetime  # in the clinic's zone
    ends_at: datetime


@dataclass(frozen=True)
class ConflictRow:
    id: uuid.UUID
    kind: ConflictKind
    intent: str
    occurred_at: datetime  # in the clinic's zone
    patient_id: uuid.UUID | None  # whose change lost
    patient_name: str
    other_patient_id: uuid.UUID | None  # who holds what it wanted
    other_patient_name: str
    doctor_id: uuid.UUID | None
    wanted_start: datetime | None  # in the clinic's zone
    wanted_day: date | None
    wanted_period: DayPeriod | None
    staff_id: uuid.UUID | None  # who made the change that lost
    free_times: tuple[FreeTime, ...]
    kept_code: str | None = None  # a card code conflict: the code the patient keeps

    @property
    def is_booking(self) -> bool:
        return self.intent in BOOKING_INTENTS and self.kind in (ConflictKind.SLOT, ConflictKind.PERIOD_FULL)


@dataclass(frozen=True)
class ReviewRow:
    id: uuid.UUID
    patient_id: uuid.UUID | None
    patient_name: str
    field: str
    before: str  # the overwritten value
    after: str  # the value kept
    hidden: bool  # the reader's role may not see this field's values
    staff_id: uuid.UUID | None
    created_at: datetime


@dataclass(frozen=True)
class Inbox:
    conflicts: tuple[ConflictRow, ...]
    reviews: tuple[ReviewRow, ...]


def load_inbox(ctx: ServiceContext) -> Inbox:
    found = list_conflicts(ctx)
    reviews = list_reviews(ctx) if Permission.PATIENT_READ in ctx.actor.permissions else []
    ids = {row.patient_id for row in found} | {row.other_patient_id for row in found}
    ids |= {entry["patient_id"] for entry in reviews}
    names = patient_names(ctx, {patient_id for patient_id in ids if patient_id is not None})
    rules = BookingRules.of(ctx.clinic)
    conflicts = tuple(_conflict_row(ctx, rules, row, names) for row in found)
    review_rows = tuple(
        ReviewRow(
            id=entry["id"],
            patient_id=entry["patient_id"],
            patient_name=names.get(entry["patient_id"], ("", False))[0],
            field=str(entry["field"]),
            before=describe_value(entry["overwritten_value"]),
            after=describe_value(entry["new_value"]),
            hidden=bool(entry["new_value"].get("hidden")),
            staff_id=entry["staff_id"],
            created_at=entry["created_at"].astimezone(ctx.tz),
        )
        for entry in reviews
    )
    return Inbox(conflicts, review_rows)


def _conflict_row(
    ctx: ServiceContext,
    rules: BookingRules,
    row: SyncConflict,
    names: Mapping[uuid.UUID, tuple[str, bool]],
) -> ConflictRow:
    args = row.args or {}
    doctor_id = _uuid(args.get("doctor_id"))
    wanted = _instant(args.get("starts_at"))
    day = _day(args.get("day"))
    period = _period(args.get("period"))
    free: tuple[FreeTime, ...] = ()
    if row.intent in BOOKING_INTENTS and doctor_id is not None:
        near = wanted
        if near is None and day is not None:
            window = rules.period_window(day, period) if period is not None else None
            near = window[0] if window is not None else rules.instant(day, 9 * 60)
        if near is not None:
            minutes = args.get("duration_minutes")
            length = appointment_length(int(minutes)) if minutes else rules.slot
            nearest = nearest_free_slots(ctx.session, rules, ctx.now(), doctor_id, near, length)[:FREE_TIMES]
            # The nearest ones, shown in order: the same doctor's first, each by time.
            nearest.sort(key=lambda slot: (slot.doctor_id != doctor_id, str(slot.doctor_id), slot.starts_at))
            free = tuple(
                FreeTime(slot.doctor_id, slot.starts_at.astimezone(ctx.tz), slot.ends_at.astimezone(ctx.tz))
                for slot in nearest
            )
    return ConflictRow(
        id=row.id,
        kind=row.kind,
        intent=row.intent,
        occurred_at=row.occurred_at.astimezone(ctx.tz),
        patient_id=row.patient_id,
        patient_name=names.get(row.patient_id, ("", False))[0] if row.patient_id else "",
        other_patient_id=row.other_patient_id,
        other_patient_name=names.get(row.other_patient_id, ("", False))[0] if row.other_patient_id else "",
        doctor_id=doctor_id,
        wanted_start=wanted.astimezone(ctx.tz) if wanted is not None else None,
        wanted_day=day,
        wanted_period=period,
        staff_id=row.staff_id,
        free_times=free,
        kept_code=str(args["kept"]) if row.kind is ConflictKind.BARCODE and args.get("kept") else None,
    )


def describe_value(stored: Mapping[str, Any]) -> str:
    """A kept field value ({"value": ...}) as one line of text."""
    if stored.get("hidden"):
        return ""
    return _text(stored.get("value"))


def _text(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, list):
        return ", ".join(_text(item) for item in value)
    if isinstance(value, dict):
        name = value.get("name") or value.get("allergen") or value.get("substance")
        if name:
            rest = [str(v) for k, v in value.items() if v and k not in ("name", "allergen", "substance")]
            return f"{name} ({', '.join(rest)})" if rest else str(name)
        return "; ".join(f"{key}: {_text(item)}" for key, item in value.items() if item not in (None, ""))
    return str(value)


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _instant(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _period(value: Any) -> DayPeriod | None:
    try:
        return DayPeriod(value) if value else None
    except ValueError:
        return None
