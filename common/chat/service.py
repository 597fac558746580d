"""Conversations between patients and the clinic's departments (General, Billing, Medical,
Appointment).

A conversation is one patient's messages in one department. Staff read them (CHAT_READ) and
reply (CHAT_SEND); marking a patient's messages read is a write of the replying roles (the patient
sees it as a read receipt). Patients' messages, and patients reading staff replies, arrive through
the relay: only the relay (the system) or the patient themself records those.

Every read and write is audited with the patient's id, never with what was written.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import ColumnElement, and_, case, func, select

from common.access.permissions import Permission
from common.audit.chain import AuditEntry
from common.audit.models import ActorType, AuditOutcome
from common.chat.errors import MessageEmpty, MessageTooLong, TooManyMessages
from common.chat.models import (
    ChatMessage,
    Department,
    MessagePriority,
    MessageType,
    RecipientType,
    SenderType,
)
from common.context import ServiceContext
from common.errors import PermissionDenied
from common.patients.models import Patient
from common.patients.service import load_patient

ENTITY: Final = "chat_message"
MAX_CONTENT: Final = 4_000
PREVIEW_CHARS: Final = 140
CONVERSATION_LIMIT: Final = 300
THREAD_LIMIT: Final = 500
MAX_MARKED: Final = 1_000
URGENT: Final = (MessagePriority.HIGH, MessagePriority.URGENT)
WRITTEN: Final = ("content", "department", "priority", "sender_type", "recipient_type")


@dataclass(frozen=True)
class MessageView:
    id: uuid.UUID
    patient_id: uuid.UUID
    department: Department
    sender_type: SenderType
    sender_id: uuid.UUID
    message_type: MessageType
    content: str
    created_at: datetime
    is_read: bool
    read_at: datetime | None
    priority: MessagePriority

    @property
    def from_patient(self) -> bool:
        return self.sender_type is SenderType.PATIENT

    @classmethod
    def of(cls, row: ChatMessage) -> MessageView:
        return cls(
            id=row.id,
            patient_id=row.patient_id,
            department=row.department,
            sender_type=row.sender_type,
            sender_id=row.sender_id,
            message_type=row.message_type,
            content=row.content or "",
            created_at=row.created_at,
            is_read=row.is_read,
            read_at=row.read_at,
            priority=row.priority,
        )


@dataclass(frozen=True)
class Conversation:
    """A patient's thread in one department, as a conversation list shows it."""

    patient_id: uuid.UUID
    first_name: str
    last_name: str
    department: Department
    last_message_at: datetime
    last_message_type: MessageType
    last_preview: str  # the start of the last message, on one line
    last_from_patient: bool
    last_is_read: bool
    unread: int  # the patient's messages no one has read yet
    urgent: bool  # one of those is marked high or urgent
    messages: int


# ---------------------------------------------------------------------------------------------
# Reading


def list_conversations(
    ctx: ServiceContext, department: Department | None = None, *, limit: int = CONVERSATION_LIMIT
) -> list[Conversation]:
    """The most recently active conversations first (of one department, or all)."""
    ctx.authorize(Permission.CHAT_READ, entity_type=ENTITY)
    conversation = (ChatMessage.patient_id, ChatMessage.department)
    waiting = and_(ChatMessage.sender_type == SenderType.PATIENT, ChatMessage.is_read.is_(False))
    ranked = select(
        ChatMessage.patient_id,
        ChatMessage.department,
        ChatMessage.created_at,
        ChatMessage.message_type,
        ChatMessage.content,
        ChatMessage.sender_type,
        ChatMessage.is_read,
        func.row_number()
        .over(partition_by=conversation, order_by=(ChatMessage.created_at.desc(), ChatMessage.id.desc()))
        .label("rank"),
        func.count().over(partition_by=conversation).label("total"),
        func.sum(case((waiting, 1), else_=0)).over(partition_by=conversation).label("unread"),
        func.sum(case((and_(waiting, ChatMessage.priority.in_(URGENT)), 1), else_=0))
        .over(partition_by=conversation)
        .label("urgent"),
    )
    if department is not None:
        ranked = ranked.where(ChatMessage.department == department)
    latest = ranked.subquery()
    rows = ctx.session.execute(
        select(latest, Patient.first_name, Patient.last_name)
        .join(Patient, Patient.id == latest.c.patient_id)
        .where(latest.c.rank == 1)
        .order_by(latest.c.created_at.desc(), latest.c.patient_id)
        .limit(limit)
    )
    found = [
        Conversation(
            patient_id=row.patient_id,
            first_name=row.first_name,
            last_name=row.last_name,
            department=Department(row.department),
            last_message_at=row.created_at,
            last_message_type=MessageType(row.message_type),
            last_preview=preview(row.content),
            last_from_patient=SenderType(row.sender_type) is SenderType.PATIENT,
            last_is_read=bool(row.is_read),
            unread=int(row.unread or 0),
            urgent=bool(row.urgent),
            messages=int(row.total),
        )
        for row in rows
    ]
    ctx.audit("chat.list", ENTITY)
    return found


