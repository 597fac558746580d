"""Local writes that sync: the change and its outbox mutation in ONE SQLite transaction.

`run_intent` applies an intent through the services and appends the mutation to `sync_outbox`
in the same IMMEDIATE transaction, numbered max + 1 (gapless: the write lock is held from the
number's read to the commit). A crash leaves either both or neither.
"""

from __future__ import annotations

import uuid
import weakref
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from common.audit.models import ActorType
from common.context import Actor
from common.database import Database
from common.sync import state
from common.sync.intents import INTENTS
from common.sync.models import OutboxStatus, SyncOutbox
from common.sync.tracking import RowKey, decode_keys, encode_keys, tracking

_listeners: weakref.WeakKeyDictionary[Engine, list[Callable[[], None]]] = weakref.WeakKeyDictionary()


class UnknownIntent(ValueError):
    pass


def on_local_write(engine: Engine, callback: Callable[[], None]) -> None:
    """Call `callback` (from the writer's thread) after each committed `run_intent` on `engine`."""
    _listeners.setdefault(engine, []).append(callback)


def run_intent(
    db: Database,
    actor: Actor,
    name: str,
    args: Mapping[str, Any] | BaseModel,
    *,
    clinic_id: uuid.UUID | None = None,
) -> Any:
    """Apply intent `name` locally and queue it for the server; return the service's result.

    A refusal (a `DomainError`) is raised as the service raised it, and nothing is queued.
    """
    intent = INTENTS.get(name)
    if intent is None:
        raise UnknownIntent(name)
    parsed = intent.parse(args)
    if clinic_id is None:
        clinic_id = state.clinic_id(db.engine)
    with db.context(clinic_id, actor) as ctx, tracking(ctx.session) as touched:
        if intent.prepare is not None:
            parsed = intent.prepare(ctx, parsed)
        result = intent.apply(ctx, parsed)
        if intent.finish is not None:
            parsed = intent.finish(ctx, parsed, result)
        ctx.session.flush()
        _append(ctx.session, name, parsed.model_dump(mode="json"), actor, touched, ctx.now())
    for callback in list(_listeners.get(db.engine, [])):
        callback()
    return result


def _append(
    session: Session, name: str, args: dict[str, Any], actor: Actor, touched: list[RowKey], now: datetime
) -> SyncOutbox:
    last = session.scalar(select(func.max(SyncOutbox.n))) or 0
    row = SyncOutbox(
        n=last + 1,
        intent=name,
        args=args,
        actor_staff_id=actor.id if actor.type is ActorType.STAFF else None,
        created_at=now,
        status=OutboxStatus.PENDING,
        touched=encode_keys(touched),
    )
    session.add(row)
    session.flush()
    return row


def pending(session: Session, limit: int | None = None) -> list[SyncOutbox]:
    query = select(SyncOutbox).where(SyncOutbox.status == OutboxStatus.PENDING).order_by(SyncOutbox.n)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def pending_count(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(SyncOutbox).where(SyncOutbox.status == OutboxStatus.PENDING)
        )
        or 0
    )


def pending_keys(session: Session) -> set[RowKey]:
    """Rows written by mutations the server has not answered yet: a pull leaves them alone."""
    keys: set[RowKey] = set()
    for raw in session.scalars(select(SyncOutbox.touched).where(SyncOutbox.status == OutboxStatus.PENDING)):
        keys.update(decode_keys(raw))
    return keys


def last_number(session: Session) -> int:
    return int(session.scalar(select(func.max(SyncOutbox.n))) or 0)


def pending_row_ids(session: Session, table: str) -> set[uuid.UUID]:
    """Ids of `table`'s rows written by mutations not yet confirmed (the desk shows them pending)."""
    return {row_id for name, row_id in pending_keys(session) if name == table}
