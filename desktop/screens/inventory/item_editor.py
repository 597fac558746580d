"""A stock item: add one (with the clinic's own barcode for its label), or edit one, sending only
the fields changed. Stock itself is never edited here: it moves by receipts, use and corrections."""

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
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from common.access.permissions import Permission
from common.ids import new_id
from common.inventory.errors import InvalidUnitCost
from common.inventory.models import InventoryCategory, UnitOfMeasure
from common.qt.i18n import _, language
from desktop.desk import Desk
from desktop.screens.catalog.forms import FieldErrors, text_or_none
from desktop.screens.inventory.actions import create_item, edit_item, issue_item_code
from desktop.screens.inventory.reads import ItemRow
from desktop.screens.inventory.words import UNIT_CHOICES, category_name
from desktop.widgets.common import Banner, label, select_data
from desktop.widgets.dialogs import editor_frame

MAX_LIMIT: Final = 1_000_000
ERROR_FIELDS: Final = {
    "item_name_required": "name",
    "sku_required": "sku",
    "duplicate_sku": "sku",
    "duplicate_item_barcode": "manufacturer_code",
    "invalid_item_barcode": "manufacturer_code",
    "invalid_stock_limits": "minimum",
    "invalid_unit_cost": "unit_cost",
}
TEXT_FIELDS: Final = {"name": "name", "SKU": "sku", "location": "location", "description": "description"}


def item_values(row: ItemRow) -> dict[str, Any]:
    """An item's editable fields as the sync intents carry them (JSON values)."""
    supplier = {
        key: value
        for key, value in (
            ("name", row.supplier),
            ("phone", row.supplier_phone),
            ("email", row.supplier_email),
        )
        if value
    }
    return {
        "name": row.name,
        "sku": row.sku,
        "category": row.category.value,
        "unit_of_measure": row.unit.value,
        "minimum_quantity": row.minimum,
        "maximum_quantity": row.maximum,
        "location": row.location,
        "barcode_value": row.manufacturer_code,
        "unit_cost": str(row.unit_cost) if row.unit_cost is not None else None,
        "supplier_info": supplier,
        "is_tracked": row.is_tracked,
        "description": row.description,
    }


def _same_cost(before: str | None, after: str | None) -> bool:
    return before is not None and after is not None and Decimal(before) == Decimal(after)


