"""Print… for the desk's printables (a receipt, a patient card, an invoice): made by common/printing
on the worker, then sent through the system's print dialog on the document's own paper (the
clinic's A4 or Letter, an 80 mm till roll as the print settings choose, or an ID-1 card), and
printed on the worker. The dialog's PDF destination ("Print to file", "Save as PDF") gets the
document itself, its text still text."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from PySide6.QtCore import QSizeF
from PySide6.QtGui import QPageLayout, QPageSize
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter
from PySide6.QtWidgets import QWidget

from common.context import ServiceContext
from common.database import Database
from common.i18n import N_
from common.printing import service
from common.qt.i18n import _, language
from common.qt.operations import Progress
from desktop.desk import Desk
from desktop.screens.reports import pages

DoneFn = Callable[[int], None]  # pages sent

# The name the print queue shows (never the patient's).
DOCUMENT_NAMES: Final = {
    "receipt": N_("Receipt"),
    "invoice": N_("Invoice"),
    "patient_card": N_("Patient card"),
}


@dataclass(frozen=True)
class Printable:
    """A made document, measured on the worker: the dialog opens without reading the PDF again."""

    pdf: bytes
    kind: str
    width: float  # of the first page, in points
    height: float
    page_count: int

    @property
    def landscape(self) -> bool:
        return self.width > self.height


def measure(pdf: bytes, kind: str) -> Printable:
    width, height = pages.first_page_points(pdf)
    return Printable(pdf, kind, width, height, pages.page_count(pdf))


def ask_printer(parent: QWidget | None, printer: QPrinter, page_count: int) -> bool:
    """The system's print dialog (modal); True when the person chose Print."""
    dialog = QPrintDialog(printer, parent)
    dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintPageRange, page_count > 1)
    dialog.setMinMax(1, max(page_count, 1))
    return dialog.exec() == QPrintDialog.DialogCode.Accepted


def print_printable(
    desk: Desk,
    kind: str,
    record_id: uuid.UUID,
    parent: QWidget | None,
    *,
    on_done: DoneFn | None = None,
) -> None:
    """Make the printable `kind` ("receipt", "patient_card", "invoice") of a record and print it."""
    make = getattr(service, kind)
    locale = language().locale

    def build(ctx: ServiceContext) -> Printable:
        data = make(ctx, record_id, locale=locale)
        return measure(data if isinstance(data, bytes) else bytes(data), kind)

    def built(printable: Printable) -> None:
        print_measured(desk, printable, parent, on_done=on_done)

    desk.read(build, name=f"print.{kind}", on_success=built, parent=parent)


def prepare_printer(printer: QPrinter, printable: Printable) -> None:
    """The document's own paper, as printers define it: portrait, turned for a landscape page (a
    patient card is an ID-1 card printed across)."""
    short, long = sorted((printable.width, printable.height))
    size = QSizeF(short, long)
    printer.setPageSize(QPageSize(size, QPageSize.Unit.Point, "", QPageSize.SizeMatchPolicy.FuzzyMatch))
    orientation = (
        QPageLayout.Orientation.Landscape if printable.landscape else QPageLayout.Orientation.Portrait
    )
    printer.setPageOrientation(orientation)
    printer.setDocName(_(DOCUMENT_NAMES.get(printable.kind, N_("Document"))))
    printer.setFullPage(True)


def print_measured(
    desk: Desk, printable: Printable, parent: QWidget | None, *, on_done: DoneFn | None = None
) -> bool:
    """Ask for a printer (set to the document's paper) and print on the worker; False if not printed."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    prepare_printer(printer, printable)
    if not ask_printer(parent, printer, printable.page_count):
        return False
    pdf = printable.pdf

    def operation(_db: Database, progress: Progress) -> int:
        return pages.print_pdf(pdf, printer, cancelled=lambda: progress.cancelled)

    desk.runner.run(operation, name=f"print.{printable.kind}", on_success=on_done, parent=parent)
    return True
