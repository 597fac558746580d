"""Where the desk meets the sync engine (issue 3), in one place.

Until the engine lands, this device runs on its local replica alone: nothing waits in an outbox,
so nothing is "pending", and the status bar says "Local only". When it lands:
- `pending_ids` answers which rows of a table are touched by an outbox mutation the server has
  not yet confirmed (the calendar draws those bookings hatched);
- `status_widget` returns the engine's Qt status indicator (common/qt/sync_status.py) for the
  status bar: online/offline, changes waiting to sync, last sync.
"""

from __future__ import annotations

import importlib
import logging
import uuid
from functools import cache

from PySide6.QtWidgets import QWidget

from common.context import ServiceContext

log = logging.getLogger(__name__)


def pending_ids(ctx: ServiceContext, table: str) -> frozenset[uuid.UUID]:
    """Ids of `table`'s rows touched by unsent (or unconfirmed) outbox mutations."""
    outbox = _optional("common.sync.outbox")
    finder = getattr(outbox, "pending_row_ids", None) if outbox is not None else None
    if finder is None:
        return frozenset()
    return frozenset(finder(ctx.session, table))


def open_conflicts(ctx: ServiceContext) -> int:
    """Conflicts the server sent back (a double booking, a taken barcode) that staff must decide."""
    conflicts = _optional("common.sync.conflicts")
    counter = getattr(conflicts, "open_conflict_count", None) if conflicts is not None else None
    return int(counter(ctx)) if counter is not None else 0


def status_widget(parent: QWidget | None = None) -> QWidget | None:
    """The sync engine's status indicator, or None while this device is local only."""
    module = _optional("common.qt.sync_status")
    factory = getattr(module, "SyncStatusWidget", None) if module is not None else None
    if factory is None:
        return None
    widget = factory(parent)
    return widget if isinstance(widget, QWidget) else None


@cache
def _optional(name: str) -> object | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None
