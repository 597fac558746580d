"""Batched push: a transaction per chunk of mutations; a refused mutation is undone alone.

A conflicting and a refused mutation in the middle of a batch leave the others applied, each
exactly once, whatever the chunk size; the batch sent again is answered "duplicate" throughout and
changes nothing; a chunk takes one change number and commits it in order, so a desk pulling while
batches and other writes commit misses nothing; the audit chain stays whole, also when a mutation
that audited is rolled back; pokes go out once per committed chunk. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.exc import OperationalError

from common.access.permissions import Permission
from common.audit.chain import GENESIS_HASH, append, deferred_links, verify_chain
from common.audit.models import ActorType, AuditLog
from common.context import ServiceContext
from common.database import Database
from common.ids import new_id
from common.patients.errors import PatientNotFound
from common.patients.models import Patient
from common.scheduling.models import Appointment, AppointmentStatus
from common.scheduling.schedules import add_time_off
from common.storage.session import held_change_seq
from common.sync.intents import INTENTS, Args, Intent
from common.sync.models import SyncAppliedMutation, SyncConflict, SyncDevice
from common.sync.protocol import MutationAnswer, MutationIn
from sync_server.sync import pokes, push
from sync_server.sync.pull import pull_page
from tests.common.commerce_support import movements_of
from tests.common.scheduling_fixtures import wall
from tests.conftest import ClinicWorld
from tests.sync_server.push_support import Desk, enroll, mixed_batch

CHAIN = "test-desk"  # the `db` fixture's chain


def count(db: Database, clinic_id: uuid.UUID, model: type[Any], *where: Any) -> int:
    with db.session(clinic_id) as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def rows_of(answer: MutationAnswer, table: str) -> list[dict[str, Any]]:
    return [
        dict(zip(rows.columns, row, strict=True))
        for rows in answer.rows
        if rows.table == table
        for row in rows.rows
    ]


def test_a_conflict_and_a_refusal_in_the_middle_leave_the_others_applied_once(desk: Desk, chunk: int) -> None:
    db, clinic_id = desk.db, desk.world.clinic_id
    batch, stranger = mixed_batch(desk)
    audit_before = count(db, clinic_id, AuditLog)

    response = desk.push(*batch)

    assert [a.status for a in response.answers] == [
        "applied",
        "applied",
        "conflict",
        "rejected",
        "applied",
        "applied",
        "applied",
    ]
    assert response.last_applied_n == 7
    conflict, refused = response.answers[2], response.answers[3]
    assert conflict.code == "slot_unavailable" and conflict.conflict_id is not None
    assert refused.code == "patient_not_found" and refused.message
    assert refused.absent == [("patients", stranger)]
    # Every answer carries its rows as the server holds them.
    assert rows_of(response.answers[1], "patients")[0]["notes"] == "first note"
    assert rows_of(response.answers[5], "appointments")[0]["status"] == AppointmentStatus.CHECKED_IN.value
    assert rows_of(response.answers[6], "patients")[0]["notes"] == "second note"
    assert conflict.absent == [("appointments", uuid.UUID(str(batch[2].args["appointment_id"])))]

    assert len([m for m in movements_of(desk.world, desk.item_id) if m.quantity < 0]) == 2
    assert count(db, clinic_id, SyncConflict, SyncConflict.mutation_n == 3) == 1
    assert count(db, clinic_id, Appointment, Appointment.patient_id == desk.sched.patients[3]) == 0
    with db.session(clinic_id) as session:
        applied = session.scalars(
            select(SyncAppliedMutation.n, SyncAppliedMutation.status)
            .where(SyncAppliedMutation.device_id == desk.device.device_id)
            .order_by(SyncAppliedMutation.n)
        ).all()
        device = session.get(SyncDevice, (clinic_id, desk.device.device_id))
        assert device is not None and device.last_applied_n == 7
        assert device.last_seen_at is not None
        report = verify_chain(session, clinic_id, CHAIN)
        actions = list(session.scalars(select(AuditLog.action).order_by(AuditLog.chain_seq)))[audit_before:]
    assert applied == [1, 2, 3, 4, 5, 6, 7]
    assert report.ok, report
    assert actions.count("patient.update") == 2
    assert count(db, clinic_id, Patient, Patient.notes == "first note") == 1


def test_the_batch_sent_again_is_answered_duplicate_and_changes_nothing(desk: Desk, chunk: int) -> None:
    db, clinic_id = desk.db, desk.world.clinic_id
    batch, _ = mixed_batch(desk)
    first = desk.push(*batch)
    audit, moved = count(db, clinic_id, AuditLog), len(movements_of(desk.world, desk.item_id))

    again = desk.push(*batch)

    assert [a.status for a in again.answers] == ["duplicate"] * 7
    assert [a.original_status for a in again.answers] == [a.status for a in first.answers]
    assert again.answers[2].conflict_id == first.answers[2].conflict_id
    assert rows_of(again.answers[1], "patients")[0]["notes"] == "first note"
    assert again.last_applied_n == 7
    assert count(db, clinic_id, AuditLog) == audit
    assert len(movements_of(desk.world, desk.item_id)) == moved
    assert count(db, clinic_id, SyncConflict) == 1

    # Old numbers and new ones in one push: the old answered as before, the new applied.
    tail = desk.note(5, "after the replay")
    mixed = desk.push(batch[5], batch[6], tail)
    assert [a.status for a in mixed.answers] == ["duplicate", "duplicate", "applied"]
    # A different change under a used number is never acknowledged.
    reused = batch[1].model_copy(update={"args": {**batch[1].args, "changes": {"notes": "other"}}})
    assert desk.push(reused).answers[0].code == "mutation_number_reused"


def test_a_number_sent_twice_in_one_push_and_a_gap(desk: Desk) -> None:
    first, second = desk.use_stock(), desk.use_stock()
    desk.n += 1  # a number the server never gets
    after_gap = desk.use_stock()
    response = desk.push(first, second, first, after_gap, desk.use_stock())
    assert [a.status for a in response.answers] == ["applied", "applied", "duplicate", "gap"]
    assert response.answers[2].original_status == "applied"
    assert response.last_applied_n == 2
    assert len([m for m in movements_of(desk.world, desk.item_id) if m.quantity < 0]) == 2


def test_a_staff_member_deactivated_in_a_batch_acts_no_more_in_it(desk: Desk) -> None:
    nurse = desk.world.staff["nurse"]
    before = desk.mutation("use_stock", {"item_id": str(desk.item_id), "quantity": 1}, [])
    before = before.model_copy(update={"actor_staff_id": nurse})
    leave = desk.mutation("deactivate_staff", {"staff_id": str(nurse)}, [("staff_users", nurse)])
    leave = leave.model_copy(update={"actor_staff_id": desk.world.staff["admin"]})
    after = desk.mutation("use_stock", {"item_id": str(desk.item_id), "quantity": 1}, [])
    after = after.model_copy(update={"actor_staff_id": nurse})
    response = desk.push(before, leave, after, desk.use_stock())
    assert [a.status for a in response.answers] == ["applied", "applied", "rejected", "applied"]
    assert response.answers[2].code == "permission_denied"


def test_a_chunk_takes_one_change_number_and_numbers_follow_the_chunks(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(push, "CHUNK_MUTATIONS", 2)
    response = desk.push(*(desk.note(i, f"note {i}") for i in range(6)))
    assert [a.status for a in response.answers] == ["applied"] * 6
    seqs = [rows_of(answer, "patients")[0]["seq"] for answer in response.answers]
    assert seqs[0] == seqs[1] < seqs[2] == seqs[3] < seqs[4] == seqs[5]


@pytest.mark.postgres
def test_a_chunk_reads_the_rows_its_mutations_name_once(desk: Desk, world: ClinicWorld) -> None:
    """Each mutation names the rows it touched; the chunk reads them in one statement per table
    (after taking the change number), so a note per patient costs no read of its own."""
    reads: list[str] = []

    def note_reads(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM patients" in statement:
            reads.append(statement)

    mutations = [desk.note(patient % 5, f"note {patient}") for patient in range(10)]
    event.listen(world.db.engine, "before_cursor_execute", note_reads)
    try:
        answers = desk.push(*mutations).answers
    finally:
        event.remove(world.db.engine, "before_cursor_execute", note_reads)
    assert [answer.status for answer in answers] == ["applied"] * 10
    assert len(reads) == 2  # the chunk's one read of the five, and the answers' rows
    with world.db.session(world.clinic_id) as session:
        notes = {p.id: p.notes for p in session.scalars(select(Patient))}
    assert [notes[desk.sched.patients[patient]] for patient in range(5)] == [
        f"note {p}" for p in range(5, 10)
    ]


def test_a_desk_pulling_while_batches_and_other_writes_commit_misses_nothing(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    if desk.db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers: PostgreSQL")
    monkeypatch.setattr(push, "CHUNK_MUTATIONS", 4)
    db, clinic_id = desk.db, desk.world.clinic_id
    reader = enroll(db, clinic_id)
    errors: list[BaseException] = []

    def pushing() -> None:
        try:
            for round_ in range(6):
                desk.push(*(desk.note(i % 8, f"push {round_}.{i}") for i in range(10)))
        except BaseException as error:  # reported by the test thread
            errors.append(error)

    def editing() -> None:
        try:
            for round_ in range(30):
                with desk.world.ctx("receptionist") as ctx:
                    from common.patients import service as patients

                    patients.update_patient(
                        ctx, desk.sched.patients[round_ % 8], {"first_name": f"Ed{round_}"}
                    )
        except BaseException as error:
            errors.append(error)

    held: dict[uuid.UUID, dict[str, Any]] = {}
    cursor = ""

    def pull() -> None:
        nonlocal cursor
        while True:
            with db.session(clinic_id) as session, session.begin():
                page = pull_page(session, reader, cursor, 7, db.clock.now())
            for rows in page.tables:
                if rows.table == "patients":
                    for row in rows.rows:
                        values = dict(zip(rows.columns, row, strict=True))
                        held[uuid.UUID(str(values["id"]))] = values
            cursor = page.cursor
            if not page.has_more:
                return

    writers = [threading.Thread(target=pushing), threading.Thread(target=editing)]
    for thread in writers:
        thread.start()
    while any(thread.is_alive() for thread in writers):
        pull()
    for thread in writers:
        thread.join()
    assert not errors, errors
    pull()
    with db.session(clinic_id) as session:
        server = {p.id: (p.notes, p.first_name, p.version) for p in session.scalars(select(Patient))}
    assert {pid: (v["notes"], v["first_name"], v["version"]) for pid, v in held.items()} == server


class _AuditThenFail(Args):
    patient_id: uuid.UUID


def _audit_then_fail(ctx: ServiceContext, args: _AuditThenFail) -> None:
    ctx.audit("patient.read", "patient", args.patient_id, patient_id=args.patient_id)
    raise PatientNotFound()


def test_links_of_a_mutation_rolled_back_leave_no_trace_in_the_chain(
    desk: Desk, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "test_audit_then_fail"
    monkeypatch.setitem(
        INTENTS, name, Intent(name, _AuditThenFail, Permission.PATIENT_READ, _audit_then_fail)
    )
    db, clinic_id = desk.db, desk.world.clinic_id
    patient = desk.sched.patients[0]
    failing = {"patient_id": str(patient)}
    batch = [
        desk.note(0, "a"),
        desk.mutation(name, failing, []),
        desk.note(1, "b"),
        desk.mutation(name, failing, []),
        desk.use_stock(),
    ]
    response = desk.push(*batch)
    assert [a.status for a in response.answers] == ["applied", "rejected", "applied", "rejected", "applied"]
    with db.session(clinic_id) as session:
        report = verify_chain(session, clinic_id, CHAIN)
        reads = session.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.action == "patient.read")
        )
    assert report.ok, report
    assert reads == 0


class _Flaky(Args):
    fail: bool


def _database_error(ctx: ServiceContext, args: _Flaky) -> None:
    if args.fail:
        raise OperationalError("SELECT 1", {}, RuntimeError("connection lost"))


def test_a_database_error_keeps_what_came_before_it(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    """A transient error fails the push at that mutation, as when each mutation had its own
    transaction: those before it are applied, it and those after it are not."""
    name = "test_database_error"
    monkeypatch.setitem(INTENTS, name, Intent(name, _Flaky, Permission.PATIENT_READ, _database_error))
    db, clinic_id = desk.db, desk.world.clinic_id
    batch = [desk.use_stock(), desk.use_stock(), desk.mutation(name, {"fail": True}, []), desk.use_stock()]
    with pytest.raises(OperationalError):
        desk.push(*batch)
    with db.session(clinic_id) as session:
        device = session.get(SyncDevice, (clinic_id, desk.device.device_id))
        assert device is not None and device.last_applied_n == 2
        report = verify_chain(session, clinic_id, CHAIN)
    assert report.ok, report
    assert len([m for m in movements_of(desk.world, desk.item_id) if m.quantity < 0]) == 2
    retried = batch[2].model_copy(update={"args": {"fail": False}})
    response = desk.push(batch[0], batch[1], retried, batch[3])
    assert [a.status for a in response.answers] == ["duplicate", "duplicate", "applied", "applied"]


def test_deferred_links_follow_savepoints(world: ClinicWorld) -> None:
    """The chain's own rules for a batch: links kept in memory, dropped with their savepoint."""
    db, clinic_id = world.db, world.clinic_id

    def link(session: Any, action: str) -> None:
        from common.audit.chain import AuditEntry

        entry = AuditEntry(ActorType.SYSTEM, None, None, action, "test")
        append(session, clinic_id, CHAIN, entry, db.clock.now())

    with db.session(clinic_id) as session, session.begin(), deferred_links(session):
        link(session, "one")
        with session.begin_nested():
            link(session, "kept")
        savepoint = session.begin_nested()
        link(session, "dropped")
        with session.begin_nested():
            link(session, "dropped too")
        savepoint.rollback()
        link(session, "two")
        assert session.scalar(select(func.count()).select_from(AuditLog)) == 0  # not written yet
        seq = held_change_seq(session, clinic_id)
    with db.session(clinic_id) as session:
        rows = list(session.scalars(select(AuditLog).order_by(AuditLog.chain_seq)))
        assert [row.action for row in rows] == ["one", "kept", "two"]
        assert rows[0].prev_hash == GENESIS_HASH and rows[-1].chain_seq == 3
        # What the storage rules stamp on a flushed row, the links written in one statement carry.
        assert {(row.created_at, row.seq) for row in rows} == {(db.clock.now(), seq)}
        assert verify_chain(session, clinic_id, CHAIN).ok

    # Without the block, links are written as they come, and a savepoint rolled back takes its own.
    with db.session(clinic_id) as session, session.begin():
        link(session, "three")
        savepoint = session.begin_nested()
        link(session, "gone")
        savepoint.rollback()
        link(session, "four")
    with db.session(clinic_id) as session:
        actions = list(session.scalars(select(AuditLog.action).order_by(AuditLog.chain_seq)))
        assert actions[-2:] == ["three", "four"]
        assert verify_chain(session, clinic_id, CHAIN).ok


