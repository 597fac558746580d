"""More materials used by a treatment already recorded (`POST /api/treatments/:id/inventory`).

A treatment record books its materials when it is recorded; what turns out to be used on top
(a second syringe) is added here: one `use` movement per line, linked to the record and listed
on it, in one operation with one audit row. Stock below zero does not refuse it (see service.py):
the use happened; the answer carries the stock warnings.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from common.context import ServiceContext
from common.errors import ValidationFailed
from common.i18n import N_
from common.inventory.stock import MaterialInput, levels_of, parse_material_lines, treatment_use_movements
from common.treatments.service import (
    ENTITY,
    P,
    RecordedTreatment,
    _item_names,
    _record_for,
    _stock_warnings,
)


class NoMaterialsGiven(ValidationFailed):
    code = "no_materials_given"
    message = N_("List at least one material and how many were used.")


def add_materials(
    ctx: ServiceContext, treatment_id: uuid.UUID, materials: Iterable[MaterialInput]
) -> RecordedTreatment:
    record = _record_for(ctx, treatment_id, P.TREATMENT_RECORD)
    lines = parse_material_lines(ctx, materials)
    if not lines:
        raise NoMaterialsGiven()
    names = _item_names(ctx, lines)
    movements = treatment_use_movements(ctx, lines, record.id)
    ctx.session.add_all(movements)
    record.materials_used = [
        *record.materials_used,
        *(line.as_json() | {"name": names[line.item_id]} for line in lines),
    ]
    record.inventory_items_used = [
        *record.inventory_items_used,
        *({"item_id": str(m.item_id), "quantity": -m.quantity, "movement_id": str(m.id)} for m in movements),
    ]
    ctx.session.flush()
    warnings = _stock_warnings(levels_of(ctx, [line.item_id for line in lines]))
    ctx.audit(
        "treatment.add_materials",
        ENTITY,
        record.id,
        patient_id=record.patient_id,
        changed_fields=["materials_used", "inventory_items_used"],
    )
    return RecordedTreatment(record, tuple(movements), warnings)
