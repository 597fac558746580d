"""The treatment catalog: categories (with one level of subcategories) and the treatments the
clinic offers, with prices, durations, cautions and the materials one treatment uses.

Treatments are deactivated, never deleted: past treatment records and appointments point at them.
The catalog holds no patient data, so its operations are not audited.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import select

from common.access.permissions import Permission
from common.barcodes.models import BarcodeEntityType, BarcodeMapping
from common.catalog.errors import (
    CatalogItemInactive,
    CatalogItemNotFound,
    CategoryHasChildren,
    CategoryInactive,
    CategoryKindMismatch,
    CategoryKindRequired,
    CategoryNameRequired,
    CategoryNotFound,
    DuplicateCategoryName,
    DuplicateTreatmentName,
    InvalidDuration,
    InvalidFollowUpInterval,
    SubcategoryTooDeep,
    TreatmentNameRequired,
    UnknownNextTreatment,
)
from common.catalog.models import TreatmentCatalogItem, TreatmentCategory, TreatmentKind
from common.context import ServiceContext
from common.errors import Conflict
from common.fields import UNSET, Unset, optional_text, text_list
from common.i18n import L_
from common.ids import new_id
from common.inventory.stock import MaterialInput, parse_material_lines
from common.patients.search_keys import fold
from common.payments.money import MoneyInput, in_currency, normalize_currency, parse_money

P = Permission
MAX_DURATION_MINUTES: Final = 24 * 60
MAX_FOLLOW_UP_DAYS: Final = 10 * 365


@dataclass(frozen=True)
class CategoryNode:
    """A top-level category and its subcategories, in display order."""

    category: TreatmentCategory
    subcategories: tuple[TreatmentCategory, ...]


@dataclass(frozen=True)
class PriceEntry:
    item_id: uuid.UUID
    name: str
    kind: TreatmentKind
    subcategory: str | None
    base_price: Decimal
    currency: str
    duration_minutes: int
    is_active: bool


# ---- categories --------------------------------------------------------------------------------


def create_category(
    ctx: ServiceContext,
    name: str,
    *,
    kind: TreatmentKind | None = None,
    parent_id: uuid.UUID | None = None,
    sort_order: int = 0,
    category_id: uuid.UUID | None = None,
) -> TreatmentCategory:
    """A top-level category (needs its kind) or, with `parent_id`, a subcategory (inherits it).

    `category_id`: the id a device made for it, so the row is the same row on every replica."""
    ctx.authorize(P.CATALOG_MANAGE, entity_type="catalog")
    clean = _category_name(name)
    if parent_id is not None:
        parent = _category(ctx, parent_id)
        if parent.parent_id is not None:
            raise SubcategoryTooDeep()
        if not parent.is_active:
            raise CategoryInactive(name=parent.name)
        if kind is not None and TreatmentKind(kind) is not parent.kind:
            raise CategoryKindMismatch(
                category_kind=L_(parent.kind.value), kind=L_(TreatmentKind(kind).value)
            )
        kind = parent.kind
    elif kind is None:
        raise CategoryKindRequired()
    _ensure_category_name_free(ctx, clean, parent_id, None)
    category = TreatmentCategory(
        id=category_id if category_id is not None else new_id(),
        clinic_id=ctx.clinic_id,
        name=clean,
        parent_id=parent_id,
        kind=TreatmentKind(kind),
        sort_order=sort_order,
        is_active=True,
    )
    ctx.session.add(category)
    ctx.session.flush()
    return category


def update_category(
    ctx: ServiceContext,
    category_id: uuid.UUID,
    *,
    name: str | Unset = UNSET,
    sort_order: int | Unset = UNSET,
) -> TreatmentCategory:
    """Rename or reorder a category; treatments filed under a renamed subcategory follow."""
    ctx.authorize(P.CATALOG_MANAGE, entity_type="catalog", entity_id=category_id)
    category = _category(ctx, category_id)
    if sort_order is not UNSET and category.sort_order != sort_order:
        category.sort_order = sort_order
    if name is not UNSET:
        clean = _category_name(name)
        if clean != category.name:
            if fold(clean) != fold(category.name):
                _ensure_category_name_free(ctx, clean, category.parent_id, category.id)
            category.name = clean
            if category.parent_id is not None:
                for item in ctx.session.scalars(
                    select(TreatmentCatalogItem).where(TreatmentCatalogItem.category_id == category.id)
                ):
                    item.subcategory = clean
    ctx.session.flush()
    return category


def deactivate_category(ctx: ServiceContext, category_id: uuid.UUID) -> TreatmentCategory:
    """Hide a category from pickers. Its treatments stay where they are (and stay offered)."""
    ctx.authorize(P.CATALOG_MANAGE, entity_type="catalog", entity_id=category_id)
    category = _category(ctx, category_id)
    children = ctx.session.scalars(
        select(TreatmentCategory.id).where(
            TreatmentCategory.parent_id == category.id, TreatmentCategory.is_active.is_(True)
        )
    ).all()
    if children:
        raise CategoryHasChildren(count=len(children))
    if category.is_active:
        category.is_active = False
        ctx.session.flush()
    return category


def reactivate_category(ctx: ServiceContext, category_id: uuid.UUID) -> TreatmentCategory:
    ctx.authorize(P.CATALOG_MANAGE, entity_type="catalog", entity_id=category_id)
    category = _category(ctx, category_id)
    if category.parent_id is not None:
        parent = _category(ctx, category.parent_id)
        if not parent.is_active:
            raise CategoryInactive(name=parent.name)
    if not category.is_active:
        category.is_active = True
        ctx.session.flush()
    return category


def list_categories(ctx: ServiceContext, *, include_inactive: bool = False) -> list[CategoryNode]:
    ctx.authorize(P.CATALOG_READ, entity_type="catalog")
    query = select(TreatmentCategory).order_by(
        TreatmentCategory.sort_order, TreatmentCategory.name, TreatmentCategory.id
    )
    if not include_inactive:
        query = query.where(TreatmentCategory.is_active.is_(True))
    categories = list(ctx.session.scalars(query))
    children: dict[uuid.UUID, list[TreatmentCategory]] = {}
    for category in categories:
        if category.parent_id is not None:
            children.setdefault(category.parent_id, []).append(category)
    return [
        CategoryNode(category, tuple(children.get(category.id, ())))
        for category in categories
        if category.parent_id is None
    ]


# ---- treatments --------------------------------------------------------------------------------


def create_treatment(
    ctx: ServiceContext,
    *,
    name: str,
    duration_minutes: int,
    base_price: MoneyInput,
    kind: TreatmentKind | None = None,
    category_id: uuid.UUID | None = None,
    currency: str | None = None,
    description: str | None = None,
    advantages: Iterable[str] = (),
    cautions: Iterable[str] = (),
    recommended_for: Iterable[str] = (),
    instructions: str | None = None,
    requires_doctor_approval: bool = False,
    material_requirements: dict[str, Any] | None = None,
    default_inventory_items: Iterable[MaterialInput] = (),
    follow_up_interval_days: int | None = None,
    next_treatment_id: uuid.UUID | None = None,
    issue_barcode: bool = False,
    item_id: uuid.UUID | None = None,
) -> TreatmentCatalogItem:
    """Add a treatment. The price is in the clinic's currency unless another is given.

    `next_treatment_id` may be the treatment itself: a course of repeated sessions. `item_id`:
    the id a device made for it, so the row is the same row on every replica.
    """
    ctx.authorize(P.CATALOG_MANAGE, entity_type="catalog")
    if item_id is None:
        item_id = new_id()
    clean_name = _treatment_name(name)
    _ensure_treatment_name_free(ctx, clean_name, None)
    resolved_kind, subcategory = _placement(ctx, category_id, kind)
    money_currency = normalize_currency(currency) if currency is not None else ctx.clinic.currency
    item = TreatmentCatalogItem(
        id=item_id,
        clinic_id=ctx.clinic_id,
        name=clean_name,
        description=optional_text(description, field=L_("description")),
        category=resolved_kind,
        subcategory=subcategory,
        category_id=category_id,
        duration_minutes=_duration(duration_minutes),
        base_price=parse_money(base_price, money_currency, field=L_("price")),
        currency=money_currency,
        advantages=text_list(advantages, field=L_("advantages")),
        instructions=optional_text(instructions, field=L_("instructions")),
        cautions=text_list(cautions, field=L_("cautions")),
        recommended_for=text_list(recommended_for, field=L_("recommended-for list")),
        is_active=True,
        requires_doctor_approval=requires_doctor_approval,
        material_requirements=dict(material_requirements or {}),
        default_inventory_items=[
            line.as_json() for line in parse_material_lines(ctx, default_inventory_items)
        ],
        follow_up_interval_days=_follow_up(follow_up_interval_days),
        next_treatment_id=_next_treatment(ctx, next_treatment_id, item_id),
    )
    ctx.session.add(item)
    ctx.session.flush()
    if issue_barcode:
        _issue_code(ctx, item)
    return item


def update_treatment(
    ctx: ServiceContext,
    item_id: uuid.UUID,
    *,
    name: str | Unset = UNSET,
    duration_minutes: int | Unset = UNSET,
    base_price: MoneyInput | Unset = UNSET,
    currency: str | Unset = UNSET,
    kind: TreatmentKind | Unset = UNSET,
    category_id: uuid.UUID | Unset | None = UNSET,
    description: str | Unset | None = UNSET,
    advantages: Sequence[str] | Unset = UNSET,
    cautions: Sequence[str] | Unset = UNSET,
    recommended_for: Sequence[str] | Unset = UNSET,
    instructions: str | Unset | None = UNSET,
    requires_doctor_approval: bool | Unset = UNSET,
    material_requirements: dict[str, Any] | Unset = UNSET,
    default_inventory_items: Sequence[MaterialInput] | Unset = UNSET,
    follow_up_interval_days: int | Unset | None = UNSET,
    next_treatment_id: uuid.UUID | Unset | None = UNSET,
    expected_version: int | None = None,
) -> TreatmentCatalogItem:
    """Change the given fields only (so a sync merge sees exactly what changed).

    Past treatment records keep the name, price and duration they were recorded with.
    """
    ctx.authorize(P.CATALOG_MANAGE, entity_type="catalog", entity_id=item_id)
    item = _catalog_item(ctx, item_id)
    if expected_version is not None and item.version != expected_version:
        raise Conflict()
    changes: dict[str, Any] = {}
    if name is not UNSET:
        changes["name"] = _treatment_name(name)
        if fold(changes["name"]) != fold(item.name):
            _ensure_treatment_name_free(ctx, changes["name"], item.id)
    if duration_minutes is not UNSET:
        changes["duration_minutes"] = _duration(duration_minutes)
    if currency is not UNSET or base_price is not UNSET:
        new_currency = normalize_currency(currency) if currency is not UNSET else item.currency
        price = base_price if base_price is not UNSET else item.base_price
        changes["currency"] = new_currency
        changes["base_price"] = parse_money(price, new_currency, field=L_("price"))
    if category_id is not UNSET or kind is not UNSET:
        new_category = item.category_id if category_id is UNSET else category_id
        # Leaving every category without naming a kind keeps the current kind.
        wanted_kind = (item.category if new_category is None else None) if kind is UNSET else kind
        changes["category"], changes["subcategory"] = _placement(ctx, new_category, wanted_kind)
        changes["category_id"] = new_category
    if description is not UNSET:
        changes["description"] = optional_text(description, field=L_("description"))
    if advantages is not UNSET:
        changes["advantages"] = text_list(advantages, field=L_("advantages"))
    if cautions is not UNSET:
        changes["cautions"] = text_list(cautions, field=L_("cautions"))
    if recommended_for is not UNSET:
        changes["recommended_for"] = text_list(recommended_for, field=L_("recommended-for list"))
    if instructions is not UNSET:
        changes["instructions"] = optional_text(instructions, field=L_("instructions"))
    if requires_doctor_approval is not UNSET:
        changes["requires_doctor_approval"] = requires_doctor_approval
    if material_requirements is not UNSET:
        changes["material_requirements"] = dict(material_requirements)
    if default_inventory_items is not UNSET:
        lines = parse_material_lines(ctx, default_inventory_items)
        changes["default_inventory_items"] = [line.as_json() for line in lines]
    if follow_up_interval_days is not UNSET:
        changes["follow_up_interval_days"] = _follow_up(follow_up_interval_days)
    if next_treatment_id is not UNSET:
        changes["next_treatment_id"] = _next_treatment(ctx, next_treatment_id, item.id)
    _apply(item, changes)
    ctx.session.flush()
    return item


def update_pricing(
    ctx: ServiceContext, item_id: uuid.UUID, base_price: MoneyInput, *, currency: str | None = None
) -> TreatmentCatalogItem:
    """Set a treatment's price (and, optionally, its currency). Recorded treatments keep theirs."""
    if currency is None:
        return update_treatment(ctx, item_id, base_price=base_price)
    return update_treatment(ctx, item_id, base_price=base_price, currency=currency)


