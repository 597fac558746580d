"""Print… for the desk's printables (a receipt, a patient card): made by common/printing on the
worker, then sent through the system's print dialog on the document's own paper (A4 or Letter, a
card, or a till roll), and printed on the worker."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter
from PySide6.QtWidgets import QWidget

from common.context import ServiceContext
from common.database import Database
from common.printing import service
from common.qt.i18n import language
from common.qt.operations import Progress
from desktop.desk import Desk
from desktop.screens.reports import pages

DoneFn = Callable[[int], None]  # pages sent


def ask_printer(parent: QWidget, printer: QPrinter, page_count: int) -> bool:
    """The system's print dialog (modal); True when the person chose Print."""
    dialog = QPrintDialog(printer, parent)
    dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintPageRange, page_count > 1)
    dialog.setMinMax(1, max(page_count, 1))
    return dialog.exec() == QPrintDialog.DialogCode.Accepted


def print_printable(
    desk: Desk, kind: str, record_id: uuid.UUID, parent: QWidget, *, on_done: DoneFn | None = None
) -> None:
    """Make the printable `kind` ("receipt", "patient_card", "invoice") of a record and print it."""
    make = getattr(service, kind)
    locale = language().locale

    def build(ctx: ServiceContext) -> bytes:
        data = make(ctx, record_id, locale=locale)
        return data if isinstance(data, bytes) else bytes(data)

    def built(pdf: bytes) -> None:
        print_pdf_bytes(desk, pdf, kind, parent, on_done=on_done)

    desk.read(build, name=f"print.{kind}", on_success=built, parent=parent)


def print_pdf_bytes(
    desk: Desk, pdf: bytes, title: str, parent: QWidget, *, on_done: DoneFn | None = None
) -> bool:
    """Ask for a printer (set to the document's paper) and print on the worker; False if not printed."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageSize(pages.pdf_page_size(pdf))
    printer.setDocName(title)
    printer.setFullPage(True)
    if not ask_printer(parent, printer, pages.page_count(pdf)):
        return False

    def operation(_db: Database, progress: Progress) -> int:
        return pages.print_pdf(pdf, printer, cancelled=lambda: progress.cancelled)

    desk.runner.run(operation, name=f"print.{title}", on_success=on_done, parent=parent)
    return True
