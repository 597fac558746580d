"""What every report does: check the permission, read names, build the result, audit the run."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from sqlalchemy import select

from common.access.permissions import Permission
from common.catalog.models import TreatmentCatalogItem, TreatmentKind
from common.context import ServiceContext
from common.i18n import L_, LazyText
from common.reports.model import Cell, Figure, ReportData, ReportFilters, ReportRange, Section
from common.staff.models import StaffUser

ZERO: Final = Decimal(0)
RATE_PLACES: Final = Decimal("0.0001")
FIGURE_PLACES: Final = Decimal("0.1")

# The words reports put into tables and charts: stored values shown as labels.
NOT_RECORDED: Final = L_("Not recorded")
NO_TREATMENT: Final = L_("Not linked to a treatment")
REMOVED_STAFF: Final = L_("Former staff member")
OTHER: Final = L_("Other")
VALUE_LABELS: Final = (
    L_("Consultation"),
    L_("Treatment"),
    L_("Follow-up"),
    L_("Emergency"),
    L_("Specific Time"),
    L_("Time Period"),
    L_("Cash"),
    L_("Card"),
    L_("Bank Transfer"),
    L_("Mobile Payment"),
    L_("Insurance"),
    L_("Medicine"),
    L_("Equipment"),
    L_("Supply"),
    L_("Consumable"),
    L_("Cosmetic"),
    L_("Therapeutic"),
    L_("Diagnostic"),
    L_("Preventive"),
    L_("Doctor"),
    L_("Nurse"),
    L_("Receptionist"),
    L_("Admin"),
    L_("Manager"),
    L_("receive"),
    L_("use"),
    L_("adjust"),
    L_("waste"),
)


def authorize(ctx: ServiceContext, name: str) -> None:
    ctx.authorize(Permission.REPORT_VIEW, entity_type="report")


def finish(
    ctx: ServiceContext,
    name: str,
    title: str,
    period: ReportRange,
    filters: ReportFilters,
    figures: Sequence[Figure],
    sections: Sequence[Section],
) -> ReportData:
    """The report, stamped with the clinic and the time, and its run audited (no patient named)."""
    clinic = ctx.clinic
    ctx.audit(f"report.{name}", "report")
    return ReportData(
        name=name,
        title=title,
        clinic_name=clinic.name,
        currency=clinic.currency,
        timezone=clinic.timezone,
        period=period,
        filters=filters,
        generated_at=ctx.now(),
        figures=tuple(figures),
        sections=tuple(sections),
        filter_labels=tuple(filter_labels(ctx, filters)),
    )


def money(value: object) -> Decimal:
    """A SUM of a Money column: Decimal on both databases (the column type converts it)."""
    if value is None:
        return ZERO
    return value if isinstance(value, Decimal) else Decimal(str(value))


def rate(part: int | Decimal, whole: int | Decimal) -> Decimal:
    """part / whole as a fraction with four places (0.1235 = 12.35%); zero when whole is zero."""
    if not whole:
        return ZERO.quantize(RATE_PLACES)
    return (Decimal(part) / Decimal(whole)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def one_place(value: Decimal) -> Decimal:
    return value.quantize(FIGURE_PLACES, rounding=ROUND_HALF_UP)


def staff_names(ctx: ServiceContext) -> dict[uuid.UUID, str]:
    """Every staff member who ever worked here (removed ones too: history still names them)."""
    rows = ctx.session.execute(
        select(StaffUser.id, StaffUser.first_name, StaffUser.last_name).execution_options(
            include_deleted=True
        )
    )
    return {row.id: display_name(row.first_name, row.last_name) for row in rows}


def display_name(first: str, last: str) -> str:
    """Western names as "First Last"; CJK names family name first, unspaced (林美玲)."""
    if _is_cjk(first) or _is_cjk(last):
        return f"{last}{first}"
    return f"{first} {last}".strip()


def _is_cjk(text: str) -> bool:
    return any(ord(char) >= 0x2E80 for char in text)


def staff_label(names: dict[uuid.UUID, str], staff_id: uuid.UUID | None) -> str:
    if staff_id is None:
        return NOT_RECORDED
    return names.get(staff_id, REMOVED_STAFF)


def catalog_names(ctx: ServiceContext) -> dict[uuid.UUID, tuple[str, TreatmentKind]]:
    rows = ctx.session.execute(
        select(
            TreatmentCatalogItem.id, TreatmentCatalogItem.name, TreatmentCatalogItem.category
        ).execution_options(include_deleted=True)
    )
    return {row.id: (row.name, row.category) for row in rows}


def filter_labels(ctx: ServiceContext, filters: ReportFilters) -> list[str]:
    """The filters in effect, as data for the report's header (names, not ids)."""
    labels: list[str] = []
    if filters.doctor_ids:
        names = staff_names(ctx)
        labels.extend(names.get(doctor, str(doctor)) for doctor in sorted(filters.doctor_ids))
    if filters.treatment_type_ids:
        catalog = catalog_names(ctx)
        labels.extend(
            catalog[item][0] if item in catalog else str(item) for item in sorted(filters.treatment_type_ids)
        )
    for values in (
        filters.treatment_kinds,
        filters.appointment_types,
        filters.booking_modes,
        filters.payment_methods,
        filters.inventory_categories,
    ):
        labels.extend(L_(value.value) for value in sorted(values))
    return labels


def shares(amounts: Iterable[Decimal | int]) -> list[Decimal]:
    values = list(amounts)
    total = sum(values, ZERO)
    return [rate(value, total) for value in values]


def label(value: str | None) -> Cell:
    """A stored enum value shown as a word (translated when rendered)."""
    return NOT_RECORDED if value is None else LazyText(value)