def deactivate_treatment(ctx: ServiceContext, item_id: uuid.UUID) -> TreatmentCatalogItem:
    """Stop offering a treatment: hidden from lists and pickers, refused for new records."""
    ctx.authorize(P.CATALOG_MANAGE, entity_type="catalog", entity_id=item_id)
    item = _catalog_item(ctx, item_id)
    _apply(item, {"is_active": False})
    ctx.session.flush()
    return item


def reactivate_treatment(ctx: ServiceContext, item_id: uuid.UUID) -> TreatmentCatalogItem:
    ctx.authorize(P.CATALOG_MANAGE, entity_type="catalog", entity_id=item_id)
    item = _catalog_item(ctx, item_id)
    _apply(item, {"is_active": True})
    ctx.session.flush()
    return item


def get_treatment(ctx: ServiceContext, item_id: uuid.UUID) -> TreatmentCatalogItem:
    ctx.authorize(P.CATALOG_READ, entity_type="catalog", entity_id=item_id)
    return _catalog_item(ctx, item_id)


def list_treatments(
    ctx: ServiceContext,
    *,
    kind: TreatmentKind | None = None,
    category_id: uuid.UUID | None = None,
    include_inactive: bool = False,
) -> list[TreatmentCatalogItem]:
    """Treatments by name; a top-level `category_id` includes its subcategories' treatments."""
    ctx.authorize(P.CATALOG_READ, entity_type="catalog")
    query = select(TreatmentCatalogItem).order_by(TreatmentCatalogItem.name, TreatmentCatalogItem.id)
    if not include_inactive:
        query = query.where(TreatmentCatalogItem.is_active.is_(True))
    if kind is not None:
        query = query.where(TreatmentCatalogItem.category == kind)
    if category_id is not None:
        children = select(TreatmentCategory.id).where(TreatmentCategory.parent_id == category_id)
        query = query.where(
            TreatmentCatalogItem.category_id.in_(children) | (TreatmentCatalogItem.category_id == category_id)
        )
    return list(ctx.session.scalars(query))


