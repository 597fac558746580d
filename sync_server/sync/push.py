"""Push: apply a device's mutations exactly once, in chunks: a transaction per chunk.

A push is applied in chunks of up to `CHUNK_MUTATIONS` mutations (fewer once a chunk has worked
`CHUNK_SECONDS`). A chunk's transaction locks the device's row, then runs the mutations; a refused
or conflicting mutation is undone alone and the others stand; the commit raises the device's
`last_applied_n` and records every answer, so effects and acknowledgements commit together.
Most mutations apply, so a chunk runs them optimistically, without a savepoint each (a savepoint
and its release cost as much as a typical mutation): when one is refused, the chunk is rolled back,
the mutations before it are applied again, and the refused one and every later one of the push
run in a savepoint each (undone alone, the way the answer needs). Answers:
- n <= last: a repeat (a retry after a lost response, a duplicated request): answered
  "duplicate" with the first answer's outcome, never applied again;
- n > last + 1: a gap: refused ("gap"), and the rest of the push is not looked at;
- otherwise applied: "applied", "conflict" (a scarce thing another device took first: the
  mutation goes to the conflict inbox whole) or "rejected" (any other refusal, with its
  translated reason).
Every answer carries the server's state, as the chunk commits it, of the rows the mutation touched,
on the device or here, or says they do not exist, so the device can replace its optimistic rows.

What is the same for every mutation of a chunk is done once: the device's row, the clinic's change
number and the audit chain head (both held to the commit, so change numbers still follow commit
order), the clinic, each acting staff member (looked up again after a mutation that wrote staff),
the audit links (one insert, `common.audit.chain.deferred_links`), the answer records (one insert)
and the answers' rows (one read per table). Holding the clinic's change counter blocks the clinic's
other writers, which is why a chunk is short.

The actor on the server is the staff member the mutation names, checked to be an active member
of the device's clinic; a kiosk acts as itself and may push only kiosk intents.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Final

from pydantic import ValidationError
from sqlalchemy import Table, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from common.audit.chain import AuditEntry, append, deferred_links, hold_head
from common.audit.models import ActorType, AuditOutcome
from common.clinics.models import Clinic
from common.context import Actor, ServiceContext
from common.database import Database
from common.errors import DomainError, PermissionDenied
from common.i18n import N_, translate
from common.scheduling.models import DoctorSchedule, DoctorTimeOff
from common.scheduling.working_time import HELD_DOCTOR_WEEKS
from common.staff.models import Role, StaffUser
from common.storage.base import Base, ClinicRow
from common.storage.session import KEEP_FOUND_ROWS, KNOWN_ABSENT, STAMPED_ROWS, ClinicSession, held_change_seq
from common.sync.bulk_apply import paused_gc
from common.sync.conflicts import MutationInfo, conflict_kind, record_conflict, set_current_mutation
from common.sync.intents import INTENTS
from common.sync.models import OutboxStatus, SyncAppliedMutation, SyncDevice
from common.sync.protocol import (
    FROM_START,
    MutationAnswer,
    MutationIn,
    PushRequest,
    PushResponse,
    TableRows,
    cursor_seq,
)
from common.sync.tables import CLINICS, is_synced_name
from common.sync.tracking import RowKey, decode_keys, encode_keys, tracking
from sync_server.sync.devices import DeviceClaim, DeviceIdentity, DeviceNotRecognised, claimed_row
from sync_server.sync.pokes import ORIGIN_DEVICE, offer_page
from sync_server.sync.pull import rows_by_key

log = logging.getLogger(__name__)

GAP: Final = "gap"
STAFF: Final = "staff_users"
SCHEDULE_TABLES: Final = frozenset({DoctorSchedule.__tablename__, DoctorTimeOff.__tablename__})
# A chunk's size: its transaction holds the clinic's change counter (the clinic's other writers
# wait) until it commits.
CHUNK_MUTATIONS: Final = 200
CHUNK_SECONDS: Final = 0.2
UNKNOWN_INTENT: Final = N_("This kind of change is not known to the server. Update this device's software.")
INVALID_ARGUMENTS: Final = N_("The change was refused: some of its details are not valid (%(fields)s).")
INTEGRITY: Final = N_(
    "The change clashes with data already on the server. Check the record and enter it again."
)
SERVER_FAILED: Final = N_("The server could not apply this change. Contact support if it keeps happening.")
NUMBER_REUSED: Final = N_("This device numbered a change twice. Enroll the device again.")


@dataclass(frozen=True)
class _Outcome:
    status: OutboxStatus
    code: str | None = None
    message: str | None = None
    conflict_id: uuid.UUID | None = None


@dataclass
class _Answered:
    """One mutation of a chunk, answered but for the rows (read once, when the chunk is done)."""

    answer: MutationAnswer
    keys: list[RowKey] = field(default_factory=list)


def mutation_hash(mutation: MutationIn) -> str:
    canonical = json.dumps(
        {"intent": mutation.intent, "args": mutation.args, "actor": str(mutation.actor_staff_id)},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def apply_push(
    db: Database, device: DeviceIdentity | DeviceClaim, request: PushRequest, locale: str | None = None
) -> PushResponse:
    """Apply and answer a push. `device` may be the request's unchecked claim: the first chunk
    checks it against the device's row, which it reads (and locks) anyway."""
    answers: list[MutationAnswer] = []
    last = 0
    mutations = request.mutations
    guarded = False  # every mutation in its own savepoint (after an optimistic one was refused)
    moved = _CursorMove(request.cursor)
    if not mutations and isinstance(device, DeviceClaim):
        device = _checked(db, device)  # no chunk will check it: a withdrawn device is refused all the same
    while len(answers) < len(mutations):
        rest = mutations[len(answers) :]
        chunk = _Chunk(db, device, locale, guarded)
        try:
            done, last = chunk.run(rest)
        except _Failed as failed:
            device = chunk.checked()
            # The chunk was undone: a database error (a deadlock, a lost connection), or an
            # optimistic mutation was refused. The mutations before it are applied again on their
            # own, and the next chunk starts with it (in its savepoint: refused, it is answered;
            # a database error there fails the push as before).
            guarded = guarded or failed.refused
            if failed.at == 0:
                continue  # refused first in its chunk: it runs again, in its savepoint
            chunk = _Chunk(db, device, locale, guarded=True)
            done, last = chunk.run(rest[: failed.at])
        else:
            device = chunk.checked()
        moved.follow(chunk)
        answers.extend(done)
        if done[-1].status == GAP:
            break
    response = PushResponse(answers=answers, last_applied_n=last, server_time=db.clock.now().isoformat())
    if request.cursor is not None and isinstance(device, DeviceIdentity) and not device.is_kiosk:
        response.cursor, response.changes = moved.cursor(), moved.changes()
    return response


