"""Choosing a patient inside a form: type a name, phone, email or card number; pick from the list."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QListView, QVBoxLayout, QWidget

from common.i18n import N_
from common.qt.i18n import _, format_date, language
from common.qt.models import Column, RowTableModel
from desktop.desk import Desk
from desktop.reads.patients import search
from desktop.reads.rows import PatientRow
from desktop.widgets.common import SearchField, button, label

RESULTS = 8


def describe(row: PatientRow) -> str:
    parts = [row.name]
    if row.date_of_birth is not None:
        parts.append(format_date(row.date_of_birth))
    if row.phone:
        parts.append(row.phone)
    return " · ".join(parts)


class PatientPicker(QWidget):
    sig_chosen = Signal(object)  # PatientRow | None

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.chosen: PatientRow | None = None
        self.search = SearchField(delay_ms=100)
        self.search.setObjectName("picker_search")
        self.search.sig_query.connect(self._query)
        self.search.sig_submitted.connect(lambda _text: self._choose_first())
        self.model: RowTableModel[PatientRow] = RowTableModel([Column(N_("Patient"), describe)])
        self.results = QListView()
        self.results.setObjectName("picker_results")
        self.results.setModel(self.model)
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results.setMaximumHeight(170)
        self.results.clicked.connect(self._choose_index)
        self.results.activated.connect(self._choose_index)
        self.results.hide()
        self.chosen_label = label("", "heading")
        self.chosen_label.setObjectName("picker_chosen")
        self.change = button(flat=True, on_click=self.clear)
        chosen_row = QHBoxLayout()
        chosen_row.setContentsMargins(0, 0, 0, 0)
        chosen_row.addWidget(self.chosen_label, 1)
        chosen_row.addWidget(self.change)
        self.chosen_box = QWidget()
        self.chosen_box.setLayout(chosen_row)
        self.chosen_box.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.search)
        layout.addWidget(self.results)
        layout.addWidget(self.chosen_box)
        language().sig_language_changed.connect(self._language_changed)
        self.retranslate()

    def _language_changed(self, _locale: str) -> None:
        self.retranslate()

    def retranslate(self) -> None:
        self.search.setPlaceholderText(_("Name, phone, email or card number"))
        self.search.setAccessibleName(_("Find the patient"))
        self.change.setText(_("Change"))
        self.model.retranslate()

    def set_patient(self, row: PatientRow | None) -> None:
        self.chosen = row
        self.chosen_label.setText(describe(row) if row is not None else "")
        self.chosen_box.setVisible(row is not None)
        self.search.setVisible(row is None)
        self.results.hide()
        self.sig_chosen.emit(row)

    def clear(self) -> None:
        self.set_patient(None)
        self.search.clear()
        self.search.setFocus()

    def _query(self, text: str) -> None:
        if not text:
            self.model.set_rows([])
            self.results.hide()
            return
        self.desk.read(
            lambda ctx: search(ctx, text, RESULTS),
            name="patients.pick",
            on_success=self._show_results,
            key=f"picker-{id(self)}",
            parent=self,
        )

    def _show_results(self, rows: list[PatientRow]) -> None:
        self.model.set_rows(rows)
        self.results.setVisible(bool(rows))
        if rows:
            self.results.setCurrentIndex(self.model.index(0, 0))

    def _choose_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.set_patient(self.model.row_at(index))

    def _choose_first(self) -> None:
        index = self.results.currentIndex()
        if index.isValid():
            self._choose_index(index)
        elif self.model.rowCount() == 1:
            self.set_patient(self.model.row_at(0))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.results.isVisible():
            self.results.setFocus()
            self.results.keyPressEvent(event)
            return
        super().keyPressEvent(event)