def search_treatments(
    ctx: ServiceContext, text: str, *, include_inactive: bool = False
) -> list[TreatmentCatalogItem]:
    """Treatments whose name, subcategory or description contain every word of `text`,
    case- and accent-insensitively (CJK included); names that match come first.

    A catalog is hundreds of rows, so it is matched in Python with the same folding as patient
    search, which SQL LIKE cannot do the same way on SQLite and PostgreSQL.
    """
    ctx.authorize(P.CATALOG_READ, entity_type="catalog")
    words = fold(text).split()
    items = list_treatments(ctx, include_inactive=include_inactive)
    if not words:
        return items
    matches: list[tuple[int, TreatmentCatalogItem]] = []
    for item in items:
        name = fold(item.name)
        haystack = " ".join((name, fold(item.subcategory), fold(item.description)))
        if all(word in haystack for word in words):
            matches.append((0 if all(word in name for word in words) else 1, item))
    return [item for _rank, item in sorted(matches, key=lambda pair: pair[0])]


def price_list(ctx: ServiceContext, *, include_inactive: bool = False) -> list[PriceEntry]:
    ctx.authorize(P.CATALOG_READ, entity_type="catalog")
    query = select(
        TreatmentCatalogItem.id,
        TreatmentCatalogItem.name,
        TreatmentCatalogItem.category,
        TreatmentCatalogItem.subcategory,
        TreatmentCatalogItem.base_price,
        TreatmentCatalogItem.currency,
        TreatmentCatalogItem.duration_minutes,
        TreatmentCatalogItem.is_active,
    ).order_by(TreatmentCatalogItem.category, TreatmentCatalogItem.name)
    if not include_inactive:
        query = query.where(TreatmentCatalogItem.is_active.is_(True))
    return [
        PriceEntry(
            row.id,
            row.name,
            row.category,
            row.subcategory,
            in_currency(row.base_price, row.currency),
            row.currency,
            row.duration_minutes,
            row.is_active,
        )
        for row in ctx.session.execute(query)
    ]