def _checked(db: Database, claim: DeviceClaim) -> DeviceIdentity:
    with db.session(claim.clinic_id) as session, session.begin():
        return claimed_row(session, claim)[0]


class _CursorMove:
    """Where a desk's pull cursor may move after a push: through each chunk's change number while
    they follow on from the cursor one by one (nothing else committed in between), with every row
    those numbers stamped."""

    def __init__(self, cursor: str | None) -> None:
        self.start = cursor_seq(cursor) if cursor is not None else FROM_START
        self.position = self.start
        self.broken = cursor is None or self.start == FROM_START
        self.columns: dict[str, list[str]] = {}
        self.states: dict[RowKey, list[Any]] = {}  # a later chunk's state of a row replaces an earlier

    def follow(self, chunk: _Chunk) -> None:
        if self.broken:
            return
        if chunk.seq is None:
            # A chunk that wrote nothing took no number; one that wrote rows under a number it
            # no longer holds (taken in a savepoint) cannot say which: the pull brings them.
            self.broken = chunk.unnumbered
            return
        if chunk.seq != self.position + 1:
            self.broken = True
            return
        self.position = chunk.seq
        for table_rows in chunk.changes:
            self.columns[table_rows.table] = table_rows.columns
            at = table_rows.columns.index("id")
            for values in table_rows.rows:
                self.states[(table_rows.table, uuid.UUID(str(values[at])))] = values

    def cursor(self) -> str | None:
        return str(self.position) if self.position > self.start else None

    def changes(self) -> list[TableRows]:
        if self.cursor() is None:
            return []
        by_table: dict[str, list[list[Any]]] = {}
        for (table, _), values in self.states.items():
            by_table.setdefault(table, []).append(values)
        return [TableRows(table=t, columns=self.columns[t], rows=rows) for t, rows in by_table.items()]


