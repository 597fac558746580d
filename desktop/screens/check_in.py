"""Check-in: who is expected today, who is in the clinic (and for how long), check in and out.
A scan of a patient's card anywhere in the desk checks them in too; here a code can also be typed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QModelIndex, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QWidget

from common.qt.i18n import _
from common.qt.models import RowTableModel
from common.scheduling.models import AppointmentStatus
from desktop.actions import check_patient_in, check_patient_out
from desktop.desk import Desk
from desktop.reads.appointments import appointments_on
from desktop.reads.rows import AppointmentRow, Directory
from desktop.screens.base import Screen
from desktop.screens.columns import (
    WAITING,
    doctor_column,
    in_clinic_table,
    patient_column,
    status_column,
    time_column,
    treatment_column,
)
from desktop.widgets.common import Card, EmptyState, button, hbox, label, shorten_column, table_view

EXPECTED = frozenset({AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED})
IN_CLINIC = frozenset({AppointmentStatus.CHECKED_IN, AppointmentStatus.IN_PROGRESS})
TICK_MS = 30_000


class CheckInScreen(Screen):
    watches = frozenset({"appointments", "patients"})

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(desk, parent)
        self.rows: list[AppointmentRow] = []
        self.code = QLineEdit()
        self.code.setObjectName("check_in_code")
        self.code.setMinimumWidth(320)
        self.code.returnPressed.connect(self._typed_code)
        self.summary = label("", "muted")
        self.layout_.addLayout(hbox(self.title, 12, self.summary, None, self.code))

        directory = self._directory
        treatment = treatment_column(directory)
        expected_columns = [
            time_column(),
            patient_column(),
            doctor_column(directory),
            treatment,
            status_column(),
        ]
        self.expected_model: RowTableModel[AppointmentRow] = RowTableModel(expected_columns)
        self.expected = table_view(self.expected_model)
        self.expected.setObjectName("expected_table")
        # A long treatment name is shortened (the whole name on hover) rather than pushing the
        # status, what the desk reads first, behind a horizontal scroll bar.
        shorten_column(self.expected, expected_columns.index(treatment))
        self.expected.activated.connect(self._check_in_index)
        self.expected.doubleClicked.connect(self._check_in_index)
        self.check_in_button = button(primary=True, icon_name="check_in", on_click=self._check_in_selected)
        self.check_in_button.setObjectName("check_in_button")
        self.expected_empty = EmptyState("calendar")
        self.expected_card = Card()
        self.expected_card.body.addWidget(self.expected, 1)
        self.expected_card.body.addWidget(self.expected_empty, 1)
        self.expected_card.body.addLayout(hbox(None, self.check_in_button))

        self.inside_model, self.inside = in_clinic_table(directory, self.desk.now)
        self.inside.setObjectName("in_clinic_table")
        self.inside.doubleClicked.connect(
            lambda index: self.desk.navigate(
                "patients", patient_id=self.inside_model.row_at(index).patient_id
            )
        )
        self.check_out_button = button(on_click=self._check_out_selected)
        self.check_out_button.setObjectName("check_out_button")
        self.inside_empty = EmptyState("clock")
        self.inside_card = Card()
        self.inside_card.body.addWidget(self.inside, 1)
        self.inside_card.body.addWidget(self.inside_empty, 1)
        self.inside_card.body.addLayout(hbox(None, self.check_out_button))
        panels = QHBoxLayout()
        panels.setSpacing(14)
        panels.addWidget(self.expected_card, 3)
        panels.addWidget(self.inside_card, 2)
        self.layout_.addLayout(panels, 1)
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(lambda: self.inside_model.refresh_column(WAITING))
        self._tick.start()
        self.retranslate()

    def _directory(self) -> Directory:
        return self.desk.directory

    def retranslate(self) -> None:
        self.title.setText(_("Check-in"))
        self.code.setPlaceholderText(_("Scan a card, or type its number and press Enter"))
        self.code.setAccessibleName(_("Card number"))
        self.expected_card.set_title(_("Expected today"))
        self.inside_card.set_title(_("In the clinic"))
        self.check_in_button.setText(_("Check in"))
        self.check_out_button.setText(_("Check out"))
        self.expected_empty.set_text(_("Everyone expected today has arrived."))
        self.inside_empty.set_text(_("Nobody is in the clinic right now."))
        self.expected.setAccessibleName(_("Expected today"))
        self.inside.setAccessibleName(_("In the clinic"))
        self.expected_model.retranslate()
        self.inside_model.retranslate()
        self._show(self.rows)

    def refresh(self) -> None:
        day = self.desk.today()
        self.desk.read(
            lambda ctx: appointments_on(ctx, day),
            name="check_in.load",
            on_success=self._show,
            key="check-in",
            parent=self,
        )

    def activate(self, args: Mapping[str, Any]) -> None:
        super().activate(args)
        self.code.setFocus()

    def focus_search(self) -> bool:
        self.code.setFocus()
        return True

    def _show(self, rows: list[AppointmentRow]) -> None:
        self.rows = list(rows)
        expected = [r for r in rows if r.status in EXPECTED]
        inside = sorted(
            (r for r in rows if r.status in IN_CLINIC), key=lambda r: r.check_in_time or r.starts_at
        )
        done = sum(1 for r in rows if r.status is AppointmentStatus.COMPLETED)
        self.expected_model.set_rows(expected)
        self.inside_model.set_rows(inside)
        self.expected.setVisible(bool(expected))
        self.expected_empty.setVisible(not expected)
        self.inside.setVisible(bool(inside))
        self.inside_empty.setVisible(not inside)
        self.check_in_button.setEnabled(bool(expected))
        self.check_out_button.setEnabled(bool(inside))
        self.summary.setText(
            _(
                "%(expected)s expected · %(inside)s in the clinic · %(done)s done",
                expected=len(expected),
                inside=len(inside),
                done=done,
            )
        )

    def _typed_code(self) -> None:
        value = self.code.text().strip()
        if value:
            self.code.clear()
            self.desk.sig_scan_typed.emit(value)

    def _check_in_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.desk.write(check_patient_in(self.expected_model.row_at(index).id), parent=self)

    def _check_in_selected(self) -> None:
        selected = self.expected.selectionModel().selectedRows()
        if selected:
            self._check_in_index(selected[0])

    def _check_out_selected(self) -> None:
        selected = self.inside.selectionModel().selectedRows()
        if selected:
            self.desk.write(check_patient_out(self.inside_model.row_at(selected[0]).id), parent=self)
