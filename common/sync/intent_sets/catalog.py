"""Sync intents of the catalog and the stock room: categories, treatments, their codes, inventory
items and reorder requests (stock movements themselves are in common/sync/intents.py).

Ids made on the device travel in the arguments (`category_id`, `item_id`, `reorder_id`), so a row
is the same row on every replica. Edits carry only the fields a person changed (`changes`): the
service applies exactly those, so two desks editing different fields of one treatment both keep
their edit. A code issued offline (a printed barcode sheet) travels as `barcode_value`; the server
keeps it when it is this clinic's, of the right kind and unused.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Final

from pydantic import Field, TypeAdapter, field_validator
from sqlalchemy import select

from common.access.permissions import Permission
from common.barcodes import payload as barcode_payload
from common.barcodes.models import BarcodeEntityType, BarcodeMapping
from common.barcodes.service import KIND_FOR, active_codes
from common.catalog import service as catalog
from common.catalog.models import TreatmentKind
from common.context import ServiceContext
from common.inventory import service as inventory
from common.inventory.models import InventoryCategory, UnitOfMeasure
from common.sync.intents import MAX_TEXT, Args, Intent, register

P = Permission
MAX_NAME: Final = 1_000  # the services refuse long names with a readable message; this bounds the payload
MAX_LINES: Final = 100


def _adapters(model: type[Args]) -> dict[str, TypeAdapter[Any]]:
    """One validator per field of `model`, with its constraints (lengths), for partial edits."""
    adapters: dict[str, TypeAdapter[Any]] = {}
    for name, field in model.model_fields.items():
        kind: Any = field.annotation
        adapters[name] = TypeAdapter(Annotated[(kind, *field.metadata)] if field.metadata else kind)
    return adapters


def _checked(adapters: dict[str, TypeAdapter[Any]], changes: dict[str, Any]) -> dict[str, Any]:
    """Refuse unknown field names and values of the wrong type (the raw values are kept as sent)."""
    unknown = sorted(set(changes) - set(adapters))
    if unknown:
        raise ValueError(f"unknown fields: {', '.join(unknown)[:200]}")
    for name, raw in changes.items():
        adapters[name].validate_python(raw)
    return changes


def _typed(adapters: dict[str, TypeAdapter[Any]], changes: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, raw in changes.items():
        value = adapters[name].validate_python(raw)
        values[name] = (
            [v.model_dump() if isinstance(v, Args) else v for v in value]
            if isinstance(value, list)
            else value
        )
    return values


class Material(Args):
    item_id: uuid.UUID
    quantity: int


# ---- categories --------------------------------------------------------------------------------


class CreateCategoryArgs(Args):
    category_id: uuid.UUID
    name: str = Field(max_length=MAX_NAME)
    kind: TreatmentKind | None = None
    parent_id: uuid.UUID | None = None
    sort_order: int = 0


class UpdateCategoryArgs(Args):
    category_id: uuid.UUID
    name: str | None = Field(default=None, max_length=MAX_NAME)
    sort_order: int | None = None


class CategoryArgs(Args):
    category_id: uuid.UUID


def _update_category(ctx: ServiceContext, args: UpdateCategoryArgs) -> Any:
    values = args.model_dump(exclude={"category_id"}, exclude_none=True)
    return catalog.update_category(ctx, args.category_id, **values)


# ---- treatments --------------------------------------------------------------------------------


class TreatmentFields(Args):
    """A treatment's editable fields: every one for a new treatment, the changed ones for an edit."""

    name: str = Field(max_length=MAX_NAME)
    duration_minutes: int
    base_price: Decimal
    kind: TreatmentKind | None = None
    category_id: uuid.UUID | None = None
    currency: str | None = Field(default=None, max_length=10)
    description: str | None = Field(default=None, max_length=MAX_TEXT)
    advantages: list[str] = Field(default_factory=list, max_length=MAX_LINES)
    cautions: list[str] = Field(default_factory=list, max_length=MAX_LINES)
    recommended_for: list[str] = Field(default_factory=list, max_length=MAX_LINES)
    instructions: str | None = Field(default=None, max_length=MAX_TEXT)
    requires_doctor_approval: bool = False
    default_inventory_items: list[Material] = Field(default_factory=list, max_length=MAX_LINES)
    follow_up_interval_days: int | None = None
    next_treatment_id: uuid.UUID | None = None


TREATMENT_FIELDS: Final = _adapters(TreatmentFields)


class CreateTreatmentArgs(TreatmentFields):
    item_id: uuid.UUID
    issue_barcode: bool = False
    barcode_value: str | None = Field(default=None, max_length=64)