@cache
def _models_by_table() -> dict[str, type[ClinicRow]]:
    return {
        mapper.local_table.name: mapper.class_
        for mapper in Base.registry.mappers
        if issubclass(mapper.class_, ClinicRow) and isinstance(mapper.local_table, Table)
    }


def _read_named_rows(session: ClinicSession, mutations: list[MutationIn]) -> None:
    """Read the rows the chunk's mutations name as touched, one statement per table, and keep them
    for the chunk: each mutation then finds its row (`live_row`) without a round trip of its own.

    Tombstones are read too, and the ids not found are noted (`KNOWN_ABSENT`): a new row's id is
    then known unused without a look of its own. The names come from the device, so they only
    choose what to read: the session scopes the statement to the clinic like any other, and a
    service still finds only live rows (`live_row`).
    """
    wanted: dict[type[ClinicRow], set[uuid.UUID]] = {}
    models = _models_by_table()
    for mutation in mutations:
        for name, row_id in mutation.touched:
            model = models.get(name)
            if model is not None:
                wanted.setdefault(model, set()).add(row_id)
    kept: set[Any] = session.info[KEEP_FOUND_ROWS]
    absent: set[tuple[type[ClinicRow], uuid.UUID]] = session.info.setdefault(KNOWN_ABSENT, set())
    for model, ids in wanted.items():
        identity: Any = model
        found = session.scalars(
            select(model).where(identity.id.in_(sorted(ids))).execution_options(include_deleted=True)
        ).all()
        kept.update(found)
        # A booking's new appointment, for one: its id needs no look of its own to be known unused.
        absent.update((model, row_id) for row_id in ids - {row.id for row in found})


class _Failed(Exception):
    """Mutation `at` of a chunk was refused (an optimistic one) or failed by a database error (not
    the chunk's first); the chunk was rolled back."""

    def __init__(self, at: int, *, refused: bool = False) -> None:
        super().__init__(at)
        self.at = at
        self.refused = refused


class _Refused(Exception):
    """An optimistic mutation (no savepoint of its own) did not apply: only undoing the chunk undoes it."""


