"""The Today screen's contents: the day's appointments, the waiting room and what needs attention."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from common.access.permissions import Permission
from common.context import ServiceContext
from common.i18n import L_, N_
from common.inventory.service import low_stock
from common.licensing.service import usage
from common.payments.service import cash_up
from common.scheduling.models import AppointmentStatus, WaitlistStatus
from common.scheduling.waitlist import waitlist
from desktop import sync_bridge
from desktop.reads.appointments import appointments_on
from desktop.reads.rows import AppointmentRow

WAITING_STATUSES = frozenset({AppointmentStatus.CHECKED_IN, AppointmentStatus.IN_PROGRESS})
MAX_NAMED_ITEMS = 3


@dataclass(frozen=True)
class Alert:
    """Something to look at. `message` is a msgid with `params`, translated when shown."""

    severity: str  # "danger" | "warning" | "info"
    message: str
    params: dict[str, object] = field(default_factory=dict)
    screen: str = ""  # where to go about it


@dataclass(frozen=True)
class TodayOverview:
    day: date
    appointments: tuple[AppointmentRow, ...]
    alerts: tuple[Alert, ...]
    takings: Decimal | None  # None: the reader may not see the cash-up
    currency: str

    @property
    def queue(self) -> list[AppointmentRow]:
        """Checked-in patients, longest waiting first."""
        waiting = [a for a in self.appointments if a.status in WAITING_STATUSES]
        return sorted(waiting, key=lambda a: (a.check_in_time or a.starts_at, a.starts_at))

    def count(self, *statuses: AppointmentStatus) -> int:
        return sum(1 for a in self.appointments if a.status in statuses)


def today_overview(ctx: ServiceContext, day: date) -> TodayOverview:
    rows = appointments_on(ctx, day)
    alerts: list[Alert] = []
    if ctx.can(Permission.INVENTORY_READ):
        alerts.extend(_stock_alerts(ctx))
    if ctx.can(Permission.LICENSE_READ):
        alerts.extend(_license_alerts(ctx))
    if ctx.can(Permission.APPOINTMENT_READ):
        alerts.extend(_waitlist_alerts(ctx))
        conflicts = sync_bridge.open_conflicts(ctx)
        if conflicts:
            alerts.insert(
                0,
                Alert(
                    "danger",
                    N_(
                        "%(count)s sync conflicts need a decision: "
                        "double bookings or changes made on two desks."
                    ),
                    {"count": conflicts},
                    "conflicts",
                ),
            )
    takings = None
    if ctx.can(Permission.PAYMENT_CASH_UP):
        takings = cash_up(ctx, day).net_total(ctx.clinic.currency)
    return TodayOverview(day, tuple(rows), tuple(alerts), takings, ctx.clinic.currency)


def _stock_alerts(ctx: ServiceContext) -> list[Alert]:
    low = low_stock(ctx)
    if not low:
        return []
    negative = [level for level in low if level.is_negative]
    names = ", ".join(level.name for level in low[:MAX_NAMED_ITEMS])
    if len(low) > MAX_NAMED_ITEMS:
        names += " …"
    return [
        Alert(
            "danger" if negative else "warning",
            N_("%(count)s stock items are at or below their minimum: %(names)s"),
            {"count": len(low), "names": names},
            "inventory",
        )
    ]


def _license_alerts(ctx: ServiceContext) -> list[Alert]:
    report = usage(ctx)
    params: dict[str, object] = {
        "tier": L_(report.current_tier),
        "patients": report.current_patients,
        "max_patients": report.max_patients,
        "users": report.current_users,
        "max_users": report.max_users,
        "percent": report.usage_percentage,
    }
    if report.exceeded_metrics:
        message = N_(
            "The licence limit is exceeded (%(tier)s): %(patients)s of %(max_patients)s patients, "
            "%(users)s of %(max_users)s staff. Upgrade the licence to keep adding records."
        )
        return [Alert("danger", message, params, "settings")]
    if report.threshold_warning:
        message = N_(
            "The licence is %(percent)s%% used (%(tier)s): %(patients)s of %(max_patients)s patients, "
            "%(users)s of %(max_users)s staff."
        )
        return [Alert("warning", message, params, "settings")]
    message = N_(
        "Licence %(tier)s: %(patients)s of %(max_patients)s patients, %(users)s of %(max_users)s staff."
    )
    return [Alert("info", message, params, "settings")]


def _waitlist_alerts(ctx: ServiceContext) -> list[Alert]:
    entries = waitlist(ctx)
    if not entries:
        return []
    offered = sum(1 for entry in entries if entry.status is WaitlistStatus.OFFERED)
    if offered:
        return [
            Alert(
                "warning",
                N_("%(offers)s waitlist offers are waiting for an answer; %(count)s patients are waiting."),
                {"offers": offered, "count": len(entries)},
                "calendar",
            )
        ]
    return [
        Alert(
            "info",
            N_("%(count)s patients are on the waitlist for an earlier time."),
            {"count": len(entries)},
            "calendar",
        )
    ]
