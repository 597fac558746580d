"""A category or subcategory: add one (a top-level category has a kind, a subcategory takes its
parent's), rename or reorder one. Refusals show under their field."""

from __future__ import annotations

import uuid
from typing import Final

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from common.catalog.models import TreatmentKind
from common.qt.i18n import _
from desktop.desk import Desk
from desktop.screens.catalog.actions import create_category, edit_category
from desktop.screens.catalog.editor import kind_name
from desktop.screens.catalog.forms import FieldErrors
from desktop.screens.catalog.reads import CatalogView, CategoryRow
from desktop.widgets.common import Banner, label, select_data
from desktop.widgets.dialogs import editor_frame

ERROR_FIELDS: Final = {
    "category_name_required": "name",
    "duplicate_category_name": "name",
    "text_too_long": "name",
    "category_kind_required": "kind",
    "category_kind_mismatch": "kind",
    "subcategory_too_deep": "parent",
    "category_inactive": "parent",
    "category_not_found": "parent",
}
TOP_LEVEL: Final = "top"


class CategoryEditor(QDialog):
    sig_saved = Signal(object)  # the category's id

    def __init__(
        self,
        desk: Desk,
        view: CatalogView,
        category: CategoryRow | None = None,
        parent: QWidget | None = None,
        *,
        parent_id: uuid.UUID | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("category_editor")
        self.setModal(True)
        self.setMinimumWidth(460)
        self.desk = desk
        self.original = category
        self.name = QLineEdit()
        self.name.setObjectName("category_name")
        self.parent_choice = QComboBox()
        self.parent_choice.setObjectName("category_parent")
        self.kind = QComboBox()
        self.kind.setObjectName("category_kind")
        self.order = QSpinBox()
        self.order.setRange(0, 999)
        self.heading = label("", "title")
        self.banner = Banner("danger")
        self.banner.hide()
        self.errors = FieldErrors(self.banner, codes=ERROR_FIELDS, text_fields={"name": "name"})
        self.labels = {key: label() for key in ("name", "parent", "kind", "order")}
        form = QFormLayout()
        form.setSpacing(8)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        form.addRow(self.labels["name"], self.errors.field("name", self.name))
        form.addRow(self.labels["parent"], self.errors.field("parent", self.parent_choice))
        form.addRow(self.labels["kind"], self.errors.field("kind", self.kind))
        form.addRow(self.labels["order"], self.order)
        self.save, self.cancel = editor_frame(
            self, "category_save", self.submit, (self.heading, form, self.banner)
        )

        self.parent_choice.addItem("", TOP_LEVEL)
        self._parent_names = [""]
        for row in view.categories:
            own_parent = category is not None and row.id == category.parent_id
            itself = category is not None and row.id == category.id
            if row.parent_id is None and (row.is_active or own_parent) and not itself:
                self.parent_choice.addItem(row.name, row.id)
                self._parent_names.append(row.name)
        for kind in TreatmentKind:
            self.kind.addItem(kind_name(kind), kind)
        self.parent_choice.currentIndexChanged.connect(lambda _index: self._placement_changed())
        if category is not None:
            self.name.setText(category.name)
            select_data(self.parent_choice, category.parent_id or TOP_LEVEL)
            select_data(self.kind, category.kind)
            self.order.setValue(category.sort_order)
            # Moving a category would move its treatments' kind: it is renamed and reordered only.
            self.parent_choice.setEnabled(False)
            self.kind.setEnabled(False)
        elif parent_id is not None:
            select_data(self.parent_choice, parent_id)
        self._placement_changed()
        self.retranslate()
        self.name.setFocus()

    def retranslate(self) -> None:
        if self.original is None:
            self.setWindowTitle(_("New category"))
        else:
            self.setWindowTitle(_("Edit category"))
        self.heading.setText(self.windowTitle())
        words = {
            "name": _("Category name"),
            "parent": _("Place"),
            "kind": _("Kind of treatment"),
            "order": _("Order"),
        }
        for key, text in words.items():
            self.labels[key].setText(text)
        self.name.setAccessibleName(words["name"])
        self.parent_choice.setAccessibleName(words["parent"])
        self.kind.setAccessibleName(words["kind"])
        self.order.setAccessibleName(words["order"])
        self.order.setToolTip(_("Lower numbers are listed first."))
        self.parent_choice.setItemText(0, _("A top-level category"))
        for number in range(1, self.parent_choice.count()):
            self.parent_choice.setItemText(
                number, _("A subcategory of %(category)s", category=self._parent_names[number])
            )
        for number in range(self.kind.count()):
            self.kind.setItemText(number, kind_name(self.kind.itemData(number)))
        self.save.setText(_("Save") if self.original else _("Add category"))
        self.cancel.setText(_("Cancel"))

    def _placement_changed(self) -> None:
        top = self.parent_choice.currentData() == TOP_LEVEL
        self.kind.setVisible(top)
        self.labels["kind"].setVisible(top)

    def submit(self) -> None:
        self.errors.clear()
        name = self.name.text().strip()
        if self.original is not None:
            intent = edit_category(
                self.original.id,
                name=name if name != self.original.name else None,
                sort_order=self.order.value() if self.order.value() != self.original.sort_order else None,
            )
            if name == self.original.name and self.order.value() == self.original.sort_order:
                self.accept()
                return
        else:
            parent = self.parent_choice.currentData()
            parent_id = parent if isinstance(parent, uuid.UUID) else None
            intent = create_category(
                name,
                kind=TreatmentKind(self.kind.currentData()),
                parent_id=parent_id,
                sort_order=self.order.value(),
            )
        self.save.setEnabled(False)
        self.desk.write(intent, on_success=self._saved, on_failure=self._failed, parent=self)

    def _saved(self, category_id: uuid.UUID) -> None:
        self.sig_saved.emit(category_id)
        self.accept()

    def _failed(self, error: BaseException) -> bool:
        self.save.setEnabled(True)
        return self.errors.show_refusal(error)
