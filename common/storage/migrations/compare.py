"""What autogenerate and the drift test compare: types as each dialect stores them; models' objects only."""

from __future__ import annotations

from typing import Any

from sqlalchemy.types import TypeDecorator


def compare_type(
    context: Any, inspected_column: Any, metadata_column: Any, inspected_type: Any, metadata_type: Any
) -> bool | None:
    """For our TypeDecorators, compare the type they store on this dialect by affinity
    (Numeric, DateTime, Integer...); leave every other type to Alembic's default comparison."""
    if isinstance(metadata_type, TypeDecorator):
        stored = metadata_type.load_dialect_impl(context.dialect)
        return bool(stored._type_affinity is not inspected_type._type_affinity)
    return None


# Made by migration 0002 (dialect-specific), not by the models.
MIGRATION_ONLY = frozenset({"ix_patients_search_trgm", "ex_appointments_doctor_time"})


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    if name is None:
        return True
    # The FTS5 table and its shadow tables.
    if type_ == "table" and name.startswith("patient_search"):
        return False
    return name not in MIGRATION_ONLY
