"""Sessions bound to one clinic: the repository layer's wall between tenants.

A session opened for a clinic
- adds `clinic_id = <that clinic>` to every ORM SELECT, UPDATE and DELETE of a clinic row
  (and hides tombstones unless the statement asks for them with `include_deleted=True`);
- refuses to write a row of another clinic;
- refuses hard deletes of clinic rows (tombstones only) and edits of insert-only rows;
- stamps created/updated times, bumps `version`, and gives every row written in the transaction
  the clinic's next change number `seq`, taken by updating the clinic's counter row.

On PostgreSQL the clinic is also set per transaction (`app.clinic_id`) for row-level security.
"""

from __future__ import annotations

import uuid
from typing import Any, Final, TypeVar

from sqlalchemy import Engine, Table, bindparam, event, exists, select, update
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, sessionmaker, with_loader_criteria
from sqlalchemy.orm.util import identity_key

from common.clinics.models import Clinic, ClinicSequence
from common.clock import SYSTEM_CLOCK, Clock
from common.storage.base import ClinicRecord, ClinicRow

RowT = TypeVar("RowT", bound=ClinicRow)

INCLUDE_DELETED = "include_deleted"
# In session.info, set before the transaction begins: its prepared statements keep one generic
# plan (PostgreSQL), for statements whose planning costs more than running them.
GENERIC_PLANS = "generic_plans"
# In session.info: a set that keeps every row `live_row` found alive for the session's life (the
# identity map holds rows weakly, so a row no one refers to is read again by the next lookup).
KEEP_FOUND_ROWS = "keep_found_rows"
ALL_CLINICS = "all_clinics"
# In session.info: (model, id) pairs the session looked for and the clinic has not, live or as a
# tombstone. Only for a session no other writer of the clinic can write beside (it holds the
# clinic's change number); its own inserts are found in its identity map first.
KNOWN_ABSENT = "known_absent"
# In session.info: a set that collects (table name, id) of every row given a change number, so
# the session can tell exactly which rows its number stands for (a push's answer carries them).
STAMPED_ROWS = "stamped_rows"
_STAMPED_IN_FLUSH = "stamped_in_flush"
# In session.info: the change number each clinic's counter gave this transaction, and the
# (sub)transaction that took it.
_CHANGE_SEQS = "change_seqs"


class TenantViolation(RuntimeError):
    """Code tried to touch another clinic's row: a bug, never a user error."""


class StorageRuleViolation(RuntimeError):
    """A hard delete of a synced row, or an edit of an insert-only row: a bug."""


class ClinicSession(Session):
    @property
    def clinic_id(self) -> uuid.UUID | None:
        value = self.info.get("clinic_id")
        return value if isinstance(value, uuid.UUID) else None

    @property
    def clock(self) -> Clock:
        clock = self.info.get("clock")
        return clock if clock is not None else SYSTEM_CLOCK


def session_factory(engine: Engine) -> sessionmaker[ClinicSession]:
    return sessionmaker(engine, class_=ClinicSession, expire_on_commit=False)


def open_session(
    factory: sessionmaker[ClinicSession], clinic_id: uuid.UUID | None, clock: Clock = SYSTEM_CLOCK
) -> ClinicSession:
    """A session for one clinic; `clinic_id=None` only for cross-clinic system work (creating a clinic)."""
    return factory(info={"clinic_id": clinic_id, "clock": clock})


_CRITERIA = "clinic_criteria"


def _criteria(clinic_id: uuid.UUID, include_deleted: bool) -> tuple[Any, ...]:
    """The loader criteria that scope a statement to the clinic (made once per session: building
    them per statement cost more than the statement's own compiled-cache lookup)."""
    criteria: list[Any] = [
        with_loader_criteria(ClinicRow, lambda cls: cls.clinic_id == clinic_id, include_aliases=True),
        with_loader_criteria(Clinic, lambda cls: cls.id == clinic_id, include_aliases=True),
    ]
    if not include_deleted:
        criteria.append(
            with_loader_criteria(ClinicRecord, lambda cls: cls.deleted_at.is_(None), include_aliases=True)
        )
        criteria.append(
            with_loader_criteria(Clinic, lambda cls: cls.deleted_at.is_(None), include_aliases=True)
        )
    return tuple(criteria)


