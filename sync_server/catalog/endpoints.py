"""`/api/catalog`: treatments (list, add, edit, deactivate), categories and pricing."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, status

from common.access.permissions import Permission
from common.catalog import service as catalog
from common.catalog.models import TreatmentCategory, TreatmentKind
from common.fields import UNSET
from sync_server.auth.dependencies import ApiContext
from sync_server.catalog.schemas import (
    CategoryCreate,
    CategoryOut,
    PriceOut,
    PricingUpdate,
    TreatmentItemCreate,
    TreatmentItemOut,
    TreatmentItemUpdate,
)
from sync_server.errors import ERROR_RESPONSES
from sync_server.fields import Text100
from sync_server.permissions import requires

router = APIRouter(prefix="/api/catalog", tags=["catalog"], responses=ERROR_RESPONSES)


@router.get(
    "/treatments", response_model=list[TreatmentItemOut], openapi_extra=requires(Permission.CATALOG_READ)
)
def list_treatments(
    ctx: ApiContext,
    category: TreatmentKind | None = None,
    category_id: uuid.UUID | None = None,
    q: Text100 | None = None,
    include_inactive: bool = False,
) -> list[TreatmentItemOut]:
    """Offered treatments by name; `q` searches names, subcategories and descriptions."""
    if q is not None:
        items = catalog.search_treatments(ctx, q, include_inactive=include_inactive)
        items = [i for i in items if category is None or i.category is category]
        items = [i for i in items if category_id is None or i.category_id == category_id]
    else:
        items = catalog.list_treatments(
            ctx, kind=category, category_id=category_id, include_inactive=include_inactive
        )
    return [TreatmentItemOut.model_validate(item) for item in items]


@router.post(
    "/treatments",
    response_model=TreatmentItemOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=requires(Permission.CATALOG_MANAGE),
)
def add_treatment(body: TreatmentItemCreate, ctx: ApiContext) -> TreatmentItemOut:
    item = catalog.create_treatment(
        ctx,
        name=body.name,
        duration_minutes=body.duration_minutes,
        base_price=body.base_price,
        kind=body.category,
        category_id=body.category_id,
        currency=body.currency,
        description=body.description,
        advantages=body.advantages,
        cautions=body.cautions,
        recommended_for=body.recommended_for,
        instructions=body.instructions,
        requires_doctor_approval=body.requires_doctor_approval,
        material_requirements=body.material_requirements,
        default_inventory_items=[line.model_dump() for line in body.default_inventory_items],
        follow_up_interval_days=body.follow_up_interval_days,
        next_treatment_id=body.next_treatment_id,
        issue_barcode=body.issue_barcode,
    )
    return TreatmentItemOut.model_validate(item)


@router.get(
    "/treatments/{item_id}", response_model=TreatmentItemOut, openapi_extra=requires(Permission.CATALOG_READ)
)
def read_treatment(item_id: uuid.UUID, ctx: ApiContext) -> TreatmentItemOut:
    return TreatmentItemOut.model_validate(catalog.get_treatment(ctx, item_id))


@router.put(
    "/treatments/{item_id}",
    response_model=TreatmentItemOut,
    openapi_extra=requires(Permission.CATALOG_MANAGE),
)
def edit_treatment(item_id: uuid.UUID, body: TreatmentItemUpdate, ctx: ApiContext) -> TreatmentItemOut:
    """Change the given fields only; recorded treatments keep their name, price and duration."""
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    expected_version = changes.pop("expected_version", None)
    if "category" in changes:
        changes["kind"] = changes.pop("category")
        if changes["kind"] is None:
            changes["kind"] = UNSET
    for required in ("name", "duration_minutes", "base_price", "requires_doctor_approval"):
        if changes.get(required, UNSET) is None:
            changes[required] = UNSET  # null on a required field leaves it as it is
    for listed in ("advantages", "cautions", "recommended_for", "default_inventory_items"):
        if changes.get(listed, UNSET) is None:
            changes[listed] = []
    if changes.get("material_requirements", UNSET) is None:
        changes["material_requirements"] = {}
    item = catalog.update_treatment(ctx, item_id, expected_version=expected_version, **changes)
    return TreatmentItemOut.model_validate(item)


@router.delete(
    "/treatments/{item_id}",
    response_model=TreatmentItemOut,
    openapi_extra=requires(Permission.CATALOG_MANAGE),
)
def deactivate_treatment(item_id: uuid.UUID, ctx: ApiContext) -> TreatmentItemOut:
    """Stop offering a treatment (kept for the records that name it)."""
    return TreatmentItemOut.model_validate(catalog.deactivate_treatment(ctx, item_id))


@router.get("/categories", response_model=list[CategoryOut], openapi_extra=requires(Permission.CATALOG_READ))
def list_categories(ctx: ApiContext, include_inactive: bool = False) -> list[CategoryOut]:
    nodes = catalog.list_categories(ctx, include_inactive=include_inactive)
    return [
        _category(node.category, [_category(child, []) for child in node.subcategories]) for node in nodes
    ]


@router.post(
    "/categories",
    response_model=CategoryOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=requires(Permission.CATALOG_MANAGE),
)
def add_category(body: CategoryCreate, ctx: ApiContext) -> CategoryOut:
    category = catalog.create_category(
        ctx, body.name, kind=body.kind, parent_id=body.parent_id, sort_order=body.sort_order
    )
    return _category(category, [])


@router.get("/pricing", response_model=list[PriceOut], openapi_extra=requires(Permission.CATALOG_READ))
def pricing(ctx: ApiContext, include_inactive: bool = False) -> list[PriceOut]:
    return [
        PriceOut.model_validate(entry) for entry in catalog.price_list(ctx, include_inactive=include_inactive)
    ]


@router.put(
    "/pricing/{item_id}", response_model=TreatmentItemOut, openapi_extra=requires(Permission.CATALOG_MANAGE)
)
def set_price(item_id: uuid.UUID, body: PricingUpdate, ctx: ApiContext) -> TreatmentItemOut:
    item = catalog.update_pricing(ctx, item_id, body.base_price, currency=body.currency)
    return TreatmentItemOut.model_validate(item)


def _category(category: TreatmentCategory, children: list[CategoryOut]) -> CategoryOut:
    return CategoryOut(
        id=category.id,
        name=category.name,
        parent_id=category.parent_id,
        kind=category.kind,
        sort_order=category.sort_order,
        is_active=category.is_active,
        subcategories=children,
    )
