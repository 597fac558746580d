"""Today: the day's appointments by doctor and time, the waiting room with waiting times, what
needs attention (stock, licence, waitlist) and a quick patient search."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QGridLayout, QHBoxLayout, QTreeView, QWidget

from common.qt.i18n import _, format_date, format_money, format_number
from common.qt.models import ROW_ROLE, Group, GroupedTableModel
from common.scheduling.models import AppointmentStatus
from desktop.actions import check_patient_out
from desktop.desk import Desk
from desktop.reads.rows import AppointmentRow
from desktop.reads.today import TodayOverview, today_overview
from desktop.screens.base import Screen
from desktop.screens.columns import (
    WAITING,
    in_clinic_table,
    patient_column,
    status_column,
    time_column,
    treatment_column,
)
from desktop.widgets.common import (
    Banner,
    Card,
    EmptyState,
    Figure,
    SearchField,
    button,
    clear_layout,
    hbox,
    label,
)

WAITING_REFRESH_MS = 30_000


class TodayScreen(Screen):
    watches = frozenset(
        {
            "appointments",
            "inventory_movements",
            "inventory_items",
            "payment_records",
            "waitlist_entries",
            "patients",
            "sync_conflicts",  # the alert that links to the conflict inbox
        }
    )

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(desk, parent)
        self.overview: TodayOverview | None = None
        self.search = SearchField()
        self.search.setMinimumWidth(300)
        self.search.sig_submitted.connect(self._search)
        self.book = button(
            icon_name="plus", primary=True, on_click=lambda: desk.navigate("calendar", book=True)
        )
        self.date_line = label("", "muted")
        header = hbox(self.title, None, self.search, self.book)
        self.layout_.addLayout(header)
        self.layout_.addWidget(self.date_line)
        self.layout_.addSpacing(-6)

        self.figures = [Figure() for _ in range(4)]
        self.layout_.addLayout(hbox(*self.figures))
        self.alerts = QWidget()
        self.alert_layout = QGridLayout(self.alerts)
        self.alert_layout.setContentsMargins(0, 0, 0, 0)
        self.alert_layout.setSpacing(8)
        self.layout_.addWidget(self.alerts)

        self.schedule_model: GroupedTableModel[AppointmentRow] = GroupedTableModel(
            [
                time_column(),
                patient_column(),
                treatment_column(lambda: self.desk.directory),
                status_column(),
            ]
        )
        self.schedule = QTreeView()
        self.schedule.setObjectName("today_schedule")
        self.schedule.setModel(self.schedule_model)
        self.schedule.setRootIsDecorated(False)
        self.schedule.setUniformRowHeights(True)
        self.schedule.setItemsExpandable(False)
        self.schedule.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.schedule.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.schedule.setIndentation(14)
        self.schedule.doubleClicked.connect(self._open_from_schedule)
        self.schedule.activated.connect(self._open_from_schedule)
        self.schedule_empty = EmptyState("calendar")

        self.queue_model, self.queue = in_clinic_table(lambda: self.desk.directory, self.desk.now)
        self.queue.setObjectName("today_queue")
        self.queue.doubleClicked.connect(lambda index: self._open_patient(self.queue_model.row_at(index)))
        self.queue.activated.connect(lambda index: self._open_patient(self.queue_model.row_at(index)))
        self.queue_empty = EmptyState("clock")
        self.open_button = button(on_click=self._open_selected_in_queue)
        self.check_out_button = button(on_click=self._check_out_selected)

        self.schedule_card = Card()
        self.schedule_card.body.addWidget(self.schedule, 1)
        self.schedule_card.body.addWidget(self.schedule_empty, 1)
        self.queue_card = Card()
        self.queue_card.body.addWidget(self.queue, 1)
        self.queue_card.body.addWidget(self.queue_empty, 1)
        self.queue_card.body.addLayout(hbox(None, self.open_button, self.check_out_button))
        panels = QHBoxLayout()
        panels.setSpacing(14)
        panels.addWidget(self.schedule_card, 3)
        panels.addWidget(self.queue_card, 2)
        self.layout_.addLayout(panels, 1)

        self._ticker = QTimer(self)
        self._ticker.setInterval(WAITING_REFRESH_MS)
        self._ticker.timeout.connect(lambda: self.queue_model.refresh_column(WAITING))
        self._ticker.start()
        self.setTabOrder(self.search, self.book)
        self.setTabOrder(self.book, self.schedule)
        self.setTabOrder(self.schedule, self.queue)
        self.retranslate()

    # -- Screen ---------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.title.setText(_("Today"))
        self.search.setPlaceholderText(_("Find a patient: name, phone, email or card"))
        self.search.setAccessibleName(_("Find a patient"))
        self.book.setText(_("New booking"))
        self.book.setToolTip(_("Book an appointment (Ctrl+N)"))
        self.schedule_card.set_title(_("Appointments by doctor"))
        self.queue_card.set_title(_("Waiting room"))
        self.open_button.setText(_("Open patient"))
        self.check_out_button.setText(_("Check out"))
        self.schedule_empty.set_text(_("No appointments today."))
        self.queue_empty.set_text(_("Nobody is waiting. Checked-in patients appear here."))
        self.schedule.setAccessibleName(_("Appointments by doctor"))
        self.queue.setAccessibleName(_("Waiting room"))
        self.schedule_model.retranslate()
        self.queue_model.retranslate()
        if self.overview is not None:
            self._show(self.overview)

    def refresh(self) -> None:
        day = self.desk.today()
        self.desk.read(
            lambda ctx: today_overview(ctx, day),
            name="today.load",
            on_success=self._show,
            key="today",
            parent=self,
        )

    def focus_search(self) -> bool:
        self.search.setFocus()
        self.search.selectAll()
        return True

    def directory_changed(self) -> None:
        if self.overview is not None:
            self._show(self.overview)

    # -- showing ----------------------------------------------------------------------------------

    def _show(self, overview: TodayOverview) -> None:
        self.overview = overview
        self.date_line.setText(format_date(overview.day, "full"))
        statuses = AppointmentStatus
        active = [a for a in overview.appointments if a.status is not statuses.CANCELLED]
        self.figures[0].set(format_number(len(active)), _("Appointments today"))
        self.figures[1].set(format_number(len(overview.queue)), _("Waiting now"))
        self.figures[2].set(format_number(overview.count(statuses.COMPLETED)), _("Completed"))
        if overview.takings is not None:
            self.figures[3].set(format_money(overview.takings, overview.currency), _("Takings today"))
            self.figures[3].show()
        else:
            self.figures[3].hide()
        self._show_alerts(overview)
        groups = []
        for doctor in self.desk.directory.doctors:
            rows = tuple(a for a in active if a.doctor_id == doctor.id)
            if rows:
                title = _("%(doctor)s · %(count)s appointments", doctor=doctor.name, count=len(rows))
                groups.append(Group(title, rows, QColor(doctor.color) if doctor.color else None, doctor.id))
        known = {doctor.id for doctor in self.desk.directory.doctors}
        others = tuple(a for a in active if a.doctor_id not in known)
        if others:
            groups.append(Group(_("Other"), others))
        self.schedule_model.set_groups(groups)
        self.schedule.expandAll()
        for number in range(len(groups)):
            self.schedule.setFirstColumnSpanned(number, QModelIndex(), True)
        for column in range(self.schedule_model.columnCount()):
            self.schedule.resizeColumnToContents(column)
        self.schedule.setVisible(bool(groups))
        self.schedule_empty.setVisible(not groups)
        self.queue_model.set_rows(overview.queue)
        self.queue.setVisible(bool(overview.queue))
        self.queue_empty.setVisible(not overview.queue)
        self.check_out_button.setEnabled(bool(overview.queue))
        self.open_button.setEnabled(bool(overview.queue))

    def _show_alerts(self, overview: TodayOverview) -> None:
        clear_layout(self.alert_layout)
        for number, alert in enumerate(overview.alerts):
            banner = Banner(alert.severity, _(alert.message, **alert.params))
            banner.setCursor(Qt.CursorShape.PointingHandCursor)
            if alert.screen:
                banner.clicked.connect(lambda screen=alert.screen: self.desk.navigate(screen))
            self.alert_layout.addWidget(banner, number // 2, number % 2)
        self.alerts.setVisible(bool(overview.alerts))

    # -- actions ----------------------------------------------------------------------------------

    def _search(self, text: str) -> None:
        if text:
            self.desk.navigate("patients", query=text)

    def _open_from_schedule(self, index: QModelIndex) -> None:
        row = index.data(ROW_ROLE)
        if isinstance(row, AppointmentRow):
            self._open_patient(row)

    def _open_patient(self, row: AppointmentRow) -> None:
        self.desk.navigate("patients", patient_id=row.patient_id)

    def _selected_in_queue(self) -> AppointmentRow | None:
        selected = self.queue.selectionModel().selectedRows()
        if selected:
            return self.queue_model.row_at(selected[0])
        rows = self.queue_model.rows
        return rows[0] if len(rows) == 1 else None

    def _open_selected_in_queue(self) -> None:
        row = self._selected_in_queue()
        if row is not None:
            self._open_patient(row)

    def _check_out_selected(self) -> None:
        row = self._selected_in_queue()
        if row is not None:
            self.desk.write(check_patient_out(row.id), parent=self)

    def activate(self, args: Mapping[str, Any]) -> None:
        super().activate(args)