def issue_treatment_code(ctx: ServiceContext, item_id: uuid.UUID) -> BarcodeMapping:
    """A treatment code to print: scanning it fills a treatment record from this catalog item."""
    ctx.authorize(P.BARCODE_MANAGE, entity_type="catalog", entity_id=item_id)
    item = _catalog_item(ctx, item_id)
    if not item.is_active:
        raise CatalogItemInactive(name=item.name)
    return _issue_code(ctx, item)


def treatment_codes(ctx: ServiceContext, item_ids: Iterable[uuid.UUID] | None = None) -> dict[uuid.UUID, str]:
    """The active code of each treatment that has one (of `item_ids`, or all); the newest wins."""
    ctx.authorize(P.CATALOG_READ, entity_type="catalog")
    query = (
        select(BarcodeMapping.entity_id, BarcodeMapping.barcode_value)
        .where(
            BarcodeMapping.entity_type == BarcodeEntityType.TREATMENT,
            BarcodeMapping.is_active.is_(True),
        )
        .order_by(BarcodeMapping.generated_at, BarcodeMapping.id)
    )
    if item_ids is not None:
        query = query.where(BarcodeMapping.entity_id.in_(list(item_ids)))
    return {row.entity_id: row.barcode_value for row in ctx.session.execute(query)}


