"""Usage measured against the clinic's license tier."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from common.storage.base import Base, ClinicRecord, enum_column


class MetricType(StrEnum):
    DAU = "Daily Active Users"
    WAU = "Weekly Active Users"
    MAU = "Monthly Active Users"
    QAU = "Quarterly Active Users"


class LicenseUsage(ClinicRecord, Base):
    __tablename__ = "license_usage"
    __table_args__ = (Index(None, "clinic_id", "metric_date", "metric_type"),)

    metric_date: Mapped[date]
    metric_type: Mapped[MetricType] = mapped_column(enum_column(MetricType, "metric_type"))
    active_user_count: Mapped[int]
    active_patient_count: Mapped[int]
    appointment_count: Mapped[int]
    treatment_count: Mapped[int]
    revenue_amount: Mapped[Decimal | None]
    tier_threshold_exceeded: Mapped[bool] = mapped_column(default=False)
    exceeded_metric: Mapped[str | None] = mapped_column(String(100))
    notification_sent: Mapped[bool] = mapped_column(default=False)
    notification_sent_to: Mapped[list[Any]] = mapped_column(default=list)
