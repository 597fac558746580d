"""What a scan does, anywhere in the desk: a patient's card opens the patient and checks them in
when they have an appointment to check in today; a treatment code fills the treatment form; an
inventory code opens the stock dialog of the Inventory screen.

Codes come from three scanners, all routed the same way (`ScanRouter`): the keyboard-wedge
listener (common/qt/scanner.py), a serial scanner when desktop.ini names its port
(common/qt/serial_scanner.py) and the camera dialog (desktop/camera_scan.py). A code typed into
the Check-in screen's field is handled the same way.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from PySide6.QtCore import QObject, Signal

from common.access.permissions import Permission
from common.barcodes.scanning import ScanAction, ScanResult
from common.errors import DomainError
from common.i18n import N_
from common.qt.i18n import _, language
from common.scanners.config import ConfigError
from desktop.actions import check_patient_in, scan
from desktop.desk import Desk

if TYPE_CHECKING:
    from common.qt.scanner import WedgeScanner
    from common.qt.serial_scanner import SerialScanner
    from desktop.preferences import Preferences

log = logging.getLogger(__name__)

WEDGE: Final = "keyboard_wedge"
SERIAL: Final = "serial"
CAMERA: Final = "camera"

# What the status bar says when the serial scanner's port changes state (common/scanners).
SERIAL_STATES: Final = {
    "connected": N_("The barcode scanner on %(port)s is connected."),
    "missing": N_(
        "The barcode scanner on %(port)s is not connected. Plug it in: the desk finds it by itself."
    ),
    "denied": N_(
        "This PC's user may not open %(port)s. Ask your administrator to give it access to the "
        "serial port (on Linux, the dialout group)."
    ),
    "busy": N_("%(port)s is in use by another program. Close that program: the desk keeps trying."),
    "failed": N_(
        "The barcode scanner on %(port)s could not be opened. Check its port and speed in "
        "desktop.ini: the desk keeps trying."
    ),
}
SERIAL_SETTING_INVALID: Final = N_(
    "The barcode scanner setting “%(setting)s” in desktop.ini is not valid, so the serial "
    "scanner is off. Ask your administrator to correct it."
)


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


def make_serial_scanner(
    prefs: Preferences, say: Callable[[str], None], parent: QObject | None = None
) -> SerialScanner | None:
    """The serial scanner desktop.ini's [scanner] section names, reading; None when it names none
    (or names it wrongly: `say` tells the person what to fix). `say` also hears when the port
    comes and goes."""
    try:
        config = prefs.serial_scanner()
    except ConfigError as error:
        log.warning("the serial scanner's settings cannot be used: %s", error)
        say(_(SERIAL_SETTING_INVALID, setting=error.setting))
        return None
    if config is None:
        return None
    try:
        from common.qt.serial_scanner import SerialScanner as Scanner
    except ImportError:
        log.exception("the serial scanner support could not be loaded (is pyserial installed?)")
        return None
    scanner = Scanner(config, parent)
    scanner.sig_state.connect(lambda state: say(serial_state_message(state, config.port)))
    scanner.start()
    return scanner


def serial_state_message(state: str, port: str) -> str:
    return _(SERIAL_STATES.get(state, SERIAL_STATES["failed"]), port=port)


class ScanRouter(QObject):
    """Turns scanned values into the desk's next step."""

    sig_handled = Signal(str, object)  # the action taken, the patient / item id
    sig_message = Signal(str)  # what happened, for the status bar

    def __init__(self, desk: Desk, is_locked: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self._is_locked = is_locked

    def handle(self, value: str) -> None:
        """A keyboard-wedge scan (or a code typed where a scan is expected)."""
        self.route(value)

    def handle_serial(self, value: str) -> None:
        self.route(value, scanner_type=SERIAL)

    def route(
        self,
        value: str,
        *,
        scanner_type: str = WEDGE,
        on_resolved: Callable[[], None] | None = None,
        on_refused: Callable[[str], None] | None = None,
    ) -> bool:
        """Resolve and act on a scanned value; False if the desk takes no scans now (locked, signed
        out). `on_resolved` hears that the code was recognised (before the desk acts on it);
        `on_refused` hears why it was not, instead of the warning box."""
        if not self.desk.signed_in or self._is_locked():
            return False

        def resolved(result: ScanResult) -> None:
            if on_resolved is not None:
                on_resolved()
            self._resolved(result)

        def failed(error: BaseException) -> bool:
            if on_refused is None or not isinstance(error, DomainError):
                return False
            on_refused(error.translated(language().locale))
            return True

        self.desk.write(scan(value, scanner_type=scanner_type), on_success=resolved, on_failure=failed)
        return True

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
