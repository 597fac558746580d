"""Type comparison for autogenerate and the drift test: compare what each type becomes on the dialect."""

from __future__ import annotations

from typing import Any

from sqlalchemy.types import TypeDecorator


def compare_type(
    context: Any, inspected_column: Any, metadata_column: Any, inspected_type: Any, metadata_type: Any
) -> bool | None:
    dialect = context.dialect
    if isinstance(metadata_type, TypeDecorator):
        impl = metadata_type.load_dialect_impl(dialect)
        if type(impl).__name__ != type(inspected_type).__name__ and not _same_family(impl, inspected_type):
            return True
        return False
    return None  # Alembic's default comparison


def _same_family(expected: Any, inspected: Any) -> bool:
    names = {type(expected).__name__.upper(), type(inspected).__name__.upper()}
    families = [
        {"DATETIME", "TIMESTAMP"},
        {"BIGINTEGER", "BIGINT", "INTEGER"},
        {"NUMERIC", "DECIMAL"},
        {"JSON", "JSONB"},
    ]
    return any(names <= family for family in families)
