"""The treatment editor: a new treatment, or an edit that sends only the fields changed (so an
edit made meanwhile on another desk to other fields stands). Refusals show under their field."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from common.catalog.models import TreatmentKind
from common.catalog.service import MAX_DURATION_MINUTES, MAX_FOLLOW_UP_DAYS
from common.i18n import N_
from common.ids import new_id
from common.payments.money import InvalidAmount
from common.qt.i18n import _, language
from desktop.desk import Desk
from desktop.screens.catalog.actions import create_treatment, edit_treatment, treatment_values
from desktop.screens.catalog.forms import FieldErrors, lines_of, text_or_none
from desktop.screens.catalog.reads import CatalogView, TreatmentRow
from desktop.widgets.common import Banner, button, label, select_data
from desktop.widgets.dialogs import editor_frame

KIND_NAMES: Final = {
    TreatmentKind.COSMETIC: N_("Cosmetic"),
    TreatmentKind.THERAPEUTIC: N_("Therapeutic"),
    TreatmentKind.DIAGNOSTIC: N_("Diagnostic"),
    TreatmentKind.PREVENTIVE: N_("Preventive"),
}
# Which field a service's refusal is about, by its code; text refusals by the field they name.
ERROR_FIELDS: Final = {
    "treatment_name_required": "name",
    "duplicate_treatment_name": "name",
    "text_too_long": "name",
    "invalid_duration": "duration",
    "invalid_amount": "price",
    "negative_amount": "price",
    "amount_too_precise": "price",
    "amount_too_large": "price",
    "unknown_currency": "price",
    "category_kind_required": "category",
    "category_kind_mismatch": "category",
    "category_inactive": "category",
    "category_not_found": "category",
    "invalid_follow_up_interval": "follow_up",
    "unknown_next_treatment": "next",
    "unknown_material": "materials",
    "invalid_materials": "materials",
}
TEXT_FIELDS: Final = {
    "name": "name",
    "description": "description",
    "instructions": "instructions",
    "cautions": "cautions",
    "advantages": "advantages",
    "recommended-for list": "recommended_for",
    "price": "price",
}
SAME_AGAIN: Final = "same"


def kind_name(kind: TreatmentKind) -> str:
    return _(KIND_NAMES[kind])


class MaterialsTable(QTableWidget):
    """The materials one treatment uses: an inventory item and a quantity per row."""

    def __init__(self, view: CatalogView, parent: QWidget | None = None) -> None:
        super().__init__(0, 2, parent)
        self.view = view
        self.setObjectName("treatment_materials_editor")
        self.verticalHeader().hide()
        self.setShowGrid(False)
        self.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.verticalHeader().setDefaultSectionSize(36)
        self.setMinimumHeight(150)
        self.retranslate()

    def retranslate(self) -> None:
        self.setHorizontalHeaderLabels([_("Inventory item"), _("Quantity")])
        self.setAccessibleName(_("Materials used"))

    def add_line(self, item_id: uuid.UUID | None = None, quantity: int = 1) -> None:
        row = self.rowCount()
        self.insertRow(row)
        picker = QComboBox()
        picker.setAccessibleName(_("Inventory item"))
        picker.addItem(_("Choose an item…"), None)
        for choice in self.view.stock:
            picker.addItem(f"{choice.name} ({choice.sku})", choice.id)
        if item_id is not None and not select_data(picker, item_id):
            picker.addItem(_("Removed item"), item_id)
            picker.setCurrentIndex(picker.count() - 1)
        amount = QSpinBox()
        amount.setRange(0, 1_000_000)
        amount.setValue(quantity)
        amount.setAccessibleName(_("Quantity"))
        amount.setToolTip(_("Set to 0 to remove the line."))
        self.setCellWidget(row, 0, picker)
        self.setCellWidget(row, 1, amount)

    def lines(self) -> list[tuple[uuid.UUID, int]]:
        found: list[tuple[uuid.UUID, int]] = []
        for row in range(self.rowCount()):
            picker, amount = self.cellWidget(row, 0), self.cellWidget(row, 1)
            if not isinstance(picker, QComboBox) or not isinstance(amount, QSpinBox):
                continue
            item_id = picker.currentData()
            if isinstance(item_id, uuid.UUID) and amount.value() > 0:
                found.append((item_id, amount.value()))
        return found


class TreatmentEditor(QDialog):
    sig_saved = Signal(object)  # the treatment's id

    def __init__(
        self,
        desk: Desk,
        view: CatalogView,
        treatment: TreatmentRow | None = None,
        parent: QWidget | None = None,
        *,
        category_id: uuid.UUID | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("treatment_editor")
        self.setModal(True)
        self.setMinimumWidth(940)
        self.desk = desk
        self.view = view
        self.original = treatment
        self.item_id = treatment.id if treatment is not None else None

        self.name = QLineEdit()
        self.name.setObjectName("treatment_name")
        self.category = QComboBox()
        self.category.setObjectName("treatment_category")
        self.price = QLineEdit()
        self.price.setObjectName("treatment_price")
        self.currency = label(treatment.currency if treatment else desk.clinic.currency, "muted")
        self.duration = QSpinBox()
        self.duration.setObjectName("treatment_duration")
        self.duration.setRange(1, MAX_DURATION_MINUTES)
        self.duration.setSingleStep(5)
        self.duration.setValue(30)
        self.approval = QCheckBox()
        self.approval.setObjectName("treatment_approval")
        self.follow_up = QSpinBox()
        self.follow_up.setObjectName("treatment_follow_up_days")
        self.follow_up.setRange(0, MAX_FOLLOW_UP_DAYS)
        self.next_treatment = QComboBox()
        self.next_treatment.setObjectName("treatment_next")
        self.cautions = QPlainTextEdit()
        self.cautions.setObjectName("treatment_cautions_edit")
        self.cautions.setFixedHeight(84)
        self.instructions = QPlainTextEdit()
        self.instructions.setObjectName("treatment_instructions")
        self.instructions.setFixedHeight(72)
        self.description = QPlainTextEdit()
        self.description.setObjectName("treatment_description")
        self.description.setFixedHeight(60)
        self.advantages = QPlainTextEdit()
        self.advantages.setFixedHeight(52)
        self.recommended_for = QPlainTextEdit()
        self.recommended_for.setFixedHeight(52)
        self.materials = MaterialsTable(view)
        self.add_material = button(icon_name="plus", flat=True, on_click=lambda: self.materials.add_line())
        self.add_material.setObjectName("add_material")

        self.heading = label("", "title")
        self.banner = Banner("danger")
        self.banner.setObjectName("treatment_editor_error")
        self.banner.hide()
        self.errors = FieldErrors(self.banner, codes=ERROR_FIELDS, text_fields=TEXT_FIELDS)
        self.labels = {
            key: label()
            for key in (
                "name",
                "category",
                "price",
                "duration",
                "follow_up",
                "next",
                "cautions",
                "instructions",
                "description",
                "advantages",
                "recommended_for",
                "materials",
            )
        }
        price_row = QHBoxLayout()
        price_row.setSpacing(6)
        price_row.addWidget(self.price, 1)
        price_row.addWidget(self.currency)
        price_box = QWidget()
        price_box.setLayout(price_row)
        price_row.setContentsMargins(0, 0, 0, 0)

        left = QFormLayout()
        left.setSpacing(8)
        left.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        left.addRow(self.labels["name"], self.errors.field("name", self.name))
        left.addRow(self.labels["category"], self.errors.field("category", self.category))
        left.addRow(self.labels["price"], self.errors.field("price", price_box))
        left.addRow(self.labels["duration"], self.errors.field("duration", self.duration))
        left.addRow("", self.approval)
        left.addRow(self.labels["follow_up"], self.errors.field("follow_up", self.follow_up))
        left.addRow(self.labels["next"], self.errors.field("next", self.next_treatment))
        materials_box = QWidget()
        materials_layout = QVBoxLayout(materials_box)
        materials_layout.setContentsMargins(0, 0, 0, 0)
        materials_layout.setSpacing(4)
        materials_layout.addWidget(self.materials)
        materials_layout.addWidget(self.add_material, 0, Qt.AlignmentFlag.AlignLeft)
        left.addRow(self.labels["materials"], self.errors.field("materials", materials_box))

        right = QFormLayout()
        right.setSpacing(8)
        right.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        right.addRow(self.labels["cautions"], self.errors.field("cautions", self.cautions))
        right.addRow(self.labels["instructions"], self.errors.field("instructions", self.instructions))
        right.addRow(self.labels["description"], self.errors.field("description", self.description))
        right.addRow(self.labels["advantages"], self.errors.field("advantages", self.advantages))
        right.addRow(
            self.labels["recommended_for"], self.errors.field("recommended_for", self.recommended_for)
        )
        columns = QGridLayout()
        columns.setHorizontalSpacing(24)
        columns.addLayout(left, 0, 0)
        columns.addLayout(right, 0, 1)
        columns.setColumnStretch(0, 1)
        columns.setColumnStretch(1, 1)

        self.save, self.cancel = editor_frame(
            self, "treatment_save", self.submit, (self.heading, columns, self.banner)
        )

        self._fill_choices()
        if treatment is not None:
            self._fill(treatment)
        else:
            self._place(category_id)
            self.materials.add_line()
        self.retranslate()
        self.name.setFocus()

    # -- texts and choices --------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(_("Edit treatment") if self.original else _("New treatment"))
        self.heading.setText(self.windowTitle())
        words = {
            "name": _("Treatment name"),
            "category": _("Category"),
            "price": _("Price"),
            "duration": _("Duration"),
            "follow_up": _("Follow-up"),
            "next": _("Suggest next"),
            "cautions": _("Cautions"),
            "instructions": _("Instructions"),
            "description": _("Description"),
            "advantages": _("Benefits"),
            "recommended_for": _("Recommended for"),
            "materials": _("Materials used"),
        }
        widgets: dict[str, QWidget] = {
            "name": self.name,
            "category": self.category,
            "price": self.price,
            "duration": self.duration,
            "follow_up": self.follow_up,
            "next": self.next_treatment,
            "cautions": self.cautions,
            "instructions": self.instructions,
            "description": self.description,
            "advantages": self.advantages,
            "recommended_for": self.recommended_for,
        }
        for key, text in words.items():
            self.labels[key].setText(text)
            if key in widgets:
                widgets[key].setAccessibleName(text)
        self.price.setPlaceholderText(_("For example 1500"))
        self.duration.setSuffix(" " + _("min"))
        self.follow_up.setSuffix(" " + _("days"))
        self.follow_up.setSpecialValueText(_("No follow-up"))
        self.approval.setText(_("Needs a doctor's approval"))
        self.cautions.setPlaceholderText(_("One per line, e.g. Not during pregnancy or breastfeeding."))
        self.advantages.setPlaceholderText(_("One per line"))
        self.recommended_for.setPlaceholderText(_("One per line"))
        self.instructions.setPlaceholderText(_("Aftercare and preparation the patient is told"))
        self.add_material.setText(_("Add material"))
        self.materials.retranslate()
        self.save.setText(_("Save") if self.original else _("Add treatment"))
        self.cancel.setText(_("Cancel"))

    def _fill_choices(self) -> None:
        self.category.clear()
        for kind in TreatmentKind:
            self.category.addItem(_("%(kind)s · no category", kind=kind_name(kind)), ("kind", kind))
        for row in self.view.categories:
            if not row.is_active and (self.original is None or self.original.category_id != row.id):
                continue
            prefix = "      " if row.parent_id is not None else ""
            self.category.addItem(f"{prefix}{row.name}", ("category", row.id))
        self.next_treatment.clear()
        self.next_treatment.addItem(_("No suggestion"), None)
        self.next_treatment.addItem(_("The same treatment again"), SAME_AGAIN)
        for treatment in self.view.treatments:
            if treatment.is_active and treatment.id != self.item_id:
                self.next_treatment.addItem(treatment.name, treatment.id)

    def _place(self, category_id: uuid.UUID | None) -> None:
        if category_id is None or not select_data(self.category, ("category", category_id)):
            select_data(self.category, ("kind", TreatmentKind.COSMETIC))

    def _fill(self, row: TreatmentRow) -> None:
        self.name.setText(row.name)
        if row.category_id is None or not select_data(self.category, ("category", row.category_id)):
            select_data(self.category, ("kind", row.kind))
        self.price.setText(format(row.price, "f"))
        self.duration.setValue(row.duration_minutes)
        self.approval.setChecked(row.requires_doctor_approval)
        self.follow_up.setValue(row.follow_up_interval_days or 0)
        following = row.next_treatment_id
        if following == row.id:
            select_data(self.next_treatment, SAME_AGAIN)
        elif following is not None and not select_data(self.next_treatment, following):
            self.next_treatment.addItem(_("A deactivated treatment"), row.next_treatment_id)
            self.next_treatment.setCurrentIndex(self.next_treatment.count() - 1)
        self.cautions.setPlainText("\n".join(row.cautions))
        self.instructions.setPlainText(row.instructions or "")
        self.description.setPlainText(row.description or "")
        self.advantages.setPlainText("\n".join(row.advantages))
        self.recommended_for.setPlainText("\n".join(row.recommended_for))
        for line in row.materials:
            self.materials.add_line(line.item_id, line.quantity)

    # -- saving -----------------------------------------------------------------------------------

    def _placement(self) -> tuple[TreatmentKind | None, uuid.UUID | None]:
        which, value = self.category.currentData() or ("kind", TreatmentKind.COSMETIC)
        if which == "kind":
            return TreatmentKind(value), None
        return None, value if isinstance(value, uuid.UUID) else None

    def _next(self) -> uuid.UUID | None:
        chosen = self.next_treatment.currentData()
        if chosen == SAME_AGAIN:
            return self.item_id or self._new_id
        return chosen if isinstance(chosen, uuid.UUID) else None

    def values(self) -> dict[str, Any] | None:
        """The form as the sync intents carry it, or None (with the error shown) when the price is
        not a number."""
        text = self.price.text().strip().replace(",", "")
        try:
            price = Decimal(text)
        except InvalidOperation:
            self.errors.show("price", InvalidAmount().translated(language().locale))
            return None
        kind, category_id = self._placement()
        return treatment_values(
            name=self.name.text().strip(),
            duration_minutes=self.duration.value(),
            base_price=price,
            kind=kind,
            category_id=category_id,
            description=text_or_none(self.description.toPlainText()),
            instructions=text_or_none(self.instructions.toPlainText()),
            cautions=lines_of(self.cautions),
            advantages=lines_of(self.advantages),
            recommended_for=lines_of(self.recommended_for),
            requires_doctor_approval=self.approval.isChecked(),
            materials=self.materials.lines(),
            follow_up_interval_days=self.follow_up.value() or None,
            next_treatment_id=self._next(),
        )

    def submit(self) -> None:
        self.errors.clear()
        self._new_id = self.item_id or new_id()
        values = self.values()
        if values is None:
            return
        if self.original is None:
            intent = create_treatment(values, item_id=self._new_id)
        else:
            before = treatment_values(
                name=self.original.name,
                duration_minutes=self.original.duration_minutes,
                base_price=self.original.price,
                kind=None if self.original.category_id else self.original.kind,
                category_id=self.original.category_id,
                description=self.original.description,
                instructions=self.original.instructions,
                cautions=self.original.cautions,
                advantages=self.original.advantages,
                recommended_for=self.original.recommended_for,
                requires_doctor_approval=self.original.requires_doctor_approval,
                materials=[(line.item_id, line.quantity) for line in self.original.materials],
                follow_up_interval_days=self.original.follow_up_interval_days,
                next_treatment_id=self.original.next_treatment_id,
            )
            changes = {key: value for key, value in values.items() if before.get(key) != value}
            if "base_price" in changes and Decimal(changes["base_price"]) == self.original.price:
                del changes["base_price"]
            if {"kind", "category_id"} & set(changes):
                changes["kind"], changes["category_id"] = values["kind"], values["category_id"]
            if not changes:
                self.accept()
                return
            intent = edit_treatment(self.original.id, changes)
        self.save.setEnabled(False)
        self.desk.write(intent, on_success=self._saved, on_failure=self._failed, parent=self)

    def _saved(self, item_id: uuid.UUID) -> None:
        self.sig_saved.emit(item_id)
        self.accept()

    def _failed(self, error: BaseException) -> bool:
        self.save.setEnabled(True)
        return self.errors.show_refusal(error)

    _new_id: uuid.UUID | None = None