def active_catalog_item(ctx: ServiceContext, item_id: uuid.UUID) -> TreatmentCatalogItem:
    """For other services: the item, refused if unknown or no longer offered. No permission check."""
    item = _catalog_item(ctx, item_id)
    if not item.is_active:
        raise CatalogItemInactive(name=item.name)
    return item


# ---- helpers -----------------------------------------------------------------------------------


def _issue_code(ctx: ServiceContext, item: TreatmentCatalogItem) -> BarcodeMapping:
    from common.barcodes.service import issue_code

    return issue_code(ctx, BarcodeEntityType.TREATMENT, item.id)


def _apply(item: TreatmentCatalogItem, changes: dict[str, Any]) -> None:
    # Only real changes are set, so an unchanged save does not bump the version or the change seq.
    for field, value in changes.items():
        if getattr(item, field) != value:
            setattr(item, field, value)


def _catalog_item(ctx: ServiceContext, item_id: uuid.UUID) -> TreatmentCatalogItem:
    item = ctx.session.scalars(
        select(TreatmentCatalogItem).where(TreatmentCatalogItem.id == item_id)
    ).one_or_none()
    if item is None:
        raise CatalogItemNotFound()
    return item


def _category(ctx: ServiceContext, category_id: uuid.UUID) -> TreatmentCategory:
    category = ctx.session.scalars(
        select(TreatmentCategory).where(TreatmentCategory.id == category_id)
    ).one_or_none()
    if category is None:
        raise CategoryNotFound()
    return category


