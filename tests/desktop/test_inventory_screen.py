"""Inventory, driven through the real windows: a wedge scan of an item's code opens its stock
dialog; receiving 10 puts 10 on the book; a correction needs a reason, asked for next to its field;
the low-stock filter shows exactly the low items; a reorder goes from request to delivery (and a
cancellation asks why); a new
item refuses a taken SKU next to the field; the shelf labels' PDF decodes back to the item's code."""

from __future__ import annotations

import shutil
import uuid
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QPushButton
from sqlalchemy import select

from common.barcodes.models import BarcodeEntityType, BarcodeMapping
from common.clock import FrozenClock
from common.context import Actor
from common.database import Database
from common.inventory.errors import DuplicateSku, ReasonRequired
from common.inventory.models import InventoryCategory, InventoryItem, ReorderRequest, ReorderStatus
from common.inventory.service import low_stock, stock_levels
from common.printing.pages import SHEETS
from common.staff.models import Role, StaffUser
from common.storage.engine import create_database_engine, sqlite_url
from common.sync import state
from common.sync.models import SyncOutbox
from desktop.actions import perform
from desktop.screens.catalog.actions import create_treatment, edit_treatment, treatment_values
from desktop.screens.catalog.sheets import SheetDialog, SheetReady
from desktop.screens.inventory.actions import Move, move_stock, request_reorder
from desktop.screens.inventory.item_editor import ItemEditor
from desktop.screens.inventory.reads import InventoryView, ItemRow
from desktop.screens.inventory.reorder import DeliveryDialog, ReorderDialog
from desktop.screens.inventory.screen import InventoryScreen
from desktop.screens.inventory.stock_dialog import StockDialog
from desktop.widgets.dialogs import ReasonDialog
from tests.common.printing_support import decode_labels
from tests.desktop.conftest import ADMIN, MOMENT, NURSE, RECEPTION, Desk, child, modal
from tests.desktop.test_front_desk_day import router, wedge_scan


def stock_of(desk: Desk, who: str) -> dict[uuid.UUID, int]:
    with desk.db.context(desk.clinic_id, desk.actor(who)) as ctx:
        return {level.item_id: level.quantity for level in stock_levels(ctx)}


def coded_item(desk: Desk) -> tuple[uuid.UUID, str]:
    """A stock item (not a medicine) and its clinic code."""
    with desk.db.session(desk.clinic_id) as session:
        mapping = session.scalars(
            select(BarcodeMapping)
            .where(
                BarcodeMapping.entity_type == BarcodeEntityType.INVENTORY, BarcodeMapping.is_active.is_(True)
            )
            .order_by(BarcodeMapping.barcode_value)
        ).first()
        assert mapping is not None
        return mapping.entity_id, mapping.barcode_value


def open_inventory(desk: Desk, who: str) -> InventoryScreen:
    desk.sign_in(who)
    desk.wait_state("desk")
    screen = desk.screen("inventory", InventoryScreen)
    desk.wait_idle()
    assert screen.view is not None
    return screen


def view_of(screen: InventoryScreen) -> InventoryView:
    assert screen.view is not None
    return screen.view


def sheet_of(screen: InventoryScreen) -> SheetReady:
    assert screen.last_sheet is not None
    return screen.last_sheet


def chosen(screen: InventoryScreen) -> ItemRow:
    item = screen.current()
    assert item is not None
    return item


def reorder_row(desk: Desk, reorder_id: uuid.UUID) -> ReorderRequest:
    with desk.db.session(desk.clinic_id) as session:
        row = session.get(ReorderRequest, (desk.clinic_id, reorder_id))
        assert row is not None
        session.expunge(row)
        return row


def row_text(screen: InventoryScreen, item_id: uuid.UUID, column: int) -> str:
    number = screen.model.find(lambda row: row.id == item_id)
    assert number >= 0
    return str(screen.model.index(number, column).data())


