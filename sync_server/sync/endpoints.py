"""The sync endpoints: enroll, push, pull, audit upload, the poke stream, and the conflict inbox.

The app that includes `router` holds its `common.database.Database` as `app.state.server.db`
(sync_server.app.create_app) or `app.state.database`.
Every request names the protocol version (`X-Clinic-Sync-Protocol`). Push, pull, audit upload and
the poke stream authenticate the device (`Authorization: Device <credential>`), the conflict inbox
the staff member signed in on it (`Authorization: Bearer <access token>`): the person acting is
taken from the verified token, never from the request. The clinic comes from either.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from common.database import Database
from common.errors import DomainError
from common.i18n import N_
from common.storage.session import GENERIC_PLANS
from common.sync import conflicts
from common.sync.audit_upload import AuditUpload, AuditUploadAnswer
from common.sync.protocol import (
    DEFAULT_PAGE_ROWS,
    MAX_PAGE_ROWS,
    PROTOCOL_HEADER,
    SCHEMA_HEADER,
    SUPPORTED_PROTOCOLS,
    EnrollRequest,
    EnrollResponse,
    PullResponse,
    PushRequest,
    PushResponse,
)
from sync_server.auth.dependencies import StaffContext
from sync_server.errors import ERROR_RESPONSES, ErrorResponse
from sync_server.sync import enrollment
from sync_server.sync.audit import store_audit
from sync_server.sync.devices import (
    DeviceClaim,
    DeviceIdentity,
    DeviceNotRecognised,
    PullPlan,
    authenticate_device,
    authenticated_row,
    credential_clinic,
    note_pull,
    steady_pull,
)
from sync_server.sync.pokes import BROADCASTER, ensure_listener
from sync_server.sync.pull import BadCursor, pull_page
from sync_server.sync.push import apply_push
from sync_server.sync.threads import run_sync_work

KEEPALIVE_SECONDS: Final = 15.0
# A stream that sends rows checks again, at most this often, that its device is still enrolled.
PAGE_RECHECK_SECONDS: Final = 30.0
PUSH_CURSOR_FIELDS: Final[set[str]] = {"cursor", "changes"}

# What a sync client can be answered besides success (declared, so the OpenAPI document is complete).
SYNC_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    **ERROR_RESPONSES,
    426: {"model": ErrorResponse, "description": "The device's sync protocol is not supported"},
}

router = APIRouter(prefix="/sync", tags=["sync"], responses=SYNC_RESPONSES)


class ProtocolNotSupported(DomainError):
    code = "sync_protocol_not_supported"
    http_status = 426
    message = N_(
        "This device's software speaks a sync protocol the server does not support. "
        "Update the application on this device."
    )


class CursorInvalid(DomainError):
    code = "sync_cursor_invalid"
    http_status = 400
    message = N_(
        "The sync position sent by this device is not valid. The device will sync again from the start."
    )


def _json(model: BaseModel) -> Response:
    """The model as JSON, without FastAPI validating it again against the response model (it was
    built from that model; a page holds thousands of rows)."""
    return Response(content=model.model_dump_json(), media_type="application/json")


def get_database(request: Request) -> Database:
    """The app's database: `app.state.server.db` (create_app), else `app.state.database`."""
    server = getattr(request.app.state, "server", None)
    database = getattr(server, "db", None) or getattr(request.app.state, "database", None)
    if not isinstance(database, Database):
        raise RuntimeError("the app holds no Database")
    return database


def require_protocol(
    protocol: Annotated[str | None, Header(alias=PROTOCOL_HEADER)] = None,
    schema: Annotated[str | None, Header(alias=SCHEMA_HEADER)] = None,
) -> int:
    try:
        version = int(protocol or "")
    except ValueError:
        raise ProtocolNotSupported() from None
    if version not in SUPPORTED_PROTOCOLS:
        raise ProtocolNotSupported()
    return version


def _authenticate(database: Database, authorization: str | None) -> DeviceIdentity:
    with database.session(None) as session, session.begin():
        return authenticate_device(session, authorization)


