"""The stock dialog: what a scan of an item's code opens (or a button on the item). Receive a
delivery, take some out, correct the book after a count, or discard what expired or broke; with
a reason (required for corrections and discards). Scanning the same item again while it is open
counts one more."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Final

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from common.i18n import N_
from common.inventory.errors import InvalidUnitCost
from common.inventory.stock import MAX_MOVEMENT_QUANTITY
from common.qt.i18n import _, format_number, language
from common.qt.theme import current_theme
from desktop.desk import Desk
from desktop.screens.catalog.forms import FieldErrors
from desktop.screens.inventory.actions import Move, StockMoved, move_stock
from desktop.screens.inventory.reads import ItemRow
from desktop.screens.inventory.words import unit_name
from desktop.widgets.common import Banner, button, label, set_role

MOVE_NAMES: Final = {
    Move.RECEIVE: N_("Receive"),
    Move.USE: N_("Use"),
    Move.ADJUST: N_("Correct after a count"),
    Move.DISCARD: N_("Discard"),
}
REASONS: Final = {
    Move.RECEIVE: (N_("Delivery from the supplier"), N_("Returned from a treatment room")),
    Move.USE: (
        N_("Used in a treatment room"),
        N_("Sample given to a patient"),
        N_("Used for staff training"),
    ),
    Move.ADJUST: (N_("Stock count"), N_("Found during a count"), N_("Entered wrongly before")),
    Move.DISCARD: (N_("Expired"), N_("Broken or damaged"), N_("Contaminated")),
}
ERROR_FIELDS: Final = {
    "invalid_quantity": "quantity",
    "invalid_adjustment": "quantity",
    "reason_required": "reason",
    "invalid_unit_cost": "unit_cost",
}


class StockDialog(QDialog):
    sig_moved = Signal(object)  # StockMoved

    def __init__(
        self,
        desk: Desk,
        item: ItemRow,
        parent: QWidget | None = None,
        *,
        move: Move = Move.RECEIVE,
        scanned: bool = False,
    ) -> None:
        super().__init__(parent.window() if parent is not None else None)
        self.setObjectName("stock_dialog")
        self.setModal(True)
        self.setMinimumWidth(520)
        self.desk = desk
        self.item = item
        self.scans = 1 if scanned else 0

        self.name = label(item.name, "title", wrap=True)
        self.name.setObjectName("stock_item_name")
        self.where = label("", "muted", wrap=True)
        self.scan_badge = label("", "pill")
        self.scan_badge.setObjectName("stock_scanned")
        self.scan_badge.setVisible(scanned)
        self.stock = label("", "figure")
        self.stock.setObjectName("stock_now")
        self.stock_note = label("", "muted", wrap=True)
        self.low = Banner("warning")
        self.low.setObjectName("stock_low")
        self.low.hide()

        self.moves = QButtonGroup(self)
        self.moves.setExclusive(True)
        self.move_buttons: dict[Move, QPushButton] = {}
        move_row = QHBoxLayout()
        move_row.setSpacing(6)
        for number, kind in enumerate(Move):
            choice = button()
            choice.setObjectName(f"stock_move_{kind.value}")
            choice.setCheckable(True)
            choice.setProperty("choice", True)
            self.moves.addButton(choice, number)
            self.move_buttons[kind] = choice
            move_row.addWidget(choice)
        move_row.addStretch(1)
        self.moves.idToggled.connect(self._move_toggled)

        self.quantity = QSpinBox()
        self.quantity.setObjectName("stock_quantity")
        self.quantity.setRange(1, MAX_MOVEMENT_QUANTITY)
        self.quantity.valueChanged.connect(lambda _value: self._preview())
        self.counted = QSpinBox()
        self.counted.setObjectName("stock_counted")
        self.counted.setRange(-MAX_MOVEMENT_QUANTITY, MAX_MOVEMENT_QUANTITY)
        self.counted.valueChanged.connect(lambda _value: self._preview())
        self.unit_cost = QLineEdit()
        self.unit_cost.setObjectName("stock_unit_cost")
        self.reason = QComboBox()
        self.reason.setObjectName("stock_reason")
        self.reason.setEditable(True)
        self.reason.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.after = label("", wrap=True)
        self.after.setObjectName("stock_after")

        self.banner = Banner("danger")
        self.banner.hide()
        self.errors = FieldErrors(self.banner, codes=ERROR_FIELDS, text_fields={"reason": "reason"})
        self.labels = {key: label() for key in ("quantity", "counted", "unit_cost", "reason")}
        self.form = QFormLayout()
        self.form.setSpacing(8)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.form.addRow(self.labels["quantity"], self.errors.field("quantity", self.quantity))
        self.form.addRow(self.labels["counted"], self.errors.field("counted", self.counted))
        self.form.addRow(self.labels["unit_cost"], self.errors.field("unit_cost", self.unit_cost))
        self.form.addRow(self.labels["reason"], self.errors.field("reason", self.reason))
        self.form.addRow("", self.after)

        self.confirm = button(primary=True, on_click=self.submit)
        self.confirm.setObjectName("stock_confirm")
        self.confirm.setDefault(True)
        self.cancel = button(on_click=self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel)
        buttons.addWidget(self.confirm)

        head = QHBoxLayout()
        head.addWidget(self.name, 1)
        head.addWidget(self.scan_badge, 0, Qt.AlignmentFlag.AlignTop)
        stock_row = QHBoxLayout()
        stock_row.setSpacing(12)
        stock_row.addWidget(self.stock)
        stock_row.addWidget(self.stock_note, 1, Qt.AlignmentFlag.AlignVCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(10)
        layout.addLayout(head)
        layout.addWidget(self.where)
        layout.addLayout(stock_row)
        layout.addWidget(self.low)
        layout.addLayout(move_row)
        layout.addLayout(self.form)
        layout.addWidget(self.banner)
        layout.addLayout(buttons)

        theme = current_theme()
        self.setStyleSheet(
            'QPushButton[choice="true"]:checked {'
            f" background: {theme.accent_soft}; border: 2px solid {theme.accent}; color: {theme.text};"
            " font-weight: 600; }"
        )
        self.move_buttons[move].setChecked(True)
        self.retranslate()
        self._move_changed()

    # -- texts ----------------------------------------------------------------------------------

    @property
    def chosen_move(self) -> Move:
        return next((kind for kind, choice in self.move_buttons.items() if choice.isChecked()), Move.RECEIVE)

    def retranslate(self) -> None:
        item = self.item
        self.setWindowTitle(_("Stock: %(item)s", item=item.name))
        self.where.setText(" · ".join(part for part in (item.sku, item.location) if part))
        self.stock.setText(format_number(item.quantity))
        set_role(self.stock, "figure")
        notes = [
            _("%(unit)s in stock", unit=unit_name(item.unit)),
            _("minimum %(count)s", count=item.minimum),
        ]
        if item.on_order:
            notes.append(_("%(count)s on order", count=format_number(item.on_order)))
        self.stock_note.setText(" · ".join(notes))
        if item.is_negative:
            self.low.set_kind("danger")
            self.low.set_text(_("The book shows less than nothing: count the shelf and correct it."))
        else:
            self.low.set_text(_("Low on stock: at or below the minimum. Request a reorder soon."))
        self.low.setVisible(item.is_low)
        self.scan_badge.setText(_("Scanned ×%(count)s", count=self.scans) if self.scans > 1 else _("Scanned"))
        for kind, choice in self.move_buttons.items():
            choice.setText(_(MOVE_NAMES[kind]))
            choice.setAccessibleName(_(MOVE_NAMES[kind]))
        self.labels["quantity"].setText(_("Quantity"))
        self.labels["counted"].setText(_("Counted on the shelf"))
        self.labels["unit_cost"].setText(_("Unit cost"))
        self.quantity.setAccessibleName(_("Quantity"))
        self.counted.setAccessibleName(_("Counted on the shelf"))
        self.unit_cost.setAccessibleName(_("Unit cost"))
        self.unit_cost.setPlaceholderText(_("Optional, in %(currency)s", currency=self.desk.clinic.currency))
        self.quantity.setSuffix(" " + unit_name(item.unit))
        self.counted.setSuffix(" " + unit_name(item.unit))
        self.cancel.setText(_("Cancel"))
        self._move_texts()

    def _move_texts(self) -> None:
        move = self.chosen_move
        required = move in (Move.ADJUST, Move.DISCARD)
        self.labels["reason"].setText(_("Reason") if required else _("Reason (optional)"))
        self.reason.setAccessibleName(self.labels["reason"].text())
        typed = self.reason.currentText()
        self.reason.clear()
        self.reason.addItems(["", *(_(text) for text in REASONS[move])])
        self.reason.setEditText(typed)
        self._preview()

    def _move_toggled(self, _number: int, checked: bool) -> None:
        if checked:
            self._move_changed()

    def _move_changed(self) -> None:
        move = self.chosen_move
        counting = move is Move.ADJUST
        self.form.setRowVisible(0, not counting)
        self.form.setRowVisible(1, counting)
        self.form.setRowVisible(2, move is Move.RECEIVE)
        if counting:
            self.counted.setValue(max(self.item.quantity, 0))
        self.errors.clear()
        self._move_texts()
        (self.counted if counting else self.quantity).setFocus()
        (self.counted if counting else self.quantity).selectAll()

    def change(self) -> int:
        """What the stock changes by, signed."""
        move = self.chosen_move
        if move is Move.ADJUST:
            return self.counted.value() - self.item.quantity
        return self.quantity.value() if move is Move.RECEIVE else -self.quantity.value()

    def _preview(self) -> None:
        delta = self.change()
        after = self.item.quantity + delta
        unit = unit_name(self.item.unit)
        move = self.chosen_move
        if move is Move.ADJUST:
            self.after.setText(
                _(
                    "The book changes by %(change)s, to %(count)s %(unit)s.",
                    change=f"{delta:+d}",
                    count=format_number(after),
                    unit=unit,
                )
                if delta
                else _("The count matches the book: nothing to correct.")
            )
        else:
            self.after.setText(
                _("After this: %(count)s %(unit)s in stock.", count=format_number(after), unit=unit)
            )
        role = "danger" if after < 0 else "warning" if after <= self.item.minimum else "muted"
        set_role(self.after, role)
        amount = abs(delta)
        texts = {
            Move.RECEIVE: _("Receive %(count)s", count=format_number(amount)),
            Move.USE: _("Take out %(count)s", count=format_number(amount)),
            Move.ADJUST: _("Correct the stock"),
            Move.DISCARD: _("Discard %(count)s", count=format_number(amount)),
        }
        self.confirm.setText(texts[move])

    # -- scanning and saving -------------------------------------------------------------------

    def scanned_again(self) -> None:
        """The same item was scanned while this is open: one more (a box each scan)."""
        self.scans += 1
        self.scan_badge.show()
        if self.chosen_move is not Move.ADJUST:
            self.quantity.setValue(self.quantity.value() + 1 if self.scans > 1 else self.quantity.value())
        else:
            self.counted.setValue(self.counted.value() + 1)
        self.retranslate()

    def submit(self) -> None:
        self.errors.clear()
        move = self.chosen_move
        unit_cost: Decimal | None = None
        if move is Move.RECEIVE and self.unit_cost.text().strip():
            try:
                unit_cost = Decimal(self.unit_cost.text().strip().replace(",", ""))
            except InvalidOperation:
                self.errors.show("unit_cost", InvalidUnitCost().translated(language().locale))
                return
        if move is Move.ADJUST and self.change() == 0:
            self.errors.show("counted", _("The count matches the book: nothing to correct."))
            return
        reason = self.reason.currentText().strip() or None
        quantity = self.change() if move is Move.ADJUST else self.quantity.value()
        self.confirm.setEnabled(False)
        self.desk.write(
            move_stock(self.item.id, move, quantity, reason=reason, unit_cost=unit_cost),
            on_success=self._moved,
            on_failure=self._failed,
            parent=self,
        )

    def _moved(self, moved: StockMoved) -> None:
        self.sig_moved.emit(moved)
        self.accept()

    def _failed(self, error: BaseException) -> bool:
        self.confirm.setEnabled(True)
        return self.errors.show_refusal(error)
