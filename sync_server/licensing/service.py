"""Glue for the licensing routes: the tier table, the clinic's license status and its alerts,
read through common.licensing (which owns the limits and the counting)."""

from __future__ import annotations

from common.access.permissions import Permission
from common.context import READ_ONLY_STATUSES, ServiceContext
from common.licensing.service import PATIENTS_METRIC, USERS_METRIC, usage
from common.licensing.tiers import TIERS, limits_for
from sync_server.licensing.schemas import AlertOut, LicenseStatusOut, TierOut


def tiers(ctx: ServiceContext) -> list[TierOut]:
    ctx.authorize(Permission.LICENSE_READ, entity_type="clinic", entity_id=ctx.clinic_id)
    return [
        TierOut(
            tier=limits.tier,
            max_users=limits.max_users,
            max_patients=limits.max_patients,
            warning_ratio=limits.warning_ratio,
        )
        for limits in TIERS.values()
    ]


def license_status(ctx: ServiceContext) -> LicenseStatusOut:
    report = usage(ctx)
    clinic = ctx.clinic
    return LicenseStatusOut(
        clinic_id=clinic.id,
        current_tier=clinic.license_tier,
        subscription_status=clinic.subscription_status,
        read_only=clinic.subscription_status in READ_ONLY_STATUSES,
        max_users=report.max_users,
        current_users=report.current_users,
        max_patients=report.max_patients,
        current_patients=report.current_patients,
    )


def alerts(ctx: ServiceContext) -> list[AlertOut]:
    """A warning per limit used at or above the tier's warning share; exceeded when over it."""
    report = usage(ctx)
    ratio = limits_for(ctx.clinic.license_tier).warning_ratio
    found: list[AlertOut] = []
    for metric, used, limit in (
        (USERS_METRIC, report.current_users, report.max_users),
        (PATIENTS_METRIC, report.current_patients, report.max_patients),
    ):
        share = used / limit if limit > 0 else 1.0
        if metric in report.exceeded_metrics or share >= ratio:
            found.append(
                AlertOut(
                    metric="users" if metric == USERS_METRIC else "patients",
                    level="exceeded" if metric in report.exceeded_metrics else "warning",
                    used=used,
                    limit=limit,
                    usage_percentage=round(share * 100, 1),
                )
            )
    return found
