"""License rules: tier limits on staff and patients, usage figures, subscription status.

The limits are the clinic's `max_users` / `max_patients` (set from `TIERS` when the tier is set).
A seat is checked when it is about to be taken; the clinic row is locked for that check so two
concurrent creations cannot both take the last seat (on PostgreSQL; SQLite has one writer).
A suspended or cancelled clinic is read-only: `ServiceContext.authorize` refuses every WRITE.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Final

from sqlalchemy import func, select, union

from common.access.permissions import Permission
from common.audit.models import AuditLog, AuditOutcome
from common.clinics.models import Clinic, LicenseTier, SubscriptionStatus
from common.context import ServiceContext
from common.errors import LicenseLimitReached
from common.i18n import L_, N_
from common.licensing.models import LicenseUsage, MetricType
from common.licensing.tiers import limits_for
from common.patients.models import Patient
from common.payments.models import PaymentRecord, PaymentStatus
from common.scheduling.models import Appointment, AppointmentStatus
from common.staff.models import StaffUser
from common.treatments.models import TreatmentRecord

USERS_METRIC: Final = "users"
PATIENTS_METRIC: Final = "patients"


class StaffLimitReached(LicenseLimitReached):
    code = "license_staff_limit"
    message = N_(
        "Your plan (%(tier)s) allows %(limit)s active staff accounts and all of them are in use. "
        "Upgrade to a larger plan, or deactivate an account that is no longer needed."
    )


class PatientLimitReached(LicenseLimitReached):
    code = "license_patient_limit"
    message = N_(
        "Your plan (%(tier)s) allows %(limit)s active patients and that limit is reached. "
        "Upgrade to a larger plan to register more patients."
    )


# The tiers the messages above name: a tier's stored value is also its msgid.
LICENSE_TIER_NAMES: Final = (L_("Tier S"), L_("Tier M"), L_("Tier L"), L_("Tier XL"))


class UsagePeriod(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


PERIOD_METRIC: Final = {
    UsagePeriod.DAILY: MetricType.DAU,
    UsagePeriod.WEEKLY: MetricType.WAU,
    UsagePeriod.MONTHLY: MetricType.MAU,
    UsagePeriod.QUARTERLY: MetricType.QAU,
}
# Rolling windows, in the clinic's calendar days, ending on (and including) the measured day.
PERIOD_DAYS: Final = {
    UsagePeriod.DAILY: 1,
    UsagePeriod.WEEKLY: 7,
    UsagePeriod.MONTHLY: 30,
    UsagePeriod.QUARTERLY: 90,
}


@dataclass(frozen=True)
class UsageReport:
    """The seed's `LicenseUsage` API shape, plus the activity seen in the period."""

    clinic_id: str
    current_tier: str
    max_users: int
    current_users: int
    max_patients: int
    current_patients: int
    usage_percentage: float
    threshold_warning: bool
    exceeded_metrics: tuple[str, ...]
    period: UsagePeriod
    active_users_in_period: int
    active_patients_in_period: int


@dataclass(frozen=True)
class ActivityFigures:
    active_users: int
    active_patients: int
    appointments: int
    treatments: int
    revenue: Decimal


# ---------------------------------------------------------------------------------------------
# Seats


def ensure_staff_capacity(ctx: ServiceContext) -> None:
    """Refuse if every staff seat is taken; otherwise count the seat the caller is about to take.

    The cached count is written in the caller's transaction, so it only lands if the caller's
    creation (or reactivation) commits.
    """
    clinic = _lock_clinic(ctx)
    taken = count_active_staff(ctx)
    if taken >= clinic.max_users:
        raise StaffLimitReached(tier=L_(clinic.license_tier.value), limit=clinic.max_users)
    _set_if_changed(clinic, users=taken + 1)


def ensure_patient_capacity(ctx: ServiceContext) -> None:
    """Refuse if the clinic has as many active patients as its tier allows; otherwise count the
    patient the caller is about to register (in the caller's transaction)."""
    clinic = _lock_clinic(ctx)
    active = count_active_patients(ctx)
    if active >= clinic.max_patients:
        raise PatientLimitReached(tier=L_(clinic.license_tier.value), limit=clinic.max_patients)
    _set_if_changed(clinic, patients=active + 1)


