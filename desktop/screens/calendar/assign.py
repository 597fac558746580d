"""Giving a Time Period booking its exact time: the doctor's free starts inside the period."""

from __future__ import annotations

from datetime import datetime, time

from PySide6.QtCore import QTime
from PySide6.QtWidgets import QDialog, QHBoxLayout, QTimeEdit, QVBoxLayout, QWidget

from common.qt.i18n import _, format_day, format_time
from desktop.actions import assign_exact_time
from desktop.desk import Desk
from desktop.labels import label as value_label
from desktop.reads.calendar import DayChoices, day_choices
from desktop.reads.rows import AppointmentRow
from desktop.widgets.common import Banner, button, choice_buttons, clear_layout, label


class AssignTimeDialog(QDialog):
    def __init__(self, desk: Desk, row: AppointmentRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("assign_time_dialog")
        self.setModal(True)
        self.setMinimumWidth(460)
        self.desk = desk
        self.row = row
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(12)
        self.heading = label("", "title")
        self.explain = label("", "muted", wrap=True)
        self.free = QVBoxLayout()
        self.time = QTimeEdit()
        self.time.setDisplayFormat("HH:mm")
        self.time.setTime(QTime(row.starts_at.hour, row.starts_at.minute))
        self.error = Banner("danger")
        self.error.hide()
        self.assign = button(primary=True, on_click=lambda: self._assign(self._typed()))
        self.assign.setDefault(True)
        self.cancel = button(on_click=self.reject)
        other = QHBoxLayout()
        self.other_label = label()
        other.addWidget(self.other_label)
        other.addWidget(self.time)
        other.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel)
        buttons.addWidget(self.assign)
        for item in (self.heading, self.explain):
            layout.addWidget(item)
        layout.addLayout(self.free)
        layout.addLayout(other)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.setWindowTitle(_("Assign the exact time"))
        self.heading.setText(_("Assign the exact time"))
        window = f"{format_time(row.starts_at)}–{format_time(row.ends_at)}"
        self.explain.setText(
            _(
                "%(patient)s is booked for the %(period)s of %(day)s (%(window)s). Choose a free time:",
                patient=row.patient_name,
                period=value_label(row.period),
                day=format_day(row.day),
                window=window,
            )
        )
        self.other_label.setText(_("Another time:"))
        self.time.setAccessibleName(_("Another time:"))
        self.assign.setText(_("Assign"))
        self.cancel.setText(_("Cancel"))
        desk.read(
            lambda ctx: day_choices(ctx, row.doctor_id, row.day, row.duration_minutes or row.minutes),
            name="assign.choices",
            on_success=self._show,
            parent=self,
        )

    def _show(self, choices: DayChoices) -> None:
        clear_layout(self.free)
        inside = [
            slot.local_start
            for slot in choices.slots
            if self.row.starts_at <= slot.local_start and slot.local_end <= self.row.ends_at
        ]
        if not inside:
            self.free.addWidget(label(_("No free time left in this period; type another time."), "muted"))
        row = QHBoxLayout()
        for widget in choice_buttons([(format_time(start), start) for start in inside[:12]], self._assign):
            widget.setObjectName("assign_choice")
            row.addWidget(widget)
        row.addStretch(1)
        self.free.addLayout(row)

    def _typed(self) -> datetime:
        value = self.time.time()
        return datetime.combine(self.row.day, time(value.hour(), value.minute()), tzinfo=self.desk.clinic.tz)

    def _assign(self, start: object) -> None:
        if not isinstance(start, datetime):
            return
        self.assign.setEnabled(False)
        self.desk.write(
            assign_exact_time(self.row.id, start),
            on_success=lambda _id: self.accept(),
            on_failure=self._failed,
            parent=self,
        )

    def _failed(self, error: BaseException) -> bool:
        from common.errors import DomainError
        from common.qt.i18n import language

        self.assign.setEnabled(True)
        if isinstance(error, DomainError):
            self.error.set_text(error.translated(language().locale))
            self.error.show()
            return True
        return False
