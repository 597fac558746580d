"""One stock item, as the Inventory screen shows it: its stock in large figures (red when it is
low), what to do with it, where it is kept and who supplies it, its label code, and its recent
movements with the stock after each."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QHeaderView, QPushButton, QVBoxLayout, QWidget

from common.barcodes.payload import display as code_display
from common.i18n import N_
from common.qt.i18n import _, format_date, format_datetime, format_money, format_number
from common.qt.models import RIGHT, Column, RowTableModel
from common.qt.theme import current_theme
from desktop.reads.rows import Directory
from desktop.screens.inventory.actions import Move
from desktop.screens.inventory.reads import ItemRow, MovementRow
from desktop.screens.inventory.stock_dialog import MOVE_NAMES
from desktop.screens.inventory.words import category_name, movement_name, unit_name
from desktop.widgets.common import Banner, Card, button, label, set_role, table_view
from desktop.widgets.qr import QrCode


class ItemDetail(Card):
    sig_move = Signal(object)  # Move
    sig_reorder = Signal()
    sig_print = Signal()
    sig_edit = Signal()
    sig_issue_code = Signal()

    def __init__(self, directory: Directory, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent)
        self.setObjectName("item_detail")
        self.item: ItemRow | None = None
        self._directory = directory
        self.name = label("", "title", wrap=True)
        self.name.setObjectName("item_detail_name")
        self.place = label("", "muted", wrap=True)
        self.stock = label("", "figure")
        self.stock.setObjectName("item_detail_stock")
        self.stock_note = label("", "muted", wrap=True)
        self.low = Banner("warning")
        self.low.setObjectName("item_detail_low")
        self.low.hide()
        self.move_buttons: dict[Move, QPushButton] = {}
        moves = QHBoxLayout()
        moves.setSpacing(6)
        for kind in Move:
            choice = button()
            choice.clicked.connect(lambda _checked=False, chosen=kind: self.sig_move.emit(chosen))
            choice.setObjectName(f"item_{kind.value}")
            choice.setProperty("choice", True)
            self.move_buttons[kind] = choice
            moves.addWidget(choice)
        moves.addStretch(1)
        self.reorder_button = button(icon_name="plus", on_click=self.sig_reorder.emit)
        self.reorder_button.setObjectName("item_reorder")
        self.print_button = button(icon_name="print", on_click=self.sig_print.emit)
        self.print_button.setObjectName("item_print_label")
        self.edit_button = button(on_click=self.sig_edit.emit)
        self.edit_button.setObjectName("item_edit")
        self.issue_button = button(icon_name="plus", flat=True, on_click=self.sig_issue_code.emit)
        self.issue_button.setObjectName("item_issue_code")

        self.fact_labels = {key: label("", "muted") for key in ("supplier", "cost", "restocked")}
        self.facts = {key: label("", wrap=True) for key in self.fact_labels}
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(4)
        for number, key in enumerate(self.fact_labels):
            grid.addWidget(self.fact_labels[key], number, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(self.facts[key], number, 1)
        grid.setColumnStretch(1, 1)
        self.qr = QrCode(72)
        self.code = label("", "muted", wrap=True)
        self.code.setObjectName("item_detail_code")
        code_column = QVBoxLayout()
        code_column.addWidget(self.code)
        code_column.addWidget(self.issue_button, 0, Qt.AlignmentFlag.AlignLeft)
        code_column.addStretch(1)
        code_row = QHBoxLayout()
        code_row.addLayout(grid, 1)
        code_row.addLayout(code_column)
        code_row.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignTop)

        self.history_title = label("", "heading")
        self.history: RowTableModel[MovementRow] = RowTableModel(
            [
                Column(N_("When"), lambda m: format_datetime(m.occurred_at)),
                Column(N_("What"), self._what),
                Column(
                    N_("Change"),
                    lambda m: f"{m.quantity:+,d}",
                    align=RIGHT,
                    foreground=lambda m: QColor(
                        current_theme().success if m.quantity > 0 else current_theme().text
                    ),
                ),
                Column(
                    N_("After"),
                    lambda m: format_number(m.balance_after),
                    align=RIGHT,
                    foreground=lambda m: QColor(current_theme().danger) if m.balance_after < 0 else None,
                ),
            ]
        )
        self.history_view = table_view(self.history)
        self.history_view.setObjectName("item_history")
        self.history_view.verticalHeader().setDefaultSectionSize(28)
        header = self.history_view.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)

        head = QHBoxLayout()
        head.addWidget(self.name, 1)
        stock_row = QHBoxLayout()
        stock_row.setSpacing(12)
        stock_row.addWidget(self.stock)
        stock_row.addWidget(self.stock_note, 1, Qt.AlignmentFlag.AlignVCenter)
        actions = QHBoxLayout()
        actions.addWidget(self.reorder_button)
        actions.addWidget(self.print_button)
        actions.addStretch(1)
        actions.addWidget(self.edit_button)
        body = self.body
        body.setSpacing(8)
        body.addLayout(head)
        body.addWidget(self.place)
        body.addLayout(stock_row)
        body.addWidget(self.low)
        body.addLayout(moves)
        body.addLayout(actions)
        body.addLayout(code_row)
        body.addWidget(self.history_title)
        body.addWidget(self.history_view, 1)

    def set_permissions(self, *, move: bool, manage: bool, codes: bool) -> None:
        for choice in self.move_buttons.values():
            choice.setVisible(move)
        self.reorder_button.setVisible(move)
        self.edit_button.setVisible(manage)
        self._codes = codes

    _codes = False

    def set_directory(self, directory: Directory) -> None:
        self._directory = directory
        self.history.retranslate()

    def _what(self, row: MovementRow) -> str:
        what = _("Used in a treatment") if row.for_treatment else movement_name(row.kind)
        if row.reason:
            what = f"{what}: {row.reason}"
        who = self._directory.staff_name(row.performed_by)
        return f"{what} · {who}" if who else what

    def show_item(self, item: ItemRow) -> None:
        changed = self.item is None or self.item.id != item.id
        self.item = item
        if changed:
            self.history.set_rows([])
        self.retranslate()

    def show_history(self, rows: tuple[MovementRow, ...]) -> None:
        self.history.set_rows(rows)

    def retranslate(self) -> None:
        for kind, choice in self.move_buttons.items():
            choice.setText(_(MOVE_NAMES[kind]))
            choice.setAccessibleName(_(MOVE_NAMES[kind]))
        self.reorder_button.setText(_("Request reorder"))
        self.print_button.setText(_("Print label"))
        self.edit_button.setText(_("Edit item"))
        self.issue_button.setText(_("Issue a barcode"))
        self.fact_labels["supplier"].setText(_("Supplier"))
        self.fact_labels["cost"].setText(_("Unit cost"))
        self.fact_labels["restocked"].setText(_("Last delivery"))
        self.history_title.setText(_("Recent movements"))
        self.history_view.setAccessibleName(_("Recent movements"))
        self.history.retranslate()
        item = self.item
        if item is None:
            return
        self.name.setText(item.name)
        self.place.setText(
            " · ".join(part for part in (item.sku, category_name(item.category), item.location) if part)
        )
        self.stock.setText(format_number(item.quantity))
        set_role(self.stock, "figure")
        color = current_theme().danger if item.is_low else current_theme().text
        self.stock.setStyleSheet(f"color: {color};")
        notes = [
            _("%(unit)s in stock", unit=unit_name(item.unit)),
            _("minimum %(count)s", count=item.minimum),
        ]
        if item.maximum is not None:
            notes.append(_("maximum %(count)s", count=item.maximum))
        if item.on_order:
            notes.append(_("%(count)s on order", count=format_number(item.on_order)))
        self.stock_note.setText(" · ".join(notes))
        if item.is_negative:
            self.low.set_kind("danger")
            self.low.set_text(_("The book shows less than nothing: count the shelf and correct it."))
        elif item.is_low:
            self.low.set_kind("warning")
            self.low.set_text(
                _("Low on stock. %(count)s already on order.", count=format_number(item.on_order))
                if item.on_order
                else _("Low on stock: request a reorder.")
            )
        self.low.setVisible(item.is_low)
        supplier = [part for part in (item.supplier, item.supplier_phone, item.supplier_email) if part]
        self.facts["supplier"].setText("\n".join(supplier) if supplier else "—")
        self.facts["cost"].setText(
            format_money(item.unit_cost, self._currency, exact=True) if item.unit_cost is not None else "—"
        )
        self.facts["restocked"].setText(format_date(item.last_restocked) if item.last_restocked else "—")
        code = item.printable_code
        self.qr.set_value(code)
        self.qr.setVisible(code is not None)
        self.code.setText(code_display(item.code) if item.code else (code or _("No barcode yet.")))
        self.issue_button.setVisible(item.code is None and self._codes)
        self.print_button.setEnabled(code is not None or self._codes)

    _currency = "TWD"

    def set_currency(self, currency: str) -> None:
        self._currency = currency
