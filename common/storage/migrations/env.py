"""Alembic environment: runs against the engine handed in by `common.storage.migrate`."""

from __future__ import annotations

from typing import Any

from alembic import context

import common.models
from common.storage.migrations.compare import compare_type, include_object

target_metadata = common.models.metadata


def run_migrations() -> None:
    engine: Any = context.config.attributes.get("engine")
    if engine is None:
        raise RuntimeError("run migrations through common.storage.migrate (it passes the engine)")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=compare_type,
            include_object=include_object,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
