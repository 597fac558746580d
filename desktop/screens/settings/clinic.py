"""Settings › Clinic: the clinic's name and contact lines (printed on receipts and posters), its
time zone and languages, and its opening hours per weekday."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from babel.dates import get_day_names
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QCompleter, QGridLayout, QLineEdit, QTimeEdit

from common.clinics.service import ClinicDetails, clinic_details
from common.context import ServiceContext
from common.i18n import LANGUAGE_NATIVE_NAMES, N_, SUPPORTED_LOCALES
from common.qt.i18n import _, language
from desktop.actions import Intent
from desktop.screens.settings.actions import update_clinic
from desktop.screens.settings.page import SettingsPage, clock_of, dash, form_grid, text_of, time_edit
from desktop.widgets.common import hbox, label, select_data


def weekday_name(weekday: int) -> str:
    """The ISO weekday's full name in the reader's language: 'Monday' / '星期一' / '月曜日'."""
    return str(get_day_names("wide", locale=language().babel_locale)[weekday - 1])


class ClinicPage(SettingsPage):
    key = "clinic"
    title_msgid = N_("Clinic")
    description_msgid = N_(
        "The clinic's name and contact details appear on receipts, invoices and posters. Opening "
        "hours limit when appointments can be booked."
    )
    icon_name = "today"

    def build(self) -> None:
        self.name = QLineEdit()
        self.name.setObjectName("clinic_name")
        self.address = QLineEdit()
        self.address.setObjectName("clinic_address")
        self.phone = QLineEdit()
        self.phone.setObjectName("clinic_phone")
        self.email = QLineEdit()
        self.email.setObjectName("clinic_email")
        self.timezone = QComboBox()
        self.timezone.setObjectName("clinic_timezone")
        self.timezone.setEditable(True)
        self.timezone.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.timezone.addItems(sorted(available_timezones()))
        completer = QCompleter(self.timezone.model(), self.timezone)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.timezone.setCompleter(completer)
        self.timezone_note = label("", "muted", wrap=True)
        self.languages = {locale: QCheckBox(LANGUAGE_NATIVE_NAMES[locale]) for locale in SUPPORTED_LOCALES}
        for locale, box in self.languages.items():
            box.setObjectName(f"clinic_language_{locale}")
        self.default_language = QComboBox()
        self.default_language.setObjectName("clinic_default_language")
        for locale in SUPPORTED_LOCALES:
            self.default_language.addItem(LANGUAGE_NATIVE_NAMES[locale], locale)

        details = self.card("clinic_card_details")
        grid = form_grid()
        self.labels: dict[str, Any] = {}
        rows = (
            ("name", self.name),
            ("address", self.address),
            ("phone", self.phone),
            ("email", self.email),
        )
        for number, (key, widget) in enumerate(rows):
            self.labels[key] = label()
            grid.addWidget(self.labels[key], number, 0, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(widget, number, 1, 1, 2)
            grid.addWidget(self.field(key, widget), number, 3)
        grid.setColumnMinimumWidth(1, 460)
        details.body.addLayout(grid)
        self.print_hint = label("", "muted", wrap=True)
        details.body.addWidget(self.print_hint)

        region = self.card("clinic_card_region")
        grid = form_grid()
        self.labels["timezone"] = label()
        grid.addWidget(self.labels["timezone"], 0, 0, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.timezone, 0, 1, 1, 2)
        grid.addWidget(self.field("timezone", self.timezone), 0, 3)
        grid.addWidget(self.timezone_note, 1, 1, 1, 3)
        self.labels["languages"] = label()
        grid.addWidget(self.labels["languages"], 2, 0, Qt.AlignmentFlag.AlignRight)
        grid.addLayout(hbox(*self.languages.values(), None), 2, 1, 1, 2)
        grid.addWidget(self.field("languages"), 2, 3)
        self.labels["default_language"] = label()
        grid.addWidget(self.labels["default_language"], 3, 0, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.default_language, 3, 1)
        grid.addWidget(self.field("default_language", self.default_language), 3, 3)
        grid.setColumnMinimumWidth(1, 200)
        region.body.addLayout(grid)

        hours = self.card("clinic_card_hours")
        self.hours_grid = QGridLayout()
        self.hours_grid.setHorizontalSpacing(12)
        self.hours_grid.setVerticalSpacing(6)
        self.hours_grid.setColumnStretch(6, 1)
        self.day_names: dict[int, Any] = {}
        self.open_day: dict[int, QCheckBox] = {}
        self.opens: dict[int, QTimeEdit] = {}
        self.closes: dict[int, QTimeEdit] = {}
        self.several: dict[int, Any] = {}
        self.dashes: dict[int, Any] = {}
        self.closed: dict[int, Any] = {}
        for weekday in range(1, 8):
            self.day_names[weekday] = label()
            self.open_day[weekday] = QCheckBox()
            self.open_day[weekday].setObjectName(f"hours_open_day_{weekday}")
            self.opens[weekday] = time_edit(f"hours_open_{weekday}")
            self.closes[weekday] = time_edit(f"hours_close_{weekday}")
            self.several[weekday] = label("", "muted")
            self.open_day[weekday].toggled.connect(lambda on, day=weekday: self._day_toggled(day, on))
            row = weekday - 1
            self.hours_grid.setRowMinimumHeight(row, 34)
            self.hours_grid.addWidget(self.day_names[weekday], row, 0)
            self.hours_grid.addWidget(self.open_day[weekday], row, 1)
            self.dashes[weekday] = dash()
            self.closed[weekday] = label("", "muted")
            self.hours_grid.addWidget(self.opens[weekday], row, 2)
            self.hours_grid.addWidget(self.dashes[weekday], row, 3)
            self.hours_grid.addWidget(self.closes[weekday], row, 4)
            self.hours_grid.addWidget(self.closed[weekday], row, 2, 1, 3)
            self.hours_grid.addWidget(self.several[weekday], row, 5)
            self.hours_grid.addWidget(self.field(f"business_hours.{weekday}", self.closes[weekday]), row, 6)
            self.watch(self.open_day[weekday], self.opens[weekday], self.closes[weekday])
        hours.body.addLayout(self.hours_grid)
        self.watch(self.name, self.address, self.phone, self.email, self.timezone, self.default_language)
        self.watch(*self.languages.values())

    def read(self, ctx: ServiceContext) -> ClinicDetails:
        return clinic_details(ctx)

    def fill(self, data: Any) -> None:
        assert isinstance(data, ClinicDetails)
        self.name.setText(data.name)
        self.address.setText(data.address)
        self.phone.setText(data.phone)
        self.email.setText(data.email)
        self.timezone.setCurrentText(data.timezone)
        self.timezone.setEnabled(not data.timezone_locked)
        self.timezone_note.setVisible(data.timezone_locked)
        for locale, box in self.languages.items():
            box.setChecked(locale in data.languages)
        select_data(self.default_language, data.default_language)
        for weekday in range(1, 8):
            ranges = data.business_hours.get(weekday, ())
            is_open = bool(ranges)
            self.open_day[weekday].setChecked(is_open)
            opens, closes = (ranges[0][0], ranges[-1][1]) if ranges else ("09:00", "18:00")
            self.opens[weekday].setTime(clock_of(opens))
            self.closes[weekday].setTime(clock_of(closes))
            self.several[weekday].setText(_("with a midday closure") if len(ranges) > 1 else "")
            self._day_toggled(weekday, is_open)

    def _day_toggled(self, weekday: int, is_open: bool) -> None:
        for widget in (self.opens[weekday], self.dashes[weekday], self.closes[weekday]):
            widget.setVisible(is_open)
        self.closed[weekday].setVisible(not is_open)
        self.several[weekday].setVisible(is_open)

    def changes(self) -> list[Intent]:
        data = self.data
        if not isinstance(data, ClinicDetails):
            return []
        changes: dict[str, Any] = {}
        for key, widget in (
            ("name", self.name),
            ("address", self.address),
            ("phone", self.phone),
            ("email", self.email),
        ):
            if widget.text().strip() != getattr(data, key):
                changes[key] = widget.text()
        zone = self.timezone.currentText().strip()
        if zone != data.timezone:
            changes["timezone"] = zone
        languages = [locale for locale, box in self.languages.items() if box.isChecked()]
        if tuple(languages) != data.languages:
            changes["languages"] = languages
        default = self.default_language.currentData()
        if default != data.default_language:
            changes["default_language"] = default
        hours: dict[str, Any] = {}
        for weekday in range(1, 8):
            ranges = data.business_hours.get(weekday, ())
            if not self.open_day[weekday].isChecked():
                if ranges:
                    hours[str(weekday)] = None
                continue
            wanted = (text_of(self.opens[weekday].time()), text_of(self.closes[weekday].time()))
            shown = (
                (
                    text_of(clock_of(ranges[0][0])),
                    text_of(clock_of(ranges[-1][1])),
                )
                if ranges
                else None
            )
            if wanted != shown:
                hours[str(weekday)] = list(wanted)
        if hours:
            changes["business_hours"] = hours
        return [update_clinic(changes)] if changes else []

    def after_save(self) -> None:
        self.reload_clinic_info()

    def retranslate_page(self) -> None:
        texts = {
            "name": _("Clinic name"),
            "address": _("Address"),
            "phone": _("Phone"),
            "email": _("Email"),
            "timezone": _("Time zone"),
            "languages": _("Languages"),
            "default_language": _("Default language"),
        }
        for key, text in texts.items():
            self.labels[key].setText(text)
        for key, widget in (
            ("name", self.name),
            ("address", self.address),
            ("phone", self.phone),
            ("email", self.email),
            ("timezone", self.timezone),
            ("default_language", self.default_language),
        ):
            widget.setAccessibleName(texts[key])
        self.title_cards(
            {
                "clinic_card_details": _("Details on printouts"),
                "clinic_card_region": _("Time zone and languages"),
                "clinic_card_hours": _("Opening hours"),
            }
        )
        self.print_hint.setText(
            _("The address, phone and email are printed on receipts, invoices and posters.")
        )
        self.timezone_note.setText(
            _("The time zone cannot change once appointments are booked: their times would move.")
        )
        self.default_language.setToolTip(_("The kiosk and new desks start in this language."))
        for weekday in range(1, 8):
            name = weekday_name(weekday)
            self.day_names[weekday].setText(name)
            self.open_day[weekday].setText(_("Open this day"))
            self.closed[weekday].setText(_("Closed"))
            self.open_day[weekday].setAccessibleName(_("%(day)s: open", day=name))
            self.opens[weekday].setAccessibleName(_("%(day)s: opens at", day=name))
            self.closes[weekday].setAccessibleName(_("%(day)s: closes at", day=name))
        if self.data is not None:
            for weekday in range(1, 8):
                ranges = self.data.business_hours.get(weekday, ())
                self.several[weekday].setText(_("with a midday closure") if len(ranges) > 1 else "")
