"""Label sheets from the desk (treatment barcodes, inventory labels): choose what to print and on
which sheet; the PDF is made by common/printing and written to the desk's private print folder on
the database worker; then the desk offers to open it (the system viewer prints) or save a copy."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from common.context import ServiceContext
from common.database import Database
from common.i18n import N_
from common.qt.i18n import _
from desktop import printouts
from desktop.desk import Desk
from desktop.widgets.common import Banner, button, label, select_data

# (grid name as common/printing knows it, msgid of its description)
SHEET_CHOICES: Final = (
    ("L7160", N_("Avery L7160 · A4, 21 labels")),
    ("L7163", N_("Avery L7163 · A4, 14 labels")),
    ("5160", N_("Avery 5160 · Letter, 30 labels")),
)
_PAGE: Final = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


@dataclass(frozen=True)
class SheetRequest:
    scope: str  # a key the caller offered
    sheet: str
    copies: int
    outlines: bool


class SheetDialog(QDialog):
    """What to print (the caller's scopes, e.g. this treatment / this category / all) and how."""

    sig_chosen = Signal(object)  # SheetRequest

    def __init__(
        self,
        parent: QWidget | None,
        title: str,
        scopes: Sequence[tuple[str, str]],  # (key, text shown)
        *,
        letter: bool,
        copies: bool = False,
    ) -> None:
        super().__init__(parent.window() if parent is not None else None)
        self.setObjectName("sheet_dialog")
        self.setModal(True)
        self.setWindowTitle(title)
        self.setMinimumWidth(440)
        self.scope_group = QButtonGroup(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 16)
        layout.setSpacing(10)
        heading = label(title, "heading")
        layout.addWidget(heading)
        self.scopes: dict[str, QRadioButton] = {}
        for number, (key, text) in enumerate(scopes):
            radio = QRadioButton(text)
            radio.setObjectName(f"sheet_scope_{key}")
            radio.setAccessibleName(text)
            self.scope_group.addButton(radio, number)
            self.scopes[key] = radio
            layout.addWidget(radio)
        if scopes:
            self.scopes[scopes[0][0]].setChecked(True)
        self.sheet = QComboBox()
        self.sheet.setObjectName("sheet_kind")
        for name, msgid in SHEET_CHOICES:
            self.sheet.addItem(_(msgid), name)
        select_data(self.sheet, "5160" if letter else "L7160")
        self.copies = QSpinBox()
        self.copies.setObjectName("sheet_copies")
        self.copies.setRange(1, 100)
        self.outlines = QCheckBox(_("Print the label outlines (a test on plain paper)"))
        self.outlines.setObjectName("sheet_outlines")
        form = QFormLayout()
        form.addRow(label(_("Label sheet")), self.sheet)
        if copies:
            form.addRow(label(_("Copies of each")), self.copies)
        else:
            self.copies.hide()
        form.addRow("", self.outlines)
        layout.addLayout(form)
        self.sheet.setAccessibleName(_("Label sheet"))
        self.copies.setAccessibleName(_("Copies of each"))
        self.make = button(_("Make the sheet"), primary=True, icon_name="print", on_click=self.accept)
        self.make.setObjectName("sheet_make")
        self.make.setDefault(True)
        cancel = button(_("Cancel"), on_click=self.reject)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(cancel)
        row.addWidget(self.make)
        layout.addLayout(row)

    def request(self) -> SheetRequest:
        scope = next((key for key, radio in self.scopes.items() if radio.isChecked()), "")
        return SheetRequest(
            scope, str(self.sheet.currentData()), self.copies.value(), self.outlines.isChecked()
        )

    def accept(self) -> None:
        chosen = self.request()
        super().accept()
        self.sig_chosen.emit(chosen)


class SheetReady(QDialog):
    """The PDF is made: open it (the system's viewer prints it) or save a copy."""

    sig_saved = Signal(object)  # Path of the copy

    def __init__(self, desk: Desk, path: Path, pages: int, title: str, parent: QWidget | None) -> None:
        super().__init__(parent.window() if parent is not None else None)
        self.setObjectName("sheet_ready")
        self.setModal(True)
        self.setWindowTitle(title)
        self.desk = desk
        self.path = path
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 16)
        layout.setSpacing(10)
        layout.addWidget(label(title, "heading"))
        text = label(
            _(
                "The labels are ready to print: %(pages)s pages. Open them to print, or save a copy.",
                pages=pages,
            ),
            wrap=True,
        )
        layout.addWidget(text)
        self.message = Banner("success")
        self.message.setObjectName("sheet_saved")
        self.message.hide()
        layout.addWidget(self.message)
        self.open_button = button(
            _("Open to print"), primary=True, icon_name="print", on_click=self.open_file
        )
        self.open_button.setObjectName("sheet_open")
        self.open_button.setDefault(True)
        self.save_button = button(_("Save a copy…"), on_click=self.ask_where)
        self.save_button.setObjectName("sheet_save")
        close = button(_("Close"), on_click=self.reject)
        row = QHBoxLayout()
        row.addWidget(self.save_button)
        row.addStretch(1)
        row.addWidget(close)
        row.addWidget(self.open_button)
        layout.addLayout(row)

    def open_file(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.path)))
        self.accept()

    def ask_where(self) -> None:
        chooser = QFileDialog(self, _("Save a copy"), str(Path.home() / self.path.name), "PDF (*.pdf)")
        chooser.setObjectName("sheet_save_as")
        chooser.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        chooser.setDefaultSuffix("pdf")
        chooser.fileSelected.connect(lambda chosen: self.save_to(Path(chosen)))
        chooser.open()

    def save_to(self, target: Path) -> None:
        source = self.path

        def copy(_db: Database) -> Path:
            shutil.copyfile(source, target)
            return target

        self.desk.runner.run(copy, name="print.save_copy", on_success=self._saved, parent=self)

    def _saved(self, target: Path) -> None:
        self.message.set_text(_("Saved to %(path)s.", path=str(target)))
        self.message.show()
        self.sig_saved.emit(target)


def make_sheet(
    desk: Desk,
    build: Callable[[ServiceContext], bytes],
    name: str,
    title: str,
    parent: QWidget,
    on_ready: Callable[[SheetReady], None] | None = None,
) -> None:
    """Make the PDF and write it to the private print folder (both on the worker), then offer it."""

    def operation(ctx: ServiceContext) -> tuple[Path, int]:
        data = build(ctx)
        path = printouts.save_and_open(data, name, open_file=False)
        return path, max(1, len(_PAGE.findall(data)))

    def ready(result: tuple[Path, int]) -> None:
        path, pages = result
        dialog = SheetReady(desk, path, pages, title, parent)
        dialog.open()
        if on_ready is not None:
            on_ready(dialog)

    desk.read(operation, name=f"print.{name.split('-')[0]}", on_success=ready, parent=parent)