def refresh_usage_counts(ctx: ServiceContext) -> None:
    """Recount active staff and patients into the clinic's cached counts (after a removal)."""
    _set_if_changed(ctx.clinic, users=count_active_staff(ctx), patients=count_active_patients(ctx))


def count_active_staff(ctx: ServiceContext) -> int:
    return ctx.session.scalar(select(func.count(StaffUser.id)).where(StaffUser.is_active.is_(True))) or 0


def count_active_patients(ctx: ServiceContext) -> int:
    return (
        ctx.session.scalar(
            select(func.count(Patient.id)).where(
                Patient.is_active.is_(True), Patient.merged_into_id.is_(None)
            )
        )
        or 0
    )


def _lock_clinic(ctx: ServiceContext) -> Clinic:
    ctx.session.execute(select(Clinic.id).where(Clinic.id == ctx.clinic_id).with_for_update())
    return ctx.clinic


def _set_if_changed(clinic: Clinic, *, users: int | None = None, patients: int | None = None) -> None:
    if users is not None and clinic.current_user_count != users:
        clinic.current_user_count = users
    if patients is not None and clinic.current_patient_count != patients:
        clinic.current_patient_count = patients


# ---------------------------------------------------------------------------------------------
# Usage


def usage(ctx: ServiceContext, period: UsagePeriod = UsagePeriod.MONTHLY) -> UsageReport:
    """Seats in use against the tier's limits, and the activity of the period ending today."""
    ctx.authorize(Permission.LICENSE_READ, entity_type="clinic", entity_id=ctx.clinic_id)
    clinic = ctx.clinic
    users, patients = count_active_staff(ctx), count_active_patients(ctx)
    today = ctx.now().astimezone(ctx.tz).date()
    activity = activity_figures(ctx, today, PERIOD_DAYS[period])
    shares = [_share(users, clinic.max_users), _share(patients, clinic.max_patients)]
    warning_ratio = limits_for(clinic.license_tier).warning_ratio
    return UsageReport(
        clinic_id=str(clinic.id),
        current_tier=clinic.license_tier.value,
        max_users=clinic.max_users,
        current_users=users,
        max_patients=clinic.max_patients,
        current_patients=patients,
        usage_percentage=round(max(shares) * 100, 1),
        threshold_warning=max(shares) >= warning_ratio,
        exceeded_metrics=_exceeded(clinic, users, patients),
        period=period,
        active_users_in_period=activity.active_users,
        active_patients_in_period=activity.active_patients,
    )


def record_daily_usage(ctx: ServiceContext, day: date) -> list[LicenseUsage]:
    """Write (or rewrite) the day's DAU, WAU, MAU and QAU rows, flagging any over the tier's limit.

    Run by the server's daily job; running it again for the same day updates the same rows.
    """
    ctx.authorize(Permission.LICENSE_MANAGE, entity_type="license_usage")
    clinic = ctx.clinic
    existing = {
        row.metric_type: row
        for row in ctx.session.scalars(select(LicenseUsage).where(LicenseUsage.metric_date == day))
    }
    rows: list[LicenseUsage] = []
    for period, metric in PERIOD_METRIC.items():
        figures = activity_figures(ctx, day, PERIOD_DAYS[period])
        exceeded = _exceeded(clinic, figures.active_users, figures.active_patients)
        row = existing.get(metric) or LicenseUsage(metric_date=day, metric_type=metric)
        row.active_user_count = figures.active_users
        row.active_patient_count = figures.active_patients
        row.appointment_count = figures.appointments
        row.treatment_count = figures.treatments
        row.revenue_amount = figures.revenue
        row.tier_threshold_exceeded = bool(exceeded)
        row.exceeded_metric = ",".join(exceeded) or None
        if metric not in existing:
            ctx.session.add(row)
        rows.append(row)
    refresh_usage_counts(ctx)
    ctx.session.flush()
    return rows