@event.listens_for(ClinicSession, "do_orm_execute")
def _scope_to_clinic(state: ORMExecuteState) -> None:
    session = state.session
    clinic_id = session.info.get("clinic_id")
    if clinic_id is None or state.execution_options.get(ALL_CLINICS, False):
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    include_deleted = bool(state.execution_options.get(INCLUDE_DELETED, False))
    made: dict[tuple[uuid.UUID, bool], tuple[Any, ...]] = session.info.setdefault(_CRITERIA, {})
    key = (clinic_id, include_deleted)
    criteria = made.get(key)
    if criteria is None:
        criteria = made[key] = _criteria(clinic_id, include_deleted)
    state.statement = state.statement.options(*criteria)


@event.listens_for(ClinicSession, "after_begin")
def _set_rls_clinic(session: Session, transaction: SessionTransaction, connection: Any) -> None:
    clinic_id = session.info.get("clinic_id")
    # A savepoint inherits the transaction's setting (set_config(..., true) outlives a rollback to it).
    if connection.dialect.name == "postgresql" and clinic_id is not None and not transaction.nested:
        if session.info.get(GENERIC_PLANS):
            connection.exec_driver_sql(
                "SELECT set_config('app.clinic_id', %s, true),"
                " set_config('plan_cache_mode', 'force_generic_plan', true)",
                (str(clinic_id),),
            )
        else:
            connection.exec_driver_sql("SELECT set_config('app.clinic_id', %s, true)", (str(clinic_id),))


@event.listens_for(ClinicSession, "after_transaction_end")
def _forget_change_seq(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_CHANGE_SEQS, None)
    elif transaction.nested:
        # A number taken inside a savepoint is forgotten when it ends: if it rolled back, so did
        # the counter, and the next write must take the number again rather than reuse a ghost.
        taken: dict[uuid.UUID, tuple[int, SessionTransaction]] = session.info.get(_CHANGE_SEQS, {})
        for clinic_id in [cid for cid, (_, owner) in taken.items() if owner is transaction]:
            del taken[clinic_id]


_SEQUENCES: Final[Table] = ClinicSequence.__table__  # type: ignore[assignment]
_TAKE_CHANGE_SEQ: Final = (
    update(_SEQUENCES)
    .where(_SEQUENCES.c.clinic_id == bindparam("clinic"))
    .values(change_seq=_SEQUENCES.c.change_seq + 1)
    .returning(_SEQUENCES.c.change_seq)
)


def next_change_seq(session: Session, clinic_id: uuid.UUID) -> int:
    """The clinic's change number for this transaction (taken once, on first write)."""
    taken: dict[uuid.UUID, tuple[int, SessionTransaction]] = session.info.setdefault(_CHANGE_SEQS, {})
    if clinic_id not in taken:
        # Core, not the ORM's bulk update: no loaded object to synchronise, and every write
        # transaction runs it.
        result = session.connection().execute(_TAKE_CHANGE_SEQ, {"clinic": clinic_id}).scalar_one_or_none()
        if result is None:
            raise TenantViolation(f"no change counter for clinic {clinic_id}")
        owner = session.get_nested_transaction() or session.get_transaction()
        assert owner is not None
        taken[clinic_id] = (result, owner)
    return taken[clinic_id][0]


def held_change_seq(session: Session, clinic_id: uuid.UUID) -> int | None:
    """The clinic's change number this transaction has taken, if it has taken one."""
    taken: dict[uuid.UUID, tuple[int, SessionTransaction]] = session.info.get(_CHANGE_SEQS, {})
    held = taken.get(clinic_id)
    return held[0] if held is not None else None


def clinics_with_change_seq(session: Session) -> list[uuid.UUID]:
    """The clinics whose change number this transaction has taken (the clinics it changed)."""
    taken: dict[Any, Any] = session.info.get(_CHANGE_SEQS, {})
    return [clinic_id for clinic_id in taken if isinstance(clinic_id, uuid.UUID)]


