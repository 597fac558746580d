"""Storing the audit chains devices upload (common/sync/audit_upload.py is the device's side).

A chain is its writer's own: the first device to upload a chain id holds it, and no other device,
nor the server's own chain, can be continued through this route. An upload must continue the copy
the server holds: links the server has already are compared (the same link sent again is fine; a
different one is a break), and new links must follow on, number after number, each naming the
previous link's hash and hashing to what it says (common.audit.chain.row_hash, the hash the chain
was written with). A break refuses the whole upload, is logged (ids and numbers only) and is
recorded in the server's own audit chain, so it is reported however the device behaves after.
Links after a gap are not stored; the answer says how far the server holds the chain, and the
device sends again from there.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from common.audit.chain import AuditEntry, append, row_hash
from common.audit.models import ActorType, AuditChainHead, AuditLog, AuditOutcome
from common.database import Database
from common.errors import Conflict, PermissionDenied
from common.i18n import N_
from common.storage.session import STAMPED_ROWS, next_change_seq
from common.sync.audit_upload import AuditRowIn, AuditUpload, AuditUploadAnswer
from common.sync.models import SyncAuditChain
from sync_server.sync.devices import DeviceIdentity

log = logging.getLogger(__name__)


class AuditChainBroken(Conflict):
    code = "audit_chain_broken"
    message = N_(
        "This device's audit log does not continue the copy the server holds (from entry %(seq)s on), "
        "so none of it was stored. Ask your administrator to check this device: its log may have "
        "been altered or restored from an old backup."
    )


class AuditChainNotYours(PermissionDenied):
    code = "audit_chain_not_yours"
    message = N_(
        "This audit log belongs to another device or to the server and cannot be continued from "
        "this device. Ask your administrator to enroll the device again."
    )


@dataclass(frozen=True)
class _Break:
    seq: int
    problem: str


class _Refused(Exception):
    def __init__(self, broken: _Break) -> None:
        super().__init__(broken.seq)
        self.broken = broken


def store_audit(db: Database, device: DeviceIdentity, upload: AuditUpload) -> AuditUploadAnswer:
    """Verify that `upload` continues the device's chain as the server holds it, and store it."""
    now = db.clock.now()
    try:
        with db.session(device.clinic_id) as session, session.begin():
            session.info[STAMPED_ROWS] = set()  # none synced: the desks' pokes carry an empty page
            _claim(session, device, upload.chain_id, now, db.chain_id)
            next_change_seq(session, device.clinic_id)  # the lock order of every audit append
            head = _head(session, device.clinic_id, upload.chain_id)
            held = head.last_seq
            broken = _check_repeats(session, device.clinic_id, upload, held)
            fresh = [row for row in upload.rows if row.chain_seq > held]
            stored = 0
            if broken is None and fresh and fresh[0].chain_seq == held + 1:
                broken = _append(session, device.clinic_id, upload.chain_id, head, fresh)
                stored = len(fresh)
            if broken is not None:
                raise _Refused(broken)
            return AuditUploadAnswer(chain_id=upload.chain_id, last_seq=head.last_seq, stored=stored)
    except _Refused as refused:
        failure = refused.broken
    except IntegrityError:  # a link's id already taken, or a claim made at the same moment
        failure = _Break(upload.rows[0].chain_seq, "link refused by the database")
    _report(db, device, upload.chain_id, failure, now)
    raise AuditChainBroken(seq=str(failure.seq))


def _claim(session: Session, device: DeviceIdentity, chain_id: str, now: datetime, server_chain: str) -> None:
    if chain_id == server_chain:
        raise AuditChainNotYours()
    claim = session.scalars(
        select(SyncAuditChain)
        .where(SyncAuditChain.clinic_id == device.clinic_id, SyncAuditChain.chain_id == chain_id)
        .with_for_update()
    ).one_or_none()
    if claim is None:
        written_here = session.scalar(
            select(AuditChainHead.chain_id).where(
                AuditChainHead.clinic_id == device.clinic_id, AuditChainHead.chain_id == chain_id
            )
        )
        if written_here is not None:
            raise AuditChainNotYours()
        session.add(
            SyncAuditChain(
                clinic_id=device.clinic_id,
                chain_id=chain_id,
                device_id=device.device_id,
                first_uploaded_at=now,
                last_uploaded_at=now,
            )
        )
        session.flush()
    elif claim.device_id != device.device_id:
        raise AuditChainNotYours()
    else:
        claim.last_uploaded_at = now