def unread_counts(ctx: ServiceContext) -> dict[Department, int]:
    """Patients' messages waiting to be read, by department (every department, zeros included)."""
    ctx.authorize(Permission.CHAT_READ, entity_type=ENTITY)
    counts = dict.fromkeys(Department, 0)
    rows = ctx.session.execute(
        select(ChatMessage.department, func.count(ChatMessage.id))
        .where(ChatMessage.sender_type == SenderType.PATIENT, ChatMessage.is_read.is_(False))
        .group_by(ChatMessage.department)
    )
    for department, count in rows:
        counts[Department(department)] = int(count)
    return counts


def conversation_messages(
    ctx: ServiceContext, patient_id: uuid.UUID, department: Department, *, limit: int = THREAD_LIMIT
) -> list[MessageView]:
    """A conversation's latest messages, oldest first."""
    ctx.authorize(Permission.CHAT_READ, entity_type=ENTITY, patient_id=patient_id)
    load_patient(ctx, patient_id)
    rows = list(
        ctx.session.scalars(
            select(ChatMessage)
            .where(ChatMessage.patient_id == patient_id, ChatMessage.department == department)
            .order_by(ChatMessage.created_at.desc(), ChatMessage.id.desc())
            .limit(limit)
        )
    )
    ctx.audit("chat.read", ENTITY, patient_id=patient_id)
    return [MessageView.of(row) for row in reversed(rows)]


def unread_message_ids(ctx: ServiceContext, patient_id: uuid.UUID, department: Department) -> list[uuid.UUID]:
    """The patient's messages in a conversation that no one has read yet."""
    ctx.authorize(Permission.CHAT_READ, entity_type=ENTITY, patient_id=patient_id)
    return list(
        ctx.session.scalars(
            select(ChatMessage.id)
            .where(*_waiting(patient_id, department))
            .order_by(ChatMessage.created_at, ChatMessage.id)
            .limit(MAX_MARKED)
        )
    )


# ---------------------------------------------------------------------------------------------
# Staff writing


def send_message(
    ctx: ServiceContext,
    patient_id: uuid.UUID,
    department: Department,
    content: str,
    *,
    message_id: uuid.UUID | None = None,
    priority: MessagePriority = MessagePriority.NORMAL,
    related_appointment_id: uuid.UUID | None = None,
    related_treatment_id: uuid.UUID | None = None,
) -> MessageView:
    """A staff reply (or a first message) to the patient, from the signed-in person."""
    ctx.authorize(Permission.CHAT_SEND, entity_type=ENTITY, patient_id=patient_id)
    if ctx.actor.type is not ActorType.STAFF or ctx.actor.id is None:
        _deny(ctx, "chat.send", patient_id)
        raise PermissionDenied()
    text = clean_content(content)
    load_patient(ctx, patient_id)
    message = ChatMessage(
        patient_id=patient_id,
        sender_type=SenderType.STAFF,
        sender_id=ctx.actor.id,
        recipient_type=RecipientType.PATIENT,
        recipient_id=patient_id,
        message_type=MessageType.TEXT,
        content=text,
        is_read=False,
        department=department,
        priority=priority,
        related_appointment_id=related_appointment_id,
        related_treatment_id=related_treatment_id,
    )
    if message_id is not None:
        message.id = message_id
    ctx.session.add(message)
    ctx.session.flush()
    ctx.audit("chat.send", ENTITY, message.id, patient_id=patient_id, changed_fields=WRITTEN)
    return MessageView.of(message)


