"""The catalog's changes, as desk intents (desktop.actions.Intent): categories, treatments,
their deactivation and their codes.

Each carries the arguments of its sync intent (common/sync/intent_sets/catalog.py) and applies
through that same intent, so a desk on its own replica and a desk enrolled with a server (where
`perform` queues it for the server) change the catalog the same way.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from common.catalog.models import TreatmentKind
from common.context import ServiceContext
from common.ids import new_id
from desktop.actions import Intent


def synced(name: str, args: Mapping[str, Any], shape: Callable[[Any], Any] | None = None) -> Intent:
    """A desk intent that applies the sync intent `name` with `args` (JSON values)."""

    def apply(ctx: ServiceContext) -> Any:
        from common.sync.intents import INTENTS

        intent = INTENTS[name]
        return intent.apply(ctx, intent.parse(dict(args)))

    return Intent(name, dict(args), apply, shape=shape or _row_id)


def _row_id(row: Any) -> Any:
    return getattr(row, "id", row)


def _id(value: uuid.UUID | None) -> str | None:
    return str(value) if value is not None else None


def _materials(lines: Sequence[tuple[uuid.UUID, int]]) -> list[dict[str, Any]]:
    return [{"item_id": str(item_id), "quantity": quantity} for item_id, quantity in lines]


# ---- categories --------------------------------------------------------------------------------


def create_category(
    name: str, *, kind: TreatmentKind | None, parent_id: uuid.UUID | None, sort_order: int = 0
) -> Intent:
    return synced(
        "create_category",
        {
            "category_id": str(new_id()),
            "name": name,
            "kind": kind.value if kind is not None and parent_id is None else None,
            "parent_id": _id(parent_id),
            "sort_order": sort_order,
        },
    )


def edit_category(category_id: uuid.UUID, *, name: str | None, sort_order: int | None) -> Intent:
    return synced(
        "update_category", {"category_id": str(category_id), "name": name, "sort_order": sort_order}
    )


def set_category_active(category_id: uuid.UUID, active: bool) -> Intent:
    name = "reactivate_category" if active else "deactivate_category"
    return synced(name, {"category_id": str(category_id)})


# ---- treatments --------------------------------------------------------------------------------


def treatment_values(
    *,
    name: str,
    duration_minutes: int,
    base_price: Decimal,
    kind: TreatmentKind | None,
    category_id: uuid.UUID | None,
    description: str | None,
    instructions: str | None,
    cautions: Sequence[str],
    advantages: Sequence[str],
    recommended_for: Sequence[str],
    requires_doctor_approval: bool,
    materials: Sequence[tuple[uuid.UUID, int]],
    follow_up_interval_days: int | None,
    next_treatment_id: uuid.UUID | None,
) -> dict[str, Any]:
    """A treatment's editable fields as the sync intents carry them (JSON values)."""
    return {
        "name": name,
        "duration_minutes": duration_minutes,
        "base_price": str(base_price),
        "kind": kind.value if kind is not None else None,
        "category_id": _id(category_id),
        "description": description,
        "instructions": instructions,
        "cautions": list(cautions),
        "advantages": list(advantages),
        "recommended_for": list(recommended_for),
        "requires_doctor_approval": requires_doctor_approval,
        "default_inventory_items": _materials(materials),
        "follow_up_interval_days": follow_up_interval_days,
        "next_treatment_id": _id(next_treatment_id),
    }


def create_treatment(
    values: Mapping[str, Any], *, item_id: uuid.UUID | None = None, issue_barcode: bool = True
) -> Intent:
    """A new treatment with `values` (from `treatment_values`); its code is issued with it, so its
    barcode sheet can be printed at once."""
    args = {**values, "item_id": str(item_id or new_id()), "issue_barcode": issue_barcode}
    if args.get("category_id") is not None:
        args["kind"] = None  # the category decides the kind
    return synced("create_treatment", args)


def edit_treatment(item_id: uuid.UUID, changes: Mapping[str, Any]) -> Intent:
    """Only the changed fields (from `treatment_values`), so another desk's edit of other fields stands."""
    return synced("update_treatment_catalog", {"item_id": str(item_id), "changes": dict(changes)})


def set_treatment_active(item_id: uuid.UUID, active: bool) -> Intent:
    name = "reactivate_treatment" if active else "deactivate_treatment"
    return synced(name, {"item_id": str(item_id)})


def issue_treatment_code(item_id: uuid.UUID) -> Intent:
    return synced(
        "issue_treatment_code",
        {"item_id": str(item_id), "barcode_value": None},
        shape=lambda mapping: mapping.barcode_value,
    )
