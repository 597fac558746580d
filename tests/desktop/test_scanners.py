"""The desk's scanners, through real parts: a serial scanner on a pseudo-terminal (pyserial opens
its slave; the test writes to the master as the scanner does) and the camera dialog fed frames of a
phone showing a patient's QR code, both routed as a wedge scan is."""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import select

from common.barcodes.errors import REFUSALS
from common.barcodes.models import BarcodeScanEvent
from common.barcodes.scanning import CHECKABLE_STATUSES
from common.patients.models import Patient
from common.scheduling.models import Appointment, AppointmentStatus
from common.vision.frames import IterableSource
from desktop.camera_scan import CameraScanDialog
from desktop.scanning import ScanRouter
from tests.desktop.conftest import MOMENT, RECEPTION, Desk
from tests.kiosk.helpers import phone_frames

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")

WAIT_MS = 15_000


class SerialDevice:
    """A serial scanner on a pseudo-terminal, at a stable path (as /dev/serial/by-id/ gives)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.master: int | None = None
        self.slave: int | None = None

    def plug(self) -> None:
        self.master, self.slave = os.openpty()
        link = self.path.with_suffix(".new")
        link.unlink(missing_ok=True)
        link.symlink_to(os.ttyname(self.slave))
        os.replace(link, self.path)

    def unplug(self) -> None:
        for fd in (self.master, self.slave):
            if fd is not None:
                os.close(fd)
        self.master = self.slave = None
        self.path.unlink(missing_ok=True)

    def send(self, *codes: str) -> None:
        assert self.master is not None
        os.write(self.master, b"".join(code.encode() + b"\r\n" for code in codes))


@pytest.fixture
def device(tmp_path: Path):
    scanner = SerialDevice(tmp_path / "ttyScanner")
    scanner.plug()
    yield scanner
    if scanner.master is not None:
        scanner.unplug()


def router(desk: Desk) -> ScanRouter:
    assert desk.app.scan_router is not None
    return desk.app.scan_router


def patient_to_check_in(desk: Desk) -> tuple[Patient, uuid.UUID]:
    """A patient with an appointment to check in today, and that appointment."""
    assert desk.app.desk is not None
    day = MOMENT.astimezone(desk.app.desk.clinic.tz).date()
    with desk.db.session(desk.clinic_id) as session:
        appointment = session.scalars(
            select(Appointment)
            .where(Appointment.appointment_date == day, Appointment.status.in_(CHECKABLE_STATUSES))
            .order_by(Appointment.starts_at)
        ).first()
        assert appointment is not None
        patient = session.scalars(select(Patient).where(Patient.id == appointment.patient_id)).one()
        session.expunge(patient)
        return patient, appointment.id


def patients_without_appointments(desk: Desk, count: int) -> list[Patient]:
    with desk.db.session(desk.clinic_id) as session:
        patients = list(
            session.scalars(
                select(Patient)
                .where(Patient.id.not_in(select(Appointment.patient_id)), Patient.is_active.is_(True))
                .order_by(Patient.last_name_key)
                .limit(count)
            )
        )
        session.expunge_all()
        return patients


def status_of(desk: Desk, appointment_id: uuid.UUID) -> AppointmentStatus:
    with desk.db.session(desk.clinic_id) as session:
        return session.scalars(select(Appointment.status).where(Appointment.id == appointment_id)).one()


def scanner_types(desk: Desk) -> list[str | None]:
    with desk.db.session(desk.clinic_id) as session:
        return list(
            session.scalars(select(BarcodeScanEvent.scanner_type).order_by(BarcodeScanEvent.scanned_at))
        )


def sign_in_with_serial(desk: Desk, qtbot, port: Path, **settings: object) -> None:
    desk.app.prefs.set_serial_scanner(str(port), **settings)  # type: ignore[arg-type]
    desk.sign_in(RECEPTION)
    desk.wait_state("desk")
    qtbot.waitUntil(
        lambda: desk.app.serial_scanner is not None and desk.app.serial_scanner.state == "connected",
        timeout=WAIT_MS,
    )


def status_text(desk: Desk) -> str:
    return desk.window.statusBar().currentMessage()


# -- the serial scanner ---------------------------------------------------------------------------


def test_a_serial_scan_checks_the_patient_in(device: SerialDevice, desk: Desk, qtbot):
    sign_in_with_serial(desk, qtbot, device.path)
    qtbot.waitUntil(lambda: "is connected" in status_text(desk), timeout=WAIT_MS)
    patient, appointment_id = patient_to_check_in(desk)
    desk.window.go("payments")
    with qtbot.waitSignal(router(desk).sig_handled, timeout=WAIT_MS) as handled:
        device.send(patient.barcode_id)
    assert handled.args == ["check_in", patient.id]
    assert status_of(desk, appointment_id) is AppointmentStatus.CHECKED_IN
    desk.wait_idle()
    assert desk.window.current_key() == "patients"
    assert scanner_types(desk)[-1] == "serial"


def test_the_serial_scanner_unplugged_and_plugged_back_in(device: SerialDevice, desk: Desk, qtbot):
    sign_in_with_serial(desk, qtbot, device.path)
    scanner = desk.app.serial_scanner
    assert scanner is not None
    device.unplug()
    qtbot.waitUntil(lambda: scanner.state == "missing", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "not connected" in status_text(desk), timeout=WAIT_MS)
    device.plug()
    qtbot.waitUntil(lambda: scanner.state == "connected", timeout=WAIT_MS)
    (patient,) = patients_without_appointments(desk, 1)
    with qtbot.waitSignal(router(desk).sig_handled, timeout=WAIT_MS) as handled:
        device.send(patient.barcode_id)
    assert handled.args == ["open_patient", patient.id]
    assert scanner.reader.connections == 2


def test_a_burst_of_serial_codes_is_handled_in_order(device: SerialDevice, desk: Desk, qtbot):
    sign_in_with_serial(desk, qtbot, device.path)
    patients = patients_without_appointments(desk, 4)
    handled: list[object] = []
    router(desk).sig_handled.connect(lambda action, entity: handled.append(entity))
    device.send(*(patient.barcode_id for patient in patients))
    qtbot.waitUntil(lambda: len(handled) == len(patients), timeout=WAIT_MS)
    assert handled == [patient.id for patient in patients]
    assert scanner_types(desk)[-4:] == ["serial"] * 4


def test_serial_scans_are_ignored_while_the_desk_is_locked(device: SerialDevice, desk: Desk, qtbot):
    sign_in_with_serial(desk, qtbot, device.path)
    (patient,) = patients_without_appointments(desk, 1)
    before = len(scanner_types(desk))
    scanner = desk.app.serial_scanner
    assert scanner is not None
    desk.app.lock()
    with qtbot.waitSignal(scanner.sig_scanned, timeout=WAIT_MS):  # heard, after the router heard it
        device.send(patient.barcode_id)
    desk.wait_idle()
    assert len(scanner_types(desk)) == before  # nothing was looked up behind the lock


def test_a_wrong_serial_setting_is_reported_and_the_desk_works(device: SerialDevice, desk: Desk, qtbot):
    desk.app.prefs.set_serial_scanner(str(device.path), baud=9601)
    desk.sign_in(RECEPTION)
    desk.wait_state("desk")
    assert desk.app.serial_scanner is None
    assert "“baud”" in status_text(desk)


# -- the camera -----------------------------------------------------------------------------------


def open_camera(desk: Desk, qtbot) -> CameraScanDialog:
    window = desk.window
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=WAIT_MS)
    qtbot.keyClick(
        window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    qtbot.waitUntil(lambda: window.findChild(CameraScanDialog) is not None, timeout=WAIT_MS)
    dialog = window.findChild(CameraScanDialog)
    assert isinstance(dialog, CameraScanDialog)
    return dialog


def test_a_patients_qr_shown_to_the_camera_checks_them_in(desk: Desk, qtbot):
    desk.sign_in(RECEPTION)
    desk.wait_state("desk")
    patient, appointment_id = patient_to_check_in(desk)
    frames = phone_frames(patient.barcode_id)
    desk.app.camera_source = lambda: IterableSource(frames, loop=True, fps=15)
    with qtbot.waitSignal(router(desk).sig_handled, timeout=WAIT_MS) as handled:
        dialog = open_camera(desk, qtbot)
        assert dialog.isVisible()
    assert handled.args == ["check_in", patient.id]
    assert status_of(desk, appointment_id) is AppointmentStatus.CHECKED_IN
    qtbot.waitUntil(lambda: desk.window.findChild(CameraScanDialog) is None, timeout=WAIT_MS)
    desk.wait_idle()
    assert desk.window.current_key() == "patients"
    assert scanner_types(desk)[-1] == "camera"


def test_a_code_that_is_not_the_clinics_keeps_the_camera_open(desk: Desk, qtbot):
    desk.sign_in(RECEPTION)
    desk.wait_state("desk")
    frames = phone_frames("https://example.com/menu")
    desk.app.camera_source = lambda: IterableSource(frames, loop=True, fps=15)
    dialog = open_camera(desk, qtbot)
    refusals = {refusal.message for refusal in REFUSALS}
    qtbot.waitUntil(lambda: dialog.status.text() in refusals, timeout=WAIT_MS)
    assert dialog.isVisible()
    assert not desk.window.findChildren(QMessageBox)  # said in the dialog, not in a box over it
    dialog.close_button.click()
    qtbot.waitUntil(lambda: desk.window.findChild(CameraScanDialog) is None, timeout=WAIT_MS)


def test_no_camera_says_so(desk: Desk, qtbot):
    desk.app.prefs.set_camera_index(9)  # OpenCV, asked for a webcam this PC does not have
    desk.sign_in(RECEPTION)
    desk.wait_state("desk")
    dialog = open_camera(desk, qtbot)
    qtbot.waitUntil(lambda: "No camera could be opened" in dialog.status.text(), timeout=WAIT_MS)
    assert dialog.isVisible()
    assert dialog.preview.text() == "No camera"


def test_locking_closes_the_camera(desk: Desk, qtbot):
    desk.sign_in(RECEPTION)
    desk.wait_state("desk")
    frames = phone_frames("not-a-code-at-all")
    desk.app.camera_source = lambda: IterableSource(frames, loop=True, fps=15)
    dialog = open_camera(desk, qtbot)
    qtbot.waitUntil(lambda: dialog.feed.running, timeout=WAIT_MS)
    feed = dialog.feed
    desk.app.lock()
    qtbot.waitUntil(lambda: desk.window.findChild(CameraScanDialog) is None, timeout=WAIT_MS)
    assert not feed.running


def test_closing_the_camera_just_as_it_opens(desk: Desk, qtbot):
    desk.sign_in(RECEPTION)
    desk.wait_state("desk")
    frames = phone_frames("not-a-code-at-all")
    desk.app.camera_source = lambda: IterableSource(frames, loop=True, fps=15)
    for _attempt in range(8):
        dialog = open_camera(desk, qtbot)
        feed = dialog.feed
        qtbot.waitUntil(lambda: feed.running, timeout=WAIT_MS)  # noqa: B023 - waited on here
        dialog.reject()
        qtbot.waitUntil(lambda: desk.window.findChild(CameraScanDialog) is None, timeout=WAIT_MS)
        assert not feed.running