def _placement(
    ctx: ServiceContext, category_id: uuid.UUID | None, kind: TreatmentKind | None
) -> tuple[TreatmentKind, str | None]:
    """The treatment's kind and subcategory name, from its category (which decides) or its kind."""
    if category_id is None:
        if kind is None:
            raise CategoryKindRequired()
        return TreatmentKind(kind), None
    category = _category(ctx, category_id)
    if not category.is_active:
        raise CategoryInactive(name=category.name)
    if kind is not None and TreatmentKind(kind) is not category.kind:
        raise CategoryKindMismatch(category_kind=L_(category.kind.value), kind=L_(TreatmentKind(kind).value))
    return category.kind, category.name if category.parent_id is not None else None


def _treatment_name(name: str) -> str:
    text = optional_text(name, field=L_("name"), maximum=255)
    if text is None:
        raise TreatmentNameRequired()
    return text


def _category_name(name: str) -> str:
    text = optional_text(name, field=L_("name"), maximum=100)
    if text is None:
        raise CategoryNameRequired()
    return text


def _duration(minutes: int) -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MAX_DURATION_MINUTES:
        raise InvalidDuration(maximum=MAX_DURATION_MINUTES)
    return minutes


def _follow_up(days: int | None) -> int | None:
    if days is None:
        return None
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_FOLLOW_UP_DAYS:
        raise InvalidFollowUpInterval(maximum=MAX_FOLLOW_UP_DAYS)
    return days


def _next_treatment(ctx: ServiceContext, next_id: uuid.UUID | None, own_id: uuid.UUID) -> uuid.UUID | None:
    if next_id is None or next_id == own_id:
        return next_id
    found = ctx.session.scalar(
        select(TreatmentCatalogItem.id).where(
            TreatmentCatalogItem.id == next_id, TreatmentCatalogItem.is_active.is_(True)
        )
    )
    if found is None:
        raise UnknownNextTreatment()
    return next_id


def _ensure_treatment_name_free(ctx: ServiceContext, name: str, own_id: uuid.UUID | None) -> None:
    # Names compare case- and accent-insensitively ("Botox" = "botox"); deactivated and removed
    # treatments keep their names (the unique key covers them), so they are checked too.
    key = fold(name)
    rows = ctx.session.execute(
        select(TreatmentCatalogItem.id, TreatmentCatalogItem.name).execution_options(include_deleted=True)
    )
    if any(row.id != own_id and fold(row.name) == key for row in rows):
        raise DuplicateTreatmentName(name=name)


def _ensure_category_name_free(
    ctx: ServiceContext, name: str, parent_id: uuid.UUID | None, own_id: uuid.UUID | None
) -> None:
    siblings = select(TreatmentCategory.id, TreatmentCategory.name).execution_options(include_deleted=True)
    siblings = siblings.where(
        TreatmentCategory.parent_id.is_(None)
        if parent_id is None
        else TreatmentCategory.parent_id == parent_id
    )
    key = fold(name)
    if any(row.id != own_id and fold(row.name) == key for row in ctx.session.execute(siblings)):
        raise DuplicateCategoryName(name=name)
