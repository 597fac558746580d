"""Inventory: every item with its stock (the sum of its movements), the low ones first to the eye;
search by name, SKU, place or code; scan an item's code (anywhere in the desk) to receive, use,
correct or discard stock with a reason; reorder requests from request to delivery; shelf labels."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Final

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHeaderView,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from common.access.permissions import Permission
from common.context import ServiceContext
from common.i18n import N_
from common.inventory.models import InventoryCategory, ReorderStatus
from common.patients.search_keys import fold
from common.qt.i18n import _, format_date, format_number, language
from common.qt.icons import icon
from common.qt.models import RIGHT, Column, RowTableModel
from common.qt.theme import current_theme
from desktop.desk import Desk
from desktop.screens.base import Screen
from desktop.screens.catalog.sheets import SheetDialog, SheetReady, SheetRequest, make_sheet
from desktop.screens.inventory.actions import Move, StockMoved, cancel_reorder, issue_item_code, mark_ordered
from desktop.screens.inventory.detail import ItemDetail
from desktop.screens.inventory.item_editor import ItemEditor
from desktop.screens.inventory.reads import (
    InventoryView,
    ItemRow,
    MovementRow,
    ReorderRow,
    inventory_view,
    movements_of,
)
from desktop.screens.inventory.reorder import DeliveryDialog, ReorderDialog
from desktop.screens.inventory.stock_dialog import StockDialog
from desktop.screens.inventory.words import category_name, status_name, unit_name
from desktop.widgets.common import (
    Banner,
    Card,
    EmptyState,
    Figure,
    SearchField,
    button,
    hbox,
    label,
    table_view,
)
from desktop.widgets.dialogs import ask_reason

ALL: Final = "all"
LOW: Final = "low"
CANCEL_REASONS: Final = (
    N_("Ordered by mistake"),
    N_("The supplier cannot deliver"),
    N_("No longer needed"),
)


def _stock_color(row: ItemRow) -> QColor | None:
    theme = current_theme()
    if row.is_negative or row.is_low:
        return QColor(theme.danger)
    return None


class InventoryScreen(Screen):
    watches = frozenset({"inventory_items", "inventory_movements", "reorder_requests", "barcode_mappings"})

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(desk, parent)
        self.view: InventoryView | None = None
        self.current_id: uuid.UUID | None = None
        self.query = ""
        self.pending_scan: tuple[uuid.UUID, bool] | None = None
        self.stock_dialog: StockDialog | None = None
        self.last_sheet: SheetReady | None = None
        self.can_move = desk.can(Permission.INVENTORY_MOVE)
        self.can_manage = desk.can(Permission.INVENTORY_MANAGE)
        self.can_codes = desk.can(Permission.BARCODE_MANAGE)

        self.search = SearchField()
        self.search.setObjectName("inventory_search")
        self.search.setMinimumWidth(280)
        self.search.sig_query.connect(self._searched)
        self.search.sig_submitted.connect(self._search_submitted)
        self.filter = QComboBox()
        self.filter.setObjectName("inventory_filter")
        self.filter.addItem("", ALL)
        self.filter.addItem("", LOW)
        for category in InventoryCategory:
            self.filter.addItem("", category)
        self.filter.currentIndexChanged.connect(lambda _index: self._show())
        self.print_button = button(icon_name="print", on_click=self.print_labels)
        self.print_button.setObjectName("inventory_print")
        self.new_button = button(icon_name="plus", primary=True, on_click=self.new_item)
        self.new_button.setObjectName("new_stock_item")
        self.new_button.setVisible(self.can_manage)
        self.layout_.addLayout(
            hbox(self.title, None, self.search, self.filter, self.print_button, self.new_button)
        )

        self.items_figure = Figure()
        self.low_figure = Figure()
        self.low_figure.setObjectName("inventory_low_figure")
        self.order_figure = Figure()
        self.layout_.addLayout(hbox(self.items_figure, self.low_figure, self.order_figure))
        self.message = Banner("success")
        self.message.setObjectName("inventory_message")
        self.message.hide()
        self.layout_.addWidget(self.message)

        # -- stock --
        self.model: RowTableModel[ItemRow] = RowTableModel(
            [
                Column(
                    N_("Item"),
                    lambda r: r.name,
                    bold=lambda r: True,
                    decoration=lambda r: icon("warning", current_theme().danger) if r.is_low else None,
                    tooltip=lambda r: " · ".join(
                        part for part in (r.name, r.location, _("Low on stock") if r.is_low else None) if part
                    ),
                ),
                Column(N_("SKU"), lambda r: r.sku),
                Column(
                    N_("In stock"),
                    lambda r: f"{format_number(r.quantity)} {unit_name(r.unit)}",
                    sort_key=lambda r: r.quantity,
                    align=RIGHT,
                    foreground=_stock_color,
                    bold=lambda r: r.is_low,
                ),
                Column(
                    N_("Minimum"),
                    lambda r: format_number(r.minimum),
                    sort_key=lambda r: r.minimum,
                    align=RIGHT,
                ),
                Column(
                    N_("On order"),
                    lambda r: format_number(r.on_order) if r.on_order else "",
                    sort_key=lambda r: r.on_order,
                    align=RIGHT,
                ),
            ]
        )
        self.table = table_view(self.model)
        self.table.setObjectName("inventory_items")
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _old: self._item_chosen(current)
        )
        self.table.activated.connect(lambda _index: self.open_stock())
        self.count = label("", "muted")
        self.empty = EmptyState("inventory")
        items_card = Card()
        items_card.body.addWidget(self.count)
        items_card.body.addWidget(self.table, 1)
        items_card.body.addWidget(self.empty, 1)
        self.detail = ItemDetail(desk.directory)
        self.detail.set_currency(desk.clinic.currency)
        self.detail.set_permissions(move=self.can_move, manage=self.can_manage, codes=self.can_codes)
        self.detail.sig_move.connect(lambda move: self.open_stock(move=move))
        self.detail.sig_reorder.connect(self.reorder)
        self.detail.sig_print.connect(lambda: self.print_labels(only_current=True))
        self.detail.sig_edit.connect(self.edit_item)
        self.detail.sig_issue_code.connect(self.issue_code)
        self.detail.setMinimumWidth(400)
        self.detail.hide()
        stock_page = QSplitter()
        stock_page.addWidget(items_card)
        stock_page.addWidget(self.detail)
        stock_page.setStretchFactor(0, 3)
        stock_page.setStretchFactor(1, 2)
        stock_page.setSizes([700, 480])
        stock_page.setChildrenCollapsible(False)

        # -- reorder requests --
        self.reorder_model: RowTableModel[ReorderRow] = RowTableModel(
            [
                Column(
                    N_("Requested"), lambda r: format_date(r.requested_at.astimezone(desk.clinic.tz).date())
                ),
                Column(N_("Item"), lambda r: r.item_name, bold=lambda r: r.is_open),
                Column(N_("Quantity"), lambda r: format_number(r.quantity), align=RIGHT),
                Column(N_("Supplier"), lambda r: r.supplier or ""),
                Column(
                    N_("Status"),
                    lambda r: status_name(r.status),
                    foreground=lambda r: None if r.is_open else QColor(current_theme().text_muted),
                ),
                Column(N_("Requested by"), lambda r: self.desk.directory.staff_name(r.requested_by)),
                Column(N_("Notes"), lambda r: (r.notes or "").replace("\n", " · ")),
            ]
        )
        self.reorders = table_view(self.reorder_model)
        self.reorders.setObjectName("reorder_requests")
        self.reorders.selectionModel().selectionChanged.connect(
            lambda _new, _old: self._update_reorder_buttons()
        )
        self.show_closed = QCheckBox()
        self.show_closed.setObjectName("reorders_show_closed")
        self.show_closed.toggled.connect(lambda _on: self._show_reorders())
        self.ordered_button = button(on_click=self.mark_ordered)
        self.ordered_button.setObjectName("reorder_mark_ordered")
        self.ordered_button.setVisible(self.can_manage)
        self.delivery_button = button(primary=True, on_click=self.delivery)
        self.delivery_button.setObjectName("reorder_delivery")
        self.delivery_button.setVisible(self.can_move)
        self.cancel_button = button(danger=True, on_click=self.cancel_request)
        self.cancel_button.setObjectName("reorder_cancel")
        self.cancel_button.setVisible(self.can_manage)
        self.reorders_empty = EmptyState("inventory")
        reorder_card = Card()
        reorder_card.body.addLayout(
            hbox(self.show_closed, None, self.cancel_button, self.ordered_button, self.delivery_button)
        )
        reorder_card.body.addWidget(self.reorders, 1)
        reorder_card.body.addWidget(self.reorders_empty, 1)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("inventory_tabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(stock_page, "")
        self.tabs.addTab(reorder_card, "")
        holder = QWidget()
        holder_layout = QVBoxLayout(holder)
        holder_layout.setContentsMargins(0, 0, 0, 0)
        holder_layout.addWidget(self.tabs)
        self.layout_.addWidget(holder, 1)
        self.setTabOrder(self.search, self.filter)
        self.setTabOrder(self.filter, self.table)
        self.retranslate()

    # -- Screen ---------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.title.setText(_("Inventory"))
        self.search.setPlaceholderText(_("Name, SKU, place or code (Ctrl+F)"))
        self.search.setAccessibleName(_("Find a stock item"))
        self.filter.setAccessibleName(_("Show"))
        self.filter.setItemText(0, _("All items"))
        self.filter.setItemText(1, _("Low on stock"))
        for number in range(2, self.filter.count()):
            self.filter.setItemText(number, category_name(self.filter.itemData(number)))
        self.print_button.setText(_("Print labels"))
        self.new_button.setText(_("New item"))
        self.new_button.setToolTip(_("Add a stock item (Ctrl+N)"))
        self.table.setAccessibleName(_("Stock items"))
        self.reorders.setAccessibleName(_("Reorder requests"))
        self.empty.set_text(_("No item matches. Clear the search or show all items."))
        self.reorders_empty.set_text(_("No reorder requests. Request one from an item that runs low."))
        self.show_closed.setText(_("Show received and cancelled"))
        self.ordered_button.setText(_("Mark as ordered"))
        self.delivery_button.setText(_("Delivery arrived…"))
        self.cancel_button.setText(_("Cancel request…"))
        self.model.retranslate()
        self.reorder_model.retranslate()
        self.detail.retranslate()
        self._update_figures()
        self._update_count()

    def refresh(self) -> None:
        self.desk.read(
            inventory_view, name="inventory.view", on_success=self._loaded, key="inventory-view", parent=self
        )

    def activate(self, args: Mapping[str, Any]) -> None:
        item_id = args.get("item_id")
        if isinstance(item_id, uuid.UUID):
            self.current_id = item_id
            self.pending_scan = (item_id, bool(args.get("scanned")))
            if self.view is not None and self.view.item(item_id) is not None and not self._stale:
                self._open_pending()
        super().activate(args)

    def directory_changed(self) -> None:
        self.detail.set_directory(self.desk.directory)
        self.reorder_model.retranslate()

    def focus_search(self) -> bool:
        self.tabs.setCurrentIndex(0)
        self.search.setFocus()
        self.search.selectAll()
        return True

    def new_item(self) -> bool:
        if not self.can_manage:
            return False
        editor = ItemEditor(self.desk, None, self)
        editor.sig_saved.connect(self._item_saved)
        editor.open()
        return True

    # -- loading and filtering ------------------------------------------------------------------

    def _loaded(self, view: InventoryView) -> None:
        self.view = view
        self._show()
        self._show_reorders()
        self._update_figures()
        if self.pending_scan is not None:
            self._open_pending()

    def _searched(self, text: str) -> None:
        self.query = text
        self._show()

    def _search_submitted(self, text: str) -> None:
        """Enter in the search: a code opens its item's stock dialog, as a scan would; a search
        with one result opens that one."""
        view = self.view
        if view is None or not text:
            return
        coded = view.find_code(text)
        if coded is not None:
            self.current_id = coded.id
            self._show()
            self.open_stock()
        elif self.model.rowCount() == 1:
            self.open_stock()

    def show_low_only(self) -> None:
        self.filter.setCurrentIndex(1)

    def _visible(self) -> list[ItemRow]:
        view = self.view
        if view is None:
            return []
        chosen = self.filter.currentData()
        wanted = InventoryCategory(chosen) if chosen not in (ALL, LOW) else chosen
        words = fold(self.query).split()
        rows = []
        for row in view.items:
            if wanted == LOW and not row.is_low:
                continue
            if isinstance(wanted, InventoryCategory) and row.category is not wanted:
                continue
            if words:
                codes = " ".join(code.replace("-", "") for code in (row.code, row.manufacturer_code) if code)
                haystack = fold(" ".join((row.name, row.sku, row.location or "", row.supplier or "", codes)))
                if not all(word.replace("-", "") in haystack for word in words):
                    continue
            rows.append(row)
        return rows

    def _show(self) -> None:
        rows = self._visible()
        self.model.set_rows(rows)
        self.table.setVisible(bool(rows))
        self.empty.setVisible(not rows)
        self._update_count()
        number = self.model.find(lambda row: row.id == self.current_id)
        if number < 0 and rows:
            number = 0
        if number >= 0:
            self.table.selectRow(number)
            self._show_item(rows[number])
        else:
            self.detail.hide()

    def _update_count(self) -> None:
        view = self.view
        if view is None:
            self.count.setText("")
            return
        self.count.setText(
            _("%(shown)s of %(total)s items", shown=self.model.rowCount(), total=len(view.items))
        )

    def _update_figures(self) -> None:
        view = self.view
        items = view.items if view is not None else ()
        low = sum(1 for row in items if row.is_low)
        open_requests = sum(1 for row in (view.reorders if view is not None else ()) if row.is_open)
        self.items_figure.set(format_number(len(items)), _("Stock items"))
        self.low_figure.set(format_number(low), _("Low on stock"))
        self.low_figure.value.setStyleSheet(f"color: {current_theme().danger};" if low else "")
        self.order_figure.set(format_number(open_requests), _("Open reorder requests"))
        self.tabs.setTabText(0, _("Stock"))
        self.tabs.setTabText(
            1,
            _("Reorder requests (%(count)s)", count=open_requests)
            if open_requests
            else _("Reorder requests"),
        )

    # -- the chosen item --------------------------------------------------------------------------

    def _item_chosen(self, index: Any) -> None:
        if index.isValid():
            self._show_item(self.model.row_at(index))

    def _show_item(self, row: ItemRow) -> None:
        self.current_id = row.id
        self.detail.show_item(row)
        self.detail.show()
        item_id = row.id
        self.desk.read(
            lambda ctx: movements_of(ctx, item_id),
            name="inventory.history",
            on_success=self._history_loaded,
            key="inventory-history",
            parent=self,
        )

    def _history_loaded(self, rows: tuple[MovementRow, ...]) -> None:
        self.detail.show_history(rows)

    def current(self) -> ItemRow | None:
        return self.view.item(self.current_id) if self.view is not None else None

    # -- stock ------------------------------------------------------------------------------------

    def _open_pending(self) -> None:
        pending, self.pending_scan = self.pending_scan, None
        if pending is None or self.view is None:
            return
        item_id, scanned = pending
        self.tabs.setCurrentIndex(0)
        if self.filter.currentData() != ALL or self.query:
            self.search.clear()
            self.query = ""
            self.filter.setCurrentIndex(0)
        self._show()
        dialog = self.stock_dialog
        if dialog is not None and dialog.isVisible() and dialog.item.id == item_id and scanned:
            dialog.scanned_again()
            return
        self.open_stock(scanned=scanned)

    def open_stock(self, *, move: Move = Move.RECEIVE, scanned: bool = False) -> StockDialog | None:
        row = self.current()
        if row is None:
            return None
        if not self.can_move:
            self._say(_("Your role can look stock up but not change it."), "info")
            return None
        if self.stock_dialog is not None and self.stock_dialog.isVisible():
            self.stock_dialog.reject()
        dialog = StockDialog(self.desk, row, self, move=move, scanned=scanned)
        dialog.sig_moved.connect(self._moved)
        dialog.finished.connect(lambda _result, d=dialog: self._dialog_closed(d))
        self.stock_dialog = dialog
        dialog.open()
        return dialog

    def _dialog_closed(self, dialog: StockDialog) -> None:
        if self.stock_dialog is dialog:
            self.stock_dialog = None

    def _moved(self, moved: StockMoved) -> None:
        view = self.view
        row = view.item(moved.item_id) if view is not None else None
        name = row.name if row is not None else ""
        unit = unit_name(row.unit) if row is not None else ""
        count = format_number(abs(moved.quantity))
        texts = {
            Move.RECEIVE: _("Received %(count)s %(unit)s of %(item)s.", count=count, unit=unit, item=name),
            Move.USE: _("Took out %(count)s %(unit)s of %(item)s.", count=count, unit=unit, item=name),
            Move.ADJUST: _("Corrected %(item)s by %(change)s.", item=name, change=f"{moved.quantity:+d}"),
            Move.DISCARD: _("Discarded %(count)s %(unit)s of %(item)s.", count=count, unit=unit, item=name),
        }
        text = texts[moved.move] + " " + _("In stock now: %(count)s.", count=format_number(moved.stock_after))
        if moved.is_low:
            text += " " + _("That is at or below the minimum: request a reorder.")
        self._say(text, "warning" if moved.is_low else "success")

    def reorder(self) -> None:
        row = self.current()
        if row is None or not self.can_move:
            return
        dialog = ReorderDialog(self.desk, row, self)
        dialog.sig_requested.connect(
            lambda _id: self._say(_("Reorder requested for %(item)s.", item=row.name), "success")
        )
        dialog.open()

    def edit_item(self) -> None:
        row = self.current()
        if row is not None and self.can_manage:
            editor = ItemEditor(self.desk, row, self)
            editor.sig_saved.connect(self._item_saved)
            editor.open()

    def _item_saved(self, item_id: uuid.UUID) -> None:
        self.current_id = item_id
        self._say(_("The stock item is saved."), "success")

    def issue_code(self) -> None:
        row = self.current()
        if row is not None and self.can_codes:
            self.desk.write(issue_item_code(row.id), parent=self)

    # -- reorder requests -------------------------------------------------------------------------

    def _show_reorders(self) -> None:
        view = self.view
        rows = list(view.reorders) if view is not None else []
        if not self.show_closed.isChecked():
            rows = [row for row in rows if row.is_open]
        self.reorder_model.set_rows(rows)
        self.reorders.setVisible(bool(rows))
        self.reorders_empty.setVisible(not rows)
        self._update_reorder_buttons()

    def chosen_request(self) -> ReorderRow | None:
        index = self.reorders.currentIndex()
        if not index.isValid() or not self.reorders.selectionModel().hasSelection():
            return None
        return self.reorder_model.row_at(index)

    def _update_reorder_buttons(self) -> None:
        request = self.chosen_request()
        open_ = request is not None and request.is_open
        self.ordered_button.setEnabled(
            open_ and request is not None and request.status is ReorderStatus.REQUESTED
        )
        self.delivery_button.setEnabled(open_)
        self.cancel_button.setEnabled(open_)

    def mark_ordered(self) -> None:
        request = self.chosen_request()
        if request is not None and self.can_manage:
            self.desk.write(mark_ordered(request.id), parent=self)

    def delivery(self) -> None:
        request = self.chosen_request()
        if request is None or not self.can_move or self.view is None:
            return
        dialog = DeliveryDialog(self.desk, request, self.view.item(request.item_id), self)
        dialog.sig_received.connect(self._moved)
        dialog.open()

    def cancel_request(self) -> None:
        request = self.chosen_request()
        if request is None or not self.can_manage:
            return
        ask_reason(
            self,
            _("Cancel the reorder request"),
            _(
                "Why is the request for %(count)s × %(item)s cancelled?",
                count=request.quantity,
                item=request.item_name,
            ),
            _("Cancel the request"),
            [_(reason) for reason in CANCEL_REASONS],
            lambda reason: self.desk.write(cancel_reorder(request.id, reason), parent=self),
        )

    # -- labels -----------------------------------------------------------------------------------

    def print_labels(self, *, only_current: bool = False) -> None:
        view = self.view
        if view is None:
            return
        row = self.current()
        scopes: list[tuple[str, str]] = []
        if row is not None:
            scopes.append(("one", row.name))
        if not only_current:
            if any(item.is_low for item in view.items):
                scopes.append(("low", _("Items low on stock")))
            scopes.append(("shown", _("The items shown (%(count)s)", count=self.model.rowCount())))
            scopes.append(("all", _("Every item")))
        dialog = SheetDialog(self, _("Print stock labels"), scopes, letter=False, copies=True)
        dialog.sig_chosen.connect(self._print_chosen)
        dialog.open()

    def _print_chosen(self, request: SheetRequest) -> None:
        view = self.view
        if view is None:
            return
        if request.scope == "one":
            chosen = [row for row in view.items if row.id == self.current_id]
        elif request.scope == "low":
            chosen = [row for row in view.items if row.is_low]
        elif request.scope == "shown":
            chosen = self.model.rows
        else:
            chosen = list(view.items)
        if self.can_codes:
            for row in chosen:
                if row.printable_code is None:
                    self.desk.write(issue_item_code(row.id), parent=self)
        ids = [row.id for row in chosen]
        locale = language().locale

        def build(ctx: ServiceContext) -> bytes:
            from common.printing.service import inventory_sheet

            return inventory_sheet(
                ctx, ids, copies=request.copies, sheet=request.sheet, locale=locale, outlines=request.outlines
            )

        make_sheet(
            self.desk, build, f"stock-labels-{request.scope}", _("Stock labels"), self, self._sheet_ready
        )

    def _sheet_ready(self, dialog: SheetReady) -> None:
        self.last_sheet = dialog

    def _say(self, text: str, kind: str) -> None:
        self.message.set_kind(kind)
        self.message.set_text(text)
        self.message.show()
