"""Catalog, driven through the real windows: a treatment created with a caution appears with the
caution shown first and a code to print; refusals show under their field, translated; an edit
sends only what changed; deactivating asks first; categories file treatments; readers cannot edit;
the barcode sheet's PDF decodes back to the treatment's code."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QMessageBox, QPushButton, QSpinBox
from sqlalchemy import select

from common.barcodes.models import BarcodeEntityType, BarcodeMapping
from common.catalog.errors import DuplicateTreatmentName
from common.catalog.models import TreatmentCatalogItem, TreatmentCategory
from common.payments.money import InvalidAmount
from common.printing.pages import SHEETS
from common.qt.i18n import language
from desktop.actions import Intent
from desktop.screens.catalog.category import CategoryEditor
from desktop.screens.catalog.editor import TreatmentEditor
from desktop.screens.catalog.reads import CatalogView
from desktop.screens.catalog.screen import CatalogScreen
from desktop.screens.catalog.sheets import SheetDialog, SheetReady
from tests.common.printing_support import decode_labels
from tests.desktop.conftest import ADMIN, MANAGER, NURSE, Desk, child, modal


def open_catalog(desk: Desk, who: str) -> CatalogScreen:
    desk.sign_in(who)
    desk.wait_state("desk")
    screen = desk.screen("catalog", CatalogScreen)
    desk.wait_idle()
    assert screen.view is not None
    return screen


def treatment_named(desk: Desk, name: str) -> TreatmentCatalogItem:
    with desk.db.session(desk.clinic_id) as session:
        item = session.scalars(select(TreatmentCatalogItem).where(TreatmentCatalogItem.name == name)).one()
        session.expunge(item)
        return item


def error_line(dialog, key: str) -> QLabel:
    return child(dialog, QLabel, f"error_{key}")


def view_of(screen: CatalogScreen) -> CatalogView:
    assert screen.view is not None
    return screen.view


def sheet_of(screen: CatalogScreen) -> SheetReady:
    assert screen.last_sheet is not None
    return screen.last_sheet


def test_a_new_treatment_with_a_caution_appears_with_the_caution_first(desk: Desk, qtbot):
    screen = open_catalog(desk, ADMIN)
    stock = view_of(screen).stock[0]
    assert screen.new_item()  # what Ctrl+N does on this screen
    editor = modal(TreatmentEditor)
    qtbot.keyClicks(editor.name, "Skin booster - Profhilo")
    qtbot.keyClicks(editor.price, "12800")
    editor.duration.setValue(45)
    editor.cautions.setPlainText("Not during pregnancy or breastfeeding.\nNo alcohol for 24 hours.")
    editor.instructions.setPlainText("Avoid make-up for 12 hours.")
    editor.follow_up.setValue(28)
    picker, amount = editor.materials.cellWidget(0, 0), editor.materials.cellWidget(0, 1)
    assert isinstance(picker, QComboBox) and isinstance(amount, QSpinBox)
    picker.setCurrentIndex(picker.findText(f"{stock.name} ({stock.sku})"))
    amount.setValue(2)
    with qtbot.waitSignal(editor.sig_saved, timeout=10_000):
        qtbot.keyClick(editor.name, Qt.Key.Key_Return)  # Enter saves
    desk.wait_idle()

    made = treatment_named(desk, "Skin booster - Profhilo")
    assert made.cautions == ["Not during pregnancy or breastfeeding.", "No alcohol for 24 hours."]
    assert made.default_inventory_items == [{"item_id": str(stock.id), "quantity": 2}]
    assert (made.duration_minutes, made.follow_up_interval_days) == (45, 28)
    with desk.db.session(desk.clinic_id) as session:
        code = session.scalars(
            select(BarcodeMapping.barcode_value).where(
                BarcodeMapping.entity_id == made.id, BarcodeMapping.entity_type == BarcodeEntityType.TREATMENT
            )
        ).one()
    qtbot.waitUntil(lambda: screen.current_id == made.id and screen.detail.row is not None, timeout=10_000)
    assert screen.detail.row is not None and screen.detail.row.id == made.id
    assert screen.model.find(lambda row: row.id == made.id) >= 0
    assert screen.detail.cautions.isVisible()
    assert "No alcohol for 24 hours." in screen.detail.cautions.text.text()
    assert screen.detail.cautions.text.font().bold()
    assert stock.name in screen.detail.sections["materials"][1].text()
    assert screen.detail.code_text.text().replace("-", "") == code
    assert screen.message.isVisible()


def test_refusals_show_translated_next_to_their_field(desk: Desk, qtbot):
    screen = open_catalog(desk, MANAGER)
    existing = view_of(screen).treatments[0].name
    language().set_locale("zh_TW")
    screen.new_item()
    editor = modal(TreatmentEditor)
    assert editor.save.text() != "Add treatment"  # the editor speaks Chinese too
    editor.name.setText(existing.upper())
    editor.price.setText("abc")
    editor.save.click()
    price_error = error_line(editor, "price")
    assert not price_error.isHidden()
    assert price_error.text() == InvalidAmount().translated("zh_TW") != InvalidAmount().translated("en")
    editor.price.setText("3000")
    editor.save.click()
    name_error = error_line(editor, "name")
    qtbot.waitUntil(lambda: not name_error.isHidden(), timeout=10_000)
    assert name_error.text() == DuplicateTreatmentName(name=existing.upper()).translated("zh_TW")
    assert error_line(editor, "price").isHidden()
    assert QApplication.activeModalWidget() is editor  # nothing saved, the form stays open
    editor.reject()


def test_an_edit_sends_only_the_fields_changed(desk: Desk, qtbot, monkeypatch):
    screen = open_catalog(desk, MANAGER)
    row = next(r for r in view_of(screen).treatments if r.cautions and r.materials)
    screen.current_id = row.id
    screen._show()
    screen.edit_treatment()
    editor = modal(TreatmentEditor)
    assert editor.cautions.toPlainText().splitlines() == list(row.cautions)
    editor.price.setText(str(int(row.price) + 500))
    sent: list[Intent] = []
    real_write = screen.desk.write

    def write(intent: Intent, **kw: Any) -> Any:
        sent.append(intent)
        return real_write(intent, **kw)

    monkeypatch.setattr(screen.desk, "write", write)
    with qtbot.waitSignal(editor.sig_saved, timeout=10_000):
        editor.save.click()
    assert [(i.name, dict(i.args["changes"])) for i in sent] == [
        ("update_treatment_catalog", {"base_price": str(int(row.price) + 500)})
    ]
    after = treatment_named(desk, row.name)
    assert int(after.base_price) == int(row.price) + 500
    assert after.cautions == list(row.cautions)


def test_deactivating_asks_first_and_hides_the_treatment(desk: Desk, qtbot):
    screen = open_catalog(desk, ADMIN)
    row = view_of(screen).treatments[-1]
    screen.current_id = row.id
    screen._show()
    screen.detail.active_button.click()
    box = QApplication.activeModalWidget()
    assert isinstance(box, QMessageBox)
    child(box, QPushButton, "confirm_no").click()
    assert treatment_named(desk, row.name).is_active
    screen.detail.active_button.click()
    box = QApplication.activeModalWidget()
    assert isinstance(box, QMessageBox)
    with qtbot.waitSignal(desk.app.runner.sig_changed, timeout=10_000):
        child(box, QPushButton, "confirm_yes").click()
    desk.wait_idle()
    assert not treatment_named(desk, row.name).is_active
    assert screen.model.find(lambda r: r.id == row.id) < 0
    screen.show_inactive.setChecked(True)
    assert screen.model.find(lambda r: r.id == row.id) >= 0
    screen.current_id = row.id
    screen._show()
    assert screen.detail.active_button.text() == "Reactivate"
    with qtbot.waitSignal(desk.app.runner.sig_changed, timeout=10_000):
        screen.detail.active_button.click()  # reactivating takes nothing away: no question
    assert treatment_named(desk, row.name).is_active


def test_categories_file_treatments_and_filter_the_list(desk: Desk, qtbot):
    screen = open_catalog(desk, MANAGER)
    screen.new_category()
    editor = modal(CategoryEditor)
    qtbot.keyClicks(editor.name, "Body contouring")
    editor.kind.setCurrentIndex(0)  # Cosmetic
    with qtbot.waitSignal(editor.sig_saved, timeout=10_000):
        qtbot.keyClick(editor.name, Qt.Key.Key_Return)
    desk.wait_idle()
    with desk.db.session(desk.clinic_id) as session:
        top = session.scalars(
            select(TreatmentCategory).where(TreatmentCategory.name == "Body contouring")
        ).one()
    assert screen.filter_key == top.id
    screen.new_category()  # with a top-level category chosen: a subcategory of it
    editor = modal(CategoryEditor)
    assert editor.parent_choice.currentData() == top.id
    qtbot.keyClicks(editor.name, "Cryolipolysis")
    with qtbot.waitSignal(editor.sig_saved, timeout=10_000):
        editor.save.click()
    desk.wait_idle()
    with desk.db.session(desk.clinic_id) as session:
        sub = session.scalars(
            select(TreatmentCategory).where(TreatmentCategory.name == "Cryolipolysis")
        ).one()
    assert sub.parent_id == top.id
    screen.new_item()
    treatment = modal(TreatmentEditor)
    assert treatment.category.currentData() == ("category", sub.id)  # filed where the list is
    qtbot.keyClicks(treatment.name, "CoolSculpting - abdomen")
    qtbot.keyClicks(treatment.price, "18000")
    with qtbot.waitSignal(treatment.sig_saved, timeout=10_000):
        treatment.save.click()
    desk.wait_idle()
    assert treatment_named(desk, "CoolSculpting - abdomen").subcategory == "Cryolipolysis"
    assert [row.name for row in screen.model.rows] == ["CoolSculpting - abdomen"]
    everything = screen.tree.topLevelItem(0)
    assert everything is not None
    screen.tree.setCurrentItem(everything)
    assert screen.model.rowCount() == len([row for row in view_of(screen).treatments if row.is_active])


def test_readers_see_the_catalog_without_edit_controls(desk: Desk, qtbot):
    screen = open_catalog(desk, NURSE)
    assert screen.read_only.isVisible()
    assert not screen.new_button.isVisible() and not screen.new_item()
    assert not screen.detail.edit_button.isVisible() and not screen.detail.active_button.isVisible()
    desk.window.activateWindow()
    assert screen.focus_search()  # what Ctrl+F does on this screen
    qtbot.waitUntil(lambda: QApplication.focusWidget() is screen.search, timeout=5_000)
    qtbot.keyClicks(screen.search, "botox")
    qtbot.waitUntil(lambda: 0 < screen.model.rowCount() < len(view_of(screen).treatments), timeout=5_000)
    assert all("botox" in row.name.lower() for row in screen.model.rows)


def test_the_barcode_sheet_decodes_back_to_the_treatments_code(desk: Desk, qtbot):
    screen = open_catalog(desk, NURSE)
    row = next(r for r in view_of(screen).treatments if r.code)
    screen.current_id = row.id
    screen._show()
    screen.detail.print_button.click()
    dialog = modal(SheetDialog)
    assert list(dialog.scopes) == ["one"]
    dialog.make.click()
    qtbot.waitUntil(lambda: screen.last_sheet is not None, timeout=20_000)
    path = Path(sheet_of(screen).path)
    sheet_of(screen).reject()
    labels = decode_labels(path.read_bytes(), SHEETS["L7160"])
    assert labels[0] == [("CODE128", row.code), ("QRCODE", row.code)]
    assert not any(labels[1:])
    assert uuid.UUID(str(row.id))
