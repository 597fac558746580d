"""`/api/licensing`: tiers, the clinic's license, usage and alerts (Admins and Managers)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from common.access.permissions import Permission
from common.licensing.service import UsagePeriod, usage
from sync_server.auth.dependencies import ApiContext
from sync_server.errors import ERROR_RESPONSES
from sync_server.licensing.schemas import AlertOut, LicenseStatusOut, TierOut, UsageOut
from sync_server.licensing.service import alerts, license_status, tiers
from sync_server.permissions import requires
from sync_server.tenancy import require_own_clinic

router = APIRouter(prefix="/api/licensing", tags=["licensing"], responses=ERROR_RESPONSES)


@router.get("/tiers", response_model=list[TierOut], openapi_extra=requires(Permission.LICENSE_READ))
def list_tiers(ctx: ApiContext) -> list[TierOut]:
    return tiers(ctx)


@router.get("/current", response_model=LicenseStatusOut, openapi_extra=requires(Permission.LICENSE_READ))
def current(ctx: ApiContext) -> LicenseStatusOut:
    return license_status(ctx)


@router.get("/usage", response_model=UsageOut, openapi_extra=requires(Permission.LICENSE_READ))
def get_usage(
    ctx: ApiContext, clinic_id: uuid.UUID | None = None, period: UsagePeriod = UsagePeriod.MONTHLY
) -> UsageOut:
    require_own_clinic(ctx, clinic_id)
    return UsageOut.model_validate(usage(ctx, period))


@router.get("/alerts", response_model=list[AlertOut], openapi_extra=requires(Permission.LICENSE_READ))
def get_alerts(ctx: ApiContext) -> list[AlertOut]:
    return alerts(ctx)
