"""Every report by the name the command line and the desktop use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from common.context import ServiceContext
from common.i18n import N_
from common.reports.appointments import appointments_report
from common.reports.errors import UnknownReport
from common.reports.inventory import inventory_report
from common.reports.model import ReportData, ReportFilters, ReportRange
from common.reports.patients import patient_growth_report
from common.reports.revenue import cash_up_report, revenue_report
from common.reports.staff import staff_performance_report
from common.reports.treatments import treatments_report

ReportFunction = Callable[[ServiceContext, ReportRange, ReportFilters], ReportData]


@dataclass(frozen=True)
class ReportSpec:
    name: str
    title: str  # msgid
    description: str  # msgid
    build: ReportFunction


REPORTS: Final = {
    spec.name: spec
    for spec in (
        ReportSpec(
            "appointments",
            N_("Appointments report"),
            N_(
                "Appointments by status, doctor, type and booking mode; no-shows, cancellations, lead time, "
                "check-in."
            ),
            appointments_report,
        ),
        ReportSpec(
            "revenue",
            N_("Revenue report"),
            N_("Money received by period, method, treatment, category and doctor; discounts and refunds."),
            revenue_report,
        ),
        ReportSpec(
            "cash-up",
            N_("Cash-up"),
            N_("One day's takings by payment method, to count the till."),
            cash_up_report,
        ),
        ReportSpec(
            "treatments",
            N_("Treatments report"),
            N_("Treatments performed and billed, top treatments, categories, doctors, follow-ups due."),
            treatments_report,
        ),
        ReportSpec(
            "patient-growth",
            N_("Patient growth report"),
            N_("New and returning patients, active patients per month (QAU), retention, languages."),
            patient_growth_report,
        ),
        ReportSpec(
            "staff-performance",
            N_("Staff performance report"),
            N_("Appointments, treatments and revenue per doctor; bookings and payments per staff member."),
            staff_performance_report,
        ),
        ReportSpec(
            "inventory",
            N_("Inventory report"),
            N_("Stock and its value, low stock, usage by item and by treatment, waste."),
            inventory_report,
        ),
    )
}


def run_report(
    ctx: ServiceContext, name: str, period: ReportRange, filters: ReportFilters | None = None
) -> ReportData:
    spec = REPORTS.get(name)
    if spec is None:
        raise UnknownReport(name=name, names=", ".join(REPORTS))
    return spec.build(ctx, period, filters or ReportFilters())