def test_a_scanned_item_opens_its_stock_dialog_and_receiving_ten_adds_ten(desk: Desk, qtbot):
    desk.sign_in(NURSE)
    desk.wait_state("desk")
    window = desk.window
    window.go("today")
    desk.wait_idle()
    item_id, code = coded_item(desk)
    before = stock_of(desk, NURSE)[item_id]

    with qtbot.waitSignal(router(desk).sig_handled, timeout=10_000) as handled:
        wedge_scan(window, code)
    assert handled.args == ["adjust_stock", item_id]
    assert window.current_key() == "inventory"
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), StockDialog), timeout=10_000)
    dialog = modal(StockDialog)
    assert dialog.item.id == item_id and dialog.chosen_move is Move.RECEIVE
    assert dialog.scan_badge.isVisible()
    assert dialog.quantity.value() == 1

    # Scanning the same box again while the dialog is open counts one more.
    with qtbot.waitSignal(router(desk).sig_handled, timeout=10_000):
        wedge_scan(window, code)
    qtbot.waitUntil(lambda: dialog.quantity.value() == 2, timeout=10_000)
    assert QApplication.activeModalWidget() is dialog

    dialog.quantity.setValue(10)
    dialog.reason.setEditText("Delivery from the supplier")
    with qtbot.waitSignal(desk.app.runner.sig_changed, timeout=10_000):
        qtbot.keyClick(dialog.quantity, Qt.Key.Key_Return)  # Enter confirms
    assert stock_of(desk, NURSE)[item_id] == before + 10
    screen = desk.screen("inventory", InventoryScreen)
    desk.wait_idle()
    qtbot.waitUntil(lambda: row_text(screen, item_id, 2).startswith(f"{before + 10:,}"), timeout=10_000)
    assert screen.message.isVisible() and f"{before + 10:,}" in screen.message.text.text()
    qtbot.waitUntil(lambda: screen.detail.history.rowCount() > 0, timeout=10_000)
    newest = screen.detail.history.row_at(0)
    assert (newest.quantity, newest.reason) == (10, "Delivery from the supplier")


def test_a_correction_needs_a_reason_asked_for_next_to_its_field(desk: Desk, qtbot):
    screen = open_inventory(desk, RECEPTION)
    item = chosen(screen)
    dialog = screen.open_stock(move=Move.ADJUST)
    assert dialog is not None and dialog.chosen_move is Move.ADJUST
    assert not dialog.quantity.isVisible() or dialog.counted.isVisibleTo(dialog)
    dialog.counted.setValue(item.quantity - 3)
    assert "-3" in dialog.after.text()
    dialog.confirm.click()
    error = child(dialog, QLabel, "error_reason")
    qtbot.waitUntil(lambda: not error.isHidden(), timeout=10_000)
    assert error.text() == ReasonRequired().translated("en")
    assert stock_of(desk, RECEPTION)[item.id] == item.quantity
    qtbot.keyClicks(dialog.reason.lineEdit(), "Stock count")
    with qtbot.waitSignal(desk.app.runner.sig_changed, timeout=10_000):
        qtbot.keyClick(dialog.reason.lineEdit(), Qt.Key.Key_Return)  # Enter in the reason confirms too
    assert stock_of(desk, RECEPTION)[item.id] == item.quantity - 3


def test_the_low_stock_filter_and_search_by_code(desk: Desk, qtbot):
    screen = open_inventory(desk, RECEPTION)
    # A receptionist moves stock but does not manage items or approve orders: no buttons for that.
    assert not screen.new_button.isVisible() and not screen.new_item()
    assert not screen.ordered_button.isVisibleTo(screen) and not screen.cancel_button.isVisibleTo(screen)
    assert screen.detail.move_buttons[Move.RECEIVE].isVisibleTo(screen)
    with desk.db.context(desk.clinic_id, desk.actor(RECEPTION)) as ctx:
        low = {level.item_id for level in low_stock(ctx)}
    assert low, "the demo clinic has items at or below their minimum"
    screen.show_low_only()
    assert {row.id for row in screen.model.rows} == low
    assert screen.low_figure.value.text() == str(len(low))
    screen.filter.setCurrentIndex(screen.filter.findText("Medicine"))
    assert screen.model.rows and all(row.category is InventoryCategory.MEDICINE for row in screen.model.rows)
    screen.filter.setCurrentIndex(0)
    assert screen.model.rowCount() == len(view_of(screen).items) > len(low)

    item_id, code = coded_item(desk)
    desk.window.activateWindow()
    assert screen.focus_search()  # what Ctrl+F does on this screen
    qtbot.waitUntil(lambda: QApplication.focusWidget() is screen.search, timeout=5_000)
    qtbot.keyClicks(screen.search, code[-8:])
    qtbot.waitUntil(lambda: [row.id for row in screen.model.rows] == [item_id], timeout=5_000)
    screen.search.clear()
    qtbot.keyClicks(screen.search, code)
    qtbot.keyClick(screen.search, Qt.Key.Key_Return)  # a typed code opens the stock dialog like a scan
    dialog = modal(StockDialog)
    assert dialog.item.id == item_id
    dialog.reject()