class _Chunk:
    """One transaction's worth of a push, and what its mutations share."""

    device: DeviceIdentity  # checked against the device's row, the first thing `run` reads

    def __init__(
        self, db: Database, device: DeviceIdentity | DeviceClaim, locale: str | None, guarded: bool
    ) -> None:
        self.db = db
        self.claimed = device
        self.guarded = guarded
        self.locale = locale
        self.now = db.clock.now()
        self.clinic: Clinic | None = None
        self.roles: dict[uuid.UUID, Role | None] = {}  # active staff of the clinic, by id
        self.holding = False  # the change number and the audit chain head are taken
        self.records: dict[int, dict[str, Any]] = {}  # the answer records to insert, by n
        self.upcoming: list[MutationIn] = []  # the mutations the chunk may apply
        self.seq: int | None = None  # the clinic's change number the chunk took, if it wrote
        self.changes: list[TableRows] = []  # every synced row that number stamped, as committed
        self.unnumbered = False  # synced rows were stamped, but the number is not known here

    def checked(self) -> DeviceIdentity | DeviceClaim:
        """The device as the chunk checked it against its row, or as it was given (not read yet)."""
        device: DeviceIdentity | None = self.__dict__.get("device")
        return device or self.claimed

    def run(self, mutations: list[MutationIn]) -> tuple[list[MutationAnswer], int]:
        """Apply a prefix of `mutations` (at least one) in one transaction; its answers, and the
        device's last applied number after it."""
        claimed = self.claimed
        deadline = time.monotonic() + CHUNK_SECONDS
        answered: list[_Answered] = []
        # The cyclic collector waits for the chunk's end instead of walking its objects many times.
        with (
            paused_gc(),
            self.db.session(claimed.clinic_id) as session,
            session.begin(),
            deferred_links(session),
        ):
            # Rows a mutation looked up stay at hand for the next ones: the chunk takes the
            # clinic's change counter before its first mutation and holds it to the commit, so no
            # other writer of the clinic can change them meanwhile.
            session.info[KEEP_FOUND_ROWS] = set()
            session.info[HELD_DOCTOR_WEEKS] = {}  # the same reason: schedules are read once
            session.info[ORIGIN_DEVICE] = claimed.device_id
            session.info[STAMPED_ROWS] = set()
            row = session.scalars(
                select(SyncDevice)
                .where(SyncDevice.clinic_id == claimed.clinic_id, SyncDevice.id == claimed.device_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            ).one_or_none()
            self.device = claimed.verified(row) if isinstance(claimed, DeviceClaim) else claimed
            if row is None or row.revoked_at is not None:
                raise DeviceNotRecognised()
            device = self.device
            last = row.last_applied_n
            self.upcoming = [mutation for mutation in mutations[:CHUNK_MUTATIONS] if mutation.n > last]
            repeats: list[tuple[_Answered, MutationIn]] = []
            for mutation in mutations:
                if answered and (len(answered) >= CHUNK_MUTATIONS or time.monotonic() > deadline):
                    break
                if mutation.n <= last:
                    placeholder = _Answered(MutationAnswer(n=mutation.n, status=OutboxStatus.DUPLICATE.value))
                    answered.append(placeholder)
                    repeats.append((placeholder, mutation))
                    continue
                if mutation.n > last + 1:
                    gap = MutationAnswer(n=mutation.n, status=GAP, code="gap", message=f"expected {last + 1}")
                    answered.append(_Answered(gap))
                    break
                try:
                    answered.append(self._apply(session, mutation, guarded=self.guarded))
                except _Refused:
                    raise _Failed(len(answered), refused=True) from None
                except (OperationalError, DBAPIError):
                    if not answered:
                        raise
                    log.warning(
                        "sync chunk of device %s rolled back at mutation %s", device.device_id, mutation.n
                    )
                    raise _Failed(len(answered)) from None
                last = mutation.n
            if self.records:
                session.execute(insert(SyncAppliedMutation), list(self.records.values()))
            row.last_applied_n, row.last_seen_at = last, self.now
            self._answer_repeats(session, repeats)
            session.flush()
            self.seq = held_change_seq(session, device.clinic_id)
            # A kiosk's pulls are snapshots of its scope: a push moves no cursor of one.
            stamped = (
                [] if device.is_kiosk else [k for k in session.info[STAMPED_ROWS] if is_synced_name(k[0])]
            )
            self.unnumbered = self.seq is None and bool(stamped)
            answers = self._with_rows(session, answered, stamped)
            if self.seq is not None and not device.is_kiosk:
                offer_page(session, self.seq, self.changes)  # for the clinic's other desks' pokes
        return answers, last

    def _apply(self, session: ClinicSession, mutation: MutationIn, *, guarded: bool) -> _Answered:
        device = self.device
        ctx = ServiceContext(
            session, device.clinic_id, Actor.system(), self.db.clock, self.db.chain_id, _clinic=self.clinic
        )
        with tracking(session) as touched:
            outcome = self._run(ctx, mutation, guarded)
        self.clinic = ctx._clinic
        written = {name for name, _ in touched}
        if STAFF in written:  # a role changed, someone left: the next mutations look again
            self.roles.clear()
        if written & SCHEDULE_TABLES or outcome.status is not OutboxStatus.APPLIED:
            # A schedule changed, or a savepoint was undone with what it read: read them again.
            session.info[HELD_DOCTOR_WEEKS].clear()
        if CLINICS in written:
            self.clinic = None
        for entry in ctx.denials:
            append(session, device.clinic_id, self.db.chain_id, entry, self.now)
        # What the mutation left unflushed (a conflict, a denial) is written now, so it is not
        # counted among the rows the next mutation touched.
        session.flush()
        keys = _union(mutation.touched, touched)
        self.records[mutation.n] = {
            "clinic_id": device.clinic_id,
            "device_id": device.device_id,
            "n": mutation.n,
            "intent": mutation.intent[:64],
            "mutation_hash": mutation_hash(mutation),
            "status": outcome.status,
            "code": outcome.code,
            "conflict_id": outcome.conflict_id,
            "touched": encode_keys(keys),
            "applied_at": self.now,
        }
        answer = MutationAnswer(
            n=mutation.n,
            status=outcome.status.value,
            code=outcome.code,
            message=outcome.message,
            conflict_id=outcome.conflict_id,
        )
        return _Answered(answer, keys)

    def _run(self, ctx: ServiceContext, mutation: MutationIn, guarded: bool) -> _Outcome:
        session, device, locale = ctx.session, self.device, self.locale
        intent = INTENTS.get(mutation.intent)
        if intent is None:
            return _Outcome(OutboxStatus.REJECTED, "unknown_intent", translate(UNKNOWN_INTENT, locale))
        actor = self._actor(ctx, mutation, intent.kiosk)
        if actor is None:
            denied = PermissionDenied()
            return _Outcome(OutboxStatus.REJECTED, denied.code, denied.translated(locale))
        ctx.actor = actor
        try:
            args = intent.parse(mutation.args)
        except ValidationError as error:
            fields = sorted({".".join(str(p) for p in e["loc"]) for e in error.errors()})
            return _Outcome(
                OutboxStatus.REJECTED,
                "invalid_arguments",
                translate(INVALID_ARGUMENTS, locale, fields=", ".join(fields)[:300]),
            )
        set_current_mutation(
            ctx,
            MutationInfo(
                device.device_id,
                mutation.n,
                mutation.intent,
                mutation.args,
                actor.id if actor.type is ActorType.STAFF else None,
            ),
        )
        if not self.holding:
            # The clinic's change number and the chain head, taken outside the savepoints: the
            # session keeps both to the commit. A number taken inside a rolled-back savepoint
            # would be stamped on the conflict row while the counter went back (and the row would
            # hide below a pull's bound).
            hold_head(session, ctx.clinic_id, ctx.chain_id)
            self.holding = True
            # Only now: with the change number held, no other writer can change what is read.
            _read_named_rows(session, self.upcoming)
        if not guarded:
            try:
                intent.apply(ctx, args)
                session.flush()
            except (OperationalError, DBAPIError):
                raise
            except Exception:
                raise _Refused() from None
            finally:
                set_current_mutation(ctx, None)
            return _Outcome(OutboxStatus.APPLIED)
        try:
            with session.begin_nested():
                intent.apply(ctx, args)
                session.flush()
            return _Outcome(OutboxStatus.APPLIED)
        except DomainError as error:
            kind = conflict_kind(error)
            if kind is None:
                return _Outcome(OutboxStatus.REJECTED, error.code, error.translated(locale))
            conflict = record_conflict(ctx, error, kind)
            return _Outcome(OutboxStatus.CONFLICT, error.code, error.translated(locale), conflict.id)
        except IntegrityError:
            log.warning(
                "sync mutation %s of device %s refused by a database constraint", mutation.n, device.device_id
            )
            return _Outcome(OutboxStatus.REJECTED, "integrity", translate(INTEGRITY, locale))
        except (OperationalError, DBAPIError):
            raise  # transient (deadlock, lost connection): the device retries the same number
        except Exception as error:  # a bug must not block the device's outbox forever
            log.exception(
                "sync mutation %s of device %s failed: %s", mutation.n, device.device_id, type(error).__name__
            )
            return _Outcome(OutboxStatus.REJECTED, "server_error", translate(SERVER_FAILED, locale))
        finally:
            set_current_mutation(ctx, None)

    def _actor(self, ctx: ServiceContext, mutation: MutationIn, kiosk_intent: bool) -> Actor | None:
        device = self.device
        if device.is_kiosk:
            if kiosk_intent:
                return Actor.kiosk(device.device_id)
            _deny(ctx, Actor.kiosk(device.device_id), mutation.intent)
            return None
        staff_id = mutation.actor_staff_id
        role = None
        if staff_id is not None:
            if staff_id not in self.roles:
                self.roles[staff_id] = ctx.session.scalars(
                    select(StaffUser.role).where(StaffUser.id == staff_id, StaffUser.is_active.is_(True))
                ).one_or_none()
            role = self.roles[staff_id]
        if staff_id is None or role is None:
            _deny(ctx, Actor(ActorType.DEVICE, device.device_id, None, device.device_id), mutation.intent)
            return None
        return Actor.staff(staff_id, role, device.device_id)

    def _answer_repeats(self, session: ClinicSession, repeats: list[tuple[_Answered, MutationIn]]) -> None:
        if not repeats:
            return
        device = self.device
        wanted = [mutation.n for _, mutation in repeats if mutation.n not in self.records]
        priors: dict[int, SyncAppliedMutation] = {}
        if wanted:
            for stored in session.scalars(
                select(SyncAppliedMutation).where(
                    SyncAppliedMutation.clinic_id == device.clinic_id,
                    SyncAppliedMutation.device_id == device.device_id,
                    SyncAppliedMutation.n.in_(wanted),
                )
            ):
                priors[stored.n] = stored
        for n, values in self.records.items():  # a number sent twice in one push
            priors[n] = SyncAppliedMutation(**values)
        for answered, mutation in repeats:
            prior = priors.get(mutation.n)
            if prior is not None and prior.mutation_hash != mutation_hash(mutation):
                # The device numbered a different change with a number already used (restored from
                # an old backup?): never acknowledge it as applied.
                answered.answer = MutationAnswer(
                    n=mutation.n,
                    status=OutboxStatus.REJECTED.value,
                    code="mutation_number_reused",
                    message=translate(NUMBER_REUSED, None),
                )
                continue
            if prior is not None:
                answered.answer = MutationAnswer(
                    n=mutation.n,
                    status=OutboxStatus.DUPLICATE.value,
                    code=prior.code,
                    conflict_id=prior.conflict_id,
                    original_status=OutboxStatus(prior.status).value,
                )
            answered.keys = _union(mutation.touched, decode_keys(prior.touched) if prior is not None else [])

    def _with_rows(
        self, session: ClinicSession, answered: list[_Answered], stamped: list[RowKey]
    ) -> list[MutationAnswer]:
        """Each answer with the current state of its rows, read for the whole chunk at once, with
        the rows the chunk's change number stamped (`changes`)."""
        device = self.device
        wanted = _union([key for item in answered for key in item.keys], stamped)
        if not wanted:
            return [item.answer for item in answered]
        found, absent = rows_by_key(session, device.clinic_id, wanted, kiosk=device.is_kiosk, now=self.now)
        states: dict[RowKey, list[Any]] = {}
        columns: dict[str, list[str]] = {}
        for table_rows in found:
            columns[table_rows.table] = table_rows.columns
            at = table_rows.columns.index("id")
            for values in table_rows.rows:
                states[(table_rows.table, uuid.UUID(str(values[at])))] = values
        changed: dict[str, list[list[Any]]] = {}
        for key in stamped:
            if key in states:  # a row whose insert a savepoint undid is not there
                changed.setdefault(key[0], []).append(states[key])
        self.changes = [TableRows(table=t, columns=columns[t], rows=rows) for t, rows in changed.items()]
        missing = set(absent)
        answers: list[MutationAnswer] = []
        for item in answered:
            if not item.keys:
                answers.append(item.answer)
                continue
            by_table: dict[str, list[list[Any]]] = {}
            gone: list[RowKey] = []
            for key in item.keys:
                name, row_id = str(key[0]), key[1]
                if (name, row_id) in states:
                    by_table.setdefault(name, []).append(states[(name, row_id)])
                elif (name, row_id) in missing:
                    gone.append((name, row_id))
            rows = [TableRows(table=t, columns=columns[t], rows=held) for t, held in by_table.items()]
            answers.append(item.answer.model_copy(update={"rows": rows, "absent": gone}))
        return answers


def _deny(ctx: ServiceContext, actor: Actor, intent: str) -> None:
    ctx.denials.append(
        AuditEntry(
            actor_type=actor.type,
            actor_id=actor.id,
            device_id=actor.device_id,
            action=f"denied:sync.{intent[:40]}",
            entity_type="sync",
            outcome=AuditOutcome.DENIED,
        )
    )


def _union(first: list[tuple[str, uuid.UUID]], second: list[tuple[str, uuid.UUID]]) -> list[RowKey]:
    seen: dict[RowKey, None] = {}
    for key in [*first, *second]:
        seen.setdefault((str(key[0]), key[1]), None)
    return list(seen)
