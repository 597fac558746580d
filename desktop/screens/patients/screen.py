"""Patients: search as you type (name, phone, email, card, CJK names), the results, and the
chosen patient's page; register, edit, merge."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QModelIndex, QTimer
from PySide6.QtWidgets import QHeaderView, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from common.i18n import N_
from common.qt.i18n import _, format_date
from common.qt.icons import icon
from common.qt.models import Column, RowTableModel
from common.qt.theme import current_theme
from desktop.actions import check_patient_in
from desktop.desk import Desk
from desktop.reads.patients import PatientPage, patient_page, patient_row, search
from desktop.reads.rows import PatientRow
from desktop.screens.base import Screen
from desktop.screens.calendar.booking import BookingDialog, BookingDraft
from desktop.screens.patients.editor import PatientEditor
from desktop.screens.patients.merge import MergeDialog
from desktop.screens.patients.page import PatientPageView
from desktop.widgets.common import EmptyState, SearchField, button, hbox, label, table_view

# A search runs once the keystrokes already queued are handled (a paste or a burst is one search);
# while one runs, newer keystrokes supersede each other (the runner keeps the latest waiting).
SEARCH_PAUSE_MS = 0
RESULT_WIDTHS = (170, 120)  # name, date of birth; the phone takes the rest


class PatientsScreen(Screen):
    watches = frozenset(
        {
            "patients",
            "appointments",
            "treatment_records",
            "payment_records",
            "barcode_mappings",
            "patient_merges",
        }
    )

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(desk, parent)
        self.current_id: uuid.UUID | None = None
        self.last_query = ""
        self.register_button = button(icon_name="plus", primary=True, on_click=self.new_item)
        self.register_button.setObjectName("register_patient")
        self.layout_.addLayout(hbox(self.title, None, self.register_button))

        self.search = SearchField(delay_ms=SEARCH_PAUSE_MS)
        self.search.setObjectName("patient_search")
        self.search.sig_query.connect(self.run_search)
        self.search.sig_submitted.connect(lambda _text: self._open_single())
        self.count = label("", "muted")
        self.model: RowTableModel[PatientRow] = RowTableModel(
            [
                Column(
                    N_("Name"),
                    lambda r: r.name,
                    bold=lambda r: True,
                    decoration=lambda r: icon("warning", current_theme().danger) if r.allergies else None,
                    tooltip=lambda r: (
                        _("Allergies: %(allergies)s", allergies=", ".join(r.allergies))
                        if r.allergies
                        else None
                    ),
                ),
                Column(
                    N_("Date of birth"), lambda r: format_date(r.date_of_birth) if r.date_of_birth else ""
                ),
                Column(N_("Phone"), lambda r: r.phone or ""),
            ]
        )
        self.results = table_view(self.model)
        # Fixed widths: sizing columns to their contents on every keystroke's results costs more
        # than the search itself.
        header = self.results.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate(RESULT_WIDTHS):
            header.resizeSection(column, width)
        self.results.setObjectName("patient_results")
        self.results.activated.connect(self._open_index)
        self.results.clicked.connect(self._open_index)
        self.hint = EmptyState("search")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 12, 0)
        left_layout.setSpacing(8)
        left_layout.addWidget(self.search)
        left_layout.addWidget(self.count)
        left_layout.addWidget(self.results, 1)
        left_layout.addWidget(self.hint, 1)
        left.setMinimumWidth(380)

        self.page = PatientPageView(desk)
        self.page.sig_check_in.connect(self._check_in)
        self.page.sig_book.connect(self._book)
        self.page.sig_edit.connect(self._edit)
        self.page.sig_merge.connect(self._merge)
        self.page.sig_record_treatment.connect(
            lambda: self.current_id and self.desk.navigate("treatments", patient_id=self.current_id)
        )
        self.page.sig_take_payment.connect(
            lambda: self.current_id and self.desk.navigate("payments", patient_id=self.current_id)
        )
        self.no_patient = EmptyState("patients")
        self.right = QStackedWidget()
        self.right.addWidget(self.no_patient)
        self.right.addWidget(self.page)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([430, 900])
        splitter.setChildrenCollapsible(False)
        self.layout_.addWidget(splitter, 1)
        self.setTabOrder(self.search, self.results)
        self._show_results([])
        self.retranslate()

    # -- Screen ---------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.title.setText(_("Patients"))
        self.register_button.setText(_("Register patient"))
        self.search.setPlaceholderText(_("Name, phone, email or card number (Ctrl+F)"))
        self.search.setAccessibleName(_("Find a patient"))
        self.results.setAccessibleName(_("Patients found"))
        self.hint.set_text(
            _("Type a name (陳, 小明, Chen…), a phone number, an email or scan the patient's card.")
        )
        self.no_patient.set_text(_("Choose a patient to see their page."))
        self.model.retranslate()
        self._update_count()

    def refresh(self) -> None:
        if self.last_query:
            self.run_search(self.last_query)
        if self.current_id is not None:
            self.open_patient(self.current_id)

    def activate(self, args: Mapping[str, Any]) -> None:
        query = args.get("query")
        if isinstance(query, str):
            self.search.setText(query)
            self.run_search(query)
        patient_id = args.get("patient_id")
        if isinstance(patient_id, uuid.UUID):
            self._stale = False
            self.open_patient(patient_id)
            return
        super().activate(args)

    def focus_search(self) -> bool:
        self.search.setFocus()
        self.search.selectAll()
        return True

    def new_item(self) -> bool:
        editor = PatientEditor(self.desk, None, self)
        editor.sig_saved.connect(self._registered)
        editor.open()
        return True

    def directory_changed(self) -> None:
        if self.page.page is not None:
            self.page.show_page(self.page.page)

    # -- searching ------------------------------------------------------------------------------

    def run_search(self, text: str) -> None:
        self.last_query = text
        if not text:
            self._show_results([])
            return
        self.desk.read(
            lambda ctx: search(ctx, text),
            name="patients.search",
            on_success=self._show_results,
            key="patient-search",
            parent=self,
        )

    def _show_results(self, rows: list[PatientRow]) -> None:
        self.model.set_rows(rows)
        has_query = bool(self.last_query)
        self.results.setVisible(has_query)
        self.hint.setVisible(not has_query)
        self._update_count()

    def _update_count(self) -> None:
        if not self.last_query:
            self.count.setText("")
        elif self.model.rowCount() == 0:
            self.count.setText(_("No patient matches. Check the spelling, or register a new patient."))
        else:
            self.count.setText(_("%(count)s patients found", count=self.model.rowCount()))

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_patient(self.model.row_at(index).id)

    def _open_single(self) -> None:
        # Enter opens the first result once the search for what was typed has come back.
        QTimer.singleShot(0, self._open_first)

    def _open_first(self) -> None:
        if self.model.rowCount():
            self.open_patient(self.model.row_at(0).id)

    # -- the patient ----------------------------------------------------------------------------

    def open_patient(self, patient_id: uuid.UUID) -> None:
        self.current_id = patient_id
        self.desk.read(
            lambda ctx: patient_page(ctx, patient_id),
            name="patients.page",
            on_success=self._show_page,
            key="patient-page",
            parent=self,
        )

    def _show_page(self, page: PatientPage) -> None:
        if page.patient.id != self.current_id:
            return
        self.page.show_page(page)
        self.right.setCurrentWidget(self.page)
        number = self.model.find(lambda row: row.id == page.patient.id)
        if number >= 0:
            self.results.selectRow(number)

    def _check_in(self, appointment_id: uuid.UUID) -> None:
        self.desk.write(check_patient_in(appointment_id), parent=self)

    def _book(self) -> None:
        page = self.page.page
        if page is None:
            return
        dialog = BookingDialog(self.desk, BookingDraft(patient=patient_row(page.patient)), self)
        dialog.open()

    def _edit(self) -> None:
        page = self.page.page
        if page is not None:
            editor = PatientEditor(self.desk, dict(page.patient), self)
            editor.open()

    def _merge(self) -> None:
        page = self.page.page
        if page is not None:
            MergeDialog(self.desk, page.patient.id, page.name, self).open()

    def _registered(self, patient_id: uuid.UUID) -> None:
        self.open_patient(patient_id)
