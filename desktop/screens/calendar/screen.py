"""The Calendar screen: the bi-weekly view with its controls, the selected appointment's actions,
the waitlist beside it, and undo for a reschedule made by dragging."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from PySide6.QtCore import QPoint, QSize, Qt, QTimer
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QHBoxLayout,
    QMenu,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from common.access.permissions import Permission
from common.i18n import N_
from common.qt.i18n import _, format_date, format_day, format_time
from common.qt.icons import dot, icon
from common.qt.models import Column, RowTableModel
from common.qt.theme import STATUS_STRONG
from common.scheduling.models import AppointmentStatus
from common.scheduling.status import RESCHEDULABLE, TIME_ASSIGNABLE, can_transition
from desktop.actions import cancel, check_patient_in, confirm, leave_waitlist, no_show, reschedule
from desktop.desk import Desk
from desktop.labels import label as value_label
from desktop.reads.calendar import CALENDAR_DAYS, CalendarData, WaitlistRow, calendar_window
from desktop.reads.rows import AppointmentRow, PatientRow
from desktop.screens.base import Screen
from desktop.screens.calendar.assign import AssignTimeDialog
from desktop.screens.calendar.booking import BookingDialog, BookingDraft
from desktop.screens.calendar.model import CalendarModel
from desktop.screens.calendar.view import CalendarView, fortnight_start
from desktop.widgets.common import Banner, Card, button, clear_layout, hbox, label, table_view
from desktop.widgets.dialogs import ask_reason
from desktop.widgets.dialogs import confirm as confirm_box

UNDO_MS = 12_000
CANCEL_REASONS = (
    N_("The patient asked to cancel"),
    N_("The patient is unwell"),
    N_("The doctor is unavailable"),
    N_("Booked by mistake"),
)


@dataclass(frozen=True)
class Move:
    appointment_id: uuid.UUID
    starts_at: datetime
    doctor_id: uuid.UUID


class CalendarScreen(Screen):
    watches = frozenset(
        {"appointments", "waitlist_entries", "waitlist_offers", "doctor_schedules", "doctor_time_off"}
    )

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(desk, parent)
        self.first_day = fortnight_start(desk.today())
        self.data: CalendarData | None = None
        self.hidden_doctors: set[uuid.UUID] = set()
        self.undo_move: Move | None = None

        self.range_label = label("", "muted")
        self.previous = self._tool("previous", lambda: self.shift(-CALENDAR_DAYS))
        self.next = self._tool("next", lambda: self.shift(CALENDAR_DAYS))
        self.today_button = button(on_click=self.go_today)
        self.fortnight_button = button()
        self.day_button = button()
        self.view_mode = QButtonGroup(self)
        for widget in (self.fortnight_button, self.day_button):
            widget.setCheckable(True)
            self.view_mode.addButton(widget)
        self.fortnight_button.setChecked(True)
        self.fortnight_button.clicked.connect(lambda: self.set_day(None))
        self.day_button.clicked.connect(self._show_day)
        self.book_button = button(icon_name="plus", primary=True, on_click=self.new_item)
        self.book_button.setObjectName("calendar_book")
        header = hbox(
            self.title,
            12,
            self.range_label,
            None,
            self.previous,
            self.today_button,
            self.next,
            16,
            self.fortnight_button,
            self.day_button,
            16,
            self.book_button,
        )
        self.layout_.addLayout(header)

        self.legend = QHBoxLayout()
        self.legend.setSpacing(14)
        self.doctor_filter = QHBoxLayout()
        self.doctor_filter.setSpacing(6)
        self.show_cancelled = QCheckBox()
        self.show_cancelled.toggled.connect(lambda _on: self.reload())
        controls = QHBoxLayout()
        controls.addLayout(self.doctor_filter)
        controls.addStretch(1)
        controls.addWidget(self.show_cancelled)
        self.layout_.addLayout(controls)

        self.model = CalendarModel(self)
        self.view = CalendarView(self.model, desk.clinic)
        self.view.sig_selected.connect(self._selected)
        self.view.sig_activated.connect(self._open_patient)
        self.view.sig_slot_clicked.connect(self._slot_clicked)
        self.view.sig_move_requested.connect(self._move)
        self.view.sig_context.connect(self._context_menu)
        self.view.sig_cancel_requested.connect(self.cancel_appointment)
        self.view.sig_unassigned_clicked.connect(self._unassigned_menu)
        self.view.sig_day_clicked.connect(self._day_clicked)

        self.details = Card()
        self.details.setObjectName("appointment_details")
        self.detail_text = label("", wrap=True)
        self.detail_text.setObjectName("appointment_detail_text")
        self.details.body.addWidget(self.detail_text)
        self.action_buttons: dict[str, Any] = {}
        grid = QVBoxLayout()
        grid.setSpacing(6)
        for key, handler in (
            ("open", lambda: self._with_selected(self._open_patient)),
            ("check_in", lambda: self._with_selected(self.check_in)),
            ("assign", lambda: self._with_selected(self.assign_time)),
            ("confirm", lambda: self._with_selected(self.confirm)),
            ("no_show", lambda: self._with_selected(self.mark_no_show)),
            ("cancel", lambda: self._with_selected(self.cancel_appointment)),
        ):
            widget = button(on_click=handler, danger=key in ("cancel", "no_show"))
            widget.setObjectName(f"action_{key}")
            self.action_buttons[key] = widget
        grid.addLayout(hbox(self.action_buttons["open"], self.action_buttons["check_in"]))
        grid.addLayout(hbox(self.action_buttons["assign"], self.action_buttons["confirm"]))
        grid.addLayout(hbox(self.action_buttons["no_show"], self.action_buttons["cancel"]))
        self.details.body.addLayout(grid)

        self.waitlist_model: RowTableModel[WaitlistRow] = RowTableModel(
            [Column(N_("Patient"), lambda r: f"{r.patient_name}\n{self._wanted_text(r)}")]
        )
        self.waitlist = table_view(self.waitlist_model)
        self.waitlist.setWordWrap(True)
        self.waitlist.verticalHeader().setDefaultSectionSize(48)
        self.waitlist.horizontalHeader().hide()
        self.waitlist.setObjectName("waitlist")
        self.waitlist.doubleClicked.connect(
            lambda index: self._book_from_waitlist(self.waitlist_model.row_at(index))
        )
        self.waitlist_card = Card()
        self.waitlist_card.body.addWidget(self.waitlist, 1)
        self.waitlist_book = button(on_click=lambda: self._with_waitlist(self._book_from_waitlist))
        self.waitlist_remove = button(on_click=lambda: self._with_waitlist(self._remove_from_waitlist))
        self.waitlist_card.body.addLayout(hbox(None, self.waitlist_remove, self.waitlist_book))

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(12, 0, 0, 0)
        side_layout.setSpacing(12)
        side_layout.addWidget(self.details)
        side_layout.addWidget(self.waitlist_card, 1)
        side.setMinimumWidth(280)
        side.setMaximumWidth(320)
        splitter = QSplitter()
        splitter.addWidget(self.view)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 1)
        splitter.setChildrenCollapsible(False)
        self.layout_.addWidget(splitter, 1)
        legend_row = QHBoxLayout()
        legend_row.addLayout(self.legend)
        legend_row.addStretch(1)
        self.layout_.addLayout(legend_row)

        self.undo_bar = Banner("info")
        self.undo_bar.setObjectName("undo_bar")
        self.undo_button = button(flat=True, on_click=self.undo)
        self.undo_button.setObjectName("undo_button")
        self.undo_bar.row.addWidget(self.undo_button)
        self.undo_bar.hide()
        self.layout_.addWidget(self.undo_bar)
        self._undo_timer = QTimer(self)
        self._undo_timer.setSingleShot(True)
        self._undo_timer.setInterval(UNDO_MS)
        self._undo_timer.timeout.connect(self.undo_bar.hide)

        self._build_legend()
        self._build_doctor_filter()
        self._selected(None)
        self.retranslate()

    # -- Screen -------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.title.setText(_("Calendar"))
        self.previous.setToolTip(_("Previous two weeks"))
        self.previous.setAccessibleName(_("Previous two weeks"))
        self.next.setToolTip(_("Next two weeks"))
        self.next.setAccessibleName(_("Next two weeks"))
        self.today_button.setText(_("Today"))
        self.fortnight_button.setText(_("Two weeks"))
        self.day_button.setText(_("Day"))
        self.book_button.setText(_("New booking"))
        self.book_button.setToolTip(_("Book an appointment (Ctrl+N)"))
        self.show_cancelled.setText(_("Show cancelled"))
        self.view.setAccessibleName(_("Calendar: appointments by day and doctor"))
        self.details.set_title(_("Appointment"))
        words = {
            "open": _("Open patient"),
            "check_in": _("Check in"),
            "assign": _("Assign time"),
            "confirm": _("Confirm"),
            "no_show": _("No-show"),
            "cancel": _("Cancel…"),
        }
        for key, text in words.items():
            self.action_buttons[key].setText(text)
        self.waitlist_card.set_title(_("Waitlist"))
        self.waitlist.setAccessibleName(_("Waitlist"))
        self.waitlist_book.setText(_("Book"))
        self.waitlist_remove.setText(_("Remove"))
        self.undo_button.setText(_("Undo"))
        self.waitlist_model.retranslate()
        self._build_legend()
        self._update_range()
        self._selected(self.view.selected_row())
        self.view.invalidate()

    def refresh(self) -> None:
        first, show_cancelled = self.first_day, self.show_cancelled.isChecked()
        self.desk.read(
            lambda ctx: calendar_window(ctx, first, CALENDAR_DAYS, include_cancelled=show_cancelled),
            name="calendar.load",
            on_success=self._loaded,
            key="calendar",
            parent=self,
        )

    def activate(self, args: Mapping[str, Any]) -> None:
        super().activate(args)
        if args.get("book"):
            self.new_item()

    def new_item(self) -> bool:
        self.open_booking(BookingDraft())
        return True

    def directory_changed(self) -> None:
        self._build_doctor_filter()
        self._apply_doctors()

    # -- loading and showing -------------------------------------------------------------------------

    def _loaded(self, data: CalendarData) -> None:
        self.data = data
        self.view.set_clock(self.desk.now())
        selected = self.view.selected_id
        self._apply_doctors()
        self.waitlist_model.set_rows(data.waitlist)
        self.waitlist_book.setEnabled(bool(data.waitlist))
        self.waitlist_remove.setEnabled(bool(data.waitlist))
        self.view.select(selected if any(r.id == selected for r in data.appointments) else None)
        self._update_range()

    def _apply_doctors(self) -> None:
        doctors = [d for d in self.desk.directory.doctors if d.id not in self.hidden_doctors]
        if self.data is not None:
            self.model.set_data(self.data, doctors)
        else:
            self.model.set_doctors(doctors)

    def _update_range(self) -> None:
        last = self.first_day + timedelta(days=CALENDAR_DAYS - 1)
        if self.view.day_mode and self.view.focus_day is not None:
            self.range_label.setText(format_date(self.view.focus_day, "full"))
        else:
            self.range_label.setText(f"{format_date(self.first_day)} – {format_date(last)}")

    def _build_legend(self) -> None:
        clear_layout(self.legend)
        for status in (
            AppointmentStatus.SCHEDULED,
            AppointmentStatus.CONFIRMED,
            AppointmentStatus.CHECKED_IN,
            AppointmentStatus.IN_PROGRESS,
            AppointmentStatus.COMPLETED,
            AppointmentStatus.NO_SHOW,
        ):
            self.legend.addWidget(self._legend_item(STATUS_STRONG[status.value], value_label(status)))
        pending = self._legend_item(STATUS_STRONG["Scheduled"], _("Pending (hatched)"))
        pending.setToolTip(_("Booked on this PC and not yet confirmed by the clinic's server"))
        self.legend.addWidget(pending)

    def _legend_item(self, color: str, text: str) -> QWidget:
        widget = QWidget()
        row = QHBoxLayout(widget)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(5)
        swatch = label()
        swatch.setPixmap(dot(color).pixmap(10, 10))
        row.addWidget(swatch)
        row.addWidget(label(text, "muted"))
        return widget

    def _build_doctor_filter(self) -> None:
        clear_layout(self.doctor_filter)
        for doctor in self.desk.directory.doctors:
            chip = QToolButton()
            chip.setText(doctor.name)
            chip.setIcon(dot(doctor.color or "#888888"))
            chip.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            chip.setCheckable(True)
            chip.setChecked(doctor.id not in self.hidden_doctors)
            chip.setAccessibleName(_("Show %(doctor)s", doctor=doctor.name))
            chip.toggled.connect(lambda on, doctor_id=doctor.id: self._toggle_doctor(doctor_id, on))
            self.doctor_filter.addWidget(chip)

    def _toggle_doctor(self, doctor_id: uuid.UUID, shown: bool) -> None:
        if shown:
            self.hidden_doctors.discard(doctor_id)
        else:
            self.hidden_doctors.add(doctor_id)
        self._apply_doctors()

    def _tool(self, icon_name: str, handler: Any) -> QToolButton:
        widget = QToolButton()
        widget.setIcon(icon(icon_name))
        widget.setIconSize(QSize(18, 18))
        widget.clicked.connect(handler)
        return widget

    # -- navigation in time ---------------------------------------------------------------------------

    def shift(self, days: int) -> None:
        self.first_day += timedelta(days=days)
        if self.view.day_mode and self.view.focus_day is not None:
            self.view.set_day_mode(self.first_day if days else self.view.focus_day)
        self.reload()

    def go_today(self) -> None:
        today = self.desk.today()
        self.first_day = fortnight_start(today)
        if self.view.day_mode:
            self.view.set_day_mode(today)
        self.reload()

    def set_day(self, day: date | None) -> None:
        if day is not None and not (self.first_day <= day < self.first_day + timedelta(days=CALENDAR_DAYS)):
            self.first_day = fortnight_start(day)
            self.reload()
        self.view.set_day_mode(day)
        (self.day_button if day else self.fortnight_button).setChecked(True)
        self._update_range()

    def _show_day(self) -> None:
        self.set_day(self.view.focus_day or self._default_day())

    def _default_day(self) -> date:
        today = self.desk.today()
        inside = self.first_day <= today < self.first_day + timedelta(days=CALENDAR_DAYS)
        return today if inside else self.first_day

    def _day_clicked(self, day: date) -> None:
        self.set_day(None if self.view.day_mode else day)

    # -- the selected appointment ---------------------------------------------------------------------

    def _selected(self, row: AppointmentRow | None) -> None:
        if row is None:
            self.detail_text.setText(_("Click an appointment to see it here, or click free time to book it."))
            for widget in self.action_buttons.values():
                widget.setEnabled(False)
            return
        doctor = self.desk.directory.staff_name(row.doctor_id)
        treatment = self.desk.directory.treatment(row.treatment_type_id)
        if row.time_assigned:
            when = f"{format_day(row.day)} · {format_time(row.starts_at)}–{format_time(row.ends_at)}"
        else:
            when = f"{format_day(row.day)} · {value_label(row.period)} · {_('time to assign')}"
        lines = [
            f"<b>{_escape(row.patient_name)}</b>",
            when,
            _escape(doctor),
            _escape(treatment.name if treatment else value_label(row.appointment_type)),
            f"{value_label(row.status)} · {_('Reservation')} {row.reservation_id}",
        ]
        if row.pending:
            lines.append(f"<i>{_('Waiting for the server to confirm')}</i>")
        if row.has_allergies:
            lines.append(f"<span style='color:#C62828'><b>{_('Allergies recorded')}</b></span>")
        self.detail_text.setText("<br>".join(lines))
        can = self.desk.can
        today = self.desk.today()
        status = row.status
        self.action_buttons["open"].setEnabled(True)
        self.action_buttons["check_in"].setEnabled(
            can(Permission.APPOINTMENT_CHECK_IN)
            and row.day == today
            and can_transition(status, AppointmentStatus.CHECKED_IN)
        )
        self.action_buttons["assign"].setEnabled(
            can(Permission.APPOINTMENT_MANAGE) and not row.time_assigned and status in TIME_ASSIGNABLE
        )
        self.action_buttons["confirm"].setEnabled(
            can(Permission.APPOINTMENT_MANAGE) and can_transition(status, AppointmentStatus.CONFIRMED)
        )
        self.action_buttons["no_show"].setEnabled(
            can(Permission.APPOINTMENT_MANAGE)
            and can_transition(status, AppointmentStatus.NO_SHOW)
            and row.starts_at <= self.desk.now()
        )
        self.action_buttons["cancel"].setEnabled(
            can(Permission.APPOINTMENT_MANAGE) and can_transition(status, AppointmentStatus.CANCELLED)
        )

    def _with_selected(self, handler: Any) -> None:
        row = self.view.selected_row()
        if row is not None:
            handler(row)

    def _open_patient(self, row: AppointmentRow) -> None:
        self.desk.navigate("patients", patient_id=row.patient_id)

    def check_in(self, row: AppointmentRow) -> None:
        self.desk.write(check_patient_in(row.id), parent=self)

    def confirm(self, row: AppointmentRow) -> None:
        self.desk.write(confirm(row.id), parent=self)

    def assign_time(self, row: AppointmentRow) -> None:
        AssignTimeDialog(self.desk, row, self).open()

    def mark_no_show(self, row: AppointmentRow) -> None:
        confirm_box(
            self,
            _("Mark %(patient)s as a no-show?", patient=row.patient_name),
            _("Mark as no-show"),
            lambda: self.desk.write(no_show(row.id), parent=self),
            details=_("The appointment stays in the patient's history as missed. This cannot be undone."),
        )

    def cancel_appointment(self, row: AppointmentRow) -> None:
        if not can_transition(row.status, AppointmentStatus.CANCELLED):
            return
        ask_reason(
            self,
            _("Cancel the appointment"),
            _(
                "Why is %(patient)s's appointment cancelled? The freed time is offered to the waitlist.",
                patient=row.patient_name,
            ),
            _("Cancel the appointment"),
            [_(reason) for reason in CANCEL_REASONS],
            lambda reason: self.desk.write(cancel(row.id, reason), parent=self),
        )

    def _context_menu(self, row: AppointmentRow, point: QPoint) -> None:
        self._selected(row)
        menu = QMenu(self)
        for key in ("open", "check_in", "assign", "confirm", "no_show", "cancel"):
            widget = self.action_buttons[key]
            action = menu.addAction(widget.text())
            action.setEnabled(widget.isEnabled())
            action.triggered.connect(widget.click)
        menu.popup(point)

    def _unassigned_menu(self, rows: list[AppointmentRow], point: QPoint) -> None:
        menu = QMenu(self)
        for row in rows:
            text = f"{row.patient_name} · {value_label(row.period)} · {_('Assign time')}…"
            action = menu.addAction(text)
            action.triggered.connect(lambda _checked=False, chosen=row: self._place(chosen))
        menu.popup(point)

    def _place(self, row: AppointmentRow) -> None:
        self.view.select(row.id)
        if self.desk.can(Permission.APPOINTMENT_MANAGE):
            self.assign_time(row)

    # -- booking and moving ----------------------------------------------------------------------

    def open_booking(self, draft: BookingDraft) -> BookingDialog | None:
        if not self.desk.can(Permission.APPOINTMENT_BOOK):
            return None
        dialog = BookingDialog(self.desk, draft, self)
        dialog.sig_booked.connect(self._booked)
        dialog.open()
        return dialog

    def _booked(self, booked: Any) -> None:
        self.view.select(booked.appointment_id)
        window = self.window()
        if hasattr(window, "statusBar"):
            window.statusBar().showMessage(
                _("Booked: reservation %(reservation)s", reservation=booked.reservation_id), 8000
            )

    def _slot_clicked(self, doctor_id: uuid.UUID, start: datetime) -> None:
        self.open_booking(BookingDraft(doctor_id=doctor_id, starts_at=start))

    def _move(self, row: AppointmentRow, doctor_id: uuid.UUID, start: datetime) -> None:
        if row.status not in RESCHEDULABLE or not self.desk.can(Permission.APPOINTMENT_MANAGE):
            return
        before = Move(row.id, row.starts_at, row.doctor_id)

        def moved(_result: object) -> None:
            self.undo_move = before
            doctor = self.desk.directory.staff_name(doctor_id)
            self.undo_bar.set_text(
                _(
                    "%(patient)s moved to %(when)s with %(doctor)s.",
                    patient=row.patient_name,
                    when=f"{format_day(start.date())} {format_time(start)}",
                    doctor=doctor,
                )
            )
            self.undo_bar.show()
            self._undo_timer.start()

        self.desk.write(
            reschedule(row.id, starts_at=start, doctor_id=doctor_id), on_success=moved, parent=self
        )

    def undo(self) -> None:
        move, self.undo_move = self.undo_move, None
        self.undo_bar.hide()
        if move is not None:
            self.desk.write(
                reschedule(move.appointment_id, starts_at=move.starts_at, doctor_id=move.doctor_id),
                parent=self,
            )

    # -- the waitlist --------------------------------------------------------------------------------

    def _wanted_text(self, row: WaitlistRow) -> str:
        parts = [format_day(row.wanted_date)]
        if row.period is not None:
            parts.append(value_label(row.period))
        if row.doctor_id is not None:
            parts.append(self.desk.directory.staff_name(row.doctor_id))
        return " · ".join(parts)

    def _with_waitlist(self, handler: Any) -> None:
        selected = self.waitlist.selectionModel().selectedRows()
        if selected:
            handler(self.waitlist_model.row_at(selected[0]))

    def _book_from_waitlist(self, row: WaitlistRow) -> None:
        patient = PatientRow(
            row.patient_id, row.patient_name, "", "", None, None, None, None, None, None, None, True
        )
        self.open_booking(
            BookingDraft(
                patient=patient,
                doctor_id=row.doctor_id,
                day=row.wanted_date,
                period=row.period,
                treatment_id=row.treatment_type_id,
                time_period=row.period is not None,
            )
        )

    def _remove_from_waitlist(self, row: WaitlistRow) -> None:
        confirm_box(
            self,
            _("Take %(patient)s off the waitlist?", patient=row.patient_name),
            _("Remove"),
            lambda: self.desk.write(leave_waitlist(row.id), parent=self),
        )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
