"""Sync intents of staff management (an administrator's work at a desk): add an account, change a
role, reset a password or the second factor, deactivate and reactivate.

What the desk decided travels in the arguments, so the server makes the same row: the account's
id, the password's argon2id hash (checked against the policy on the desk, in `prepare`; a clear
password never reaches the outbox or the wire) and the TOTP secret the desk showed as a QR code
(recorded in `finish`). A seat taken meanwhile on the server comes back as a license conflict.
"""

from __future__ import annotations

import uuid
from typing import Any, Final

from pydantic import Field

from common.access.permissions import Permission
from common.context import ServiceContext
from common.staff import service as staff
from common.staff.models import Role
from common.sync.intents import Args, Intent, register

P = Permission
MAX_PASSWORD: Final = 1_024  # the policy refuses long passwords readably; this bounds the payload
MAX_HASH: Final = 512
MAX_SECRET: Final = 64


class CreateStaffArgs(Args):
    staff_id: uuid.UUID
    email: str = Field(max_length=320)
    first_name: str = Field(max_length=200)
    last_name: str = Field(max_length=200)
    role: Role
    specialization: str | None = Field(default=None, max_length=200)
    calendar_color: str | None = Field(default=None, max_length=16)
    preferred_language: str = Field(default="en", max_length=8)
    two_factor: bool = False
    # Typed at the desk; replaced by its hash before the intent is recorded.
    password: str | None = Field(default=None, max_length=MAX_PASSWORD)
    password_hash: str | None = Field(default=None, max_length=MAX_HASH)
    totp_secret: str | None = Field(default=None, max_length=MAX_SECRET)


class ChangeRoleArgs(Args):
    staff_id: uuid.UUID
    role: Role
    totp_secret: str | None = Field(default=None, max_length=MAX_SECRET)


class ResetPasswordArgs(Args):
    staff_id: uuid.UUID
    password: str | None = Field(default=None, max_length=MAX_PASSWORD)
    password_hash: str | None = Field(default=None, max_length=MAX_HASH)


class ResetTwoFactorArgs(Args):
    staff_id: uuid.UUID
    totp_secret: str | None = Field(default=None, max_length=MAX_SECRET)


class StaffArgs(Args):
    staff_id: uuid.UUID


# ---- adding an account ---------------------------------------------------------------------------


def _new_staff(args: CreateStaffArgs) -> staff.NewStaff:
    return staff.NewStaff(
        email=args.email,
        password=args.password or "",
        first_name=args.first_name,
        last_name=args.last_name,
        role=args.role,
        specialization=args.specialization,
        calendar_color=args.calendar_color,
        preferred_language=args.preferred_language,
        two_factor=args.two_factor,
        id=args.staff_id,
    )


def _prepare_create(ctx: ServiceContext, args: CreateStaffArgs) -> CreateStaffArgs:
    if args.password is None:
        return args
    hashed = staff.prepare_password(
        args.password, email=args.email, first_name=args.first_name, last_name=args.last_name
    )
    return args.model_copy(update={"password": None, "password_hash": hashed})


def _create(ctx: ServiceContext, args: CreateStaffArgs) -> Any:
    return staff.create_staff(
        ctx, _new_staff(args), password_hash=args.password_hash, totp_secret=args.totp_secret
    )


def _finish_create(ctx: ServiceContext, args: CreateStaffArgs, result: Any) -> CreateStaffArgs:
    enrollment = result.totp if isinstance(result, staff.StaffResult) else None
    return args.model_copy(update={"totp_secret": enrollment.secret if enrollment is not None else None})


# ---- roles and secrets ---------------------------------------------------------------------------


def _change_role(ctx: ServiceContext, args: ChangeRoleArgs) -> Any:
    return staff.update_staff(ctx, args.staff_id, role=args.role, totp_secret=args.totp_secret)


def _finish_change_role(ctx: ServiceContext, args: ChangeRoleArgs, result: Any) -> ChangeRoleArgs:
    enrollment = result.totp if isinstance(result, staff.StaffResult) else None
    return args.model_copy(update={"totp_secret": enrollment.secret if enrollment is not None else None})


def _prepare_reset_password(ctx: ServiceContext, args: ResetPasswordArgs) -> ResetPasswordArgs:
    if args.password is None:
        return args
    hashed = staff.prepare_reset_password(ctx, args.staff_id, args.password)
    return args.model_copy(update={"password": None, "password_hash": hashed})


def _reset_password(ctx: ServiceContext, args: ResetPasswordArgs) -> Any:
    return staff.reset_password(ctx, args.staff_id, args.password, password_hash=args.password_hash)


def _reset_two_factor(ctx: ServiceContext, args: ResetTwoFactorArgs) -> Any:
    return staff.reset_two_factor(ctx, args.staff_id, secret=args.totp_secret)


def _finish_reset_two_factor(
    ctx: ServiceContext, args: ResetTwoFactorArgs, result: Any
) -> ResetTwoFactorArgs:
    secret = result.secret if isinstance(result, staff.TotpEnrollment) else None
    return args.model_copy(update={"totp_secret": secret})


register(
    Intent(
        "create_staff",
        CreateStaffArgs,
        P.STAFF_MANAGE,
        _create,
        prepare=_prepare_create,
        finish=_finish_create,
    )
)
register(
    Intent("change_staff_role", ChangeRoleArgs, P.STAFF_MANAGE, _change_role, finish=_finish_change_role)
)
register(
    Intent(
        "reset_staff_password",
        ResetPasswordArgs,
        P.STAFF_MANAGE,
        _reset_password,
        prepare=_prepare_reset_password,
    )
)
register(
    Intent(
        "reset_staff_two_factor",
        ResetTwoFactorArgs,
        P.STAFF_MANAGE,
        _reset_two_factor,
        finish=_finish_reset_two_factor,
    )
)
register(
    Intent(
        "deactivate_staff",
        StaffArgs,
        P.STAFF_MANAGE,
        lambda ctx, a: staff.deactivate_staff(ctx, a.staff_id),
    )
)
register(
    Intent(
        "reactivate_staff",
        StaffArgs,
        P.STAFF_MANAGE,
        lambda ctx, a: staff.reactivate_staff(ctx, a.staff_id),
    )
)
