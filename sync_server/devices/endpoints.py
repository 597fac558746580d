"""`/api/devices`: the clinic's enrolled front desks and kiosks (list, make an enrollment code,
withdraw). Administrators only: the role matrix's device.manage."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from common.access.permissions import Permission
from common.sync.devices import ClinicDevice, EnrollmentCode
from sync_server.auth.dependencies import ApiContext
from sync_server.devices import service as devices
from sync_server.devices.schemas import EnrollmentCodeCreate
from sync_server.errors import ERROR_RESPONSES
from sync_server.permissions import requires

router = APIRouter(prefix="/api/devices", tags=["devices"], responses=ERROR_RESPONSES)


@router.get("", response_model=list[ClinicDevice], openapi_extra=requires(Permission.DEVICE_MANAGE))
def list_devices(ctx: ApiContext) -> list[ClinicDevice]:
    return devices.list_devices(ctx)


@router.post(
    "/enrollment-codes",
    response_model=EnrollmentCode,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=requires(Permission.DEVICE_MANAGE),
)
def create_enrollment_code(body: EnrollmentCodeCreate, ctx: ApiContext) -> EnrollmentCode:
    """A one-time code that enrolls one device of this kind, valid for an hour; shown only now."""
    return devices.issue_enrollment_code(ctx, body.kind)


@router.post(
    "/{device_id}/withdraw", response_model=ClinicDevice, openapi_extra=requires(Permission.DEVICE_MANAGE)
)
def withdraw(device_id: uuid.UUID, ctx: ApiContext) -> ClinicDevice:
    """The device's credential stops working at once, on every route and on its poke stream."""
    return devices.withdraw_device(ctx, device_id)