@event.listens_for(ClinicSession, "before_flush")
def _apply_storage_rules(session: Session, _context: Any, _instances: Any) -> None:
    clinic_id = session.info.get("clinic_id")
    clock: Clock = session.info.get("clock") or SYSTEM_CLOCK
    now = clock.now()

    for obj in session.deleted:
        if isinstance(obj, ClinicRow | Clinic):
            raise StorageRuleViolation(f"{type(obj).__name__} rows are never deleted; set deleted_at")

    for obj in session.new:
        if isinstance(obj, Clinic):
            obj.created_at = obj.created_at or now
            obj.updated_at = now
        elif isinstance(obj, ClinicRow):
            if obj.clinic_id is None:
                obj.clinic_id = clinic_id
            elif clinic_id is not None and obj.clinic_id != clinic_id:
                raise TenantViolation(f"{type(obj).__name__} of another clinic added to a clinic session")
            if obj.clinic_id is None:
                raise TenantViolation(f"{type(obj).__name__} has no clinic")
            if getattr(obj, "created_at", None) is None:
                obj.created_at = now
            if isinstance(obj, ClinicRecord):
                obj.updated_at = now
            obj.seq = next_change_seq(session, obj.clinic_id)
            _note_stamped(session, obj)

    for obj in session.dirty:
        if not session.is_modified(obj, include_collections=False):
            continue
        if isinstance(obj, Clinic):
            obj.updated_at = now
            obj.version = (obj.version or 0) + 1
            obj.seq = next_change_seq(session, obj.id)
            _note_stamped(session, obj)
        elif isinstance(obj, ClinicRecord):
            if clinic_id is not None and obj.clinic_id != clinic_id:
                raise TenantViolation(f"{type(obj).__name__} of another clinic changed in a clinic session")
            obj.updated_at = now
            obj.version = (obj.version or 0) + 1
            obj.seq = next_change_seq(session, obj.clinic_id)
            _note_stamped(session, obj)
        elif isinstance(obj, ClinicRow):
            raise StorageRuleViolation(f"{type(obj).__name__} rows are insert-only")


def _note_stamped(session: Session, obj: ClinicRow | Clinic) -> None:
    if STAMPED_ROWS in session.info:  # named once the flush has given a new row its id
        session.info.setdefault(_STAMPED_IN_FLUSH, []).append(obj)


@event.listens_for(ClinicSession, "after_flush")
def _name_stamped(session: Session, _context: Any) -> None:
    flushed: list[ClinicRow | Clinic] = session.info.pop(_STAMPED_IN_FLUSH, [])
    stamped: set[tuple[str, uuid.UUID]] | None = session.info.get(STAMPED_ROWS)
    if stamped is not None:
        stamped.update((obj.__table__.name, obj.id) for obj in flushed)  # type: ignore[union-attr]


def load_clinic(session: Session, clinic_id: uuid.UUID) -> Clinic | None:
    return session.scalars(select(Clinic).where(Clinic.id == clinic_id)).one_or_none()


def _clinic_of(session: Session) -> uuid.UUID:
    clinic_id = session.info.get("clinic_id")
    if not isinstance(clinic_id, uuid.UUID):
        raise TenantViolation("a clinic row looked up outside a clinic session")
    return clinic_id


def row_exists(session: Session, model: type[ClinicRow], row_id: uuid.UUID) -> bool:
    """Whether the clinic has row `row_id` of `model`, live or a tombstone (an id a device made
    must never be used twice)."""
    clinic_id = _clinic_of(session)
    if session.identity_map.get(identity_key(model, (clinic_id, row_id))) is not None:
        return True
    absent: set[tuple[type[ClinicRow], uuid.UUID]] | None = session.info.get(KNOWN_ABSENT)
    if absent is not None and (model, row_id) in absent:
        return False
    identity: Any = model
    found = session.scalar(
        select(exists().where(identity.id == row_id)).execution_options(**{INCLUDE_DELETED: True})
    )
    return bool(found)


def live_row(session: Session, model: type[RowT], row_id: uuid.UUID) -> RowT | None:
    """The clinic's live row `row_id` of `model`, or None (unknown, another clinic's, a tombstone).

    The session's own copy when it already holds the row (what a SELECT would hand back too: an
    object already loaded is not refreshed by a query), else one SELECT scoped like any other.
    """
    clinic_id = _clinic_of(session)
    row = session.get(model, (clinic_id, row_id))
    if row is None or (isinstance(row, ClinicRecord) and row.deleted_at is not None):
        return None
    kept: set[Any] | None = session.info.get(KEEP_FOUND_ROWS)
    if kept is not None:
        kept.add(row)
    return row