class UpdateTreatmentArgs(Args):
    item_id: uuid.UUID
    changes: dict[str, Any]

    @field_validator("changes")
    @classmethod
    def _known_fields(cls, changes: dict[str, Any]) -> dict[str, Any]:
        return _checked(TREATMENT_FIELDS, changes)


class TreatmentArgs(Args):
    item_id: uuid.UUID


class IssueCodeArgs(Args):
    item_id: uuid.UUID
    barcode_value: str | None = Field(default=None, max_length=64)


def _create_treatment(ctx: ServiceContext, args: CreateTreatmentArgs) -> Any:
    values = args.model_dump(exclude={"barcode_value"})
    item = catalog.create_treatment(ctx, **values)
    if args.issue_barcode:
        _adopt_code(ctx, BarcodeEntityType.TREATMENT, item.id, args.barcode_value)
    return item


def _finish_create_treatment(
    ctx: ServiceContext, args: CreateTreatmentArgs, _result: Any
) -> CreateTreatmentArgs:
    return args.model_copy(
        update={"barcode_value": _newest_code(ctx, BarcodeEntityType.TREATMENT, args.item_id)}
    )


def _update_treatment(ctx: ServiceContext, args: UpdateTreatmentArgs) -> Any:
    return catalog.update_treatment(ctx, args.item_id, **_typed(TREATMENT_FIELDS, args.changes))


def _issue_treatment_code(ctx: ServiceContext, args: IssueCodeArgs) -> Any:
    mapping = catalog.issue_treatment_code(ctx, args.item_id)
    _adopt_code(ctx, BarcodeEntityType.TREATMENT, args.item_id, args.barcode_value)
    return mapping


def _finish_issue(ctx: ServiceContext, args: IssueCodeArgs, result: Any) -> IssueCodeArgs:
    return args.model_copy(update={"barcode_value": getattr(result, "barcode_value", None)})


# ---- inventory items and reorders --------------------------------------------------------------


class ItemFields(Args):
    name: str = Field(max_length=MAX_NAME)
    sku: str = Field(max_length=MAX_NAME)
    category: InventoryCategory
    unit_of_measure: UnitOfMeasure = UnitOfMeasure.EACH
    minimum_quantity: int = 5
    maximum_quantity: int | None = None
    description: str | None = Field(default=None, max_length=MAX_TEXT)
    barcode_value: str | None = Field(default=None, max_length=MAX_NAME)  # the manufacturer's
    supplier_info: dict[str, Any] = Field(default_factory=dict)
    unit_cost: Decimal | None = None
    location: str | None = Field(default=None, max_length=MAX_NAME)
    is_tracked: bool = False
    next_restock_date: date | None = None


ITEM_FIELDS: Final = _adapters(ItemFields)


class CreateItemArgs(ItemFields):
    item_id: uuid.UUID


class UpdateItemArgs(Args):
    item_id: uuid.UUID
    changes: dict[str, Any]

    @field_validator("changes")
    @classmethod
    def _known_fields(cls, changes: dict[str, Any]) -> dict[str, Any]:
        return _checked(ITEM_FIELDS, changes)


class RequestReorderArgs(Args):
    reorder_id: uuid.UUID
    item_id: uuid.UUID
    quantity: int
    supplier: str | None = Field(default=None, max_length=MAX_NAME)
    notes: str | None = Field(default=None, max_length=MAX_TEXT)


class ReorderArgs(Args):
    reorder_id: uuid.UUID


class ReceiveReorderArgs(Args):
    reorder_id: uuid.UUID
    quantity: int | None = None
    unit_cost: Decimal | None = None


class CancelReorderArgs(Args):
    reorder_id: uuid.UUID
    reason: str | None = Field(default=None, max_length=MAX_TEXT)


def _update_item(ctx: ServiceContext, args: UpdateItemArgs) -> Any:
    return inventory.update_item(ctx, args.item_id, **_typed(ITEM_FIELDS, args.changes))


def _issue_item_code(ctx: ServiceContext, args: IssueCodeArgs) -> Any:
    mapping = inventory.issue_item_code(ctx, args.item_id)
    _adopt_code(ctx, mapping.entity_type, args.item_id, args.barcode_value)
    return mapping


# ---- helpers -----------------------------------------------------------------------------------


def _newest_code(ctx: ServiceContext, entity_type: BarcodeEntityType, entity_id: uuid.UUID) -> str | None:
    codes = active_codes(ctx, entity_type, entity_id)
    return codes[-1].barcode_value if codes else None


