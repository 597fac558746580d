"""Settings › Booking rules: what the scheduling services read from the clinic — the slot grid,
how soon and how far ahead booking is allowed, the Time Periods and their capacity, when a
missed appointment becomes a no-show, and how long a waitlist offer stays open."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QSpinBox, QTimeEdit

from common.access.permissions import Permission
from common.context import ServiceContext
from common.i18n import N_
from common.qt.i18n import _
from common.scheduling.models import DayPeriod
from common.scheduling.schedules_admin import NUMBER_RULES, BookingSettings, PeriodSetting, booking_settings
from desktop.actions import Intent
from desktop.labels import label as value_label
from desktop.screens.settings.actions import update_booking_rules
from desktop.screens.settings.page import (
    ONLY_SCHEDULERS,
    SettingsPage,
    clock_of,
    form_grid,
    number_edit,
    text_of,
    time_edit,
)
from desktop.widgets.common import label

# field -> (its label, the unit after the number)
NUMBER_TEXTS: dict[str, tuple[str, str]] = {
    "slot_minutes": (N_("Appointment slots every"), N_("minutes")),
    "booking_min_lead_minutes": (N_("Book at least"), N_("minutes ahead")),
    "booking_max_advance_days": (N_("Book at most"), N_("days ahead")),
    "no_show_after_minutes": (N_("Mark as no-show after"), N_("minutes without arrival")),
    "waitlist_offer_hours": (N_("A waitlist offer stays open for"), N_("hours")),
}


class BookingRulesPage(SettingsPage):
    key = "booking"
    title_msgid = N_("Booking rules")
    description_msgid = N_(
        "How appointments can be booked: the slot grid of the calendar, how soon and how far ahead, "
        "and how many Time Period bookings each doctor takes in the morning, afternoon and evening."
    )
    icon_name = "calendar"
    manage = Permission.SCHEDULE_MANAGE
    read_only_msgid = ONLY_SCHEDULERS

    def build(self) -> None:
        card = self.card("booking_card_rules")
        grid = form_grid()
        self.numbers: dict[str, QSpinBox] = {}
        self.number_labels: dict[str, Any] = {}
        self.units: dict[str, Any] = {}
        for row, (name, (low, high)) in enumerate(NUMBER_RULES.items()):
            self.numbers[name] = number_edit(f"rule_{name}", low, high)
            self.number_labels[name] = label()
            self.units[name] = label("", "muted")
            grid.addWidget(self.number_labels[name], row, 0, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(self.numbers[name], row, 1)
            grid.addWidget(self.units[name], row, 2)
            grid.addWidget(self.field(name, self.numbers[name]), row, 3)
            self.watch(self.numbers[name])
        card.body.addLayout(grid)

        periods = self.card("booking_card_periods")
        self.period_hint = label("", "muted", wrap=True)
        periods.body.addWidget(self.period_hint)
        table = QGridLayout()
        table.setHorizontalSpacing(14)
        table.setVerticalSpacing(8)
        table.setColumnStretch(5, 1)
        self.period_headers = [label("", "muted") for _ in range(4)]
        for column, header in enumerate(self.period_headers):
            table.addWidget(header, 0, column)
        self.period_names: dict[DayPeriod, Any] = {}
        self.starts: dict[DayPeriod, QTimeEdit] = {}
        self.ends: dict[DayPeriod, QTimeEdit] = {}
        self.capacities: dict[DayPeriod, QSpinBox] = {}
        for row, period in enumerate(DayPeriod, start=1):
            self.period_names[period] = label()
            self.starts[period] = time_edit(f"period_start_{period.value}")
            self.ends[period] = time_edit(f"period_end_{period.value}")
            self.capacities[period] = number_edit(f"period_capacity_{period.value}", 0, 200)
            table.addWidget(self.period_names[period], row, 0)
            table.addWidget(self.starts[period], row, 1)
            table.addWidget(self.ends[period], row, 2)
            table.addWidget(self.capacities[period], row, 3)
            table.addWidget(self.field(f"periods.{period.value}", self.starts[period]), row, 4, 1, 2)
            self.watch(self.starts[period], self.ends[period], self.capacities[period])
        periods.body.addLayout(table)

    def read(self, ctx: ServiceContext) -> BookingSettings:
        return booking_settings(ctx)

    def fill(self, data: Any) -> None:
        assert isinstance(data, BookingSettings)
        for name, edit in self.numbers.items():
            edit.setValue(int(getattr(data, name)))
        for period in DayPeriod:
            setting = data.periods.get(period) or PeriodSetting("00:00", "00:00", 0)
            self.starts[period].setTime(clock_of(setting.start))
            self.ends[period].setTime(clock_of(setting.end))
            self.capacities[period].setValue(setting.capacity)

    def changes(self) -> list[Intent]:
        data = self.data
        if not isinstance(data, BookingSettings):
            return []
        changes: dict[str, Any] = {
            name: edit.value() for name, edit in self.numbers.items() if edit.value() != getattr(data, name)
        }
        periods: dict[str, Any] = {}
        for period in DayPeriod:
            wanted = PeriodSetting(
                text_of(self.starts[period].time()),
                text_of(self.ends[period].time()),
                self.capacities[period].value(),
            )
            stored = data.periods.get(period)
            shown = (
                PeriodSetting(text_of(clock_of(stored.start)), text_of(clock_of(stored.end)), stored.capacity)
                if stored is not None
                else None
            )
            if wanted != shown:
                periods[period.value] = {
                    "start": wanted.start,
                    "end": wanted.end,
                    "capacity": wanted.capacity,
                }
        if periods:
            changes["periods"] = periods
        return [update_booking_rules(changes)] if changes else []

    def after_save(self) -> None:
        self.reload_clinic_info()

    def retranslate_page(self) -> None:
        self.title_cards(
            {"booking_card_rules": _("When patients can book"), "booking_card_periods": _("Time Periods")}
        )
        for name, (text, unit) in NUMBER_TEXTS.items():
            self.number_labels[name].setText(_(text))
            self.units[name].setText(_(unit))
            self.numbers[name].setAccessibleName(f"{_(text)} ({_(unit)})")
        self.period_hint.setText(
            _(
                "A Time Period booking holds a place in the morning, afternoon or evening; staff give it "
                "an exact time later. Capacity is the number of such bookings each doctor takes."
            )
        )
        for header, text in zip(
            self.period_headers, (_("Period"), _("Starts"), _("Ends"), _("Capacity")), strict=True
        ):
            header.setText(text)
        for period in DayPeriod:
            name = value_label(period)
            self.period_names[period].setText(name)
            self.starts[period].setAccessibleName(_("%(period)s starts", period=name))
            self.ends[period].setAccessibleName(_("%(period)s ends", period=name))
            self.capacities[period].setAccessibleName(_("%(period)s capacity", period=name))