def test_a_reorder_from_request_to_delivery(desk: Desk, qtbot):
    screen = open_inventory(desk, ADMIN)
    item = next(row for row in view_of(screen).items if not row.is_low and row.on_order == 0)
    screen.current_id = item.id
    screen._show()
    screen.reorder()
    dialog = modal(ReorderDialog)
    assert dialog.quantity.value() == item.suggested_order
    dialog.quantity.setValue(25)
    with qtbot.waitSignal(desk.app.runner.sig_changed, timeout=10_000):
        qtbot.keyClick(dialog.quantity, Qt.Key.Key_Return)
    desk.wait_idle()
    with desk.db.session(desk.clinic_id) as session:
        request = session.scalars(select(ReorderRequest).where(ReorderRequest.item_id == item.id)).one()
    assert (request.quantity, request.status) == (25, ReorderStatus.REQUESTED)
    qtbot.waitUntil(lambda: getattr(view_of(screen).item(item.id), "on_order", 0) == 25, timeout=10_000)

    screen.tabs.setCurrentIndex(1)
    number = screen.reorder_model.find(lambda row: row.id == request.id)
    screen.reorders.selectRow(number)
    assert screen.ordered_button.isEnabled()
    with qtbot.waitSignal(desk.app.runner.sig_changed, timeout=10_000):
        screen.ordered_button.click()
    desk.wait_idle()
    number = screen.reorder_model.find(lambda row: row.id == request.id)
    screen.reorders.selectRow(number)
    screen.delivery_button.click()
    delivery = modal(DeliveryDialog)
    assert delivery.quantity.value() == 25
    delivery.quantity.setValue(24)
    before = stock_of(desk, ADMIN)[item.id]
    with qtbot.waitSignal(desk.app.runner.sig_changed, timeout=10_000):
        delivery.confirm.click()
    assert stock_of(desk, ADMIN)[item.id] == before + 24
    assert reorder_row(desk, request.id).status is ReorderStatus.RECEIVED
    desk.wait_idle()

    # Cancelling another request asks why first (the reason dialog is its confirmation).
    number = screen.reorder_model.find(lambda row: row.is_open)
    assert number >= 0
    screen.reorders.selectRow(number)
    other = screen.chosen_request()
    assert other is not None and other.is_open
    screen.cancel_button.click()
    reason = modal(ReasonDialog)
    ok = child(reason, QPushButton, "reason_ok")
    assert not ok.isEnabled()  # no reason, no cancellation
    reason.reason.setEditText("Ordered by mistake")
    with qtbot.waitSignal(desk.app.runner.sig_changed, timeout=10_000):
        ok.click()
    cancelled = reorder_row(desk, other.id)
    assert cancelled.status is ReorderStatus.CANCELLED and "Ordered by mistake" in (cancelled.notes or "")
    assert not isinstance(QApplication.activeModalWidget(), QMessageBox)


