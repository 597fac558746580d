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


def _reports(desk: Desk) -> Screen:
    from desktop.screens.reports.screen import ReportsScreen

    return ReportsScreen(desk)


def _conflicts(desk: Desk) -> Screen:
    from desktop.screens.conflicts.screen import ConflictsScreen

    return ConflictsScreen(desk)


def _catalog(desk: Desk) -> Screen:
    from desktop.screens.catalog.screen import CatalogScreen

    return CatalogScreen(desk)


def _inventory(desk: Desk) -> Screen:
    from desktop.screens.inventory.screen import InventoryScreen

    return InventoryScreen(desk)


def _settings(desk: Desk) -> Screen:
    from desktop.screens.settings.screen import SettingsScreen

    return SettingsScreen(desk)


def _chat(desk: Desk) -> Screen:
    from desktop.screens.chat.screen import ChatScreen

    return ChatScreen(desk)


def _staff(desk: Desk) -> Screen:
    from desktop.screens.staff.screen import StaffScreen

    return StaffScreen(desk)


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
        ScreenSpec("catalog", N_("Catalog"), "catalog", _catalog, P.CATALOG_READ),
        ScreenSpec("inventory", N_("Inventory"), "inventory", _inventory, P.INVENTORY_READ),
        ScreenSpec("chat", N_("Chat"), "chat", _chat, P.CHAT_READ),
        ScreenSpec("staff", N_("Staff"), "staff", _staff, P.STAFF_MANAGE),
        ScreenSpec("settings", N_("Settings"), "settings", _settings),
        ScreenSpec("reports", N_("Reports"), "reports", _reports, P.REPORT_VIEW),
        ScreenSpec("conflicts", N_("Sync conflicts"), "alert", _conflicts, P.APPOINTMENT_MANAGE),
    ):
        registry.register(spec)
    return registry