def mark_read(
    ctx: ServiceContext,
    patient_id: uuid.UUID,
    department: Department,
    message_ids: Iterable[uuid.UUID] | None = None,
) -> list[uuid.UUID]:
    """Mark the patient's unread messages in a conversation read (those given, or all); returns
    the ids marked. Messages already read keep their first reading time."""
    ctx.authorize(Permission.CHAT_SEND, entity_type=ENTITY, patient_id=patient_id)
    query = select(ChatMessage).where(*_waiting(patient_id, department))
    if message_ids is not None:
        wanted = list(dict.fromkeys(message_ids))
        if len(wanted) > MAX_MARKED:
            raise TooManyMessages(maximum=MAX_MARKED)
        query = query.where(ChatMessage.id.in_(wanted))
    now = ctx.now()
    marked = []
    for message in ctx.session.scalars(query.order_by(ChatMessage.created_at, ChatMessage.id)):
        message.is_read = True
        message.read_at = now
        marked.append(message.id)
    ctx.session.flush()
    ctx.audit("chat.mark_read", ENTITY, patient_id=patient_id, changed_fields=["is_read", "read_at"])
    return marked


# ---------------------------------------------------------------------------------------------
# What the patient does (through the relay)


def record_patient_message(
    ctx: ServiceContext,
    patient_id: uuid.UUID,
    department: Department,
    content: str,
    *,
    message_id: uuid.UUID | None = None,
    priority: MessagePriority = MessagePriority.NORMAL,
    related_appointment_id: uuid.UUID | None = None,
) -> MessageView:
    """A message the patient wrote to a department, as the relay delivers it."""
    _patient_side(ctx, "chat.receive", patient_id)
    text = clean_content(content)
    load_patient(ctx, patient_id)
    message = ChatMessage(
        patient_id=patient_id,
        sender_type=SenderType.PATIENT,
        sender_id=patient_id,
        recipient_type=RecipientType.DEPARTMENT,
        recipient_id=None,
        message_type=MessageType.TEXT,
        content=text,
        is_read=False,
        department=department,
        priority=priority,
        related_appointment_id=related_appointment_id,
    )
    if message_id is not None:
        message.id = message_id
    ctx.session.add(message)
    ctx.session.flush()
    ctx.audit("chat.receive", ENTITY, message.id, patient_id=patient_id, changed_fields=WRITTEN)
    return MessageView.of(message)


def record_patient_read(
    ctx: ServiceContext, patient_id: uuid.UUID, department: Department
) -> list[uuid.UUID]:
    """The patient opened the conversation: the staff replies they had not seen are read."""
    _patient_side(ctx, "chat.patient_read", patient_id)
    now = ctx.now()
    marked = []
    unseen = select(ChatMessage).where(
        ChatMessage.patient_id == patient_id,
        ChatMessage.department == department,
        ChatMessage.sender_type == SenderType.STAFF,
        ChatMessage.is_read.is_(False),
    )
    for message in ctx.session.scalars(unseen):
        message.is_read = True
        message.read_at = now
        marked.append(message.id)
    ctx.session.flush()
    ctx.audit("chat.patient_read", ENTITY, patient_id=patient_id, changed_fields=["is_read", "read_at"])
    return marked


# ---------------------------------------------------------------------------------------------


def clean_content(content: str) -> str:
    """The message as it is stored: trailing spaces and blank edges trimmed, lines kept."""
    text = "\n".join(line.rstrip() for line in content.replace("\r\n", "\n").split("\n")).strip()
    if not text:
        raise MessageEmpty()
    if len(text) > MAX_CONTENT:
        raise MessageTooLong(maximum=MAX_CONTENT)
    return text


def preview(content: str | None) -> str:
    text = " ".join((content or "").split())
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1].rstrip() + "…"


def _waiting(patient_id: uuid.UUID, department: Department) -> tuple[ColumnElement[bool], ...]:
    return (
        ChatMessage.patient_id == patient_id,
        ChatMessage.department == department,
        ChatMessage.sender_type == SenderType.PATIENT,
        ChatMessage.is_read.is_(False),
    )


def _patient_side(ctx: ServiceContext, action: str, patient_id: uuid.UUID) -> None:
    """Only the relay (the system) or the patient themself speaks for the patient."""
    actor = ctx.actor
    if actor.type is ActorType.SYSTEM or (actor.type is ActorType.PATIENT and actor.id == patient_id):
        return
    _deny(ctx, action, patient_id)
    raise PermissionDenied()


def _deny(ctx: ServiceContext, action: str, patient_id: uuid.UUID) -> None:
    """Audit a refusal; `Database.context` writes it even though the operation rolls back."""
    actor = ctx.actor
    ctx.denials.append(
        AuditEntry(
            actor.type,
            actor.id,
            actor.device_id,
            action,
            ENTITY,
            None,
            patient_id=patient_id,
            outcome=AuditOutcome.DENIED,
        )
    )