def test_a_new_item_refuses_a_taken_sku_next_to_the_field_then_gets_a_code(desk: Desk, qtbot):
    screen = open_inventory(desk, ADMIN)
    taken = view_of(screen).items[0].sku
    assert screen.new_item()  # what Ctrl+N does on this screen
    editor = modal(ItemEditor)
    qtbot.keyClicks(editor.name, "Microcannula 27G")
    qtbot.keyClicks(editor.sku, taken.lower())
    editor.minimum.setValue(10)
    qtbot.keyClick(editor.name, Qt.Key.Key_Return)
    error = child(editor, QLabel, "error_sku")
    qtbot.waitUntil(lambda: not error.isHidden(), timeout=10_000)
    assert error.text() == DuplicateSku(sku=taken.lower()).translated("en")
    editor.sku.setText("CON-MCN-27G")
    with qtbot.waitSignal(editor.sig_saved, timeout=10_000):
        editor.save.click()
    desk.wait_idle()
    with desk.db.session(desk.clinic_id) as session:
        made = session.scalars(select(InventoryItem).where(InventoryItem.sku == "CON-MCN-27G")).one()
        codes = session.scalars(select(BarcodeMapping).where(BarcodeMapping.entity_id == made.id)).all()
    assert made.minimum_quantity == 10 and len(codes) == 1
    qtbot.waitUntil(lambda: getattr(screen.current(), "id", None) == made.id, timeout=10_000)
    assert chosen(screen).code == codes[0].barcode_value


def test_shelf_labels_pdf_decodes_back_to_the_items_code(desk: Desk, qtbot):
    screen = open_inventory(desk, RECEPTION)
    item_id, code = coded_item(desk)
    screen.current_id = item_id
    screen._show()
    screen.print_labels(only_current=True)
    dialog = modal(SheetDialog)
    dialog.copies.setValue(3)
    dialog.make.click()
    qtbot.waitUntil(lambda: screen.last_sheet is not None, timeout=20_000)
    path = Path(sheet_of(screen).path)
    sheet_of(screen).reject()
    labels = decode_labels(path.read_bytes(), SHEETS["L7160"])
    filled = [codes for codes in labels if codes]
    assert len(filled) == 3
    assert all(set(codes) == {("CODE128", code), ("QRCODE", code)} for codes in filled), (filled, code)


def test_on_an_enrolled_replica_every_stock_and_catalog_change_is_queued_for_the_server(
    demo_template, tmp_path
):
    """The desk intents carry exactly what their sync intents take: each one, performed on a
    replica enrolled with a server, is applied and lands in the outbox with the ids made here."""
    template, clinic_id = demo_template
    shutil.copyfile(template, tmp_path / "replica.db")
    engine = create_database_engine(sqlite_url(tmp_path / "replica.db"))
    db = Database(engine, clock=FrozenClock(MOMENT))
    with db.engine.begin() as connection:
        state.put(connection, state.CLINIC_ID, str(clinic_id))
    with db.session(clinic_id) as session:
        admin = session.scalars(select(StaffUser).where(StaffUser.role == Role.ADMIN)).first()
        item = session.scalars(select(InventoryItem).order_by(InventoryItem.name)).first()
        assert admin is not None and item is not None
        actor, item_id = Actor.staff(admin.id, admin.role), item.id
    values = treatment_values(
        name="Exosome mist",
        duration_minutes=30,
        base_price=Decimal("3200"),
        kind=None,
        category_id=None,
        description=None,
        instructions=None,
        cautions=["Not on broken skin."],
        advantages=[],
        recommended_for=[],
        requires_doctor_approval=False,
        materials=[(item_id, 1)],
        follow_up_interval_days=None,
        next_treatment_id=None,
    )
    values["kind"] = "Cosmetic"
    treatment_id = perform(db, clinic_id, actor, create_treatment(values))
    perform(db, clinic_id, actor, edit_treatment(treatment_id, {"base_price": "3500"}))
    moved = perform(db, clinic_id, actor, move_stock(item_id, Move.RECEIVE, 10, reason=None))
    perform(db, clinic_id, actor, move_stock(item_id, Move.ADJUST, -2, reason="Stock count"))
    perform(db, clinic_id, actor, request_reorder(item_id, 30, supplier=None, notes=None))
    with db.session(None) as session:
        queued = list(session.scalars(select(SyncOutbox).order_by(SyncOutbox.n)))
    assert [row.intent for row in queued] == [
        "create_treatment",
        "update_treatment_catalog",
        "receive_stock",
        "adjust_stock",
        "request_reorder",
    ]
    assert queued[0].args["item_id"] == str(treatment_id) and queued[0].args["barcode_value"]
    assert (moved.item_id, moved.quantity) == (item_id, 10)
    engine.dispose()
