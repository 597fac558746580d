"""Printouts (patient cards, receipts) as PDF files opened in the system's viewer, which prints.

The printables are made by common/printing on the worker; the file goes to a private temporary
folder (it holds a patient's details) and the system opens it.
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
from PySide6.QtWidgets import QWidget

from common.context import ServiceContext
from common.qt.i18n import language
from desktop.desk import Desk


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
    on_saved: Callable[[Path], None] | None = None,
) -> None:
    """Make the printable `kind` of a record (a patient's card, a payment's receipt) and open it."""
    module = _printing()
    make = getattr(module, kind, None) if module is not None else None
    if not callable(make):
        return
    locale = language().locale

    def build(ctx: ServiceContext) -> bytes:
        data = make(ctx, record_id, locale=locale)
        return data if isinstance(data, bytes) else bytes(data)

    def saved(data: bytes) -> None:
        path = save_and_open(data, f"{kind}-{record_id.hex[:12]}")
        if on_saved is not None:
            on_saved(path)

    desk.read(build, name=f"print.{kind}", on_success=saved, parent=parent)
