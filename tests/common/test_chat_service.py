"""Chat with patients: conversations by department, unread counts, replies, read receipts; who
may do what, one audit row per operation, and the sync intents' arguments."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from common.audit.models import ActorType, AuditLog, AuditOutcome
from common.chat.errors import MessageEmpty, MessageTooLong
from common.chat.models import ChatMessage, Department, MessagePriority, SenderType
from common.chat.service import (
    MAX_CONTENT,
    conversation_messages,
    list_conversations,
    mark_read,
    record_patient_message,
    record_patient_read,
    send_message,
    unread_counts,
)
from common.clock import FrozenClock
from common.context import Actor
from common.errors import PermissionDenied
from common.ids import new_id
from common.patients.errors import PatientNotFound
from common.sync.models import SyncOutbox
from common.sync.outbox import run_intent
from tests.common.patients_support import AuditWatch, register
from tests.conftest import ClinicWorld

G, B, M, A = Department.GENERAL, Department.BILLING, Department.MEDICAL, Department.APPOINTMENT


def incoming(
    world: ClinicWorld, patient_id: uuid.UUID, department: Department, text: str, **options: object
) -> uuid.UUID:
    with world.system() as ctx:
        return record_patient_message(ctx, patient_id, department, text, **options).id  # type: ignore[arg-type]


@pytest.fixture
def two_patients(world: ClinicWorld, clock: FrozenClock) -> tuple[uuid.UUID, uuid.UUID]:
    ana = register(world, first_name="Ana", last_name="García").id
    mei = register(world, first_name="怡君", last_name="陳").id
    incoming(world, ana, G, "Hello, do you open on Saturday?")
    clock.advance(timedelta(minutes=5))
    incoming(world, mei, B, "Could I have a receipt for last week's peel?")
    clock.advance(timedelta(minutes=1))
    incoming(world, mei, B, "For my insurance, please.", priority=MessagePriority.HIGH)
    clock.advance(timedelta(minutes=1))
    incoming(world, ana, A, "Can I move Thursday's visit to Friday?")
    clock.advance(timedelta(minutes=1))
    return ana, mei


def test_conversations_by_department_with_unread_counts(world, two_patients, clock) -> None:
    ana, mei = two_patients
    with world.ctx("receptionist") as ctx:
        everything = list_conversations(ctx)
        billing = list_conversations(ctx, B)
        counts = unread_counts(ctx)
    assert [(c.patient_id, c.department) for c in everything] == [(ana, A), (mei, B), (ana, G)]
    [bills] = billing
    assert (bills.first_name, bills.last_name, bills.unread, bills.messages) == ("怡君", "陳", 2, 2)
    assert bills.last_preview == "For my insurance, please."
    assert bills.last_from_patient and bills.urgent
    assert bills.last_message_at == clock.now() - timedelta(minutes=2)
    assert counts == {G: 1, B: 2, M: 0, A: 1}


def test_a_reply_and_both_read_receipts(world, two_patients, clock) -> None:
    _ana, mei = two_patients
    with world.ctx("receptionist") as ctx:
        marked = mark_read(ctx, mei, B)
        reply = send_message(ctx, mei, B, "  Of course. It is attached to your file.\n\n  ")
    assert len(marked) == 2
    assert reply.content == "Of course. It is attached to your file."
    assert reply.sender_id == world.staff["receptionist"] and not reply.is_read
    with world.ctx("doctor") as ctx:
        thread = conversation_messages(ctx, mei, B)
        [conversation] = list_conversations(ctx, B)
        assert unread_counts(ctx)[B] == 0
    assert [m.from_patient for m in thread] == [True, True, False]
    assert all(m.is_read and m.read_at == clock.now() for m in thread[:2])
    assert conversation.unread == 0 and not conversation.last_from_patient and not conversation.last_is_read

    clock.advance(timedelta(minutes=3))
    with world.system() as ctx:  # the patient opened the conversation in the app
        assert record_patient_read(ctx, mei, B) == [reply.id]
    with world.ctx("doctor") as ctx:
        last = conversation_messages(ctx, mei, B)[-1]
    assert last.is_read and last.read_at == clock.now()


def test_marking_read_keeps_the_first_reading_and_only_marks_what_was_seen(
    world, two_patients, clock
) -> None:
    ana, _mei = two_patients
    seen = incoming(world, ana, G, "Also: is parking free?")
    clock.advance(timedelta(minutes=1))
    later = incoming(world, ana, G, "Never mind, found it.")
    with world.ctx("nurse") as ctx:
        assert mark_read(ctx, ana, G, [seen]) == [seen]
    first_read = clock.now()
    clock.advance(timedelta(minutes=10))
    with world.ctx("nurse") as ctx:
        assert later in mark_read(ctx, ana, G) and seen not in mark_read(ctx, ana, G)
        thread = {m.id: m for m in conversation_messages(ctx, ana, G)}
    assert thread[seen].read_at == first_read
    assert thread[later].read_at == clock.now()


def test_who_may_read_reply_and_speak_for_the_patient(world, two_patients) -> None:
    ana, _mei = two_patients
    with world.ctx("manager") as ctx:  # reads conversations, does not answer them
        assert list_conversations(ctx)
    for operation in (
        lambda ctx: send_message(ctx, ana, G, "Hi"),
        lambda ctx: mark_read(ctx, ana, G),
    ):
        with pytest.raises(PermissionDenied), world.ctx("manager") as ctx:
            operation(ctx)
    with pytest.raises(PermissionDenied), world.ctx("admin") as ctx:  # staff cannot pose as a patient
        record_patient_message(ctx, ana, G, "I am the patient, honestly")
    with pytest.raises(PermissionDenied), world.db.context(world.clinic_id, Actor.kiosk(new_id())) as ctx:
        list_conversations(ctx)
    with world.db.context(world.clinic_id, Actor(ActorType.PATIENT, ana)) as ctx:
        record_patient_message(ctx, ana, G, "Sent from my phone")  # the patient themself, via the app
    with world.db.session(world.clinic_id) as session:
        denied = session.scalars(select(AuditLog).where(AuditLog.outcome == AuditOutcome.DENIED)).all()
    assert sorted(row.action for row in denied) == [
        "chat.receive",
        "denied:chat.read",
        "denied:chat.send",
        "denied:chat.send",
    ]


def test_each_operation_writes_one_audit_row_naming_the_patient_and_never_the_text(
    world, two_patients
) -> None:
    ana, _mei = two_patients
    watch = AuditWatch(world).start()
    with world.ctx("receptionist") as ctx:
        conversation_messages(ctx, ana, G)
    with world.ctx("receptionist") as ctx:
        mark_read(ctx, ana, G)
    with world.ctx("receptionist") as ctx:
        sent = send_message(ctx, ana, G, "Yes, from 9 to 5 on Saturdays.")
    with world.ctx("receptionist") as ctx:
        list_conversations(ctx)
    rows = watch.new()
    assert [(r.action, r.patient_id) for r in rows] == [
        ("chat.read", ana),
        ("chat.mark_read", ana),
        ("chat.send", ana),
        ("chat.list", None),
    ]
    assert rows[2].entity_id == sent.id
    assert all("Saturday" not in str(r.changed_fields) for r in rows)


def test_refusals(world, other_world, two_patients) -> None:
    ana, _mei = two_patients
    with world.ctx("receptionist") as ctx:
        with pytest.raises(MessageEmpty):
            send_message(ctx, ana, G, " \n\t ")
        with pytest.raises(MessageTooLong):
            send_message(ctx, ana, G, "x" * (MAX_CONTENT + 1))
        with pytest.raises(PatientNotFound):
            send_message(ctx, new_id(), G, "Hello?")
    # Another clinic sees none of it, and cannot write to this clinic's patients.
    with other_world.ctx("receptionist") as ctx:
        assert list_conversations(ctx) == []
        assert sum(unread_counts(ctx).values()) == 0
        with pytest.raises(PatientNotFound):
            send_message(ctx, ana, G, "Hello from next door")


def test_sync_intents_carry_the_message_id_and_the_messages_that_were_seen(world, two_patients) -> None:
    _ana, mei = two_patients
    actor = world.actor("receptionist")
    message_id = new_id()
    sent = run_intent(
        world.db,
        actor,
        "send_chat_message",
        {"message_id": str(message_id), "patient_id": str(mei), "department": "Billing", "content": "Done."},
        clinic_id=world.clinic_id,
    )
    assert sent.id == message_id
    marked = run_intent(
        world.db,
        actor,
        "mark_chat_read",
        {"patient_id": str(mei), "department": "Billing"},
        clinic_id=world.clinic_id,
    )
    with world.db.session(world.clinic_id) as session:
        mine = SyncOutbox.actor_staff_id == actor.id  # the outbox is a device's: it has no clinic column
        outbox = session.scalars(select(SyncOutbox).where(mine).order_by(SyncOutbox.n.desc())).all()
        row = session.scalars(select(ChatMessage).where(ChatMessage.id == message_id)).one()
    assert row.sender_type is SenderType.STAFF and row.content == "Done."
    mark, send = outbox
    assert (send.intent, send.args["message_id"]) == ("send_chat_message", str(message_id))
    assert mark.intent == "mark_chat_read"
    assert sorted(mark.args["message_ids"]) == sorted(str(i) for i in marked) and len(marked) == 2
