"""More of the day: check-out from the Check-in screen, a refund with its reason, a receipt and a
patient card printed through the print dialog on their own paper (A4 or the 80 mm roll, an ID-1
card), its PDF destination saving the document itself."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices, QPageLayout
from PySide6.QtPrintSupport import QPrinter
from sqlalchemy import select

from common.payments.models import PaymentKind, PaymentRecord, PaymentStatus
from common.printing import service as printing
from common.scheduling.models import Appointment, AppointmentStatus
from desktop.screens.check_in import CheckInScreen
from desktop.screens.patients.screen import PatientsScreen
from desktop.screens.payments import PaymentsScreen
from desktop.screens.reports import pages, printables
from desktop.widgets.dialogs import ReasonDialog
from tests.desktop.conftest import ADMIN, RECEPTION, Desk, modal


def test_check_out_from_the_check_in_screen(desk: Desk, qtbot):
    desk.sign_in(RECEPTION)
    desk.wait_state("desk")
    screen = desk.screen("check_in", CheckInScreen)
    qtbot.waitUntil(lambda: screen.inside_model.rowCount() > 0, timeout=10_000)
    leaving = screen.inside_model.row_at(0)
    # The name column is shortened on a narrow card: hovering it shows the whole name.
    hint = screen.inside_model.data(screen.inside_model.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert hint.splitlines()[0] == leaving.patient_name
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


@dataclass(frozen=True)
class Asked:
    document: str
    page_mm: tuple[float, float]  # as the printer lays the page out: width, height
    landscape: bool
    page_count: int


def _print_to_files(monkeypatch, folder: Path) -> list[Asked]:
    """Answer the print dialog with its PDF destination (Print to file / Save as PDF)."""
    asked: list[Asked] = []

    def print_to_file(_parent, printer: QPrinter, page_count: int) -> bool:
        layout = printer.pageLayout()
        full = layout.fullRect(QPageLayout.Unit.Millimeter)
        landscape = layout.orientation() is QPageLayout.Orientation.Landscape
        asked.append(Asked(printer.docName(), (full.width(), full.height()), landscape, page_count))
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(folder / f"printed-{len(asked)}.pdf"))
        return True

    monkeypatch.setattr(printables, "ask_printer", print_to_file)
    return asked


def _near(sizes: tuple[float, ...], expected: tuple[float, ...], within: float = 0.5) -> bool:
    # Not pytest.approx: it looks numpy up in sys.modules, which the desk's prefetch thread may be
    # importing (OpenCV) at that moment.
    return len(sizes) == len(expected) and all(
        abs(a - b) <= within for a, b in zip(sizes, expected, strict=True)
    )


def _todays_first_payment(desk: Desk, qtbot) -> PaymentsScreen:
    """The receptionist signed in, on the Payments screen with today's first payment selected."""
    desk.sign_in(RECEPTION)
    desk.wait_state("desk")
    screen = desk.screen("payments", PaymentsScreen)
    qtbot.waitUntil(lambda: screen.day_model.rowCount() > 0, timeout=10_000)
    screen.day_table.selectRow(0)
    return screen


def _sent(desk: Desk) -> str:
    return desk.window.statusBar().currentMessage()


def test_a_receipt_and_a_patient_card_print_through_the_dialog_on_their_own_paper(
    desk: Desk, qtbot, monkeypatch, tmp_path: Path
):
    opened: list[Path] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(Path(url.toLocalFile())))
    asked = _print_to_files(monkeypatch, tmp_path)
    screen = _todays_first_payment(desk, qtbot)
    payment = screen.day_model.row_at(0)
    assert screen.receipt_button.isEnabled()
    screen.receipt_button.click()
    qtbot.waitUntil(lambda: "Sent 1 page to the printer." in _sent(desk), timeout=15_000)
    # The print settings say A4 paper for receipts (the demo clinic's page size).
    assert [(a.document, a.landscape, a.page_count) for a in asked] == [("Receipt", False, 1)]
    assert _near(asked[0].page_mm, (210, 297))
    receipt = PdfReader(str(tmp_path / "printed-1.pdf"))
    assert "Receipt" in receipt.pages[0].extract_text()  # the document itself: text stays text

    desk.window.statusBar().clearMessage()
    patients = desk.screen("patients", PatientsScreen)
    patients.open_patient(payment.patient_id)
    qtbot.waitUntil(lambda: patients.page.page is not None, timeout=10_000)
    assert patients.page.print_action.isEnabled()
    patients.page.print_action.trigger()
    qtbot.waitUntil(lambda: "Sent 1 page to the printer." in _sent(desk), timeout=15_000)
    # An ID-1 card (85.6 x 54 mm), printed across: portrait paper turned to landscape.
    assert (asked[1].document, asked[1].landscape, asked[1].page_count) == ("Patient card", True, 1)
    assert _near(asked[1].page_mm, (85.6, 54))
    card = PdfReader(str(tmp_path / "printed-2.pdf")).pages[0]
    size_mm = (float(card.mediabox.width) * 25.4 / 72, float(card.mediabox.height) * 25.4 / 72)
    assert _near(size_mm, (85.6, 54))
    assert opened == []  # nothing left in a viewer or a temporary folder


def test_a_receipt_prints_on_the_80_mm_roll_when_the_print_settings_say_so(
    desk: Desk, qtbot, monkeypatch, tmp_path: Path
):
    with desk.db.context(desk.clinic_id, desk.actor(ADMIN)) as ctx:
        printing.update_print_preferences(ctx, receipt_paper="80mm")
    asked = _print_to_files(monkeypatch, tmp_path)
    screen = _todays_first_payment(desk, qtbot)
    screen.receipt_button.click()
    qtbot.waitUntil(lambda: "Sent 1 page" in _sent(desk), timeout=15_000)
    assert len(asked) == 1
    width, height = asked[0].page_mm
    assert _near((width,), (80,))
    assert 90 < height < 297  # as long as the receipt
    page = PdfReader(str(tmp_path / "printed-1.pdf")).pages[0]
    assert _near((float(page.mediabox.width) * 25.4 / 72,), (80,))


def test_a_receipt_the_person_does_not_print_sends_nothing(desk: Desk, qtbot, monkeypatch):
    asked: list[int] = []

    def cancel(_parent, _printer: QPrinter, page_count: int) -> bool:
        asked.append(page_count)
        return False

    monkeypatch.setattr(printables, "ask_printer", cancel)
    screen = _todays_first_payment(desk, qtbot)
    screen.receipt_button.click()
    qtbot.waitUntil(lambda: asked == [1], timeout=15_000)
    desk.wait_idle()
    assert _sent(desk) == ""


def test_a_real_printer_gets_the_card_across_the_whole_card(desk: Desk, tmp_path: Path):
    with desk.db.session(desk.clinic_id) as session:
        patient_id = session.scalars(select(PaymentRecord.patient_id).limit(1)).one()
    with desk.db.context(desk.clinic_id, desk.actor(RECEPTION)) as ctx:
        card = printables.measure(printing.patient_card(ctx, patient_id, locale="en"), "patient_card")
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printables.prepare_printer(printer, card)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "card.pdf"))
    assert pages.print_pdf(card.pdf, printer, raster=True) == 1  # page images, as a printer gets them
    page = PdfReader(str(tmp_path / "card.pdf")).pages[0]
    size = (float(page.mediabox.width), float(page.mediabox.height))
    assert _near(size, (card.width, card.height), within=1)  # across, as the card is
    assert not page.extract_text().strip()  # an image, not the document's text
