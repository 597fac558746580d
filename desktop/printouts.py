"""Printouts from the desk's screens (a payment's receipt, a patient's card).

They print as the Reports screen's printables do (desktop/screens/reports/printables.py): made by
common/printing on the worker, then the system's print dialog on the document's own paper (the
clinic's page or the 80 mm till roll for a receipt, as the print settings say; an ID-1 card), and
printed on the worker. The dialog's PDF destination saves the document instead.

Label sheets are files (desktop/screens/catalog/sheets.py): they go to a private temporary folder.
"""

from __future__ import annotations

import importlib
import tempfile
import uuid
from collections.abc import Callable
from functools import cache
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMainWindow, QWidget

from common.qt.i18n import _
from desktop.desk import Desk

SENT_SHOWN_MS = 8_000


@cache
def _printing() -> object | None:
    try:
        return importlib.import_module("common.printing.service")
    except ImportError:
        return None


def available(kind: str) -> bool:
    """Whether the printable `kind` ("patient_card", "receipt") can be made."""
    module = _printing()
    return module is not None and callable(getattr(module, kind, None))


@cache
def _folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="clinic-desk-print-"))


def save_and_open(data: bytes, name: str, *, open_file: bool = True) -> Path:
    path = _folder() / f"{name}.pdf"
    path.write_bytes(data)
    path.chmod(0o600)
    if open_file:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
    return path


def print_document(
    desk: Desk,
    kind: str,
    record_id: uuid.UUID,
    parent: QWidget | None = None,
    on_done: Callable[[int], None] | None = None,
) -> None:
    """Make the printable `kind` of a record (a patient's card, a payment's receipt) and print it
    through the print dialog; the window's status bar says when it went to the printer."""
    if not available(kind):
        return
    # Qt's print support and pdfium load with the first printout, not with every screen.
    from desktop.screens.reports.printables import print_printable

    def sent(count: int) -> None:
        tell_sent(parent, count)
        if on_done is not None:
            on_done(count)

    print_printable(desk, kind, record_id, parent, on_done=sent)


def tell_sent(parent: QWidget | None, count: int) -> None:
    window = parent.window() if parent is not None else None
    if isinstance(window, QMainWindow):
        text = (
            _("Sent 1 page to the printer.")
            if count == 1
            else _("Sent %(count)s pages to the printer.", count=count)
        )
        window.statusBar().showMessage(text, SENT_SHOWN_MS)
