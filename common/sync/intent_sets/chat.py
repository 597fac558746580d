"""Sync intents of the chat: a staff reply, and marking a patient's messages read.

The message's id is made on the device and travels in the arguments, so the reply is the same row
on every replica. Marking read carries the ids of the messages the reader saw (filled in on the
device when not given): a message that reached the server after the reader looked stays unread.
Patients' own messages arrive through the relay on the server and need no device intent.
"""

from __future__ import annotations

import uuid
from typing import Any, Final

from pydantic import Field

from common.access.permissions import Permission
from common.chat import service as chat
from common.chat.models import Department, MessagePriority
from common.context import ServiceContext
from common.sync.intents import Args, Intent, register

MAX_CONTENT_PAYLOAD: Final = 20_000  # the service refuses long messages readably; this bounds the payload


class SendChatMessageArgs(Args):
    message_id: uuid.UUID
    patient_id: uuid.UUID
    department: Department
    content: str = Field(max_length=MAX_CONTENT_PAYLOAD)
    priority: MessagePriority = MessagePriority.NORMAL
    related_appointment_id: uuid.UUID | None = None
    related_treatment_id: uuid.UUID | None = None


class MarkChatReadArgs(Args):
    patient_id: uuid.UUID
    department: Department
    # None on the desk: the device fills in the unread messages it holds before applying.
    message_ids: list[uuid.UUID] | None = Field(default=None, max_length=chat.MAX_MARKED)


def _send(ctx: ServiceContext, args: SendChatMessageArgs) -> Any:
    return chat.send_message(
        ctx,
        args.patient_id,
        args.department,
        args.content,
        message_id=args.message_id,
        priority=args.priority,
        related_appointment_id=args.related_appointment_id,
        related_treatment_id=args.related_treatment_id,
    )


def _prepare_mark_read(ctx: ServiceContext, args: MarkChatReadArgs) -> MarkChatReadArgs:
    if args.message_ids is not None:
        return args
    seen = chat.unread_message_ids(ctx, args.patient_id, args.department)
    return args.model_copy(update={"message_ids": seen})


def _mark_read(ctx: ServiceContext, args: MarkChatReadArgs) -> Any:
    return chat.mark_read(ctx, args.patient_id, args.department, args.message_ids)


register(Intent("send_chat_message", SendChatMessageArgs, Permission.CHAT_SEND, _send))
register(
    Intent("mark_chat_read", MarkChatReadArgs, Permission.CHAT_SEND, _mark_read, prepare=_prepare_mark_read)
)
