"""License tiers: the one table of limits (staff seats and active patients)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from common.clinics.models import LicenseTier


@dataclass(frozen=True)
class TierLimits:
    tier: LicenseTier
    max_users: int
    max_patients: int
    # Usage alerts are raised from this share of a limit.
    warning_ratio: float = 0.8


TIERS: Final[dict[LicenseTier, TierLimits]] = {
    LicenseTier.S: TierLimits(LicenseTier.S, max_users=5, max_patients=1_000),
    LicenseTier.M: TierLimits(LicenseTier.M, max_users=15, max_patients=5_000),
    LicenseTier.L: TierLimits(LicenseTier.L, max_users=40, max_patients=20_000),
    LicenseTier.XL: TierLimits(LicenseTier.XL, max_users=200, max_patients=250_000),
}


def limits_for(tier: LicenseTier) -> TierLimits:
    return TIERS[tier]
