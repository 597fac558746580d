"""Push: apply a device's mutations exactly once, each in its own transaction.

The transaction that applies mutation n also raises the device's `last_applied_n` to n and
records the answer, so effect and acknowledgement commit together:
- n <= last: a repeat (a retry after a lost response, a duplicated request): answered
  "duplicate" with the first answer's outcome, never applied again;
- n > last + 1: a gap: refused ("gap"), and the rest of the batch is not looked at;
- otherwise applied: "applied", "conflict" (a scarce thing another device took first: the
  mutation goes to the conflict inbox whole) or "rejected" (any other refusal, with its
  translated reason).
Every answer carries the server's current state of the rows the mutation touched, on the device
or here, or says they do not exist, so the device can replace its optimistic rows.

The actor on the server is the staff member the mutation names, checked to be an active member
of the device's clinic; a kiosk acts as itself and may push only kiosk intents.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any, Final

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from common.audit.chain import AuditEntry, append
from common.audit.models import ActorType, AuditOutcome
from common.context import Actor, ServiceContext
from common.database import Database
from common.errors import DomainError, PermissionDenied
from common.i18n import N_, translate
from common.staff.models import StaffUser
from common.storage.session import ClinicSession, next_change_seq
from common.sync.conflicts import MutationInfo, conflict_kind, record_conflict, set_current_mutation
from common.sync.intents import INTENTS
from common.sync.models import OutboxStatus, SyncAppliedMutation, SyncDevice
from common.sync.protocol import MutationAnswer, MutationIn, PushRequest, PushResponse
from common.sync.tracking import decode_keys, encode_keys, tracking
from sync_server.sync.devices import DeviceIdentity, DeviceNotRecognised
from sync_server.sync.pull import rows_by_key

log = logging.getLogger(__name__)

GAP: Final = "gap"
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


def mutation_hash(mutation: MutationIn) -> str:
    canonical = json.dumps(
        {"intent": mutation.intent, "args": mutation.args, "actor": str(mutation.actor_staff_id)},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def apply_push(
    db: Database, device: DeviceIdentity, request: PushRequest, locale: str | None = None
) -> PushResponse:
    answers: list[MutationAnswer] = []
    last = 0
    for mutation in request.mutations:
        answer, last = _apply_one(db, device, mutation, locale)
        answers.append(answer)
        if answer.status == GAP:
            break
    return PushResponse(answers=answers, last_applied_n=last, server_time=db.clock.now().isoformat())


def _apply_one(
    db: Database, device: DeviceIdentity, mutation: MutationIn, locale: str | None
) -> tuple[MutationAnswer, int]:
    now = db.clock.now()
    with db.session(device.clinic_id) as session, session.begin():
        row = session.scalars(
            select(SyncDevice)
            .where(SyncDevice.clinic_id == device.clinic_id, SyncDevice.id == device.device_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one_or_none()
        if row is None or row.revoked_at is not None:
            raise DeviceNotRecognised()
        last = row.last_applied_n
        row.last_seen_at = now
        if mutation.n <= last:
            return _repeat(session, device, mutation, now), last
        if mutation.n > last + 1:
            return MutationAnswer(n=mutation.n, status=GAP, code="gap", message=f"expected {last + 1}"), last
        ctx = ServiceContext(session, device.clinic_id, Actor.system(), db.clock, db.chain_id)
        with tracking(session) as touched:
            outcome = _run(ctx, device, mutation, locale)
        for entry in ctx.denials:
            append(session, device.clinic_id, db.chain_id, entry, now)
        row.last_applied_n = mutation.n
        keys = _union(mutation.touched, touched)
        session.add(
            SyncAppliedMutation(
                clinic_id=device.clinic_id,
                device_id=device.device_id,
                n=mutation.n,
                intent=mutation.intent[:64],
                mutation_hash=mutation_hash(mutation),
                status=outcome.status,
                code=outcome.code,
                conflict_id=outcome.conflict_id,
                touched=encode_keys(keys),
                applied_at=now,
            )
        )
        session.flush()
        rows, absent = rows_by_key(session, device.clinic_id, keys, kiosk=device.is_kiosk, now=now)
        answer = MutationAnswer(
            n=mutation.n,
            status=outcome.status.value,
            code=outcome.code,
            message=outcome.message,
            conflict_id=outcome.conflict_id,
            rows=rows,
            absent=absent,
        )
    return answer, mutation.n


def _run(ctx: ServiceContext, device: DeviceIdentity, mutation: MutationIn, locale: str | None) -> _Outcome:
    session = ctx.session
    intent = INTENTS.get(mutation.intent)
    if intent is None:
        return _Outcome(OutboxStatus.REJECTED, "unknown_intent", translate(UNKNOWN_INTENT, locale))
    actor = _actor(ctx, device, mutation, intent.kiosk)
    if actor is None:
        return _Outcome(OutboxStatus.REJECTED, PermissionDenied.code, PermissionDenied().translated(locale))
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
    # Take the clinic's change number before the savepoint: the session caches it for the whole
    # transaction, so a number taken inside a rolled-back savepoint would be stamped on the
    # conflict row while the counter went back (and the row would hide below a pull's bound).
    next_change_seq(session, ctx.clinic_id)
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


def _actor(
    ctx: ServiceContext, device: DeviceIdentity, mutation: MutationIn, kiosk_intent: bool
) -> Actor | None:
    if device.is_kiosk:
        if kiosk_intent:
            return Actor.kiosk(device.device_id)
        _deny(ctx, Actor.kiosk(device.device_id), mutation.intent)
        return None
    staff = None
    if mutation.actor_staff_id is not None:
        staff = ctx.session.scalars(
            select(StaffUser).where(StaffUser.id == mutation.actor_staff_id, StaffUser.is_active.is_(True))
        ).one_or_none()
    if staff is None:
        _deny(ctx, Actor(ActorType.DEVICE, device.device_id, None, device.device_id), mutation.intent)
        return None
    return Actor.staff(staff.id, staff.role, device.device_id)


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


def _repeat(session: ClinicSession, device: DeviceIdentity, mutation: MutationIn, now: Any) -> MutationAnswer:
    prior = session.get(SyncAppliedMutation, (device.clinic_id, device.device_id, mutation.n))
    if prior is not None and prior.mutation_hash != mutation_hash(mutation):
        # The device numbered a different change with a number already used (restored from an
        # old backup?): never acknowledge it as applied.
        return MutationAnswer(
            n=mutation.n,
            status=OutboxStatus.REJECTED.value,
            code="mutation_number_reused",
            message=translate(NUMBER_REUSED, None),
        )
    keys = _union(mutation.touched, decode_keys(prior.touched) if prior is not None else [])
    rows, absent = rows_by_key(session, device.clinic_id, keys, kiosk=device.is_kiosk, now=now)
    return MutationAnswer(
        n=mutation.n,
        status=OutboxStatus.DUPLICATE.value,
        code=prior.code if prior is not None else None,
        conflict_id=prior.conflict_id if prior is not None else None,
        original_status=prior.status.value if prior is not None else None,
        rows=rows,
        absent=absent,
    )


def _union(
    first: list[tuple[str, uuid.UUID]], second: list[tuple[str, uuid.UUID]]
) -> list[tuple[str, uuid.UUID]]:
    seen: dict[tuple[str, uuid.UUID], None] = {}
    for key in [*first, *second]:
        seen.setdefault((str(key[0]), key[1]), None)
    return list(seen)
