"""PDF pages on screen and on paper.

The installed PySide6 (Essentials) has no QtPdf, so pages are rasterised with pdfium (pypdfium2).
Printing: a printer that writes a PDF file ("Print to file") gets the document itself, so its text
stays text; a real printer gets each page as an image at the printer's resolution (capped at
300 dpi), laid on the whole sheet as the PDF was laid out for it. Both run on a worker thread
(QPainter may paint on a QPrinter off the GUI thread).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import pypdfium2 as pdfium  # type: ignore[import-untyped]
from PySide6.QtCore import QRectF, QSizeF, Qt
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter

from common.errors import DomainError
from common.i18n import N_
from common.printing.pages import Paper

PREVIEW_DPI: Final = 110
MAX_PRINT_DPI: Final = 300
POINTS_PER_INCH: Final = 72.0

PAGE_SIZES: Final = {
    Paper.A4: QPageSize.PageSizeId.A4,
    Paper.LETTER: QPageSize.PageSizeId.Letter,
    Paper.A3: QPageSize.PageSizeId.A3,
}

PageFn = Callable[[int, int], None]  # pages done, pages in all
CancelledFn = Callable[[], bool]


def page_count(pdf: bytes) -> int:
    document = pdfium.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


def render_pages(
    pdf: bytes,
    dpi: float = PREVIEW_DPI,
    *,
    first: int = 0,
    last: int | None = None,
    on_page: PageFn | None = None,
    cancelled: CancelledFn | None = None,
) -> list[QImage]:
    """Pages `first`..`last` (0-based, included; all by default) as images at `dpi`."""
    document = pdfium.PdfDocument(pdf)
    images: list[QImage] = []
    try:
        end = len(document) - 1 if last is None else min(last, len(document) - 1)
        wanted = range(first, end + 1)
        for done, number in enumerate(wanted):
            if cancelled is not None and cancelled():
                break
            images.append(_render(document[number], dpi))
            if on_page is not None:
                on_page(done + 1, len(wanted))
    finally:
        document.close()
    return images


def _render(page: Any, dpi: float) -> QImage:
    bitmap = page.render(scale=dpi / POINTS_PER_INCH, rev_byteorder=True, prefer_bgrx=True)
    try:
        data = bytes(bitmap.buffer)
        image = QImage(data, bitmap.width, bitmap.height, bitmap.stride, QImage.Format.Format_RGBX8888)
        # The QImage borrows `data`; the copy owns its pixels.
        copied = image.copy()
        # Dots per metre, so a painter scales the page to its real size.
        dots_per_metre = round(dpi / 0.0254)
        copied.setDotsPerMeterX(dots_per_metre)
        copied.setDotsPerMeterY(dots_per_metre)
        return copied
    finally:
        bitmap.close()
        page.close()


# ---- paper --------------------------------------------------------------------------------------


def page_size(paper: Paper) -> QPageSize:
    return QPageSize(PAGE_SIZES[paper])


def prepare_printer(printer: QPrinter, paper: Paper, title: str) -> None:
    """Start the print dialog on the clinic's paper, portrait, with the document's name."""
    printer.setPageSize(page_size(paper))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    printer.setDocName(title)
    printer.setFullPage(True)


def chosen_paper(printer: QPrinter) -> Paper | None:
    """The paper picked in the print dialog, when it is one a report can be laid out for."""
    chosen = printer.pageLayout().pageSize().id()
    return next((paper for paper, size in PAGE_SIZES.items() if size == chosen), None)


def writes_pdf_file(printer: QPrinter) -> bool:
    return printer.outputFormat() is QPrinter.OutputFormat.PdfFormat and bool(printer.outputFileName())


# ---- printing -------------------------------------------------------------------------------------


def print_pdf(
    pdf: bytes,
    printer: QPrinter,
    *,
    raster: bool = False,
    on_page: PageFn | None = None,
    cancelled: CancelledFn | None = None,
) -> int:
    """Print the document on `printer`; returns the number of pages sent.

    `raster` prints page images even to a PDF file (what a real printer gets)."""
    if writes_pdf_file(printer) and not raster:
        path = Path(printer.outputFileName())
        path.write_bytes(pdf)
        count = page_count(pdf)
        if on_page is not None:
            on_page(count, count)
        return count
    return _print_images(pdf, printer, on_page, cancelled)


def _print_images(
    pdf: bytes, printer: QPrinter, on_page: PageFn | None, cancelled: CancelledFn | None
) -> int:
    total = page_count(pdf)
    first = max(printer.fromPage(), 1) - 1 if printer.fromPage() else 0
    last = min(printer.toPage(), total) - 1 if printer.toPage() else total - 1
    dpi = min(float(printer.resolution()), MAX_PRINT_DPI)
    printer.setFullPage(True)
    painter = QPainter()
    if not painter.begin(printer):
        raise PrinterUnavailable()
    printed = 0
    try:
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        for number in range(first, last + 1):
            if cancelled is not None and cancelled():
                break
            if printed and not printer.newPage():
                raise PrinterUnavailable()
            image = render_pages(pdf, dpi, first=number, last=number)[0]
            painter.drawImage(_fit(image, printer), image)
            printed += 1
            if on_page is not None:
                on_page(printed, last - first + 1)
    finally:
        painter.end()
    return printed


def _fit(image: QImage, printer: QPrinter) -> QRectF:
    """The whole sheet (device pixels), keeping the page's proportions, centred."""
    sheet = printer.pageLayout().fullRectPixels(printer.resolution())
    size = QSizeF(image.width(), image.height())
    size.scale(QSizeF(sheet.width(), sheet.height()), Qt.AspectRatioMode.KeepAspectRatio)
    left = (sheet.width() - size.width()) / 2
    top = (sheet.height() - size.height()) / 2
    return QRectF(left, top, size.width(), size.height())


class PrinterUnavailable(DomainError):
    code = "printer_unavailable"
    message = N_(
        "The printer did not accept the job. Check that it is switched on and has paper, then print "
        "again, or export the PDF and print that."
    )


def first_page_points(pdf: bytes) -> tuple[float, float]:
    """The first page's width and height in points (a till receipt: 80 mm wide, as long as it is)."""
    document = pdfium.PdfDocument(pdf)
    try:
        width, height = document[0].get_size()
    finally:
        document.close()
    return float(width), float(height)
