"""Treatments: record what was done for a checked-in patient. Scan the treatment's code (or pick it
from the catalog) and the form fills from the catalog: price, duration, cautions (prominent),
instructions and the default materials with their stock. Recording takes the materials out of
stock in the same transaction; low or negative stock is shown; the follow-up date and the
suggested next treatment come back with the record."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QTableView,
    QWidget,
)

from common.access.permissions import Permission
from common.errors import DomainError
from common.i18n import N_
from common.qt.i18n import _, format_date, format_money, format_number, format_time, language
from common.qt.icons import icon
from common.qt.models import NO_PARENT, Column, RowTableModel
from common.qt.theme import current_theme
from common.treatments.service import PrefillMaterial, TreatmentPrefill, prefill_from_catalog
from desktop.actions import TreatmentRecorded, record
from desktop.desk import Desk
from desktop.reads.appointments import appointments_on
from desktop.reads.rows import AppointmentRow, Directory
from desktop.reads.today import WAITING_STATUSES
from desktop.screens.base import Screen
from desktop.widgets.common import Banner, Card, EmptyState, button, hbox, label, select_data, table_view

Index = QModelIndex | QPersistentModelIndex


class MaterialsModel(QAbstractTableModel):
    """The materials a treatment uses: the quantity is editable; stock shown beside it."""

    HEADERS = (N_("Material"), N_("Quantity"), N_("In stock"))

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[PrefillMaterial] = []
        self.quantities: list[int] = []

    def set_lines(self, lines: tuple[PrefillMaterial, ...]) -> None:
        self.beginResetModel()
        self.lines = list(lines)
        self.quantities = [line.quantity for line in lines]
        self.endResetModel()

    def materials(self) -> list[dict[str, Any]]:
        return [
            {"item_id": str(line.item_id), "quantity": quantity}
            for line, quantity in zip(self.lines, self.quantities, strict=True)
            if quantity > 0
        ]

    def short(self, number: int) -> bool:
        return self.lines[number].is_tracked and self.lines[number].current_stock < self.quantities[number]

    def rowCount(self, parent: Index = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.lines)

    def columnCount(self, parent: Index = NO_PARENT) -> int:
        return 0 if parent.isValid() else 3

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _(self.HEADERS[section])
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return flags | Qt.ItemFlag.ItemIsEditable if index.column() == 1 else flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        line, column = self.lines[index.row()], index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if column == 0:
                return line.name
            if column == 1:
                return self.quantities[index.row()]
            return format_number(line.current_stock) if line.is_tracked else _("not counted")
        if role == Qt.ItemDataRole.ForegroundRole and column == 2 and self.short(index.row()):
            return QColor(current_theme().danger)
        if role == Qt.ItemDataRole.DecorationRole and column == 2 and self.short(index.row()):
            return icon("warning", current_theme().danger)
        if role == Qt.ItemDataRole.ToolTipRole and column == 2 and self.short(index.row()):
            return _("Not enough in stock: the treatment is still recorded and the stock goes below zero.")
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if index.column() != 1 or role != Qt.ItemDataRole.EditRole:
            return False
        try:
            quantity = max(0, int(value))
        except (TypeError, ValueError):
            return False
        self.quantities[index.row()] = quantity
        self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), 2))
        return True

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 2)


class TreatmentsScreen(Screen):
    watches = frozenset({"appointments", "treatment_records", "inventory_movements", "treatment_catalog"})

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(desk, parent)
        self.prefill: TreatmentPrefill | None = None
        self.scanned = False
        self.patient_id: uuid.UUID | None = None
        self.patient_name = ""
        self.appointment_id: uuid.UUID | None = None
        self.wanted_patient: uuid.UUID | None = None
        self.layout_.addLayout(hbox(self.title, None))
        self.permission_note = Banner("info")
        self.layout_.addWidget(self.permission_note)

        directory = self._directory
        self.queue_model: RowTableModel[AppointmentRow] = RowTableModel(
            [
                Column(N_("Patient"), lambda r: r.patient_name, bold=lambda r: True),
                Column(N_("Doctor"), lambda r: directory().staff_name(r.doctor_id)),
                Column(N_("Since"), lambda r: format_time(r.check_in_time) if r.check_in_time else ""),
            ]
        )
        self.queue = table_view(self.queue_model)
        self.queue.setObjectName("treatment_patients")
        self.queue.selectionModel().currentRowChanged.connect(
            lambda current, _old: self._patient_chosen(current)
        )
        self.queue_empty = EmptyState("clock")
        self.patients_card = Card()
        self.patients_card.body.addWidget(self.queue, 1)
        self.patients_card.body.addWidget(self.queue_empty, 1)
        self.patients_card.setMinimumWidth(360)
        self.patients_card.setMaximumWidth(440)

        self.form_card = Card()
        self.form_card.setObjectName("treatment_form")
        self.for_patient = label("", "heading")
        self.for_patient.setObjectName("treatment_for")
        self.treatment = QComboBox()
        self.treatment.setObjectName("treatment_item")
        self.treatment.currentIndexChanged.connect(self._treatment_picked)
        self.scan_badge = label("", "pill")
        self.scan_badge.hide()
        self.cautions = Banner("warning")
        self.cautions.setObjectName("treatment_cautions")
        font = self.cautions.text.font()
        font.setBold(True)
        self.cautions.text.setFont(font)
        self.cautions.hide()
        self.facts = label("", wrap=True)
        self.facts.setObjectName("treatment_facts")
        self.instructions = label("", "muted", wrap=True)
        self.doctor = QComboBox()
        self.doctor.setObjectName("treatment_doctor")
        self.materials = MaterialsModel()
        self.materials_view = QTableView()
        self.materials_view.setObjectName("treatment_materials")
        self.materials_view.setModel(self.materials)
        self.materials_view.verticalHeader().hide()
        self.materials_view.setShowGrid(False)
        self.materials_view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.SelectedClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.materials_view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.materials_view.setMinimumHeight(120)
        self.materials_view.setMaximumHeight(170)
        self.discount = QLineEdit()
        self.discount.setObjectName("treatment_discount")
        self.discount_kind = QComboBox()
        self.notes = QPlainTextEdit()
        self.notes.setObjectName("treatment_notes")
        self.notes.setFixedHeight(64)
        self.follow_up = label("", wrap=True)
        self.follow_up.setObjectName("treatment_follow_up")
        self.record_button = button(primary=True, icon_name="treatment", on_click=self.submit)
        self.record_button.setObjectName("record_treatment")
        self.result = Banner("success")
        self.result.setObjectName("treatment_result")
        self.result.hide()
        self.pay_button = button(icon_name="payment", on_click=self._take_payment)
        self.pay_button.setObjectName("treatment_take_payment")
        self.pay_button.hide()
        self.stock_warning = Banner("warning")
        self.stock_warning.setObjectName("treatment_stock_warning")
        self.stock_warning.hide()

        discount_row = QHBoxLayout()
        discount_row.addWidget(self.discount, 1)
        discount_row.addWidget(self.discount_kind)
        self.labels = {
            key: label() for key in ("treatment", "doctor", "materials", "discount", "notes", "follow_up")
        }
        form = QFormLayout()
        form.setSpacing(10)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        treatment_row = QHBoxLayout()
        treatment_row.addWidget(self.treatment, 1)
        treatment_row.addWidget(self.scan_badge)
        form.addRow(self.labels["treatment"], treatment_row)
        form.addRow("", self.facts)
        form.addRow(self.labels["doctor"], self.doctor)
        form.addRow(self.labels["materials"], self.materials_view)
        form.addRow(self.labels["discount"], discount_row)
        form.addRow(self.labels["notes"], self.notes)
        form.addRow(self.labels["follow_up"], self.follow_up)
        body = self.form_card.body
        body.addWidget(self.for_patient)
        body.addWidget(self.cautions)
        body.addWidget(self.instructions)
        body.addLayout(form)
        body.addStretch(1)
        body.addWidget(self.stock_warning)
        body.addWidget(self.result)
        body.addLayout(hbox(self.pay_button, None, self.record_button))
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form_card)
        panels = QHBoxLayout()
        panels.setSpacing(14)
        panels.addWidget(self.patients_card)
        panels.addWidget(scroll, 1)
        self.layout_.addLayout(panels, 1)
        self._last: TreatmentRecorded | None = None
        self._fill_catalog()
        self._fill_doctors()
        self.retranslate()

    # -- Screen -------------------------------------------------------------------------------------

    def _directory(self) -> Directory:
        return self.desk.directory

    def retranslate(self) -> None:
        self.title.setText(_("Treatments"))
        self.patients_card.set_title(_("Checked-in patients"))
        self.queue.setAccessibleName(_("Checked-in patients"))
        self.queue_empty.set_text(_("Nobody is checked in. Check a patient in to record their treatment."))
        self.form_card.set_title(_("Record a treatment"))
        words = {
            "treatment": _("Treatment"),
            "doctor": _("Doctor"),
            "materials": _("Materials used"),
            "discount": _("Discount"),
            "notes": _("Notes"),
            "follow_up": _("Follow-up"),
        }
        for key, text in words.items():
            self.labels[key].setText(text)
        self.treatment.setAccessibleName(words["treatment"])
        self.doctor.setAccessibleName(words["doctor"])
        self.materials_view.setAccessibleName(words["materials"])
        self.discount.setAccessibleName(words["discount"])
        self.notes.setAccessibleName(words["notes"])
        self.discount.setPlaceholderText("0")
        self.discount_kind.clear()
        self.discount_kind.addItems([self.desk.clinic.currency, "%"])
        self.treatment.setItemText(0, _("Choose or scan a treatment…"))
        self.scan_badge.setText(_("Scanned"))
        self.record_button.setText(_("Record treatment"))
        self.pay_button.setText(_("Take payment"))
        self.materials.retranslate()
        self.queue_model.retranslate()
        can_record = self.desk.can(Permission.TREATMENT_RECORD)
        self.permission_note.set_text(
            _("Treatments are recorded by doctors and nurses. You can see who is waiting.")
        )
        self.permission_note.setVisible(not can_record)
        self._show_prefill()
        self._show_patient()

    def refresh(self) -> None:
        day = self.desk.today()
        self.desk.read(
            lambda ctx: appointments_on(ctx, day),
            name="treatments.queue",
            on_success=self._queue_loaded,
            key="treatments-queue",
            parent=self,
        )

    def activate(self, args: Mapping[str, Any]) -> None:
        super().activate(args)
        patient_id = args.get("patient_id")
        if isinstance(patient_id, uuid.UUID):
            self.wanted_patient = patient_id
            self._select_wanted()
        item_id = args.get("catalog_item_id")
        if isinstance(item_id, uuid.UUID):
            self.choose_treatment(item_id, scanned=bool(args.get("scanned")))

    def directory_changed(self) -> None:
        self._fill_catalog()
        self._fill_doctors()

    # -- patients -----------------------------------------------------------------------------------

    def _queue_loaded(self, rows: list[AppointmentRow]) -> None:
        waiting = [row for row in rows if row.status in WAITING_STATUSES]
        current = self.appointment_id
        self.queue_model.set_rows(waiting)
        self.queue.setVisible(bool(waiting))
        self.queue_empty.setVisible(not waiting)
        if self.wanted_patient is not None:
            self._select_wanted()
        elif current is not None:
            number = self.queue_model.find(lambda row: row.id == current)
            if number >= 0:
                self.queue.selectRow(number)
        elif waiting and self.patient_id is None:
            self.queue.selectRow(0)

    def _select_wanted(self) -> None:
        wanted = self.wanted_patient
        number = self.queue_model.find(lambda row: row.patient_id == wanted)
        if number >= 0:
            self.wanted_patient = None
            self.queue.selectRow(number)

    def _patient_chosen(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        row = self.queue_model.row_at(index)
        self.patient_id, self.patient_name, self.appointment_id = row.patient_id, row.patient_name, row.id
        select_data(self.doctor, row.doctor_id)
        if row.treatment_type_id is not None and self.treatment.currentData() is None:
            self.choose_treatment(row.treatment_type_id, scanned=False)
        self.result.hide()
        self.pay_button.hide()
        self.stock_warning.hide()
        self._show_patient()

    def _show_patient(self) -> None:
        if self.patient_id is None:
            self.for_patient.setText(_("Choose a checked-in patient on the left."))
        else:
            self.for_patient.setText(_("For %(patient)s", patient=self.patient_name))
        self._update_record_button()

    # -- the treatment ------------------------------------------------------------------------------

    def _fill_catalog(self) -> None:
        current = self.treatment.currentData()
        self.treatment.blockSignals(True)
        self.treatment.clear()
        self.treatment.addItem(_("Choose or scan a treatment…"), None)
        for item in self.desk.directory.catalog:
            self.treatment.addItem(item.name, item.id)
        select_data(self.treatment, current)
        self.treatment.blockSignals(False)

    def _fill_doctors(self) -> None:
        current = self.doctor.currentData()
        self.doctor.clear()
        for doctor in self.desk.directory.doctors:
            self.doctor.addItem(doctor.name, doctor.id)
        session = self.desk.session
        wanted = current or (session.user_id if session is not None else None)
        select_data(self.doctor, wanted)

    def choose_treatment(self, item_id: uuid.UUID, *, scanned: bool) -> None:
        self.scanned = scanned
        self.treatment.blockSignals(True)
        select_data(self.treatment, item_id)
        self.treatment.blockSignals(False)
        self._load_prefill(item_id)

    def _treatment_picked(self, _index: int) -> None:
        item_id = self.treatment.currentData()
        self.scanned = False
        if isinstance(item_id, uuid.UUID):
            self._load_prefill(item_id)
        else:
            self.prefill = None
            self._show_prefill()

    def _load_prefill(self, item_id: uuid.UUID, *, keep_result: bool = False) -> None:
        self.desk.read(
            lambda ctx: prefill_from_catalog(ctx, item_id),
            name="treatments.prefill",
            on_success=lambda prefill: self._prefilled(prefill, keep_result=keep_result),
            key="treatment-prefill",
            parent=self,
        )

    def _prefilled(self, prefill: TreatmentPrefill, *, keep_result: bool = False) -> None:
        self.prefill = prefill
        self.materials.set_lines(prefill.materials)
        self.discount.clear()
        if not keep_result:
            self.result.hide()
            self.pay_button.hide()
            self.stock_warning.hide()
        self._show_prefill()

    def _show_prefill(self) -> None:
        prefill = self.prefill
        self.scan_badge.setVisible(prefill is not None and self.scanned)
        if prefill is None:
            self.cautions.hide()
            self.facts.setText("")
            self.instructions.setText("")
            self.follow_up.setText("—")
            self.materials.set_lines(())
            self._update_record_button()
            return
        if prefill.cautions:
            self.cautions.set_kind("danger")
            self.cautions.set_text(_("Cautions: %(cautions)s", cautions=" · ".join(prefill.cautions)))
            self.cautions.show()
        else:
            self.cautions.hide()
        facts = [
            format_money(prefill.price, prefill.currency),
            _("%(minutes)s min", minutes=prefill.duration_minutes),
        ]
        if prefill.subcategory:
            facts.append(prefill.subcategory)
        if prefill.requires_doctor_approval:
            facts.append(_("Needs a doctor's approval"))
        self.facts.setText(" · ".join(facts))
        self.instructions.setText(
            _("Instructions: %(text)s", text=prefill.instructions) if prefill.instructions else ""
        )
        self.instructions.setVisible(bool(prefill.instructions))
        if prefill.follow_up_interval_days:
            due = self.desk.today() + timedelta(days=prefill.follow_up_interval_days)
            self.follow_up.setText(
                _(
                    "In %(days)s days, on %(date)s; the next treatment is suggested when recorded.",
                    days=prefill.follow_up_interval_days,
                    date=format_date(due),
                )
            )
        else:
            self.follow_up.setText(_("No follow-up needed."))
        self._update_record_button()

    def _update_record_button(self) -> None:
        allowed = self.desk.can(Permission.TREATMENT_RECORD)
        self.record_button.setEnabled(allowed and self.prefill is not None and self.patient_id is not None)
        self.record_button.setVisible(allowed)

    # -- recording ---------------------------------------------------------------------------------

    def discount_values(self) -> tuple[Decimal, Decimal | None] | None:
        text = self.discount.text().strip().replace(",", "")
        if not text:
            return Decimal(0), None
        try:
            value = Decimal(text)
        except InvalidOperation:
            return None
        if self.discount_kind.currentIndex() == 1:
            return Decimal(0), value
        return value, None

    def submit(self) -> None:
        prefill, patient_id, doctor_id = self.prefill, self.patient_id, self.doctor.currentData()
        if prefill is None or patient_id is None or doctor_id is None:
            return
        discount = self.discount_values()
        if discount is None:
            self._show_result("danger", _("Enter the discount as a number, such as 500 or 10."))
            return
        self.record_button.setEnabled(False)
        intent = record(
            patient_id,
            prefill.catalog_item_id,
            doctor_id=doctor_id,
            appointment_id=self.appointment_id,
            materials=self.materials.materials(),
            discount=discount[0],
            discount_percent=discount[1],
            notes=self.notes.toPlainText().strip() or None,
            barcode_scanned=self.scanned,
        )
        self.desk.write(intent, on_success=self._recorded, on_failure=self._failed, parent=self)

    def _recorded(self, done: TreatmentRecorded) -> None:
        self._last = done
        text = _(
            "Recorded %(treatment)s for %(patient)s: %(amount)s.",
            treatment=done.treatment_name,
            patient=self.patient_name,
            amount=format_money(done.final_amount, done.currency),
        )
        suggestion = done.suggestion
        if done.follow_up_date is not None:
            name = suggestion.get("name") or done.treatment_name
            text += " " + _(
                "Follow-up on %(date)s: %(next)s.", date=format_date(done.follow_up_date), next=name
            )
        self._show_result("success", text)
        self.pay_button.setVisible(
            self.desk.can(Permission.PAYMENT_TAKE) or self.desk.can(Permission.PAYMENT_READ)
        )
        if done.stock_warnings:
            lines = [
                _("%(item)s: %(left)s left (minimum %(minimum)s)", item=name, left=left, minimum=minimum)
                for name, left, minimum in done.stock_warnings
            ]
            self.stock_warning.set_kind(
                "danger" if any(left < 0 for _n, left, _m in done.stock_warnings) else "warning"
            )
            self.stock_warning.set_text(_("Stock is low: %(items)s. Reorder soon.", items="; ".join(lines)))
            self.stock_warning.show()
        self.notes.clear()
        self.discount.clear()
        if self.prefill is not None:
            self._load_prefill(self.prefill.catalog_item_id, keep_result=True)

    def _failed(self, error: BaseException) -> bool:
        self._update_record_button()
        if isinstance(error, DomainError):
            self._show_result("danger", error.translated(language().locale))
            return True
        return False

    def _show_result(self, kind: str, text: str) -> None:
        self.result.set_kind(kind)
        self.result.set_text(text)
        self.result.show()

    def _take_payment(self) -> None:
        if self._last is not None:
            self.desk.navigate(
                "payments", treatment_id=self._last.treatment_id, patient_id=self._last.patient_id
            )

    def prepare_showcase(self) -> None:
        """For screenshots: the first checked-in patient with their booked treatment."""
        if self.queue_model.rowCount():
            self.queue.selectRow(0)
