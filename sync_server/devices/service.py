"""The clinic's devices, managed by its administrator: list them, make a one-time enrollment code
for a new front desk or kiosk, withdraw a lost or stolen one. Each step is checked against the
role matrix (device.manage) and audited under the person who took it."""

from __future__ import annotations

import uuid

from common.access.permissions import Permission
from common.context import ServiceContext
from common.errors import NotFound
from common.i18n import N_
from common.sync.devices import ClinicDevice, EnrollmentCode
from common.sync.models import DeviceKind
from sync_server.sync.enrollment import (
    CODE_LIFETIME,
    add_enrollment_code,
    devices_of,
    enrolled,
    revoke_device,
)

ENTITY = "sync_device"


class DeviceNotFound(NotFound):
    code = "device_not_found"
    message = N_("The clinic has no such device.")


def list_devices(ctx: ServiceContext) -> list[ClinicDevice]:
    """Every device the clinic enrolled, withdrawn ones too, the most recent first."""
    ctx.authorize(Permission.DEVICE_MANAGE, entity_type=ENTITY)
    return devices_of(ctx.session, ctx.clinic_id)


def issue_enrollment_code(ctx: ServiceContext, kind: DeviceKind) -> EnrollmentCode:
    """A code that enrolls one device of `kind` into the clinic, once, within the hour."""
    ctx.authorize(Permission.DEVICE_MANAGE, entity_type=ENTITY)
    code, expires, code_id = add_enrollment_code(ctx.session, ctx.clinic_id, kind, ctx.now(), CODE_LIFETIME)
    ctx.audit(f"device.enrollment_code.{kind.value}", "sync_enrollment_code", code_id)
    return EnrollmentCode(code=code, kind=kind, expires_at=expires)


def withdraw_device(ctx: ServiceContext, device_id: uuid.UUID) -> ClinicDevice:
    """The device can no longer sync, from now on (withdrawing it again changes nothing)."""
    ctx.authorize(Permission.DEVICE_MANAGE, entity_type=ENTITY, entity_id=device_id)
    device = revoke_device(ctx.session, ctx.clinic_id, device_id, ctx.now())
    if device is None:
        raise DeviceNotFound()
    ctx.audit("device.withdraw", ENTITY, device_id)
    return enrolled(device)
