"""Column types that keep the data model's rules on both SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Dialect, Numeric, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator, TypeEngine

MONEY_SCALE = 4


class UTCDateTime(TypeDecorator[datetime]):
    """An instant. Stored in UTC; naive datetimes are refused, results are always aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for an instant column; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        parse = datetime.fromisoformat

        # SQLite stores the text SQLAlchemy wrote ("2026-11-23 02:40:00.000000", UTC): one parse,
        # instead of the driver type's parse and then this type's own step, per value.
        def process(value: Any) -> datetime | None:
            if value is None:
                return None
            parsed = value if isinstance(value, datetime) else parse(value)
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)

        return process


_new_uuid = uuid.UUID.__new__
_set_field = object.__setattr__
_UNKNOWN_SAFETY = uuid.SafeUUID.unknown
_CACHE_LIMIT = 4096


class HexUuid(Uuid[uuid.UUID]):
    """A UUID key: native on PostgreSQL, 32 hex characters on SQLite (SQLAlchemy's `Uuid`).

    On SQLite the result processor builds the UUID from its int directly instead of through
    `uuid.UUID(hex)`'s input clean-up, and reuses the UUIDs it made recently (UUIDs are
    immutable): a patient's history turns thousands of keys into UUIDs, most of them the same
    few doctors and treatments, and this was a third of its time."""

    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        if dialect.supports_native_uuid and self.native_uuid:
            native: Callable[[Any], Any] | None = super().result_processor(dialect, coltype)  # type: ignore[no-untyped-call]
            return native
        recent: dict[str, uuid.UUID] = {}
        recall = recent.get

        def process(value: Any) -> uuid.UUID | None:
            if value is None or isinstance(value, uuid.UUID):
                return value
            found = recall(value)
            if found is not None:
                return found
            if len(value) == 32:
                result = _new_uuid(uuid.UUID)
                _set_field(result, "int", int(value, 16))
                _set_field(result, "is_safe", _UNKNOWN_SAFETY)
            else:
                result = uuid.UUID(value)
            if len(recent) >= _CACHE_LIMIT:
                recent.clear()
            recent[value] = result
            return result

        return process


class Money(TypeDecorator[Decimal]):
    """Exact money: NUMERIC(19,4) on PostgreSQL; on SQLite, an integer of 1/10,000ths.

    SQLite's NUMERIC affinity would store REAL and lose cents; a scaled integer keeps every
    amount exact and still lets SQL sum it.
    """

    impl = Numeric(19, MONEY_SCALE)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(19, MONEY_SCALE, asdecimal=True))

    def process_bind_param(self, value: Decimal | int | str | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        amount = Decimal(value)
        scaled = amount.scaleb(MONEY_SCALE)
        if scaled != scaled.to_integral_value():
            raise ValueError("money has at most four decimal places")
        if dialect.name == "sqlite":
            return int(scaled)
        return amount

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-MONEY_SCALE)
        return Decimal(value).quantize(Decimal(1).scaleb(-MONEY_SCALE))


# JSONB on PostgreSQL (indexable, compact), JSON text on SQLite.
JsonDocument = JSON().with_variant(JSONB(), "postgresql")
