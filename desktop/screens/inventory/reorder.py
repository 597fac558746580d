"""Reorder requests: ask for more of an item (the quantity that refills it is suggested), and book
a delivery when it arrives (the quantity requested unless the delivery differs)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Final

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QFormLayout, QHBoxLayout, QLineEdit, QSpinBox, QVBoxLayout, QWidget

from common.inventory.errors import InvalidUnitCost
from common.inventory.stock import MAX_MOVEMENT_QUANTITY
from common.qt.i18n import _, format_number, language
from desktop.desk import Desk
from desktop.screens.catalog.forms import FieldErrors, text_or_none
from desktop.screens.inventory.actions import StockMoved, receive_delivery, request_reorder
from desktop.screens.inventory.reads import ItemRow, ReorderRow
from desktop.screens.inventory.words import unit_name
from desktop.widgets.common import Banner, button, label

ERROR_FIELDS: Final = {"invalid_quantity": "quantity", "invalid_unit_cost": "unit_cost"}
TEXT_FIELDS: Final = {"supplier": "supplier", "notes": "notes"}


class _Form(QDialog):
    def __init__(self, parent: QWidget | None, name: str) -> None:
        super().__init__(parent.window() if parent is not None else None)
        self.setObjectName(name)
        self.setModal(True)
        self.setMinimumWidth(460)
        self.heading = label("", "title", wrap=True)
        self.summary = label("", "muted", wrap=True)
        self.banner = Banner("danger")
        self.banner.hide()
        self.form = QFormLayout()
        self.form.setSpacing(8)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.confirm = button(primary=True, on_click=self.submit)
        self.confirm.setDefault(True)
        self.cancel = button(_("Cancel"), on_click=self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel)
        buttons.addWidget(self.confirm)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(10)
        layout.addWidget(self.heading)
        layout.addWidget(self.summary)
        layout.addLayout(self.form)
        layout.addWidget(self.banner)
        layout.addLayout(buttons)

    def submit(self) -> None:
        raise NotImplementedError


class ReorderDialog(_Form):
    """Request a reorder of one item."""

    sig_requested = Signal(object)  # the request's id

    def __init__(self, desk: Desk, item: ItemRow, parent: QWidget | None = None) -> None:
        super().__init__(parent, "reorder_dialog")
        self.desk = desk
        self.item = item
        self.quantity = QSpinBox()
        self.quantity.setObjectName("reorder_quantity")
        self.quantity.setRange(1, MAX_MOVEMENT_QUANTITY)
        self.quantity.setValue(item.suggested_order)
        self.quantity.setSuffix(" " + unit_name(item.unit))
        self.supplier = QLineEdit(item.supplier or "")
        self.supplier.setObjectName("reorder_supplier")
        self.notes = QLineEdit()
        self.notes.setObjectName("reorder_notes")
        self.errors = FieldErrors(self.banner, codes=ERROR_FIELDS, text_fields=TEXT_FIELDS)
        self.setWindowTitle(_("Request a reorder"))
        self.heading.setText(_("Reorder %(item)s", item=item.name))
        parts = [
            _("%(count)s %(unit)s in stock", count=format_number(item.quantity), unit=unit_name(item.unit))
        ]
        parts.append(_("minimum %(count)s", count=format_number(item.minimum)))
        if item.on_order:
            parts.append(_("%(count)s on order", count=format_number(item.on_order)))
        self.summary.setText(" · ".join(parts))
        for key, text, widget in (
            ("quantity", _("Quantity"), self.quantity),
            ("supplier", _("Supplier"), self.supplier),
            ("notes", _("Notes"), self.notes),
        ):
            widget.setAccessibleName(text)
            self.form.addRow(label(text), self.errors.field(key, widget))
        self.notes.setPlaceholderText(_("e.g. the larger box, urgent"))
        self.confirm.setText(_("Request reorder"))
        self.confirm.setObjectName("reorder_confirm")
        self.quantity.setFocus()
        self.quantity.selectAll()

    def submit(self) -> None:
        self.errors.clear()
        self.confirm.setEnabled(False)
        intent = request_reorder(
            self.item.id,
            self.quantity.value(),
            supplier=text_or_none(self.supplier.text()),
            notes=text_or_none(self.notes.text()),
        )
        self.desk.write(intent, on_success=self._done, on_failure=self._failed, parent=self)

    def _done(self, reorder_id: object) -> None:
        self.sig_requested.emit(reorder_id)
        self.accept()

    def _failed(self, error: BaseException) -> bool:
        self.confirm.setEnabled(True)
        return self.errors.show_refusal(error)


class DeliveryDialog(_Form):
    """A reorder's delivery arrived: book it into stock."""

    sig_received = Signal(object)  # StockMoved

    def __init__(
        self, desk: Desk, request: ReorderRow, item: ItemRow | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent, "delivery_dialog")
        self.desk = desk
        self.request = request
        unit = unit_name(item.unit) if item is not None else ""
        self.quantity = QSpinBox()
        self.quantity.setObjectName("delivery_quantity")
        self.quantity.setRange(1, MAX_MOVEMENT_QUANTITY)
        self.quantity.setValue(request.quantity)
        if unit:
            self.quantity.setSuffix(" " + unit)
        self.unit_cost = QLineEdit()
        self.unit_cost.setObjectName("delivery_unit_cost")
        self.unit_cost.setPlaceholderText(_("Optional, in %(currency)s", currency=desk.clinic.currency))
        self.errors = FieldErrors(self.banner, codes=ERROR_FIELDS)
        self.setWindowTitle(_("Delivery arrived"))
        self.heading.setText(_("Delivery of %(item)s", item=request.item_name))
        self.summary.setText(
            _("%(count)s requested. Enter what actually arrived.", count=format_number(request.quantity))
        )
        for key, text, widget in (
            ("quantity", _("Quantity received"), self.quantity),
            ("unit_cost", _("Unit cost"), self.unit_cost),
        ):
            widget.setAccessibleName(text)
            self.form.addRow(label(text), self.errors.field(key, widget))
        self.confirm.setText(_("Book into stock"))
        self.confirm.setObjectName("delivery_confirm")
        self.quantity.setFocus()
        self.quantity.selectAll()

    def submit(self) -> None:
        self.errors.clear()
        cost: Decimal | None = None
        text = self.unit_cost.text().strip().replace(",", "")
        if text:
            try:
                cost = Decimal(text)
            except InvalidOperation:
                self.errors.show("unit_cost", InvalidUnitCost().translated(language().locale))
                return
        self.confirm.setEnabled(False)
        self.desk.write(
            receive_delivery(self.request.id, self.quantity.value(), cost),
            on_success=self._done,
            on_failure=self._failed,
            parent=self,
        )

    def _done(self, moved: StockMoved) -> None:
        self.sig_received.emit(moved)
        self.accept()

    def _failed(self, error: BaseException) -> bool:
        self.confirm.setEnabled(True)
        return self.errors.show_refusal(error)
