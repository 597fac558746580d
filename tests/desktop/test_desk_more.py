"""More of the day: check-out from the Check-in screen, a refund with its reason, a receipt and a
patient card printed as PDF files (opened in the system's viewer by the desk)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QDesktopServices
from sqlalchemy import select

from common.payments.models import PaymentKind, PaymentRecord, PaymentStatus
from common.scheduling.models import Appointment, AppointmentStatus
from desktop import printouts
from desktop.screens.check_in import CheckInScreen
from desktop.screens.payments import PaymentsScreen
from desktop.widgets.dialogs import ReasonDialog
from tests.desktop.conftest import ADMIN, RECEPTION, Desk, modal


def test_check_out_from_the_check_in_screen(desk: Desk, qtbot):
    desk.sign_in(RECEPTION)
    desk.wait_state("desk")
    screen = desk.screen("check_in", CheckInScreen)
    qtbot.waitUntil(lambda: screen.inside_model.rowCount() > 0, timeout=10_000)
    leaving = screen.inside_model.row_at(0)
    screen.inside.selectRow(0)
    with qtbot.waitSignal(desk.app.runner.sig_changed, timeout=10_000):
        screen.check_out_button.click()
    with desk.db.session(desk.clinic_id) as session:
        status = session.scalars(select(Appointment.status).where(Appointment.id == leaving.id)).one()
    assert status is AppointmentStatus.COMPLETED
    qtbot.waitUntil(lambda: screen.inside_model.find(lambda r: r.id == leaving.id) < 0, timeout=10_000)


def test_a_refund_asks_for_the_reason_and_the_cash_up_counts_it(desk: Desk, qtbot):
    desk.sign_in(ADMIN)  # refunds are for administrators and managers
    desk.wait_state("desk")
    screen = desk.screen("payments", PaymentsScreen)
    qtbot.waitUntil(lambda: screen.day_model.rowCount() > 0, timeout=10_000)
    screen.day_table.selectRow(0)
    payment = screen.day_model.row_at(0)
    assert screen.refund_button.isEnabled()
    screen.refund_button.click()
    dialog = modal(ReasonDialog)
    dialog.reason.setCurrentIndex(1)
    reason = dialog.reason.currentText()
    with qtbot.waitSignal(desk.app.runner.sig_changed, timeout=10_000):
        dialog.ok.click()
    with desk.db.session(desk.clinic_id) as session:
        original = session.scalars(select(PaymentRecord).where(PaymentRecord.id == payment.id)).one()
        refunds = session.scalars(
            select(PaymentRecord).where(
                PaymentRecord.refund_of_id == payment.id, PaymentRecord.kind == PaymentKind.REFUND
            )
        ).all()
    assert original.payment_status is PaymentStatus.REFUNDED
    assert [refund.notes for refund in refunds] == [reason]
    qtbot.waitUntil(lambda: any(line.refund_count for line in screen.cash_model.rows), timeout=10_000)


def test_a_receipt_and_a_patient_card_are_printed_as_pdf_files(desk: Desk, qtbot, monkeypatch):
    opened: list[Path] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(Path(url.toLocalFile())))
    desk.sign_in(RECEPTION)
    desk.wait_state("desk")
    screen = desk.screen("payments", PaymentsScreen)
    qtbot.waitUntil(lambda: screen.day_model.rowCount() > 0, timeout=10_000)
    screen.day_table.selectRow(0)
    assert screen.receipt_button.isEnabled()
    screen.receipt_button.click()
    qtbot.waitUntil(lambda: len(opened) == 1, timeout=15_000)
    payment = screen.day_model.row_at(0)
    printouts.print_document(desk.app.desk, "patient_card", payment.patient_id)  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: len(opened) == 2, timeout=15_000)
    for path in opened:
        assert path.read_bytes().startswith(b"%PDF")
        assert oct(path.stat().st_mode & 0o777) == "0o600"  # it holds a patient's details