async def current_device(
    database: Annotated[Database, Depends(get_database)],
    authorization: Annotated[str | None, Header()] = None,
) -> DeviceIdentity:
    return await run_sync_work(_authenticate, database, authorization)


Device = Annotated[DeviceIdentity, Depends(current_device)]
DatabaseDep = Annotated[Database, Depends(get_database)]
Protocol = Annotated[int, Depends(require_protocol)]


def _locale(request: Request) -> str | None:
    try:
        from sync_server.locale import request_locale

        return request_locale(request)
    except ImportError:  # pragma: no cover - the locale helper ships with the REST API
        return None


@router.post("/enroll", response_model=EnrollResponse)
async def enroll(body: EnrollRequest, database: DatabaseDep, _protocol: Protocol) -> EnrollResponse:
    """Trade a one-time enrollment code for this device's id and credential."""
    done = await run_sync_work(enrollment.redeem, database, body.code, body.device_name)
    return EnrollResponse(
        device_id=done.device_id,
        clinic_id=done.clinic_id,
        credential=done.credential,
        kind=done.kind.value,
        server_time=database.clock.now().isoformat(),
    )


@router.post("/push", response_model=PushResponse)
async def push(
    body: PushRequest,
    request: Request,
    database: DatabaseDep,
    _protocol: Protocol,
    authorization: Annotated[str | None, Header()] = None,
) -> PushResponse:
    """Apply the device's mutations in order, each exactly once; answer each one."""
    # The credential is checked by the push's first transaction, on the device row it locks.
    device = DeviceClaim.of(authorization)
    answered = await run_sync_work(apply_push, database, device, body, _locale(request))
    if body.cursor is None:  # a device that knows no cursor in a push would refuse the fields
        older = answered.model_dump_json(exclude=PUSH_CURSOR_FIELDS)
        return Response(content=older, media_type="application/json")  # type: ignore[return-value]
    return _json(answered)  # type: ignore[return-value]


@router.get("/pull", response_model=PullResponse)
async def pull(
    database: DatabaseDep,
    _protocol: Protocol,
    authorization: Annotated[str | None, Header()] = None,
    cursor: Annotated[str, Query(max_length=200)] = "",
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_ROWS)] = DEFAULT_PAGE_ROWS,
    estimate: bool = False,
    checksums: bool = False,
) -> PullResponse:
    """Rows changed since `cursor`, in change order, with the next cursor."""

    def page() -> PullResponse:
        # A desk pulls every few seconds: the steady pull is one transaction (the device checked,
        # its noted position read, the page read, from one snapshot), the way a desk's pull
        # is most often answered; a pull that must note the position first takes three.
        now = database.clock.now()
        clinic_id = credential_clinic(authorization)
        with database.session(clinic_id) as session, session.begin():
            _one_snapshot(session)
            device, row = authenticated_row(session, authorization, clinic_set=True)
            plan = steady_pull(device, row, cursor, now)
            if plan is not None:
                return _page(session, device, plan, now)
        with database.session(clinic_id) as session, session.begin():
            plan = note_pull(session, device, cursor, now)
        with database.session(clinic_id) as session, session.begin():
            _one_snapshot(session)
            found = _page(session, device, plan, now)
        # Fell behind the tombstone purge: start again from the beginning (the engine keeps only
        # the rows its pending changes wrote).
        return found.model_copy(update={"reset": True}) if plan.reset else found

    def _page(session: Session, device: DeviceIdentity, plan: PullPlan, now: datetime) -> PullResponse:
        return pull_page(
            session,
            device,
            plan.cursor,
            limit,
            now,
            estimate=estimate or plan.reset,
            checksums=checksums,
        )

    try:
        # An initial sync asks for the largest pages: they run on threads of their own.
        bulk = limit > DEFAULT_PAGE_ROWS
        return _json(await run_sync_work(page, bulk=bulk))  # type: ignore[return-value]
    except BadCursor:
        raise CursorInvalid() from None