class ItemEditor(QDialog):
    sig_saved = Signal(object)  # the item's id

    def __init__(self, desk: Desk, item: ItemRow | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("item_editor")
        self.setModal(True)
        self.setMinimumWidth(760)
        self.desk = desk
        self.original = item
        self.name = QLineEdit()
        self.name.setObjectName("item_name")
        self.sku = QLineEdit()
        self.sku.setObjectName("item_sku")
        self.category = QComboBox()
        self.category.setObjectName("item_category")
        self.unit = QComboBox()
        self.unit.setObjectName("item_unit")
        self.minimum = QSpinBox()
        self.minimum.setObjectName("item_minimum")
        self.minimum.setRange(0, MAX_LIMIT)
        self.minimum.setValue(5)
        self.maximum = QSpinBox()
        self.maximum.setObjectName("item_maximum")
        self.maximum.setRange(0, MAX_LIMIT)
        self.location = QLineEdit()
        self.location.setObjectName("item_location")
        self.manufacturer_code = QLineEdit()
        self.manufacturer_code.setObjectName("item_manufacturer_code")
        self.unit_cost = QLineEdit()
        self.unit_cost.setObjectName("item_unit_cost")
        self.supplier = QLineEdit()
        self.supplier_phone = QLineEdit()
        self.supplier_email = QLineEdit()
        self.tracked = QCheckBox()
        self.tracked.setObjectName("item_tracked")
        self.description = QPlainTextEdit()
        self.description.setFixedHeight(60)
        self.issue_code = QCheckBox()
        self.issue_code.setObjectName("item_issue_code")
        self.issue_code.setChecked(True)
        self.issue_code.setVisible(item is None and desk.can(Permission.BARCODE_MANAGE))

        self.heading = label("", "title")
        self.banner = Banner("danger")
        self.banner.hide()
        self.errors = FieldErrors(self.banner, codes=ERROR_FIELDS, text_fields=TEXT_FIELDS)
        keys = (
            "name",
            "sku",
            "category",
            "unit",
            "minimum",
            "maximum",
            "location",
            "manufacturer_code",
            "unit_cost",
            "supplier",
            "supplier_phone",
            "supplier_email",
            "description",
        )
        self.labels = {key: label() for key in keys}
        left = QFormLayout()
        right = QFormLayout()
        for form in (left, right):
            form.setSpacing(8)
            form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        basics: tuple[tuple[str, QWidget], ...] = (
            ("name", self.name),
            ("sku", self.sku),
            ("category", self.category),
            ("unit", self.unit),
            ("minimum", self.minimum),
            ("maximum", self.maximum),
            ("location", self.location),
        )
        for key, widget in basics:
            left.addRow(self.labels[key], self.errors.field(key, widget))
        extra: tuple[tuple[str, QWidget], ...] = (
            ("manufacturer_code", self.manufacturer_code),
            ("unit_cost", self.unit_cost),
            ("supplier", self.supplier),
            ("supplier_phone", self.supplier_phone),
            ("supplier_email", self.supplier_email),
            ("description", self.description),
        )
        for key, other in extra:
            right.addRow(self.labels[key], self.errors.field(key, other))
        right.addRow("", self.tracked)
        right.addRow("", self.issue_code)
        columns = QGridLayout()
        columns.setHorizontalSpacing(24)
        columns.addLayout(left, 0, 0)
        columns.addLayout(right, 0, 1)
        self.save, self.cancel = editor_frame(
            self, "item_save", self.submit, (self.heading, columns, self.banner)
        )
        for category in InventoryCategory:
            self.category.addItem("", category)
        for unit in UnitOfMeasure:
            self.unit.addItem("", unit)
        if item is not None:
            self._fill(item)
        else:
            select_data(self.category, InventoryCategory.SUPPLY)
        self.retranslate()
        self.name.setFocus()

    def retranslate(self) -> None:
        self.setWindowTitle(_("Edit stock item") if self.original else _("New stock item"))
        self.heading.setText(self.windowTitle())
        words = {
            "name": _("Item name"),
            "sku": _("SKU"),
            "category": _("Category"),
            "unit": _("Counted in"),
            "minimum": _("Minimum"),
            "maximum": _("Maximum"),
            "location": _("Kept in"),
            "manufacturer_code": _("Manufacturer barcode"),
            "unit_cost": _("Unit cost"),
            "supplier": _("Supplier"),
            "supplier_phone": _("Supplier phone"),
            "supplier_email": _("Supplier email"),
            "description": _("Description"),
        }
        widgets: dict[str, QWidget] = {
            "name": self.name,
            "sku": self.sku,
            "category": self.category,
            "unit": self.unit,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "location": self.location,
            "manufacturer_code": self.manufacturer_code,
            "unit_cost": self.unit_cost,
            "supplier": self.supplier,
            "supplier_phone": self.supplier_phone,
            "supplier_email": self.supplier_email,
            "description": self.description,
        }
        for key, text in words.items():
            self.labels[key].setText(text)
            widgets[key].setAccessibleName(text)
        for number in range(self.category.count()):
            self.category.setItemText(number, category_name(self.category.itemData(number)))
        for number in range(self.unit.count()):
            self.unit.setItemText(number, _(UNIT_CHOICES[self.unit.itemData(number)]))
        self.minimum.setToolTip(_("At or below this, the item is low on stock."))
        self.maximum.setSpecialValueText(_("No maximum"))
        self.sku.setPlaceholderText(_("Your stock code, e.g. CON-NDL-30G"))
        self.manufacturer_code.setPlaceholderText(_("Scan the EAN/UPC on the box (optional)"))
        self.unit_cost.setPlaceholderText(_("Optional, in %(currency)s", currency=self.desk.clinic.currency))
        self.location.setPlaceholderText(_("e.g. Store room, shelf B"))
        self.tracked.setText(_("Count exactly: treatments warn when it runs short"))
        self.issue_code.setText(_("Give it a clinic barcode for its shelf label"))
        self.save.setText(_("Save") if self.original else _("Add item"))
        self.cancel.setText(_("Cancel"))

    def _fill(self, item: ItemRow) -> None:
        self.name.setText(item.name)
        self.sku.setText(item.sku)
        select_data(self.category, item.category)
        select_data(self.unit, item.unit)
        self.minimum.setValue(item.minimum)
        self.maximum.setValue(item.maximum or 0)
        self.location.setText(item.location or "")
        self.manufacturer_code.setText(item.manufacturer_code or "")
        self.unit_cost.setText(format(item.unit_cost.normalize(), "f") if item.unit_cost is not None else "")
        self.supplier.setText(item.supplier or "")
        self.supplier_phone.setText(item.supplier_phone or "")
        self.supplier_email.setText(item.supplier_email or "")
        self.description.setPlainText(item.description or "")
        self.tracked.setChecked(item.is_tracked)

    def values(self) -> dict[str, Any] | None:
        cost_text = self.unit_cost.text().strip().replace(",", "")
        cost: Decimal | None = None
        if cost_text:
            try:
                cost = Decimal(cost_text)
            except InvalidOperation:
                self.errors.show("unit_cost", InvalidUnitCost().translated(language().locale))
                return None
        supplier = {
            key: text
            for key, text in (
                ("name", self.supplier.text().strip()),
                ("phone", self.supplier_phone.text().strip()),
                ("email", self.supplier_email.text().strip()),
            )
            if text
        }
        return {
            "name": self.name.text().strip(),
            "sku": self.sku.text().strip(),
            "category": InventoryCategory(self.category.currentData()).value,
            "unit_of_measure": UnitOfMeasure(self.unit.currentData()).value,
            "minimum_quantity": self.minimum.value(),
            "maximum_quantity": self.maximum.value() or None,
            "location": text_or_none(self.location.text()),
            "barcode_value": text_or_none(self.manufacturer_code.text()),
            "unit_cost": str(cost) if cost is not None else None,
            "supplier_info": supplier,
            "is_tracked": self.tracked.isChecked(),
            "description": text_or_none(self.description.toPlainText()),
        }

    def submit(self) -> None:
        self.errors.clear()
        values = self.values()
        if values is None:
            return
        if self.original is None:
            item_id = new_id()
            self.save.setEnabled(False)
            self.desk.write(
                create_item(values, item_id=item_id),
                on_success=self._created,
                on_failure=self._failed,
                parent=self,
            )
            return
        before = item_values(self.original)
        changes = {key: value for key, value in values.items() if before.get(key) != value}
        if "unit_cost" in changes and _same_cost(before["unit_cost"], values["unit_cost"]):
            del changes["unit_cost"]
        if not changes:
            self.accept()
            return
        self.save.setEnabled(False)
        self.desk.write(
            edit_item(self.original.id, changes), on_success=self._saved, on_failure=self._failed, parent=self
        )

    def _created(self, item_id: uuid.UUID) -> None:
        if not self.issue_code.isHidden() and self.issue_code.isChecked():
            self.desk.write(issue_item_code(item_id), parent=self.parentWidget())
        self._saved(item_id)

    def _saved(self, item_id: uuid.UUID) -> None:
        self.sig_saved.emit(item_id)
        self.accept()

    def _failed(self, error: BaseException) -> bool:
        self.save.setEnabled(True)
        return self.errors.show_refusal(error)
