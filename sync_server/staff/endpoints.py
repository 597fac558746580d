"""`/api/staff`: staff accounts (list, create, edit, deactivate, reactivate, reset password,
reset second factor). Administrators only: the role matrix's staff.manage."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, status

from common.access.permissions import Permission
from common.context import ServiceContext
from common.staff import service as staff
from common.staff.models import Role
from common.staff.service import KEEP, NewStaff, StaffResult
from sync_server.auth.dependencies import ApiContext
from sync_server.errors import ERROR_RESPONSES
from sync_server.permissions import requires
from sync_server.staff.schemas import (
    PasswordReset,
    StaffCreate,
    StaffOut,
    StaffResultOut,
    StaffUpdate,
    TotpEnrollmentOut,
)

router = APIRouter(prefix="/api/staff", tags=["staff"], responses=ERROR_RESPONSES)


def _administrators_only(ctx: ServiceContext, user_id: uuid.UUID | None = None) -> None:
    ctx.authorize(Permission.STAFF_MANAGE, entity_type="staff_user", entity_id=user_id)


@router.get("", response_model=list[StaffOut], openapi_extra=requires(Permission.STAFF_MANAGE))
def list_staff(ctx: ApiContext, include_inactive: bool = False, role: Role | None = None) -> list[StaffOut]:
    _administrators_only(ctx)
    return [
        StaffOut.model_validate(view)
        for view in staff.list_staff(ctx, include_inactive=include_inactive, role=role)
    ]


@router.post(
    "",
    response_model=StaffResultOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=requires(Permission.STAFF_MANAGE),
)
def create(body: StaffCreate, ctx: ApiContext) -> StaffResultOut:
    """A new account within the plan's seats. Admins and Managers get a TOTP secret, shown once."""
    result = staff.create_staff(ctx, NewStaff(**body.model_dump()))
    return _result(result)


@router.get("/{user_id}", response_model=StaffOut, openapi_extra=requires(Permission.STAFF_MANAGE))
def read(user_id: uuid.UUID, ctx: ApiContext) -> StaffOut:
    _administrators_only(ctx, user_id)
    return StaffOut.model_validate(staff.get_staff(ctx, user_id))


@router.put("/{user_id}", response_model=StaffResultOut, openapi_extra=requires(Permission.STAFF_MANAGE))
def update(user_id: uuid.UUID, body: StaffUpdate, ctx: ApiContext) -> StaffResultOut:
    changes: dict[str, Any] = {
        name: (KEEP if value is None else value)
        for name, value in body.model_dump(exclude_unset=True).items()
    }
    for optional in ("specialization", "calendar_color"):
        if optional in body.model_fields_set and getattr(body, optional) is None:
            changes[optional] = None  # null clears these
    return _result(staff.update_staff(ctx, user_id, **changes))


@router.post(
    "/{user_id}/deactivate", response_model=StaffOut, openapi_extra=requires(Permission.STAFF_MANAGE)
)
def deactivate(user_id: uuid.UUID, ctx: ApiContext) -> StaffOut:
    """The account can no longer sign in; its sessions end; its seat is freed."""
    return StaffOut.model_validate(staff.deactivate_staff(ctx, user_id))


@router.post(
    "/{user_id}/reactivate", response_model=StaffOut, openapi_extra=requires(Permission.STAFF_MANAGE)
)
def reactivate(user_id: uuid.UUID, ctx: ApiContext) -> StaffOut:
    return StaffOut.model_validate(staff.reactivate_staff(ctx, user_id))


@router.post(
    "/{user_id}/reset-password", response_model=StaffOut, openapi_extra=requires(Permission.STAFF_MANAGE)
)
def reset_password(user_id: uuid.UUID, body: PasswordReset, ctx: ApiContext) -> StaffOut:
    """Set a new password (the person forgot theirs); ends their sessions, lifts a lockout."""
    return StaffOut.model_validate(staff.reset_password(ctx, user_id, body.new_password))


@router.post(
    "/{user_id}/reset-2fa", response_model=TotpEnrollmentOut, openapi_extra=requires(Permission.STAFF_MANAGE)
)
def reset_two_factor(user_id: uuid.UUID, ctx: ApiContext) -> TotpEnrollmentOut:
    """A new TOTP secret (a lost phone), shown once; old codes stop working, sessions end."""
    return TotpEnrollmentOut.model_validate(staff.reset_two_factor(ctx, user_id))


def _result(result: StaffResult) -> StaffResultOut:
    totp = TotpEnrollmentOut.model_validate(result.totp) if result.totp is not None else None
    return StaffResultOut(staff=StaffOut.model_validate(result.staff), totp=totp)
