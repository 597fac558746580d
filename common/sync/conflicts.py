"""The conflict inbox: mutations that lost a scarce thing, kept whole until staff resolve them.

A doctor's time, a Time Period's capacity, a barcode value, a license seat: the server arbitrates,
and the loser is never silently moved or dropped. Staff see both patients (by id, through their
normal role-filtered views), the free alternatives the server found, and resolve by
- `rebook`: book the same request at another time (and doctor), e.g. one of the alternatives;
- `retry`: run the original change again now (after a seat or a slot was freed);
- `dismiss`: close it (the patient was called; nothing to book).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import and_, select

from common.access.permissions import Permission
from common.context import ServiceContext
from common.errors import Conflict, DomainError, NotFound, ValidationFailed
from common.i18n import N_
from common.licensing.service import PatientLimitReached, StaffLimitReached
from common.scheduling.errors import PeriodFull, SlotUnavailable
from common.scheduling.models import ACTIVE_STATUSES, Appointment
from common.storage.session import live_row
from common.sync.models import ConflictKind, ConflictStatus, SyncConflict

RESOLVE_PERMISSION: Final = Permission.APPOINTMENT_MANAGE
READ_PERMISSION: Final = Permission.APPOINTMENT_READ
_SESSION_KEY: Final = "sync_mutation"


class Resolution(StrEnum):
    REBOOK = "rebook"
    RETRY = "retry"
    DISMISS = "dismiss"


class ConflictNotFound(NotFound):
    code = "sync_conflict_not_found"
    message = N_("The conflict was not found. It may have been resolved on another desk; refresh the inbox.")


class ConflictClosed(Conflict):
    code = "sync_conflict_closed"
    message = N_("This conflict was already resolved. Refresh the inbox.")


class RebookNeedsTime(ValidationFailed):
    code = "sync_rebook_needs_time"
    message = N_("Choose the new time (one of the suggested free times, or another) to rebook.")


@dataclass(frozen=True)
class MutationInfo:
    """The mutation being applied, for the rows the sync writes about it."""

    device_id: uuid.UUID | None
    n: int | None
    intent: str
    args: dict[str, Any]
    staff_id: uuid.UUID | None


def set_current_mutation(ctx: ServiceContext, info: MutationInfo | None) -> None:
    if info is None:
        ctx.session.info.pop(_SESSION_KEY, None)
    else:
        ctx.session.info[_SESSION_KEY] = info


def current_mutation(ctx: ServiceContext) -> MutationInfo | None:
    info = ctx.session.info.get(_SESSION_KEY)
    return info if isinstance(info, MutationInfo) else None


def conflict_kind(error: DomainError) -> ConflictKind | None:
    """The scarce thing a refusal is about, or None when it is an ordinary refusal."""
    if isinstance(error, SlotUnavailable):
        return ConflictKind.SLOT
    if isinstance(error, PeriodFull):
        return ConflictKind.PERIOD_FULL
    if isinstance(error, PatientLimitReached | StaffLimitReached):
        return ConflictKind.LICENSE_SEAT
    return None


def record_conflict(ctx: ServiceContext, error: DomainError, kind: ConflictKind) -> SyncConflict:
    """Put the current mutation in the inbox (in the caller's transaction), with both patients
    and the free alternatives the refusal carried."""
    info = _require_mutation(ctx)
    args = info.args
    patient_id = _uuid(args.get("patient_id") or args.get("id"))
    other_entity, other_patient = (None, None)
    if kind is ConflictKind.SLOT:
        other_entity, other_patient = _slot_holder(ctx, args)
    conflict = SyncConflict(
        kind=kind,
        status=ConflictStatus.OPEN,
        code=error.code,
        intent=info.intent,
        args=args,
        device_id=info.device_id,
        mutation_n=info.n,
        staff_id=info.staff_id,
        patient_id=patient_id,
        other_patient_id=other_patient,
        other_entity_id=other_entity,
        entity_id=_uuid(args.get("appointment_id") or args.get("id")),
        alternatives=_alternatives(error),
        occurred_at=ctx.now(),
        resolution={},
    )
    ctx.session.add(conflict)
    ctx.session.flush()
    ctx.audit("sync.conflict", "sync_conflict", conflict.id, patient_id=patient_id, changed_fields=["status"])
    return conflict


def record_barcode_conflict(
    ctx: ServiceContext, patient_id: uuid.UUID, proposed: str, kept: str
) -> SyncConflict:
    """The card code a device printed offline was taken (or not valid): the patient keeps the
    server's code, and staff are asked to reprint the card."""
    info = current_mutation(ctx)
    conflict = SyncConflict(
        kind=ConflictKind.BARCODE,
        status=ConflictStatus.OPEN,
        code="barcode_value_taken",
        intent=info.intent if info else "register_patient",
        args={"proposed": proposed, "kept": kept},
        device_id=info.device_id if info else None,
        mutation_n=info.n if info else None,
        staff_id=info.staff_id if info else None,
        patient_id=patient_id,
        entity_id=patient_id,
        alternatives=[],
        occurred_at=ctx.now(),
        resolution={},
    )
    ctx.session.add(conflict)
    ctx.session.flush()
    return conflict


def list_conflicts(ctx: ServiceContext, *, include_closed: bool = False) -> list[SyncConflict]:
    ctx.authorize(READ_PERMISSION, entity_type="sync_conflict")
    query = select(SyncConflict).order_by(SyncConflict.occurred_at, SyncConflict.id)
    if not include_closed:
        query = query.where(SyncConflict.status == ConflictStatus.OPEN)
    found = list(ctx.session.scalars(query))
    ctx.audit("sync.conflict.list", "sync_conflict", None)
    return found


def open_conflict_count(ctx: ServiceContext) -> int:
    return len(
        list(ctx.session.scalars(select(SyncConflict.id).where(SyncConflict.status == ConflictStatus.OPEN)))
    )


def resolve_conflict(
    ctx: ServiceContext,
    conflict_id: uuid.UUID,
    action: Resolution,
    *,
    starts_at: datetime | None = None,
    doctor_id: uuid.UUID | None = None,
    note: str | None = None,
) -> SyncConflict:
    from common.sync.intents import INTENTS  # the intents name this module; resolve runs them

    ctx.authorize(RESOLVE_PERMISSION, entity_type="sync_conflict", entity_id=conflict_id)
    conflict = live_row(ctx.session, SyncConflict, conflict_id)
    if conflict is None:
        raise ConflictNotFound()
    if conflict.status is not ConflictStatus.OPEN:
        raise ConflictClosed()
    resolution: dict[str, Any] = {"action": action.value, "note": (note or "").strip()[:1000]}
    if action is Resolution.REBOOK:
        if starts_at is None:
            raise RebookNeedsTime()
        args = {**conflict.args, "starts_at": starts_at.isoformat(), "day": None, "period": None}
        if doctor_id is not None:
            args["doctor_id"] = str(doctor_id)
        intent = INTENTS[conflict.intent]
        intent.apply(ctx, intent.parse(args))
        resolution["starts_at"] = starts_at.isoformat()
    elif action is Resolution.RETRY:
        intent = INTENTS[conflict.intent]
        intent.apply(ctx, intent.parse(conflict.args))
    conflict.status = ConflictStatus.DISMISSED if action is Resolution.DISMISS else ConflictStatus.RESOLVED
    conflict.resolved_by = ctx.actor.id
    conflict.resolved_at = ctx.now()
    conflict.resolution = resolution
    ctx.session.flush()
    ctx.audit(
        "sync.conflict.resolve",
        "sync_conflict",
        conflict.id,
        patient_id=conflict.patient_id,
        changed_fields=["status", "resolution"],
    )
    return conflict


def _require_mutation(ctx: ServiceContext) -> MutationInfo:
    info = current_mutation(ctx)
    if info is None:
        raise RuntimeError("record_conflict outside a sync mutation")
    return info


def _slot_holder(ctx: ServiceContext, args: dict[str, Any]) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """The active appointment holding the doctor's time the losing booking wanted."""
    doctor_id = _uuid(args.get("doctor_id"))
    raw_start = args.get("starts_at")
    if doctor_id is None or not raw_start:
        return None, None
    start = datetime.fromisoformat(str(raw_start))
    holder = ctx.session.execute(
        select(Appointment.id, Appointment.patient_id)
        .where(
            and_(
                Appointment.doctor_id == doctor_id,
                Appointment.time_assigned.is_(True),
                Appointment.status.in_(list(ACTIVE_STATUSES)),
                Appointment.starts_at <= start,
                Appointment.ends_at > start,
            )
        )
        .limit(1)
    ).first()
    return (holder[0], holder[1]) if holder is not None else (None, None)


def _alternatives(error: DomainError) -> list[dict[str, Any]]:
    found: Sequence[Any] = getattr(error, "alternatives", ())
    out: list[dict[str, Any]] = []
    for item in found[:10]:
        if hasattr(item, "starts_at"):
            entry = {
                "doctor_id": str(item.doctor_id),
                "starts_at": item.starts_at.isoformat(),
                "ends_at": item.ends_at.isoformat(),
            }
            if hasattr(item, "period"):
                entry["period"] = str(item.period.value)
                entry["date"] = item.date.isoformat()
            out.append(entry)
    return out


def _uuid(value: Any) -> uuid.UUID | None:
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None
