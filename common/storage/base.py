"""The declarative base and the mixins every clinic row is built from.

Rules from DESIGN.md, in one place:
- every clinic row carries `clinic_id`, and its key leads with it: `(clinic_id, id)`, so the
  server schema can be distributed by clinic and a row can only reference rows of its own clinic;
- keys are UUIDv7 made on the device;
- records (things edited in place) carry `version` (the base for a three-way merge),
  `updated_at` and a tombstone `deleted_at`; logs (check-ins, scans, movements, audit) are
  insert-only and carry neither;
- `seq` is the clinic's change-order number of the transaction that last wrote the row.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import BigInteger, Date, ForeignKey, ForeignKeyConstraint, MetaData, String, Time
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.ids import new_id
from common.storage.types import HexUuid, JsonDocument, Money, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        uuid.UUID: HexUuid(),
        datetime: UTCDateTime(),
        Decimal: Money(),
        date: Date(),
        time: Time(),
        dict[str, Any]: JsonDocument,
        list[Any]: JsonDocument,
        list[str]: JsonDocument,
        list[dict[str, Any]]: JsonDocument,
        str: String(255),
    }


class ClinicRow:
    """A row that belongs to one clinic. Insert-only unless it is also a `ClinicRecord`."""

    clinic_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinics.id"), primary_key=True, sort_order=-20)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id, sort_order=-10)
    created_at: Mapped[datetime] = mapped_column(sort_order=100)
    seq: Mapped[int] = mapped_column(BigInteger, default=0, sort_order=110)


class ClinicRecord(ClinicRow):
    """A clinic row edited in place: versioned, timestamped, soft-deleted."""

    updated_at: Mapped[datetime] = mapped_column(sort_order=101)
    deleted_at: Mapped[datetime | None] = mapped_column(sort_order=102)
    version: Mapped[int] = mapped_column(default=1, sort_order=103)


def clinic_fk(column: str, target: str) -> ForeignKeyConstraint:
    """A foreign key to another row of the same clinic: `(clinic_id, column) -> target(clinic_id, id)`.

    Rows are never hard-deleted (tombstones), so there is no ON DELETE action.
    """
    return ForeignKeyConstraint(["clinic_id", column], [f"{target}.clinic_id", f"{target}.id"])


def enum_column(enum_class: type[StrEnum], name: str) -> SAEnum:
    """A string column limited to an enum's values (a CHECK constraint, no native enum type)."""
    return SAEnum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
        length=max(len(member.value) for member in enum_class),
    )
