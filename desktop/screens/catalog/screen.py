"""Catalog: the clinic's categories and treatments, with prices, durations, instructions, cautions
(shown first, in red) and the materials each treatment uses; add, edit, deactivate; print the
treatments' barcode sheets. Administrators and managers change it; everyone else reads it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Final

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QHeaderView,
    QSplitter,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from common.access.permissions import Permission
from common.context import ServiceContext
from common.i18n import N_
from common.patients.search_keys import fold
from common.qt.i18n import _, format_money, language
from common.qt.icons import icon
from common.qt.models import RIGHT, Column, RowTableModel
from common.qt.theme import current_theme
from desktop.desk import Desk
from desktop.screens.base import Screen
from desktop.screens.catalog.actions import issue_treatment_code, set_category_active, set_treatment_active
from desktop.screens.catalog.category import CategoryEditor
from desktop.screens.catalog.detail import TreatmentDetail
from desktop.screens.catalog.editor import TreatmentEditor, kind_name
from desktop.screens.catalog.reads import CatalogView, CategoryRow, TreatmentRow, catalog_view
from desktop.screens.catalog.sheets import SheetDialog, SheetReady, SheetRequest, make_sheet
from desktop.widgets.common import Banner, Card, EmptyState, SearchField, button, hbox, label, table_view
from desktop.widgets.dialogs import confirm

KEY_ROLE: Final = int(Qt.ItemDataRole.UserRole) + 20
ALL: Final = "all"
UNFILED: Final = "unfiled"


def _muted(row: TreatmentRow) -> QColor | None:
    return None if row.is_active else QColor(current_theme().text_muted)


class CatalogScreen(Screen):
    watches = frozenset(
        {
            "treatment_catalog",
            "treatment_categories",
            "barcode_mappings",
            "inventory_items",
            "inventory_movements",
        }
    )

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(desk, parent)
        self.view: CatalogView | None = None
        self.current_id: uuid.UUID | None = None
        self.filter_key: Any = ALL
        self.query = ""
        self.can_manage = desk.can(Permission.CATALOG_MANAGE)
        self.can_codes = desk.can(Permission.BARCODE_MANAGE)
        self.last_sheet: SheetReady | None = None

        self.search = SearchField()
        self.search.setObjectName("catalog_search")
        self.search.setMinimumWidth(260)
        self.search.sig_query.connect(self._searched)
        self.show_inactive = QCheckBox()
        self.show_inactive.setObjectName("catalog_show_inactive")
        self.show_inactive.toggled.connect(lambda _on: self._show())
        self.print_button = button(icon_name="print", on_click=self.print_sheet)
        self.print_button.setObjectName("catalog_print")
        self.new_category_button = button(icon_name="plus", on_click=self.new_category)
        self.new_category_button.setObjectName("new_category")
        self.new_button = button(icon_name="plus", primary=True, on_click=self.new_item)
        self.new_button.setObjectName("new_treatment")
        self.layout_.addLayout(
            hbox(
                self.title,
                None,
                self.search,
                self.show_inactive,
                self.print_button,
                self.new_category_button,
                self.new_button,
            )
        )
        self.read_only = Banner("info")
        self.read_only.setObjectName("catalog_read_only")
        self.layout_.addWidget(self.read_only)
        self.message = Banner("success")
        self.message.setObjectName("catalog_message")
        self.message.hide()
        self.layout_.addWidget(self.message)

        # -- categories --
        self.tree = QTreeWidget()
        self.tree.setObjectName("catalog_categories")
        self.tree.setHeaderHidden(True)
        self.tree.setIndentation(16)
        self.tree.setRootIsDecorated(False)
        self.tree.currentItemChanged.connect(lambda current, _old: self._category_chosen(current))
        self.category_edit = button(flat=True, on_click=self.edit_category)
        self.category_edit.setObjectName("edit_category")
        self.category_toggle = button(flat=True, on_click=self.toggle_category)
        self.category_toggle.setObjectName("toggle_category")
        self.categories_card = Card()
        self.categories_card.body.addWidget(self.tree, 1)
        self.categories_card.body.addLayout(hbox(self.category_edit, self.category_toggle, None, spacing=4))
        self.categories_card.setMinimumWidth(190)
        self.categories_card.setMaximumWidth(280)

        # -- treatments --
        self.model: RowTableModel[TreatmentRow] = RowTableModel(
            [
                Column(
                    N_("Treatment"),
                    lambda r: r.name,
                    bold=lambda r: r.is_active,
                    foreground=_muted,
                    decoration=lambda r: icon("warning", current_theme().warning) if r.cautions else None,
                    tooltip=self._tooltip,
                ),
                Column(N_("Category"), self._category_text, foreground=_muted),
                Column(
                    N_("Duration"),
                    lambda r: _("%(minutes)s min", minutes=r.duration_minutes),
                    sort_key=lambda r: r.duration_minutes,
                    align=RIGHT,
                    foreground=_muted,
                ),
                Column(
                    N_("Price"),
                    lambda r: format_money(r.price, r.currency),
                    sort_key=lambda r: r.price,
                    align=RIGHT,
                    foreground=_muted,
                ),
                Column(N_("Status"), lambda r: "" if r.is_active else _("Deactivated"), foreground=_muted),
            ]
        )
        self.table = table_view(self.model)
        self.table.setObjectName("catalog_treatments")
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _old: self._treatment_chosen(current)
        )
        self.table.activated.connect(lambda _index: self.edit_treatment())
        self.count = label("", "muted")
        self.empty = EmptyState("catalog")
        self.list_card = Card()
        self.list_card.body.addWidget(self.count)
        self.list_card.body.addWidget(self.table, 1)
        self.list_card.body.addWidget(self.empty, 1)

        # -- the treatment --
        self.detail = TreatmentDetail()
        self.detail.set_permissions(manage=self.can_manage, codes=self.can_codes)
        self.detail.sig_edit.connect(self.edit_treatment)
        self.detail.sig_print.connect(lambda: self.print_sheet(only_current=True))
        self.detail.sig_toggle_active.connect(self.toggle_treatment)
        self.detail.sig_issue_code.connect(self.issue_code)
        self.no_treatment = EmptyState("treatment")
        self.right = QStackedWidget()
        self.right.addWidget(self.no_treatment)
        self.right.addWidget(self.detail)
        self.right.setMinimumWidth(380)

        middle = QWidget()
        middle_layout = QVBoxLayout(middle)
        middle_layout.setContentsMargins(0, 0, 0, 0)
        middle_layout.addWidget(self.list_card)
        splitter = QSplitter()
        splitter.addWidget(self.categories_card)
        splitter.addWidget(middle)
        splitter.addWidget(self.right)
        splitter.setStretchFactor(1, 3)
        splitter.setStretchFactor(2, 2)
        splitter.setSizes([210, 600, 400])
        splitter.setChildrenCollapsible(False)
        self.layout_.addWidget(splitter, 1)
        self.setTabOrder(self.search, self.tree)
        self.setTabOrder(self.tree, self.table)
        for widget in (self.new_button, self.new_category_button, self.category_edit, self.category_toggle):
            widget.setVisible(self.can_manage)
        self.read_only.setVisible(not self.can_manage)
        self.retranslate()

    # -- Screen ---------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.title.setText(_("Catalog"))
        self.search.setPlaceholderText(_("Find a treatment (Ctrl+F)"))
        self.search.setAccessibleName(_("Find a treatment"))
        self.show_inactive.setText(_("Show deactivated treatments"))
        self.print_button.setText(_("Print barcodes"))
        self.print_button.setToolTip(_("Print the treatments' barcodes on a label sheet"))
        self.new_category_button.setText(_("New category"))
        self.new_button.setText(_("New treatment"))
        self.new_button.setToolTip(_("Add a treatment to the catalog (Ctrl+N)"))
        self.read_only.set_text(
            _("Administrators and managers keep the catalog. You can look everything up here.")
        )
        self.categories_card.set_title(_("Categories"))
        self.tree.setAccessibleName(_("Categories"))
        self.table.setAccessibleName(_("Treatments"))
        self.category_edit.setText(_("Edit"))
        self.empty.set_text(_("No treatment matches. Clear the search or choose another category."))
        self.no_treatment.set_text(_("Choose a treatment to see its details."))
        self.model.retranslate()
        self.detail.retranslate()
        self._update_category_buttons()
        if self.view is not None:
            self._fill_tree()
            self._update_count()

    def refresh(self) -> None:
        self.desk.read(
            catalog_view, name="catalog.view", on_success=self._loaded, key="catalog-view", parent=self
        )

    def activate(self, args: Mapping[str, Any]) -> None:
        item_id = args.get("item_id")
        if isinstance(item_id, uuid.UUID):
            self.current_id = item_id
        super().activate(args)

    def focus_search(self) -> bool:
        self.search.setFocus()
        self.search.selectAll()
        return True

    def new_item(self) -> bool:
        if not self.can_manage or self.view is None:
            return False
        category = self.filter_key if isinstance(self.filter_key, uuid.UUID) else None
        editor = TreatmentEditor(self.desk, self.view, None, self, category_id=category)
        editor.sig_saved.connect(self._saved)
        editor.open()
        return True

    # -- loading and filtering --------------------------------------------------------------------

    def _loaded(self, view: CatalogView) -> None:
        self.view = view
        self._fill_tree()
        self._show()

    def _searched(self, text: str) -> None:
        self.query = text
        self._show()

    def _fill_tree(self) -> None:
        view = self.view
        if view is None:
            return
        inactive = self.show_inactive.isChecked()
        self.tree.blockSignals(True)
        self.tree.clear()
        everything = QTreeWidgetItem([_("All treatments")])
        everything.setData(0, KEY_ROLE, ALL)
        everything.setIcon(0, icon("catalog"))
        self.tree.addTopLevelItem(everything)
        chosen: QTreeWidgetItem = everything
        for row in view.categories:
            if row.parent_id is not None or not (row.is_active or inactive):
                continue
            top = self._tree_item(row)
            self.tree.addTopLevelItem(top)
            chosen = top if row.id == self.filter_key else chosen
            for child in view.children(row.id):
                if child.is_active or inactive:
                    item = self._tree_item(child)
                    top.addChild(item)
                    chosen = item if child.id == self.filter_key else chosen
        if any(r.category_id is None for r in view.treatments):
            unfiled = QTreeWidgetItem([_("Not in a category")])
            unfiled.setData(0, KEY_ROLE, UNFILED)
            self.tree.addTopLevelItem(unfiled)
            chosen = unfiled if self.filter_key == UNFILED else chosen
        self.tree.expandAll()
        if chosen is everything:
            self.filter_key = ALL
        self.tree.setCurrentItem(chosen)
        self.tree.blockSignals(False)
        self._update_category_buttons()

    def _tree_item(self, row: CategoryRow) -> QTreeWidgetItem:
        text = row.name if row.is_active else _("%(name)s (deactivated)", name=row.name)
        item = QTreeWidgetItem([text])
        item.setData(0, KEY_ROLE, row.id)
        item.setToolTip(0, kind_name(row.kind))
        if row.parent_id is None:
            font = item.font(0)
            font.setBold(True)
            item.setFont(0, font)
        if not row.is_active:
            item.setForeground(0, QColor(current_theme().text_muted))
        return item

    def _category_chosen(self, item: QTreeWidgetItem | None) -> None:
        self.filter_key = item.data(0, KEY_ROLE) if item is not None else ALL
        self._update_category_buttons()
        self._show()

    def _visible_rows(self) -> list[TreatmentRow]:
        view = self.view
        if view is None:
            return []
        inactive = self.show_inactive.isChecked()
        key = self.filter_key
        if isinstance(key, uuid.UUID):
            wanted = {key, *(child.id for child in view.children(key))}
        words = fold(self.query).split()
        rows = []
        for row in view.treatments:
            if not (row.is_active or inactive):
                continue
            if key == UNFILED and row.category_id is not None:
                continue
            if isinstance(key, uuid.UUID) and row.category_id not in wanted:
                continue
            if words:
                haystack = fold(" ".join((row.name, row.subcategory or "", row.description or "")))
                if not all(word in haystack for word in words):
                    continue
            rows.append(row)
        return rows

    def _show(self) -> None:
        rows = self._visible_rows()
        self.table.setColumnHidden(4, not self.show_inactive.isChecked())
        self.model.set_rows(rows)
        self.table.setVisible(bool(rows))
        self.empty.setVisible(not rows)
        self._update_count()
        number = self.model.find(lambda row: row.id == self.current_id)
        if number < 0 and rows:
            number = 0
        if number >= 0:
            self.table.selectRow(number)
            self._show_detail(rows[number])
        else:
            self.right.setCurrentWidget(self.no_treatment)

    def _update_count(self) -> None:
        self.count.setText(_("%(count)s treatments", count=self.model.rowCount()))

    def _tooltip(self, row: TreatmentRow) -> str:
        if not row.cautions:
            return row.name
        return row.name + "\n" + _("Cautions: %(cautions)s", cautions=" · ".join(row.cautions))

    def _category_text(self, row: TreatmentRow) -> str:
        view = self.view
        category = view.category(row.category_id) if view is not None else None
        return category.name if category is not None else kind_name(row.kind)

    # -- the chosen treatment --------------------------------------------------------------------

    def _treatment_chosen(self, index: Any) -> None:
        if index.isValid():
            self._show_detail(self.model.row_at(index))

    def _show_detail(self, row: TreatmentRow) -> None:
        if self.view is None:
            return
        self.current_id = row.id
        self.detail.show_row(row, self.view)
        self.right.setCurrentWidget(self.detail)

    def current(self) -> TreatmentRow | None:
        return self.view.treatment(self.current_id) if self.view is not None else None

    def edit_treatment(self) -> None:
        row = self.current()
        if row is None or self.view is None or not self.can_manage:
            return
        editor = TreatmentEditor(self.desk, self.view, row, self)
        editor.sig_saved.connect(self._saved)
        editor.open()

    def _saved(self, item_id: uuid.UUID) -> None:
        self.current_id = item_id
        self._say(_("The catalog is saved."))

    def toggle_treatment(self) -> None:
        row = self.current()
        if row is None or not self.can_manage:
            return
        if not row.is_active:
            self.desk.write(set_treatment_active(row.id, True), parent=self)
            return
        confirm(
            self,
            _("Deactivate %(name)s?", name=row.name),
            _("Deactivate"),
            lambda: self.desk.write(
                set_treatment_active(row.id, False),
                on_success=lambda _id: self._say(_("%(name)s is no longer offered.", name=row.name)),
                parent=self,
            ),
            details=_(
                "It is no longer offered for booking or recording. Past records keep it, and it can be "
                "reactivated later."
            ),
        )

    def issue_code(self) -> None:
        row = self.current()
        if row is not None and self.can_codes:
            self.desk.write(issue_treatment_code(row.id), parent=self)

    # -- categories ------------------------------------------------------------------------------

    def _chosen_category(self) -> CategoryRow | None:
        key = self.filter_key
        return self.view.category(key) if self.view is not None and isinstance(key, uuid.UUID) else None

    def _update_category_buttons(self) -> None:
        category = self._chosen_category()
        self.category_edit.setEnabled(category is not None)
        self.category_toggle.setEnabled(category is not None)
        active = category is None or category.is_active
        self.category_toggle.setText(_("Deactivate") if active else _("Reactivate"))

    def new_category(self) -> None:
        if not self.can_manage or self.view is None:
            return
        category = self._chosen_category()
        parent = category.id if category is not None and category.parent_id is None else None
        editor = CategoryEditor(self.desk, self.view, None, self, parent_id=parent)
        editor.sig_saved.connect(self._category_saved)
        editor.open()

    def edit_category(self) -> None:
        category = self._chosen_category()
        if category is not None and self.view is not None and self.can_manage:
            editor = CategoryEditor(self.desk, self.view, category, self)
            editor.sig_saved.connect(self._category_saved)
            editor.open()

    def _category_saved(self, category_id: uuid.UUID) -> None:
        self.filter_key = category_id

    def toggle_category(self) -> None:
        category = self._chosen_category()
        if category is None or not self.can_manage:
            return
        if not category.is_active:
            self.desk.write(set_category_active(category.id, True), parent=self)
            return
        confirm(
            self,
            _("Deactivate the category %(name)s?", name=category.name),
            _("Deactivate"),
            lambda: self.desk.write(set_category_active(category.id, False), parent=self),
            details=_("It is hidden from pickers; its treatments stay where they are and are still offered."),
        )

    # -- printing ----------------------------------------------------------------------------------

    def print_sheet(self, *, only_current: bool = False) -> None:
        view = self.view
        if view is None:
            return
        row = self.current()
        scopes: list[tuple[str, str]] = []
        if row is not None and row.is_active:
            scopes.append(("one", row.name))
        category = self._chosen_category()
        if category is not None and not only_current:
            scopes.append(("category", _("The treatments in %(category)s", category=category.name)))
        if not only_current:
            scopes.append(("all", _("Every treatment offered")))
        if not scopes:
            return
        dialog = SheetDialog(self, _("Print treatment barcodes"), scopes, letter=False)
        dialog.sig_chosen.connect(self._print_chosen)
        dialog.open()

    def _print_chosen(self, request: SheetRequest) -> None:
        view = self.view
        if view is None:
            return
        if request.scope == "one":
            chosen = [row for row in view.treatments if row.id == self.current_id]
        elif request.scope == "category":
            chosen = [row for row in self._visible_rows() if row.is_active]
        else:
            chosen = [row for row in view.treatments if row.is_active]
        ids = [row.id for row in chosen]
        if self.can_codes:
            for row in chosen:
                if row.code is None:
                    self.desk.write(issue_treatment_code(row.id), parent=self)
        locale = language().locale

        def build(ctx: ServiceContext) -> bytes:
            from common.printing.service import treatment_sheet

            return treatment_sheet(ctx, ids, sheet=request.sheet, locale=locale, outlines=request.outlines)

        make_sheet(
            self.desk,
            build,
            f"treatment-barcodes-{request.scope}",
            _("Treatment barcodes"),
            self,
            self._ready,
        )

    def _ready(self, dialog: SheetReady) -> None:
        self.last_sheet = dialog

    def _say(self, text: str) -> None:
        self.message.set_text(text)
        self.message.show()
