"""The Reports screen on the demo clinic: a revenue report run off the GUI thread, its pages
previewed, its CSV exported exactly as common/reports computes it, and printed through a QPrinter
on the clinic's paper (a PDF file keeps the report's text; a real printer gets page images)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtGui import QPageSize
from PySide6.QtPrintSupport import QPrinter
from sqlalchemy import select, update

from common.clinics.models import Clinic, PaperSize
from common.payments.models import PaymentKind, PaymentRecord
from common.printing import service as printing
from common.printing.report_csv import report_csv
from common.reports.model import ReportFilters, ReportRange
from common.reports.registry import run_report
from desktop.screens.reports import pages, printables
from desktop.screens.reports import screen as reports_screen
from desktop.screens.reports.options import FilterKind, Preset, preset_range
from desktop.screens.reports.screen import ReportsScreen
from tests.desktop.conftest import ADMIN, MANAGER, RECEPTION, Desk

FIRST = date(2026, 11, 1)
LAST = date(2026, 11, 30)
LETTER = (612.0, 792.0)


def _open(desk: Desk) -> ReportsScreen:
    desk.sign_in(MANAGER)
    desk.wait_state("desk")
    screen = desk.screen("reports", ReportsScreen)
    desk.wait_idle()
    return screen


def _run(desk: Desk, screen: ReportsScreen) -> None:
    screen.run_button.click()
    assert screen.busy
    desk.qtbot.waitUntil(lambda: not screen.busy, timeout=30_000)  # type: ignore[attr-defined]
    assert screen.run is not None


def _use_letter_paper(desk: Desk) -> None:
    with desk.db.session(desk.clinic_id) as session:
        session.execute(update(Clinic).values(paper_size=PaperSize.LETTER))
        session.commit()


def test_revenue_previews_its_pages_exports_the_same_csv_and_prints_on_the_clinics_paper(
    desk: Desk, qtbot, monkeypatch, tmp_path: Path
):
    _use_letter_paper(desk)
    screen = _open(desk)
    screen.choose("revenue")
    screen.set_range(FIRST, LAST)
    _run(desk, screen)
    run = screen.run
    assert run is not None

    # The preview: every page of the PDF, drawn.
    count = len(PdfReader(io.BytesIO(run.pdf)).pages)
    assert count >= 2
    assert run.page_count == count
    assert len(screen.pages.page_labels) == count
    assert all(page.pixmap() is not None and not page.pixmap().isNull() for page in screen.pages.page_labels)
    assert screen.page_count.text() == f"{count} pages"

    # The same figures, computed again through common/reports.
    with desk.db.context(desk.clinic_id, desk.actor(MANAGER)) as ctx:
        expected = run_report(ctx, "revenue", ReportRange(FIRST, LAST), ReportFilters())
    net = expected.figure("net")
    assert isinstance(net, Decimal)
    assert net > 0
    assert [(f.key, f.value) for f in screen.figures_model.rows] == [
        (f.key, f.value) for f in expected.figures
    ]

    saved = tmp_path / "exports" / "november"
    saved.parent.mkdir()
    asked: list[str] = []

    def answer(_parent, _title, suggested: Path, _pattern) -> Path:
        asked.append(suggested.name)
        return saved

    monkeypatch.setattr(reports_screen, "ask_save_path", answer)
    screen.csv_button.click()
    assert asked == ["revenue-2026-11-01_2026-11-30.csv"]
    csv_text = saved.with_suffix(".csv").read_bytes().decode("utf-8")
    assert csv_text == report_csv(expected, locale="en")
    assert f"Net revenue,{net}" in csv_text
    screen.pdf_button.click()
    assert saved.with_suffix(".pdf").read_bytes() == run.pdf

    # Print: the dialog opens on the clinic's paper; "print to file" keeps the text.
    printed = tmp_path / "printed.pdf"
    papers: list[QPageSize.PageSizeId] = []

    def print_to_file(_parent, printer: QPrinter, page_count: int) -> bool:
        assert page_count == count
        papers.append(printer.pageLayout().pageSize().id())
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(printed))
        return True

    monkeypatch.setattr(reports_screen, "ask_printer", print_to_file)
    screen.print_button.click()
    qtbot.waitUntil(lambda: not screen.busy, timeout=30_000)
    assert papers == [QPageSize.PageSizeId.Letter]
    reader = PdfReader(str(printed))
    assert len(reader.pages) == count
    first_page = reader.pages[0]
    assert (float(first_page.mediabox.width), float(first_page.mediabox.height)) == pytest.approx(
        LETTER, abs=1
    )
    text = first_page.extract_text()
    assert "Revenue report" in text
    assert "Lotus Aesthetic Clinic" in text
    assert "Sent" in screen.message.text.text()


def test_a_real_printer_gets_the_chosen_pages_as_images_on_the_chosen_paper(desk: Desk, tmp_path: Path):
    screen = _open(desk)
    screen.choose("revenue")
    screen.set_range(FIRST, LAST)
    _run(desk, screen)
    run = screen.run
    assert run is not None
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    pages.prepare_printer(printer, run.paper, "Revenue")
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.Letter))
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "raster.pdf"))
    printer.setFromTo(2, 2)
    sent = pages.print_pdf(run.pdf, printer, raster=True)
    assert sent == 1
    reader = PdfReader(str(tmp_path / "raster.pdf"))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(LETTER, abs=1)
    assert len(page.images) == 1


def test_filters_periods_cancel_and_a_reversed_range(desk: Desk, qtbot):
    screen = _open(desk)
    today = desk.clock.now().date()
    screen.choose("cash-up")
    assert not screen.last.isVisible()  # one day
    assert [screen.preset.itemData(n) for n in range(screen.preset.count())] == [
        "today",
        "yesterday",
        "custom",
    ]
    screen.choose("appointments", Preset.LAST_MONTH)
    assert screen.filter_boxes[FilterKind.BOOKING_MODE].isVisible()
    assert not screen.filter_boxes[FilterKind.METHOD].isVisible()
    span = preset_range(Preset.LAST_MONTH, desk.app.desk.today())  # type: ignore[union-attr]
    assert span is not None
    assert (screen.request().period.first, screen.request().period.last) == span
    qtbot.waitUntil(lambda: bool(desk.app.desk.directory.doctors), timeout=15_000)  # type: ignore[union-attr]
    doctor = desk.app.desk.directory.doctors[0]  # type: ignore[union-attr]
    assert screen.set_filter(FilterKind.DOCTOR, doctor.id)
    assert screen.request().filters.doctor_ids == frozenset({doctor.id})
    _run(desk, screen)
    assert screen.run is not None
    assert screen.run.data.filter_labels == (doctor.name,)
    assert doctor.name in screen.figures_note.text()

    # Cancel: the screen is free at once and shows nothing half-made.
    screen.choose("inventory")
    shown = screen.run
    screen.run_button.click()
    screen.cancel_button.click()
    assert not screen.busy
    assert screen.run_button.isEnabled()
    assert "Cancelled" in screen.status.text()
    qtbot.waitUntil(lambda: not desk.app.runner.busy, timeout=30_000)
    assert screen.run is shown

    screen.set_range(today, date(today.year - 1, 1, 1))
    screen.run_button.click()
    assert not screen.busy
    assert screen.message.isVisible()
    assert "Swap the two dates" in screen.message.text.text()


def test_the_front_desk_does_not_see_reports(desk: Desk):
    desk.sign_in(RECEPTION)
    desk.wait_state("desk")
    assert "reports" not in [spec.key for spec in desk.window._specs]


def test_a_receipt_prints_through_the_dialog_on_the_till_roll(desk: Desk, qtbot, monkeypatch, tmp_path: Path):
    with desk.db.context(desk.clinic_id, desk.actor(ADMIN)) as ctx:
        printing.update_print_preferences(ctx, receipt_paper="80mm")
    with desk.db.session(desk.clinic_id) as session:
        payment_id = session.scalars(
            select(PaymentRecord.id).where(PaymentRecord.kind == PaymentKind.PAYMENT).limit(1)
        ).one()
    screen = _open(desk)
    printed = tmp_path / "receipt.pdf"
    widths: list[float] = []

    def print_to_file(_parent, printer: QPrinter, page_count: int) -> bool:
        assert page_count == 1
        widths.append(printer.pageLayout().pageSize().size(QPageSize.Unit.Millimeter).width())
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(printed))
        return True

    monkeypatch.setattr(printables, "ask_printer", print_to_file)
    sent: list[int] = []
    printables.print_printable(desk.app.desk, "receipt", payment_id, screen, on_done=sent.append)  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: sent == [1], timeout=30_000)
    assert widths == [pytest.approx(80, abs=0.5)]
    page = PdfReader(str(printed)).pages[0]
    assert float(page.mediabox.width) * 25.4 / 72 == pytest.approx(80, abs=0.5)
    assert "Receipt" in page.extract_text()
