"""Sync intents for the clinical side of a treatment record: later edits and completion.

A treatment record is a record: edits merge field by field. The desk notes the values its edit
started from (`base_values`); on the server a field another desk changed since is overwritten by
this later edit and the value it replaced is kept in the review list, as for patients. What was
charged is not edited here (money is corrected through payments and refunds). Completing a record
another desk already completed is not an error: the completion stands, and complications noted
with this one are kept.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, Final

from pydantic import Field, TypeAdapter, field_validator
from sqlalchemy import select

from common.access.permissions import Permission
from common.context import ServiceContext
from common.sync.conflicts import current_mutation
from common.sync.intents import MAX_TEXT, Args, Intent, json_value, register
from common.sync.models import MergeReview, ReviewStatus
from common.treatments import service as treatments
from common.treatments.errors import TreatmentNotFound
from common.treatments.models import TreatmentRecord

P = Permission
ENTITY: Final = "treatment"
_Text = Annotated[str | None, Field(max_length=MAX_TEXT)]
EDITABLE: Final[dict[str, TypeAdapter[Any]]] = {
    "notes": TypeAdapter(_Text),
    "complications": TypeAdapter(_Text),
    "patient_feedback": TypeAdapter(_Text),
    "description": TypeAdapter(_Text),
    "follow_up_required": TypeAdapter(bool),
    "follow_up_date": TypeAdapter(date | None),
}


class UpdateTreatmentArgs(Args):
    treatment_id: uuid.UUID
    changes: dict[str, Any]
    base_values: dict[str, Any] | None = None

    @field_validator("changes")
    @classmethod
    def _known_fields(cls, changes: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(changes) - set(EDITABLE))
        if unknown:
            raise ValueError(f"not editable: {', '.join(unknown)[:200]}")
        return {name: EDITABLE[name].validate_python(value) for name, value in changes.items()}


class CompleteTreatmentArgs(Args):
    treatment_id: uuid.UUID
    complications: str | None = Field(default=None, max_length=MAX_TEXT)


def _load(ctx: ServiceContext, treatment_id: uuid.UUID) -> TreatmentRecord:
    record = ctx.session.scalars(
        select(TreatmentRecord).where(TreatmentRecord.id == treatment_id)
    ).one_or_none()
    if record is None:
        raise TreatmentNotFound()
    return record


def _prepare_update(ctx: ServiceContext, args: UpdateTreatmentArgs) -> UpdateTreatmentArgs:
    record = _load(ctx, args.treatment_id)
    base = {name: json_value(getattr(record, name)) for name in args.changes}
    return args.model_copy(update={"base_values": base})


def _update(ctx: ServiceContext, args: UpdateTreatmentArgs) -> Any:
    record = _load(ctx, args.treatment_id)
    if args.base_values is not None:
        current = {name: json_value(getattr(record, name)) for name in args.changes}
        overwritten = {
            name: current[name]
            for name in args.changes
            if name in args.base_values
            and current[name] != args.base_values[name]
            and current[name] != json_value(args.changes[name])
        }
        _keep_overwritten(ctx, record, overwritten, args.changes)
    return treatments.update_treatment(ctx, args.treatment_id, **args.changes)


def _keep_overwritten(
    ctx: ServiceContext, record: TreatmentRecord, overwritten: Mapping[str, Any], changes: Mapping[str, Any]
) -> None:
    if not overwritten:
        return
    info = current_mutation(ctx)
    ctx.session.add_all(
        MergeReview(
            entity_type=ENTITY,
            entity_id=record.id,
            patient_id=record.patient_id,
            field=name,
            overwritten_value={"value": value},
            new_value={"value": json_value(changes[name])},
            base_version=None,
            device_id=info.device_id if info else None,
            mutation_n=info.n if info else None,
            staff_id=ctx.actor.id,
            status=ReviewStatus.OPEN,
        )
        for name, value in sorted(overwritten.items())
    )


def _complete(ctx: ServiceContext, args: CompleteTreatmentArgs) -> Any:
    record = _load(ctx, args.treatment_id)
    if record.completed_at is None:
        return treatments.complete_treatment(ctx, args.treatment_id, complications=args.complications)
    if args.complications is not None and args.complications.strip():
        return treatments.update_treatment(ctx, args.treatment_id, complications=args.complications)
    # Completed on another desk already: check the caller may, then leave it as it stands.
    return treatments.update_treatment(ctx, args.treatment_id)


register(
    Intent("update_treatment", UpdateTreatmentArgs, P.TREATMENT_RECORD, _update, prepare=_prepare_update)
)
register(Intent("complete_treatment", CompleteTreatmentArgs, P.TREATMENT_RECORD, _complete))