def test_pokes_go_out_once_per_committed_chunk(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(push, "CHUNK_MUTATIONS", 4)
    published: list[tuple[uuid.UUID, uuid.UUID | None]] = []
    notified: list[tuple[uuid.UUID, uuid.UUID | None]] = []
    pokes.serve_pokes(desk.db.engine)  # as the server's app does
    monkeypatch.setattr(pokes.BROADCASTER, "publish", lambda *poke: published.append(poke[:2]))
    if desk.db.engine.dialect.name == "postgresql":
        # Also handed to the worker's notifier after each commit, for the other workers.
        notifier = pokes.notifier_for(desk.db.engine)
        monkeypatch.setattr(notifier, "send", lambda *poke: notified.append(poke))
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(desk.db.engine, "before_cursor_execute", seen)
    try:
        response = desk.push(*(desk.use_stock() for _ in range(10)))
    finally:
        event.remove(desk.db.engine, "before_cursor_execute", seen)
    assert not [statement for statement in statements if "pg_notify" in statement]
    assert [a.status for a in response.answers] == ["applied"] * 10
    chunks = 3
    assert published == [(desk.world.clinic_id, desk.device.device_id)] * chunks
    assert [poke[:2] for poke in notified] == (
        published if desk.db.engine.dialect.name == "postgresql" else []
    )


@pytest.mark.postgres
def test_the_notifier_sends_pokes_that_listeners_hear(postgres_engine: Engine) -> None:
    """Pokes leave the writing transaction (a NOTIFY there would serialise every clinic's commits
    on PostgreSQL's notification lock) and go out on the notifier's connection."""
    import psycopg

    engine = postgres_engine

    url = pokes.libpq_url(engine)
    clinic, origin = uuid.uuid4(), uuid.uuid4()
    with psycopg.connect(url, autocommit=True) as listener:
        listener.execute(f"LISTEN {pokes.CHANNEL}")
        notifier = pokes.notifier_for(engine)
        notifier.send(clinic, origin)
        notifier.send(clinic)
        heard: set[str] = set()
        deadline = time.monotonic() + 10
        while len(heard) < 2 and time.monotonic() < deadline:
            heard |= {note.payload for note in listener.notifies(timeout=1.0, stop_after=2)}
    assert heard == {f"{clinic}:{origin}:{pokes.WORKER}:", f"{clinic}::{pokes.WORKER}:"}


def test_a_push_pokes_the_clinics_other_devices_not_its_own() -> None:
    clinic, pusher, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    async def poked() -> list[bool]:
        broadcaster = pokes.Broadcaster()
        inboxes = [broadcaster.subscribe(clinic, pusher), broadcaster.subscribe(clinic, other)]
        elsewhere = broadcaster.subscribe(uuid.uuid4(), other)
        broadcaster.publish(clinic, pusher)
        await asyncio.sleep(0)
        return [inbox.ready.is_set() for inbox in [*inboxes, elsewhere]]

    assert asyncio.run(poked()) == [False, True, False]


def test_a_chunk_stops_after_its_time(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(push, "CHUNK_SECONDS", 0.0)  # one mutation per chunk, each committed alone
    response = desk.push(*(desk.use_stock() for _ in range(3)))
    assert [a.status for a in response.answers] == ["applied"] * 3
    used = [m for m in movements_of(desk.world, desk.item_id) if m.quantity < 0]
    assert len({m.seq for m in used}) == 3


def test_a_refusal_first_in_a_push_is_answered_and_the_rest_applied_once(desk: Desk, chunk: int) -> None:
    stranger = uuid.uuid4()
    refused = desk.mutation(
        "update_patient", {"patient_id": str(stranger), "changes": {"notes": "x"}}, [("patients", stranger)]
    )

    response = desk.push(refused, desk.use_stock(), desk.note(0, "after a refusal"))

    assert [a.status for a in response.answers] == ["rejected", "applied", "applied"]
    assert response.answers[0].code == "patient_not_found"
    assert len([m for m in movements_of(desk.world, desk.item_id) if m.quantity < 0]) == 1
    assert count(desk.db, desk.world.clinic_id, Patient, Patient.notes == "after a refusal") == 1


class _DayOff(Args):
    doctor_id: uuid.UUID
    day: date


def _day_off(ctx: ServiceContext, args: _DayOff) -> None:
    add_time_off(ctx, args.doctor_id, args.day, args.day)


def test_a_chunk_reads_schedules_once_and_again_after_one_changes(
    desk: Desk, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bookings in a chunk share the doctors' weeks they read, until a mutation writes a day off."""
    name = "test_day_off"
    monkeypatch.setitem(INTENTS, name, Intent(name, _DayOff, Permission.SCHEDULE_MANAGE, _day_off))
    doctor = desk.world.staff["doctor"]
    desk.staff_id = desk.world.staff["admin"]

    def book(patient: int, at: str) -> MutationIn:
        appointment = new_id()
        return desk.mutation(
            "book_appointment",
            {
                "appointment_id": str(appointment),
                "patient_id": str(desk.sched.patients[patient]),
                "doctor_id": str(doctor),
                "starts_at": wall(1, at).isoformat(),
                "duration_minutes": 15,
            },
            [("appointments", appointment)],
        )

    tuesday = wall(1, "09:00").astimezone(ZoneInfo("Asia/Taipei")).date()
    answers = desk.push(
        book(0, "09:00"),
        book(1, "09:30"),
        desk.mutation(name, {"doctor_id": str(doctor), "day": tuesday.isoformat()}, []),
        book(2, "10:00"),
    ).answers
    assert [answer.status for answer in answers[:3]] == ["applied"] * 3, [a.code for a in answers]
    assert answers[3].status != "applied"  # the doctor is off that day now
    assert (
        count(desk.db, desk.world.clinic_id, Appointment, Appointment.patient_id == desk.sched.patients[2])
        == 0
    )
