"""What a scan does, anywhere in the desk: a patient's card opens the patient and checks them in
when they have an appointment to check in today; a treatment code fills the treatment form; an
inventory code opens the stock dialog of the Inventory screen.

The scanner is common/qt/scanner.py's keyboard-wedge listener (`sig_scanned(str)`); a code typed
into the Check-in screen's field is handled the same way.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from common.access.permissions import Permission
from common.barcodes.scanning import ScanAction, ScanResult
from common.qt.i18n import _
from desktop.actions import check_patient_in, scan
from desktop.desk import Desk

if TYPE_CHECKING:
    from common.qt.scanner import WedgeScanner

log = logging.getLogger(__name__)


def make_scanner(parent: QObject | None = None) -> WedgeScanner | None:
    """The app-wide keyboard-wedge scanner (common/qt/scanner.py), listening; None if it cannot
    load (the desk still works: codes can be typed on the Check-in screen)."""
    try:
        from common.qt.scanner import WedgeScanner as Scanner
    except ImportError:
        log.exception("the barcode scanner listener could not be loaded")
        return None
    scanner = Scanner(parent)
    scanner.install()
    return scanner


class ScanRouter(QObject):
    """Turns scanned values into the desk's next step."""

    sig_handled = Signal(str, object)  # the action taken, the patient / item id
    sig_message = Signal(str)  # what happened, for the status bar

    def __init__(self, desk: Desk, is_locked: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self._is_locked = is_locked

    def handle(self, value: str) -> None:
        if not self.desk.signed_in or self._is_locked():
            return
        self.desk.write(scan(value), on_success=self._resolved)

    def _resolved(self, result: ScanResult) -> None:
        entity = result.entity_id
        if result.action is ScanAction.CHECK_IN and result.appointment_id is not None and entity is not None:
            if self.desk.can(Permission.APPOINTMENT_CHECK_IN):
                self._check_in(entity, result.appointment_id)
                return
            self._open_patient(entity)
        elif result.action is ScanAction.OPEN_PATIENT and entity is not None:
            self._open_patient(entity)
        elif result.action is ScanAction.FILL_TREATMENT and entity is not None:
            self.desk.navigate("treatments", catalog_item_id=entity, scanned=True)
            self.sig_handled.emit("fill_treatment", entity)
        elif result.action is ScanAction.ADJUST_STOCK and entity is not None:
            self.desk.navigate("inventory", item_id=entity, scanned=True)
            self.sig_handled.emit("adjust_stock", entity)

    def _check_in(self, patient_id: uuid.UUID, appointment_id: uuid.UUID) -> None:
        def checked_in(_result: object) -> None:
            self.desk.navigate("patients", patient_id=patient_id)
            self.sig_message.emit(_("Checked in. The patient is in the waiting room."))
            self.sig_handled.emit("check_in", patient_id)

        self.desk.write(check_patient_in(appointment_id), on_success=checked_in)

    def _open_patient(self, patient_id: uuid.UUID) -> None:
        self.desk.navigate("patients", patient_id=patient_id)
        self.sig_handled.emit("open_patient", patient_id)
