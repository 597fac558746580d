"""The Chat screen's changes, as desk intents (names and arguments the sync outbox carries)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from common.chat.models import Department
from common.chat.service import mark_read, send_message
from common.ids import new_id
from desktop.actions import Intent


def send(patient_id: uuid.UUID, department: Department, content: str) -> Intent:
    message_id = new_id()
    return Intent(
        "send_chat_message",
        {
            "message_id": str(message_id),
            "patient_id": str(patient_id),
            "department": department.value,
            "content": content,
        },
        lambda ctx: send_message(ctx, patient_id, department, content, message_id=message_id),
        shape=lambda message: message.id,
    )


def mark_conversation_read(
    patient_id: uuid.UUID, department: Department, message_ids: Sequence[uuid.UUID]
) -> Intent:
    """The messages the reader saw are read (not any that arrived since)."""
    ids = list(message_ids)
    return Intent(
        "mark_chat_read",
        {"patient_id": str(patient_id), "department": department.value, "message_ids": [str(i) for i in ids]},
        lambda ctx: mark_read(ctx, patient_id, department, ids),
    )