def _one_snapshot(session: Session) -> None:
    """Read the whole page from one snapshot. A page takes several statements (the committed
    high-water mark, the candidate keys, each table's rows); under PostgreSQL's default READ
    COMMITTED each sees the commits made since the one before, so a row re-stamped with a newer
    change number between two of them fell out of the page's window, and the checksums disagreed.
    SQLite's read transaction is already a snapshot."""
    if session.get_bind().dialect.name == "postgresql":
        # A page's statements are prepared once per connection (psycopg) and their plans kept:
        # left to choose, PostgreSQL plans the 27-table candidates union afresh for every pull
        # (17 ms of planning for 1-2 ms of work); the generic plan walks the same indexes.
        session.info[GENERIC_PLANS] = True
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


@router.post("/audit", response_model=AuditUploadAnswer)
async def upload_audit(
    body: AuditUpload, device: Device, database: DatabaseDep, _protocol: Protocol
) -> AuditUploadAnswer:
    """Store the next links of this device's audit chain, if they continue the copy held here;
    a broken chain is refused (409) and recorded."""
    return await run_sync_work(store_audit, database, device, body)


@router.get("/events")
async def events(
    request: Request,
    device: Device,
    database: DatabaseDep,
    _protocol: Protocol,
    pages: Annotated[bool, Query(description="Send a desk's changes as `page` events (PokePage).")] = False,
    authorization: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """Server-sent events: `event: poke` whenever the clinic changed (pull). A front desk that asks
    for `pages` gets `event: page` with a PokePage for another desk's push instead, when it fits."""
    ensure_listener(database)
    inbox = BROADCASTER.subscribe(device.clinic_id, device.device_id, pages=pages and not device.is_kiosk)

    async def stream() -> AsyncIterator[str]:
        checked = time.monotonic()
        try:
            yield "retry: 2000\nevent: hello\ndata: {}\n\n"
            while not await request.is_disconnected():
                try:
                    await asyncio.wait_for(inbox.ready.wait(), timeout=KEEPALIVE_SECONDS)
                except TimeoutError:
                    yield ": keepalive\n\n"
                    continue
                waiting, poke = inbox.take()
                if waiting and time.monotonic() - checked >= PAGE_RECHECK_SECONDS:
                    try:  # a device withdrawn since the stream opened gets no more rows
                        await run_sync_work(_authenticate, database, authorization)
                    except DeviceNotRecognised:
                        return
                    checked = time.monotonic()
                for page in waiting:
                    yield f"event: page\ndata: {page}\n\n"
                if poke:
                    yield "event: poke\ndata: {}\n\n"
        finally:
            BROADCASTER.unsubscribe(device.clinic_id, inbox)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


class ConflictOut(BaseModel):
    id: uuid.UUID
    kind: str
    status: str
    code: str
    intent: str
    patient_id: uuid.UUID | None
    other_patient_id: uuid.UUID | None
    other_entity_id: uuid.UUID | None
    entity_id: uuid.UUID | None
    alternatives: list[dict[str, Any]]
    occurred_at: datetime
    staff_id: uuid.UUID | None
    device_id: uuid.UUID | None


class ResolveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: conflicts.Resolution
    starts_at: datetime | None = None
    doctor_id: uuid.UUID | None = None
    note: str | None = Field(default=None, max_length=1000)


@router.get("/conflicts", response_model=list[ConflictOut])
def list_conflicts(ctx: StaffContext, _protocol: Protocol, include_closed: bool = False) -> list[ConflictOut]:
    """The clinic's conflict inbox (open conflicts unless `include_closed`), as the staff member
    the access token names."""
    rows = conflicts.list_conflicts(ctx, include_closed=include_closed)
    return [ConflictOut.model_validate(row, from_attributes=True) for row in rows]


@router.post("/conflicts/{conflict_id}/resolve", response_model=ConflictOut)
def resolve_conflict(
    conflict_id: uuid.UUID, body: ResolveRequest, ctx: StaffContext, _protocol: Protocol
) -> ConflictOut:
    """Resolve one conflict as the signed-in staff member: rebook at another time, retry the
    original change, or dismiss it."""
    row = conflicts.resolve_conflict(
        ctx, conflict_id, body.action, starts_at=body.starts_at, doctor_id=body.doctor_id, note=body.note
    )
    return ConflictOut.model_validate(row, from_attributes=True)
