"""The inbox's changes, as desk intents (desktop/actions.py): they sync like every other change,
so a conflict resolved on this PC is resolved on the server, and on every desk, once it is sent."""

from __future__ import annotations

import uuid
from datetime import datetime

from common.sync import conflicts, reviews
from desktop.actions import Intent

INBOX_TABLES = frozenset({"sync_conflicts", "merge_reviews", "appointments"})


def rebook(conflict_id: uuid.UUID, starts_at: datetime, doctor_id: uuid.UUID) -> Intent:
    """Book the patient who lost the time at another free time (and doctor)."""
    return Intent(
        "resolve_conflict",
        {
            "conflict_id": str(conflict_id),
            "action": conflicts.Resolution.REBOOK.value,
            "starts_at": starts_at.isoformat(),
            "doctor_id": str(doctor_id),
        },
        lambda ctx: conflicts.resolve_conflict(
            ctx, conflict_id, conflicts.Resolution.REBOOK, starts_at=starts_at, doctor_id=doctor_id
        ),
        shape=lambda row: row.id,
        changes=INBOX_TABLES,
    )


def retry(conflict_id: uuid.UUID) -> Intent:
    """Run the change that lost again, now (a seat or a time was freed since)."""
    return Intent(
        "resolve_conflict",
        {"conflict_id": str(conflict_id), "action": conflicts.Resolution.RETRY.value},
        lambda ctx: conflicts.resolve_conflict(ctx, conflict_id, conflicts.Resolution.RETRY),
        shape=lambda row: row.id,
        changes=INBOX_TABLES,
    )


def dismiss(conflict_id: uuid.UUID, note: str) -> Intent:
    """Close it with a note (the patient was called; nothing to book)."""
    return Intent(
        "resolve_conflict",
        {"conflict_id": str(conflict_id), "action": conflicts.Resolution.DISMISS.value, "note": note},
        lambda ctx: conflicts.resolve_conflict(ctx, conflict_id, conflicts.Resolution.DISMISS, note=note),
        shape=lambda row: row.id,
        changes=INBOX_TABLES,
    )


def mark_reviewed(review_id: uuid.UUID) -> Intent:
    """The overwritten value was checked (the value kept stands)."""
    return Intent(
        "acknowledge_merge_review",
        {"review_id": str(review_id)},
        lambda ctx: reviews.acknowledge(ctx, review_id),
        shape=lambda row: row.id,
        changes=INBOX_TABLES,
    )
