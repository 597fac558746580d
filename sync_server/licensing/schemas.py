"""Licensing in the seed's shape (`LicenseUsage`), plus the tier table and current alerts."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict

from common.clinics.models import LicenseTier, SubscriptionStatus
from common.licensing.service import UsagePeriod


class TierOut(BaseModel):
    tier: LicenseTier
    max_users: int
    max_patients: int
    warning_ratio: float


class LicenseStatusOut(BaseModel):
    clinic_id: uuid.UUID
    current_tier: LicenseTier
    subscription_status: SubscriptionStatus
    read_only: bool
    max_users: int
    current_users: int
    max_patients: int
    current_patients: int


class UsageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    clinic_id: uuid.UUID
    current_tier: str
    max_users: int
    current_users: int
    max_patients: int
    current_patients: int
    usage_percentage: float
    threshold_warning: bool
    exceeded_metrics: list[str]
    period: UsagePeriod
    active_users_in_period: int
    active_patients_in_period: int


class AlertOut(BaseModel):
    metric: Literal["users", "patients"]
    level: Literal["warning", "exceeded"]
    used: int
    limit: int
    usage_percentage: float
