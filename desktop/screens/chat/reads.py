"""What the Chat screen shows, as frozen rows made on the database worker: the conversations with
their unread counts, and one conversation's messages (times in the clinic's zone)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from common.chat.models import Department, MessagePriority, MessageType
from common.chat.service import conversation_messages, list_conversations, unread_counts
from common.context import ServiceContext
from desktop import sync_bridge
from desktop.names import display_name
from desktop.reads.appointments import patient_names


@dataclass(frozen=True)
class ConversationRow:
    patient_id: uuid.UUID
    patient_name: str
    department: Department
    last_at: datetime
    preview: str
    message_type: MessageType
    last_from_patient: bool
    last_is_read: bool
    unread: int
    urgent: bool

    @property
    def key(self) -> tuple[uuid.UUID, Department]:
        return self.patient_id, self.department


@dataclass(frozen=True)
class ChatOverview:
    conversations: tuple[ConversationRow, ...]
    unread: dict[Department, int] = field(default_factory=dict)

    @property
    def total_unread(self) -> int:
        return sum(self.unread.values())


@dataclass(frozen=True)
class ThreadMessage:
    id: uuid.UUID
    from_patient: bool
    sender_id: uuid.UUID
    content: str
    message_type: MessageType
    at: datetime
    is_read: bool
    read_at: datetime | None
    priority: MessagePriority
    pending: bool  # written here, not yet confirmed by the clinic server


@dataclass(frozen=True)
class Thread:
    patient_id: uuid.UUID
    patient_name: str
    department: Department
    messages: tuple[ThreadMessage, ...]

    @property
    def key(self) -> tuple[uuid.UUID, Department]:
        return self.patient_id, self.department

    def unread_ids(self) -> list[uuid.UUID]:
        return [m.id for m in self.messages if m.from_patient and not m.is_read]


def chat_overview(ctx: ServiceContext) -> ChatOverview:
    tz = ctx.tz
    rows = tuple(
        ConversationRow(
            patient_id=c.patient_id,
            patient_name=display_name(c.first_name, c.last_name),
            department=c.department,
            last_at=c.last_message_at.astimezone(tz),
            preview=c.last_preview,
            message_type=c.last_message_type,
            last_from_patient=c.last_from_patient,
            last_is_read=c.last_is_read,
            unread=c.unread,
            urgent=c.urgent,
        )
        for c in list_conversations(ctx)
    )
    return ChatOverview(rows, unread_counts(ctx))


def chat_thread(ctx: ServiceContext, patient_id: uuid.UUID, department: Department) -> Thread:
    messages = conversation_messages(ctx, patient_id, department)
    name = patient_names(ctx, [patient_id]).get(patient_id, ("", False))[0]
    pending = sync_bridge.pending_ids(ctx, "chat_messages")
    tz = ctx.tz
    return Thread(
        patient_id,
        name,
        department,
        tuple(
            ThreadMessage(
                id=m.id,
                from_patient=m.from_patient,
                sender_id=m.sender_id,
                content=m.content,
                message_type=m.message_type,
                at=m.created_at.astimezone(tz),
                is_read=m.is_read,
                read_at=m.read_at.astimezone(tz) if m.read_at is not None else None,
                priority=m.priority,
                pending=m.id in pending,
            )
            for m in messages
        ),
    )
