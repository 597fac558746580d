"""Running a report on the worker: its figures (one read transaction, audited), its PDF on the
clinic's paper, its CSV, and the preview pages. Checks for a cancel between the steps."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Final

from PySide6.QtGui import QImage
from PySide6.QtPrintSupport import QPrinter

from common.context import Actor
from common.database import Database
from common.i18n import N_
from common.printing.pages import Paper, paper_for
from common.printing.report_csv import report_csv
from common.printing.report_pdf import report_pdf
from common.qt.operations import Progress
from common.reports.model import ReportData, ReportFilters, ReportRange
from common.reports.registry import run_report
from desktop.screens.reports import pages

MAX_PREVIEW_PAGES: Final = 20
STEPS: Final = 100  # progress is reported in hundredths
READING: Final = N_("Reading the figures…")
LAYING_OUT: Final = N_("Laying out the pages…")
RENDERING: Final = N_("Drawing the pages…")
PRINTING: Final = N_("Sending the pages to the printer…")


@dataclass(frozen=True)
class ReportRequest:
    name: str
    period: ReportRange
    filters: ReportFilters
    locale: str


@dataclass(frozen=True)
class ReportRun:
    request: ReportRequest
    data: ReportData
    pdf: bytes
    csv: str
    paper: Paper
    page_count: int
    pages: tuple[QImage, ...]  # the first MAX_PREVIEW_PAGES


def build_report(
    db: Database, clinic_id: uuid.UUID, actor: Actor, request: ReportRequest, progress: Progress
) -> ReportRun | None:
    """The finished report, or None when cancelled on the way."""
    progress.report(0, 0, READING)
    with db.context(clinic_id, actor) as ctx:
        data = run_report(ctx, request.name, request.period, request.filters)
        paper = paper_for(ctx.clinic.paper_size)
    if progress.cancelled:
        return None
    progress.report(40, STEPS, LAYING_OUT)
    pdf = report_pdf(data, locale=request.locale, paper=paper)
    csv = report_csv(data, locale=request.locale)
    count = pages.page_count(pdf)
    if progress.cancelled:
        return None

    def drawn(done: int, total: int) -> None:
        progress.report(50 + 50 * done // max(total, 1), STEPS, RENDERING)

    images = pages.render_pages(
        pdf, last=MAX_PREVIEW_PAGES - 1, on_page=drawn, cancelled=lambda: progress.cancelled
    )
    if progress.cancelled:
        return None
    return ReportRun(request, data, pdf, csv, paper, count, tuple(images))


def relaid(run: ReportRun, paper: Paper) -> bytes:
    """The same report laid out for other paper (chosen in the print dialog)."""
    if paper is run.paper:
        return run.pdf
    return report_pdf(run.data, locale=run.request.locale, paper=paper)


def print_run(run: ReportRun, printer: QPrinter, progress: Progress, *, raster: bool = False) -> int:
    """Print a report on the printer set up in the dialog; the number of pages sent."""
    paper = pages.chosen_paper(printer) or run.paper
    pdf = relaid(run, paper)

    def sent(done: int, total: int) -> None:
        progress.report(done, total, PRINTING)

    return pages.print_pdf(pdf, printer, raster=raster, on_page=sent, cancelled=lambda: progress.cancelled)
