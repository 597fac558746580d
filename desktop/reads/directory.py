"""The clinic's settings and the names screens show: doctors, staff, catalog treatments."""

from __future__ import annotations

from common.catalog.service import list_treatments
from common.context import ServiceContext
from common.payments.money import in_currency
from common.scheduling.clinic_rules import BookingRules
from common.staff.models import Role
from common.staff.service import list_staff
from desktop.names import display_name
from desktop.reads.rows import CatalogEntry, ClinicInfo, Directory, PeriodInfo, StaffEntry

# common.demo's DEMO_CLINIC_NAME (a test keeps them equal): importing the demo package here would
# load the whole generator on the way to the first window.
DEMO_CLINIC_NAME = "Lotus Aesthetic Clinic"
DEFAULT_OPENING = 8 * 60
DEFAULT_CLOSING = 20 * 60


def clinic_info(ctx: ServiceContext) -> ClinicInfo:
    clinic = ctx.clinic
    rules = BookingRules.of(clinic)
    ranges = [span for spans in rules.business_hours.values() for span in spans]
    opening = min((start for start, _end in ranges), default=DEFAULT_OPENING)
    closing = max((end for _start, end in ranges), default=DEFAULT_CLOSING)
    periods = tuple(
        PeriodInfo(rule.period, rule.start_minute, rule.end_minute, rule.capacity)
        for rule in sorted(rules.periods.values(), key=lambda rule: rule.start_minute)
    )
    return ClinicInfo(
        id=clinic.id,
        name=clinic.name,
        timezone=clinic.timezone,
        currency=clinic.currency,
        default_language=clinic.default_language,
        slot_minutes=clinic.slot_minutes,
        periods=periods,
        opening_minute=opening,
        closing_minute=closing,
        is_demo=clinic.name == DEMO_CLINIC_NAME,
    )


def directory(ctx: ServiceContext) -> Directory:
    people = list_staff(ctx, include_inactive=True)
    staff = {
        person.id: StaffEntry(
            person.id,
            display_name(person.first_name, person.last_name),
            person.role,
            person.calendar_color,
            person.specialization,
        )
        for person in people
    }
    doctors = tuple(staff[p.id] for p in people if p.role is Role.DOCTOR and p.is_active)
    catalog = tuple(
        CatalogEntry(
            item.id,
            item.name,
            item.subcategory,
            item.duration_minutes,
            in_currency(item.base_price, item.currency),
            item.currency,
        )
        for item in list_treatments(ctx)
    )
    return Directory(doctors=doctors, staff=staff, catalog=catalog)
