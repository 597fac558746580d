"""The desk's screens. `build_registry` lists them in navigation order (Ctrl+1..9 follow it).

Screens are imported when first opened, so starting the app loads only the first one. The
screens still to come are registered here as placeholders by name: give each its real factory in
this list when it is built.
"""

from __future__ import annotations

from functools import partial

from common.access.permissions import Permission
from common.i18n import N_
from desktop.desk import Desk
from desktop.screens.base import Screen
from desktop.screens.registry import ScreenRegistry, ScreenSpec

P = Permission


def _today(desk: Desk) -> Screen:
    from desktop.screens.today import TodayScreen

    return TodayScreen(desk)


def _calendar(desk: Desk) -> Screen:
    from desktop.screens.calendar.screen import CalendarScreen

    return CalendarScreen(desk)


def _patients(desk: Desk) -> Screen:
    from desktop.screens.patients.screen import PatientsScreen

    return PatientsScreen(desk)


def _check_in(desk: Desk) -> Screen:
    from desktop.screens.check_in import CheckInScreen

    return CheckInScreen(desk)


def _treatments(desk: Desk) -> Screen:
    from desktop.screens.treatments import TreatmentsScreen

    return TreatmentsScreen(desk)


def _payments(desk: Desk) -> Screen:
    from desktop.screens.payments import PaymentsScreen

    return PaymentsScreen(desk)


def _placeholder(title: str, icon_name: str, desk: Desk) -> Screen:
    from desktop.screens.placeholder import PlaceholderScreen

    return PlaceholderScreen(desk, title, icon_name)


def placeholder(key: str, title: str, icon_name: str, permission: Permission | None) -> ScreenSpec:
    return ScreenSpec(
        key, title, icon_name, partial(_placeholder, title, icon_name), permission, placeholder=True
    )


def build_registry() -> ScreenRegistry:
    registry = ScreenRegistry()
    for spec in (
        ScreenSpec("today", N_("Today"), "today", _today),
        ScreenSpec("calendar", N_("Calendar"), "calendar", _calendar, P.APPOINTMENT_READ),
        ScreenSpec("patients", N_("Patients"), "patients", _patients, P.PATIENT_SEARCH),
        ScreenSpec("check_in", N_("Check-in"), "check_in", _check_in, P.APPOINTMENT_CHECK_IN),
        ScreenSpec("treatments", N_("Treatments"), "treatment", _treatments, P.TREATMENT_READ),
        ScreenSpec("payments", N_("Payments"), "payment", _payments, P.PAYMENT_READ),
        placeholder("catalog", N_("Catalog"), "catalog", P.CATALOG_READ),
        placeholder("inventory", N_("Inventory"), "inventory", P.INVENTORY_READ),
        placeholder("chat", N_("Chat"), "chat", P.CHAT_READ),
        placeholder("staff", N_("Staff"), "staff", P.STAFF_MANAGE),
        placeholder("settings", N_("Settings"), "settings", None),
        placeholder("reports", N_("Reports"), "reports", P.REPORT_VIEW),
    ):
        registry.register(spec)
    return registry