def _head(session: Session, clinic_id: uuid.UUID, chain_id: str) -> AuditChainHead:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(AuditChainHead)
        .values(clinic_id=clinic_id, chain_id=chain_id, last_seq=0, last_hash="0" * 64)
        .on_conflict_do_nothing()
    )
    return session.scalars(
        select(AuditChainHead)
        .where(AuditChainHead.clinic_id == clinic_id, AuditChainHead.chain_id == chain_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _check_repeats(session: Session, clinic_id: uuid.UUID, upload: AuditUpload, held: int) -> _Break | None:
    """Links the server holds already must be exactly the links it holds (their content too)."""
    repeats = {row.chain_seq: row for row in upload.rows if row.chain_seq <= held}
    if not repeats:
        return None
    stored: dict[int, str] = {
        int(seq): str(link_hash)
        for seq, link_hash in session.execute(
            select(AuditLog.chain_seq, AuditLog.row_hash).where(
                AuditLog.clinic_id == clinic_id,
                AuditLog.chain_id == upload.chain_id,
                AuditLog.chain_seq.in_(list(repeats)),
            )
        )
    }
    for seq in sorted(repeats):
        row = repeats[seq]
        held_hash = stored.get(seq)
        if held_hash != row.row_hash or row_hash(_link(clinic_id, upload.chain_id, row)) != held_hash:
            return _Break(seq, "differs from the link held")
    return None


def _append(
    session: Session, clinic_id: uuid.UUID, chain_id: str, head: AuditChainHead, rows: list[AuditRowIn]
) -> _Break | None:
    expected_seq, expected_prev = head.last_seq + 1, head.last_hash
    links = []
    for row in rows:
        if row.chain_seq != expected_seq:
            return _Break(expected_seq, "missing link")
        if row.prev_hash != expected_prev:
            return _Break(row.chain_seq, "link to the previous entry broken")
        link = _link(clinic_id, chain_id, row)
        if row_hash(link) != row.row_hash:
            return _Break(row.chain_seq, "entry altered")
        links.append(link)
        expected_seq, expected_prev = expected_seq + 1, row.row_hash
    session.add_all(links)
    head.last_seq, head.last_hash = expected_seq - 1, expected_prev
    session.flush()
    return None


def _link(clinic_id: uuid.UUID, chain_id: str, row: AuditRowIn) -> AuditLog:
    return AuditLog(
        id=row.id,
        clinic_id=clinic_id,
        chain_id=chain_id,
        chain_seq=row.chain_seq,
        prev_hash=row.prev_hash,
        row_hash=row.row_hash,
        occurred_at=row.occurred_at,
        actor_type=row.actor_type,
        actor_id=row.actor_id,
        device_id=row.device_id,
        action=row.action,
        entity_type=row.entity_type,
        entity_id=row.entity_id,
        patient_id=row.patient_id,
        outcome=row.outcome,
        changed_fields=list(row.changed_fields),
        ip_address=row.ip_address,
        user_agent=row.user_agent,
    )


def _report(db: Database, device: DeviceIdentity, chain_id: str, broken: _Break, now: datetime) -> None:
    log.warning(
        "audit chain upload refused: device %s, chain %s, entry %d (%s)",
        device.device_id,
        chain_id[:64],
        broken.seq,
        broken.problem,
    )
    entry = AuditEntry(
        actor_type=ActorType.DEVICE,
        actor_id=device.device_id,
        device_id=device.device_id,
        action="sync.audit_chain_broken",
        entity_type="audit_chain",
        outcome=AuditOutcome.FAILED,
    )
    with db.session(device.clinic_id) as session, session.begin():
        append(session, device.clinic_id, db.chain_id, entry, now)