def _adopt_code(
    ctx: ServiceContext, entity_type: BarcodeEntityType, entity_id: uuid.UUID, proposed: str | None
) -> None:
    """Give the record the code a device issued offline (and may have printed), if it is this
    clinic's, of the record's kind and unused; otherwise the server's new code stands and reaches
    the device with the answer (the label is reprinted from there)."""
    if not proposed:
        return
    codes = active_codes(ctx, entity_type, entity_id)
    if not codes or any(mapping.barcode_value == proposed for mapping in codes):
        return
    try:
        parsed = barcode_payload.verify(proposed, ctx.clinic_id, ctx.clinic.barcode_secret)
    except barcode_payload.PayloadError:
        return
    if parsed.kind is not KIND_FOR[entity_type]:
        return
    taken = ctx.session.scalar(
        select(BarcodeMapping.id)
        .where(BarcodeMapping.barcode_value == parsed.value)
        .execution_options(include_deleted=True)
    )
    if taken is not None:
        return
    codes[-1].barcode_value = parsed.value
    ctx.session.flush()


# ---- the register ------------------------------------------------------------------------------

register(
    Intent(
        "create_category",
        CreateCategoryArgs,
        P.CATALOG_MANAGE,
        lambda ctx, a: catalog.create_category(
            ctx,
            a.name,
            kind=a.kind,
            parent_id=a.parent_id,
            sort_order=a.sort_order,
            category_id=a.category_id,
        ),
    )
)
register(Intent("update_category", UpdateCategoryArgs, P.CATALOG_MANAGE, _update_category))
register(
    Intent(
        "deactivate_category",
        CategoryArgs,
        P.CATALOG_MANAGE,
        lambda ctx, a: catalog.deactivate_category(ctx, a.category_id),
    )
)
register(
    Intent(
        "reactivate_category",
        CategoryArgs,
        P.CATALOG_MANAGE,
        lambda ctx, a: catalog.reactivate_category(ctx, a.category_id),
    )
)
register(
    Intent(
        "create_treatment",
        CreateTreatmentArgs,
        P.CATALOG_MANAGE,
        _create_treatment,
        finish=_finish_create_treatment,
    )
)
register(Intent("update_treatment_catalog", UpdateTreatmentArgs, P.CATALOG_MANAGE, _update_treatment))
register(
    Intent(
        "deactivate_treatment",
        TreatmentArgs,
        P.CATALOG_MANAGE,
        lambda ctx, a: catalog.deactivate_treatment(ctx, a.item_id),
    )
)
register(
    Intent(
        "reactivate_treatment",
        TreatmentArgs,
        P.CATALOG_MANAGE,
        lambda ctx, a: catalog.reactivate_treatment(ctx, a.item_id),
    )
)
register(
    Intent(
        "issue_treatment_code", IssueCodeArgs, P.BARCODE_MANAGE, _issue_treatment_code, finish=_finish_issue
    )
)
register(
    Intent(
        "create_inventory_item",
        CreateItemArgs,
        P.INVENTORY_MANAGE,
        lambda ctx, a: inventory.create_item(ctx, **a.model_dump()),
    )
)
register(Intent("update_inventory_item", UpdateItemArgs, P.INVENTORY_MANAGE, _update_item))
register(Intent("issue_item_code", IssueCodeArgs, P.BARCODE_MANAGE, _issue_item_code, finish=_finish_issue))
register(
    Intent(
        "request_reorder",
        RequestReorderArgs,
        P.INVENTORY_MOVE,
        lambda ctx, a: inventory.request_reorder(
            ctx, a.item_id, a.quantity, supplier=a.supplier, notes=a.notes, reorder_id=a.reorder_id
        ),
    )
)
register(
    Intent(
        "mark_reorder_ordered",
        ReorderArgs,
        P.INVENTORY_MANAGE,
        lambda ctx, a: inventory.mark_reorder_ordered(ctx, a.reorder_id),
    )
)
register(
    Intent(
        "receive_reorder",
        ReceiveReorderArgs,
        P.INVENTORY_MOVE,
        lambda ctx, a: inventory.receive_reorder(
            ctx, a.reorder_id, quantity=a.quantity, unit_cost=a.unit_cost
        ),
    )
)
register(
    Intent(
        "cancel_reorder",
        CancelReorderArgs,
        P.INVENTORY_MANAGE,
        lambda ctx, a: inventory.cancel_reorder(ctx, a.reorder_id, reason=a.reason),
    )
)
