"""Who is calling, from the Authorization header only (SECURITY.md rows 1, 5, 12).

- `current_actor`: the verified caller. `Bearer <access token>` is a staff member (the JWT is
  checked here; the session against the database in `service_context`); `Device <id>.<secret>`
  is an enrolled device, checked by sync_server.sync.devices.authenticate_device.
- `service_context`: the request's unit of work, `db.context(clinic, actor)` with the clinic and
  actor of the verified caller and nothing else: never a clinic named in the body or the query.
  It commits when the route returns and rolls back when it raises. A kiosk device may call any
  REST route; the role matrix answers 403 to everything but its check-in operations. A front-desk
  device is not a person: REST routes want the staff member signed in on it.
- `staff_context`: the same, for routes only a signed-in person may call.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Final

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from common.audit.models import ActorType
from common.context import Actor, ServiceContext
from common.errors import AuthenticationFailed
from common.i18n import N_
from sync_server.auth.tokens import AccessClaims
from sync_server.runtime import server_of
from sync_server.sync.devices import DeviceIdentity, authenticate_device

MAX_HEADER_LENGTH: Final = 4096

authorization_header = APIKeyHeader(
    name="Authorization",
    auto_error=False,
    scheme_name="ClinicAuthorization",
    description="`Bearer <access token>` for staff; `Device <id>.<secret>` for an enrolled kiosk.",
)


class NotAuthenticated(AuthenticationFailed):
    code = "not_authenticated"
    message = N_("Sign in to continue.")


class StaffSignInRequired(AuthenticationFailed):
    code = "staff_sign_in_required"
    message = N_("A staff member must sign in on this device for this.")


@dataclass(frozen=True)
class Caller:
    clinic_id: uuid.UUID
    actor: Actor
    claims: AccessClaims | None = None
    device: DeviceIdentity | None = None

    @property
    def is_kiosk(self) -> bool:
        return self.device is not None and self.device.is_kiosk


def current_actor(
    request: Request, authorization: Annotated[str | None, Security(authorization_header)] = None
) -> Caller:
    header = (authorization or "").strip()
    scheme, _, credential = header.partition(" ")
    if not credential or len(header) > MAX_HEADER_LENGTH:
        raise NotAuthenticated()
    server = server_of(request)
    if scheme.lower() == "bearer":
        claims = server.tokens.verify(credential.strip())
        return Caller(claims.clinic_id, Actor.staff(claims.user_id, claims.role), claims=claims)
    if scheme.lower() == "device":
        identity = _authenticate_device(request, header)
        if identity.is_kiosk:
            actor = Actor.kiosk(identity.device_id)
        else:
            actor = Actor(ActorType.DEVICE, identity.device_id, None, identity.device_id)
        return Caller(identity.clinic_id, actor, device=identity)
    raise NotAuthenticated()


def service_context(
    request: Request, caller: Annotated[Caller, Depends(current_actor)]
) -> Iterator[ServiceContext]:
    if caller.device is not None and not caller.is_kiosk:
        raise StaffSignInRequired()
    yield from _unit_of_work(request, caller)


def staff_context(
    request: Request, caller: Annotated[Caller, Depends(current_actor)]
) -> Iterator[ServiceContext]:
    if caller.claims is None:
        raise StaffSignInRequired()
    yield from _unit_of_work(request, caller)


def _unit_of_work(request: Request, caller: Caller) -> Iterator[ServiceContext]:
    server = server_of(request)
    with server.db.context(caller.clinic_id, caller.actor) as ctx:
        if caller.claims is not None:
            server.sessions.check(ctx, caller.claims)
        yield ctx


# Route parameters: the unit of work closes (commits) when the route function returns, before
# the response is sent, so a client never sees success for a write that did not commit.
ApiContext = Annotated[ServiceContext, Depends(service_context, scope="function")]
StaffContext = Annotated[ServiceContext, Depends(staff_context, scope="function")]
CurrentCaller = Annotated[Caller, Depends(current_actor)]


def _authenticate_device(request: Request, header: str) -> DeviceIdentity:
    server = server_of(request)
    with server.db.session(None) as session, session.begin():
        return authenticate_device(session, header)
