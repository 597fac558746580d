"""Settings › Doctor schedules: each doctor's working hours and breaks per weekday (saved with the
page), and their days off (each added or removed at once, a removal after confirmation)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import date, time
from typing import Any

from PySide6.QtCore import QDate, Qt, QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTimeEdit,
)

from common.access.permissions import Permission
from common.context import ServiceContext
from common.errors import DomainError
from common.i18n import N_
from common.qt.i18n import _, format_day, language
from common.scheduling.schedules_admin import DayOff, DayPlan, DoctorWeek, doctor_week
from desktop.actions import Intent
from desktop.screens.settings.actions import add_days_off, remove_day_off, set_doctor_week
from desktop.screens.settings.clinic import weekday_name
from desktop.screens.settings.page import (
    ONLY_SCHEDULERS,
    FormProblem,
    SettingsPage,
    ask_to_leave,
    dash,
    error_label,
    form_grid,
    qdate,
    time_edit,
)
from desktop.widgets.common import button, hbox, label, select_data
from desktop.widgets.dialogs import confirm

_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–—~〜～]\s*(\d{1,2}):(\d{2})\s*$")
BREAKS_EXAMPLE = "12:00-13:00, 15:30-15:45"
BAD_BREAK = N_("Write each break as start-end, for example %(example)s.")


def parse_breaks(text: str, weekday: int) -> tuple[tuple[time, time], ...]:
    spans = []
    for part in re.split(r"[,，、;；]", text):
        if not part.strip():
            continue
        match = _SPAN.match(part)
        if match is None:
            raise FormProblem(f"breaks.{weekday}", BAD_BREAK, example=BREAKS_EXAMPLE)
        h1, m1, h2, m2 = (int(group) for group in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise FormProblem(f"breaks.{weekday}", BAD_BREAK, example=BREAKS_EXAMPLE)
        spans.append((time(h1, m1), time(h2, m2)))
    return tuple(sorted(spans))


def breaks_text(breaks: tuple[tuple[time, time], ...]) -> str:
    return ", ".join(f"{start:%H:%M}-{end:%H:%M}" for start, end in breaks)


class SchedulesPage(SettingsPage):
    key = "schedules"
    title_msgid = N_("Doctor schedules")
    description_msgid = N_(
        "Each doctor's working hours and breaks in a normal week, and the days they are away. "
        "Appointments are offered only inside these hours and the clinic's opening hours."
    )
    icon_name = "staff"
    manage = Permission.SCHEDULE_MANAGE
    read_only_msgid = ONLY_SCHEDULERS
    watches = frozenset({"doctor_schedules", "doctor_time_off", "staff_users"})

    def build(self) -> None:
        self.doctor = QComboBox()
        self.doctor.setObjectName("schedule_doctor")
        self.doctor.setMinimumWidth(260)
        self.doctor.always_enabled = True  # type: ignore[attr-defined]  # reading others' weeks is allowed
        self.doctor_label = label()
        self._doctor_id: uuid.UUID | None = None
        self.doctor.currentIndexChanged.connect(self._doctor_picked)
        picker = self.card("schedule_card_doctor")
        picker.body.addLayout(hbox(self.doctor_label, self.doctor, None))
        self.dated_note = label("", "muted", wrap=True)
        picker.body.addWidget(self.dated_note)

        week = self.card("schedule_card_week")
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(6)
        grid.setColumnStretch(7, 1)
        self.week_headers = [label("", "muted") for _ in range(3)]
        grid.addWidget(self.week_headers[0], 0, 2, 1, 3)
        grid.addWidget(self.week_headers[1], 0, 5)
        self.day_names: dict[int, Any] = {}
        self.works: dict[int, QCheckBox] = {}
        self.starts: dict[int, QTimeEdit] = {}
        self.ends: dict[int, QTimeEdit] = {}
        self.breaks: dict[int, QLineEdit] = {}
        self.dashes: dict[int, Any] = {}
        self.off_day: dict[int, Any] = {}
        for weekday in range(1, 8):
            row = weekday
            grid.setRowMinimumHeight(row, 34)
            self.day_names[weekday] = label()
            self.works[weekday] = QCheckBox()
            self.works[weekday].setObjectName(f"works_{weekday}")
            self.starts[weekday] = time_edit(f"work_start_{weekday}")
            self.ends[weekday] = time_edit(f"work_end_{weekday}")
            self.breaks[weekday] = QLineEdit()
            self.breaks[weekday].setObjectName(f"breaks_{weekday}")
            self.breaks[weekday].setPlaceholderText(BREAKS_EXAMPLE)
            self.breaks[weekday].setMinimumWidth(220)
            self.works[weekday].toggled.connect(lambda on, day=weekday: self._day_toggled(day, on))
            grid.addWidget(self.day_names[weekday], row, 0)
            grid.addWidget(self.works[weekday], row, 1)
            self.dashes[weekday] = dash()
            self.off_day[weekday] = label("", "muted")
            grid.addWidget(self.starts[weekday], row, 2)
            grid.addWidget(self.dashes[weekday], row, 3)
            grid.addWidget(self.ends[weekday], row, 4)
            grid.addWidget(self.breaks[weekday], row, 5)
            grid.addWidget(self.off_day[weekday], row, 2, 1, 4)
            errors = hbox(
                self.field(f"days.{weekday}", self.ends[weekday]),
                self.field(f"breaks.{weekday}", self.breaks[weekday]),
            )
            grid.addLayout(errors, row, 6, 1, 2)
            self.watch(self.works[weekday], self.starts[weekday], self.ends[weekday], self.breaks[weekday])
        week.body.addLayout(grid)

        off = self.card("schedule_card_days_off")
        self.off_hint = label("", "muted", wrap=True)
        off.body.addWidget(self.off_hint)
        self.days_off = QListWidget()
        self.days_off.setObjectName("days_off")
        self.days_off.setMinimumHeight(90)
        self.days_off.setMaximumHeight(150)
        self.days_off.always_enabled = True  # type: ignore[attr-defined]
        self.days_off.itemSelectionChanged.connect(self._selection_changed)
        off.body.addWidget(self.days_off)
        self.off_from = QDateEdit()
        self.off_from.setObjectName("day_off_from")
        self.off_until = QDateEdit()
        self.off_until.setObjectName("day_off_until")
        for edit in (self.off_from, self.off_until):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setMinimumWidth(130)
        self.off_from.dateChanged.connect(self._from_changed)
        self.off_reason = QLineEdit()
        self.off_reason.setObjectName("day_off_reason")
        self.off_reason.setMaxLength(255)
        self.add_off = button(icon_name="plus", on_click=self.add_day_off)
        self.add_off.setObjectName("day_off_add")
        self.add_off.setProperty("settings_action", True)
        self.remove_off = button(danger=True, on_click=self.remove_selected_day_off)
        self.remove_off.setObjectName("day_off_remove")
        self.remove_off.setProperty("settings_action", True)
        self.remove_off.setEnabled(False)
        self.off_labels = [label() for _ in range(3)]
        grid = form_grid()
        grid.addWidget(self.off_labels[0], 0, 0)
        grid.addWidget(self.off_labels[1], 0, 1)
        grid.addWidget(self.off_labels[2], 0, 2)
        grid.addWidget(self.off_from, 1, 0)
        grid.addWidget(self.off_until, 1, 1)
        grid.addWidget(self.off_reason, 1, 2)
        grid.addLayout(hbox(self.add_off, self.remove_off, None), 1, 3)
        grid.setColumnStretch(2, 1)
        grid.setColumnStretch(3, 0)
        off.body.addLayout(grid)
        self.off_error = error_label("day_off")
        self.errors["start_date"] = self.off_error
        self.errors["end_date"] = self.off_error
        off.body.addWidget(self.off_error)
        today = self.desk.today()
        self.off_from.setDate(qdate(today))
        self.off_until.setDate(qdate(today))
        self.fill_doctors()
        self.desk.sig_directory_changed.connect(self.fill_doctors)

    # -- doctors -----------------------------------------------------------------------------------

    def fill_doctors(self) -> None:
        current = self._doctor_id
        self.doctor.blockSignals(True)
        self.doctor.clear()
        for entry in self.desk.directory.doctors:
            self.doctor.addItem(entry.name, entry.id)
        if current is None or not select_data(self.doctor, current):
            self.doctor.setCurrentIndex(0 if self.doctor.count() else -1)
        self.doctor.blockSignals(False)
        picked = self.doctor.currentData()
        if isinstance(picked, uuid.UUID) and picked != self._doctor_id:
            self._doctor_id = picked
            self.load(force=not self.dirty)

    def _doctor_picked(self, _index: int) -> None:
        picked = self.doctor.currentData()
        if not isinstance(picked, uuid.UUID) or picked == self._doctor_id:
            return
        if not self.dirty:
            self._switch_to(picked)
            return
        previous = self._doctor_id

        def stay() -> None:
            self.doctor.blockSignals(True)
            select_data(self.doctor, previous)
            self.doctor.blockSignals(False)

        def discard() -> None:
            self.clear_errors()
            self.set_dirty(False)
            self._switch_to(picked)

        stay()
        ask_to_leave(self, lambda: self.save(on_done=lambda: self._pick(picked)), discard, stay)

    def _pick(self, doctor_id: uuid.UUID) -> None:
        self.doctor.blockSignals(True)
        select_data(self.doctor, doctor_id)
        self.doctor.blockSignals(False)
        self._switch_to(doctor_id)

    def _switch_to(self, doctor_id: uuid.UUID) -> None:
        self._doctor_id = doctor_id
        self.data = None
        self.load(force=True)

    # -- reading and showing -------------------------------------------------------------------------

    def reader(self) -> Callable[[ServiceContext], Any]:
        doctor_id, today = self._doctor_id, self.desk.today()

        def read(ctx: ServiceContext) -> DoctorWeek | None:
            return doctor_week(ctx, doctor_id, days_off_from=today) if doctor_id is not None else None

        return read

    def load(self, *, force: bool = False) -> None:
        if self._doctor_id is None:
            return
        super().load(force=force)

    def _loaded(self, data: Any) -> None:
        if isinstance(data, DoctorWeek) and data.doctor_id != self._doctor_id:
            return  # a week of the doctor picked before
        super()._loaded(data)

    def fill(self, data: Any) -> None:
        if not isinstance(data, DoctorWeek):
            return
        for weekday in range(1, 8):
            plan = data.days.get(weekday)
            self.works[weekday].setChecked(plan is not None)
            self.starts[weekday].setTime(_qtime(plan.start if plan else time(9)))
            self.ends[weekday].setTime(_qtime(plan.end if plan else time(18)))
            self.breaks[weekday].setText(breaks_text(plan.breaks) if plan else "")
            self._day_toggled(weekday, plan is not None)
        self.dated_note.setVisible(data.dated_blocks > 0)
        self._show_days_off(data.days_off)

    def _show_days_off(self, days_off: tuple[DayOff, ...]) -> None:
        self.days_off.clear()
        for day_off in days_off:
            item = QListWidgetItem(self._day_off_text(day_off))
            item.setData(Qt.ItemDataRole.UserRole, day_off.id)
            self.days_off.addItem(item)
        if not days_off:
            empty = QListWidgetItem(_("No days off planned."))
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.days_off.addItem(empty)
        self._selection_changed()

    @staticmethod
    def _day_off_text(day_off: DayOff) -> str:
        span = format_day(day_off.start_date)
        if day_off.end_date != day_off.start_date:
            span = _("%(first)s to %(last)s", first=span, last=format_day(day_off.end_date))
        return f"{span}  ·  {day_off.reason}" if day_off.reason else span

    def _day_toggled(self, weekday: int, works: bool) -> None:
        for widget in (self.starts[weekday], self.dashes[weekday], self.ends[weekday], self.breaks[weekday]):
            widget.setVisible(works)
        self.off_day[weekday].setVisible(not works)

    # -- saving the week -----------------------------------------------------------------------------

    def changes(self) -> list[Intent]:
        data = self.data
        if not isinstance(data, DoctorWeek) or self._doctor_id is None:
            return []
        days: dict[int, DayPlan | None] = {}
        for weekday in range(1, 8):
            stored = data.days.get(weekday)
            if not self.works[weekday].isChecked():
                if stored is not None:
                    days[weekday] = None
                continue
            plan = DayPlan(
                _time(self.starts[weekday]),
                _time(self.ends[weekday]),
                parse_breaks(self.breaks[weekday].text(), weekday),
            )
            if plan != stored:
                days[weekday] = plan
        return [set_doctor_week(self._doctor_id, days)] if days else []

    # -- days off (each saved at once) ---------------------------------------------------------------

    def _from_changed(self, value: QDate) -> None:
        if self.off_until.date() < value:
            self.off_until.setDate(value)

    def _selection_changed(self) -> None:
        item = self.days_off.currentItem()
        chosen = item is not None and isinstance(item.data(Qt.ItemDataRole.UserRole), uuid.UUID)
        self.remove_off.setEnabled(self.editable and chosen and item.isSelected())

    def add_day_off(self) -> None:
        if self._doctor_id is None or not self.editable:
            return
        self.off_error.hide()
        first, last = _date(self.off_from), _date(self.off_until)
        reason = self.off_reason.text().strip() or None
        self.add_off.setEnabled(False)

        def added(_result: object) -> None:
            self.add_off.setEnabled(True)
            self.off_reason.clear()
            self.reload_days_off()

        self.desk.write(
            add_days_off(self._doctor_id, first, last, reason),
            on_success=added,
            on_failure=self._day_off_failed,
            parent=self,
        )

    def remove_selected_day_off(self) -> None:
        item = self.days_off.currentItem()
        time_off_id = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if not isinstance(time_off_id, uuid.UUID) or item is None:
            return
        confirm(
            self,
            _("Remove this day off? The doctor can be booked on it again."),
            _("Remove day off"),
            lambda: self.desk.write(
                remove_day_off(time_off_id),
                on_success=lambda _result: self.reload_days_off(),
                on_failure=self._day_off_failed,
                parent=self,
            ),
            details=item.text(),
        )

    def _day_off_failed(self, error: BaseException) -> bool:
        self.add_off.setEnabled(self.editable)
        if isinstance(error, DomainError):
            self.off_error.setText(error.translated(language().locale))
            self.off_error.show()
            return True
        return False

    def reload_days_off(self) -> None:
        """Only the days off: the week's form keeps what is being typed in it."""
        read = self.reader()

        def loaded(week: Any) -> None:
            if isinstance(week, DoctorWeek) and week.doctor_id == self._doctor_id:
                if isinstance(self.data, DoctorWeek):
                    self.data = replace(self.data, days_off=week.days_off)
                self._show_days_off(week.days_off)

        self.desk.read(read, name="settings.days_off", on_success=loaded)

    def tables_changed(self, tables: frozenset[str]) -> None:
        if "doctor_time_off" in tables and not tables & {"doctor_schedules", "staff_users"}:
            self.reload_days_off()
            return
        super().tables_changed(tables)

    # -- words -------------------------------------------------------------------------------------

    def retranslate_page(self) -> None:
        self.title_cards(
            {
                "schedule_card_doctor": "",
                "schedule_card_week": _("Working week"),
                "schedule_card_days_off": _("Days off"),
            }
        )
        self.doctor_label.setText(_("Doctor"))
        self.doctor.setAccessibleName(_("Doctor"))
        self.dated_note.setText(
            _("This doctor also has hours limited to certain dates; they stay as they are.")
        )
        self.week_headers[0].setText(_("Working hours"))
        self.week_headers[1].setText(_("Breaks"))
        for weekday in range(1, 8):
            name = weekday_name(weekday)
            self.day_names[weekday].setText(name)
            self.works[weekday].setText(_("Works"))
            self.off_day[weekday].setText(_("Not working"))
            self.works[weekday].setAccessibleName(_("%(day)s: works", day=name))
            self.starts[weekday].setAccessibleName(_("%(day)s: starts at", day=name))
            self.ends[weekday].setAccessibleName(_("%(day)s: ends at", day=name))
            self.breaks[weekday].setAccessibleName(_("%(day)s: breaks", day=name))
        self.off_hint.setText(
            _(
                "Days off are saved as soon as they are added or removed. Appointments already "
                "booked on those days stay: move them from the calendar."
            )
        )
        self.off_labels[0].setText(_("First day"))
        self.off_labels[1].setText(_("Last day"))
        self.off_labels[2].setText(_("Reason (optional)"))
        self.off_from.setAccessibleName(_("First day off"))
        self.off_until.setAccessibleName(_("Last day off"))
        self.off_reason.setAccessibleName(_("Reason (optional)"))
        self.add_off.setText(_("Add days off"))
        self.remove_off.setText(_("Remove"))
        self.days_off.setAccessibleName(_("Days off"))
        if isinstance(self.data, DoctorWeek):
            self._show_days_off(self.data.days_off)


def _qtime(value: time) -> QTime:
    return QTime(value.hour, value.minute)


def _time(edit: QTimeEdit) -> time:
    value = edit.time()
    return time(value.hour(), value.minute())


def _date(edit: QDateEdit) -> date:
    value = edit.date()
    return date(value.year(), value.month(), value.day())