def activity_figures(ctx: ServiceContext, last_day: date, days: int) -> ActivityFigures:
    """Who and what was active in the `days` calendar days (clinic time) ending on `last_day`.

    Active staff: signed in during the window (their last login, or a successful login in the
    audit log, which keeps every login). Active patients: had an appointment that was not
    cancelled or missed, or a treatment.
    """
    first_day = last_day - timedelta(days=days - 1)
    start, end = _instants(ctx, first_day, last_day + timedelta(days=1))
    session = ctx.session

    logged_in = set(
        session.scalars(select(StaffUser.id).where(StaffUser.last_login >= start, StaffUser.last_login < end))
    )
    logged_in.update(
        actor_id
        for actor_id in session.scalars(
            select(AuditLog.actor_id)
            .where(
                AuditLog.action == "auth.login",
                AuditLog.outcome == AuditOutcome.SUCCESS,
                AuditLog.occurred_at >= start,
                AuditLog.occurred_at < end,
            )
            .distinct()
        )
        if actor_id is not None
    )

    in_window = Appointment.appointment_date.between(first_day, last_day)
    seen = union(
        select(Appointment.patient_id).where(
            in_window, Appointment.status.not_in([AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW])
        ),
        select(TreatmentRecord.patient_id).where(TreatmentRecord.treatment_date.between(first_day, last_day)),
    ).subquery()
    patients = session.scalar(select(func.count()).select_from(seen)) or 0
    appointments = (
        session.scalar(
            select(func.count(Appointment.id)).where(
                in_window, Appointment.status != AppointmentStatus.CANCELLED
            )
        )
        or 0
    )
    treatments = (
        session.scalar(
            select(func.count(TreatmentRecord.id)).where(
                TreatmentRecord.treatment_date.between(first_day, last_day)
            )
        )
        or 0
    )
    revenue = session.scalar(
        select(func.sum(PaymentRecord.final_amount)).where(
            PaymentRecord.payment_date.between(first_day, last_day),
            PaymentRecord.payment_status == PaymentStatus.COMPLETED,
        )
    )
    return ActivityFigures(len(logged_in), patients, appointments, treatments, revenue or Decimal(0))


def _instants(ctx: ServiceContext, first_day: date, end_day: date) -> tuple[datetime, datetime]:
    zone = ctx.tz
    return (
        datetime.combine(first_day, time(0), tzinfo=zone).astimezone(UTC),
        datetime.combine(end_day, time(0), tzinfo=zone).astimezone(UTC),
    )


def _share(used: int, limit: int) -> float:
    return used / limit if limit > 0 else 1.0


def _exceeded(clinic: Clinic, users: int, patients: int) -> tuple[str, ...]:
    """Metrics strictly over their limit (a full tier is a warning, not an excess)."""
    over = []
    if users > clinic.max_users:
        over.append(USERS_METRIC)
    if patients > clinic.max_patients:
        over.append(PATIENTS_METRIC)
    return tuple(over)


# ---------------------------------------------------------------------------------------------
# Subscription and tier (set by the billing system / internal operations, never by a clinic role)


def set_subscription_status(ctx: ServiceContext, status: SubscriptionStatus) -> Clinic:
    """Suspended and Cancelled clinics become read-only; Active and Past Due can write."""
    ctx.authorize(Permission.LICENSE_MANAGE, entity_type="clinic", entity_id=ctx.clinic_id)
    clinic = ctx.clinic
    if clinic.subscription_status != status:
        clinic.subscription_status = status
        ctx.audit("license.subscription_status", "clinic", clinic.id, changed_fields=["subscription_status"])
    return clinic


def set_license_tier(ctx: ServiceContext, tier: LicenseTier) -> Clinic:
    """Move the clinic to another tier; its limits follow `TIERS`. A downgrade below current use
    keeps what exists and refuses new seats until usage is under the new limit."""
    ctx.authorize(Permission.LICENSE_MANAGE, entity_type="clinic", entity_id=ctx.clinic_id)
    clinic = ctx.clinic
    limits = limits_for(tier)
    changed = [
        name
        for name, old, new in (
            ("license_tier", clinic.license_tier, tier),
            ("max_users", clinic.max_users, limits.max_users),
            ("max_patients", clinic.max_patients, limits.max_patients),
        )
        if old != new
    ]
    if changed:
        clinic.license_tier, clinic.max_users, clinic.max_patients = (
            tier,
            limits.max_users,
            limits.max_patients,
        )
        ctx.audit("license.tier", "clinic", clinic.id, changed_fields=changed)
    return clinic
