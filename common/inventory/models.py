"""Inventory: items, and the append-only movements whose sum is the stock."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import Index, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, column_property, mapped_column

from common.storage.base import Base, ClinicRecord, ClinicRow, clinic_fk, enum_column


class InventoryCategory(StrEnum):
    MEDICINE = "Medicine"
    EQUIPMENT = "Equipment"
    SUPPLY = "Supply"
    CONSUMABLE = "Consumable"


class UnitOfMeasure(StrEnum):
    EACH = "Each"
    BOX = "Box"
    BOTTLE = "Bottle"
    PACK = "Pack"
    TUBE = "Tube"


class MovementKind(StrEnum):
    RECEIVE = "receive"
    USE = "use"
    ADJUST = "adjust"
    WASTE = "waste"


class InventoryMovement(ClinicRow, Base):
    """A change of stock: positive in, negative out. Insert-only; stock is their sum, so offline
    desks that each use stock converge when their movements meet on the server."""

    __tablename__ = "inventory_movements"
    __table_args__ = (
        Index(None, "clinic_id", "item_id", "occurred_at"),
        clinic_fk("item_id", "inventory_items"),
        clinic_fk("treatment_record_id", "treatment_records"),
        clinic_fk("reorder_request_id", "reorder_requests"),
        clinic_fk("performed_by", "staff_users"),
    )

    item_id: Mapped[uuid.UUID]
    kind: Mapped[MovementKind] = mapped_column(enum_column(MovementKind, "kind"))
    quantity: Mapped[int]  # signed
    reason: Mapped[str | None] = mapped_column(String(500))
    unit_cost: Mapped[Decimal | None]
    treatment_record_id: Mapped[uuid.UUID | None]
    reorder_request_id: Mapped[uuid.UUID | None]  # the reorder a receipt fulfils
    occurred_at: Mapped[datetime]
    performed_by: Mapped[uuid.UUID | None]


class InventoryItem(ClinicRecord, Base):
    __tablename__ = "inventory_items"
    __table_args__ = (
        UniqueConstraint("clinic_id", "sku"),
        Index(None, "clinic_id", "category"),
    )

    name: Mapped[str]
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[InventoryCategory] = mapped_column(enum_column(InventoryCategory, "category"))
    sku: Mapped[str] = mapped_column(String(100))
    barcode_value: Mapped[str | None] = mapped_column(String(64))
    minimum_quantity: Mapped[int] = mapped_column(default=5)
    maximum_quantity: Mapped[int | None]
    unit_of_measure: Mapped[UnitOfMeasure] = mapped_column(
        enum_column(UnitOfMeasure, "unit_of_measure"), default=UnitOfMeasure.EACH
    )
    last_restocked: Mapped[date | None]
    next_restock_date: Mapped[date | None]
    supplier_info: Mapped[dict[str, Any]] = mapped_column(default=dict)
    unit_cost: Mapped[Decimal | None]
    location: Mapped[str | None] = mapped_column(String(100))
    is_tracked: Mapped[bool] = mapped_column(default=False)

    if TYPE_CHECKING:
        # The seed's current_quantity, derived below: never stored, so it cannot drift from the movements.
        current_quantity: Mapped[int]


InventoryItem.current_quantity = column_property(
    select(func.coalesce(func.sum(InventoryMovement.quantity), 0))
    .where(
        InventoryMovement.clinic_id == InventoryItem.clinic_id,
        InventoryMovement.item_id == InventoryItem.id,
    )
    .correlate_except(InventoryMovement)
    .scalar_subquery()
)


class ReorderStatus(StrEnum):
    REQUESTED = "Requested"
    ORDERED = "Ordered"
    RECEIVED = "Received"
    CANCELLED = "Cancelled"


class ReorderRequest(ClinicRecord, Base):
    __tablename__ = "reorder_requests"
    __table_args__ = (
        Index(None, "clinic_id", "status"),
        clinic_fk("item_id", "inventory_items"),
        clinic_fk("requested_by", "staff_users"),
    )

    item_id: Mapped[uuid.UUID]
    quantity: Mapped[int]
    status: Mapped[ReorderStatus] = mapped_column(
        enum_column(ReorderStatus, "status"), default=ReorderStatus.REQUESTED
    )
    requested_by: Mapped[uuid.UUID | None]
    supplier: Mapped[str | None]
    notes: Mapped[str | None] = mapped_column(Text)
    ordered_at: Mapped[datetime | None]
    received_at: Mapped[datetime | None]
