"""Label sheets (Avery L7160 / 5160 style grids): treatment barcodes and inventory labels.

Each label: a title (the treatment or item), a detail line (price, SKU, location), the code as a
QR code and as Code 128, and the code written out.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from common.barcodes.payload import display
from common.printing import theme
from common.printing.codes import draw_code128, draw_qr
from common.printing.document import PRODUCT, draw_string
from common.printing.pages import PAPER_SIZES, SheetGrid
from common.printing.text import fit, wrap


@dataclass(frozen=True)
class SheetLabel:
    title: str
    detail: str
    code: str  # the canonical barcode value
    readable: str | None = None  # the code for people; by default the grouped clinic code


def sheet_pdf(
    labels: Sequence[SheetLabel], grid: SheetGrid, locale: str, *, title: str, outlines: bool = False
) -> bytes:
    """As many sheets as the labels need; `outlines` draws the die-cut edges (plain-paper test prints)."""
    page = PAPER_SIZES[grid.paper]
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=page)
    canvas.setTitle(title)
    canvas.setCreator(PRODUCT)
    for index, label in enumerate(labels):
        if index and index % grid.per_sheet == 0:
            canvas.showPage()
        x, y = grid.origin(index, page[1])
        if outlines:
            canvas.setStrokeColor(theme.RULE)
            canvas.setLineWidth(0.3)
            canvas.roundRect(x, y, grid.label_width, grid.label_height, 2 * mm, stroke=1, fill=0)
        _label(canvas, label, x, y, grid.label_width, grid.label_height, locale)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _label(
    canvas: Canvas, label: SheetLabel, x: float, y: float, width: float, height: float, locale: str
) -> None:
    pad = 2.5 * mm
    bars = min(8 * mm, height * 0.24)
    readable = label.readable or display(label.code)
    draw_code128(canvas, label.code, x + pad, y + pad + 2.6 * mm, width - 2 * pad, bars)
    draw_string(
        canvas,
        x + width / 2,
        y + pad,
        readable,
        fit(readable, width - 2 * pad, 5.5),
        color=theme.MUTED,
        anchor="middle",
    )
    top = y + height - pad
    qr = min(top - (y + pad + 2.6 * mm + bars) - 1 * mm, width * 0.36)
    draw_qr(canvas, label.code, x + width - pad - qr + 1 * mm, top - qr + 1 * mm, qr)
    room = width - 2 * pad - qr
    line_y = top - 3.2 * mm
    for line in wrap(label.title, room, 8, locale, bold=True)[:2]:
        draw_string(
            canvas,
            x + pad,
            line_y,
            line,
            fit(line, room, 8, bold=True, locale=locale),
            bold=True,
            locale=locale,
        )
        line_y -= 3.4 * mm
    for line in wrap(label.detail, room, 6.5, locale)[:2]:
        draw_string(
            canvas,
            x + pad,
            line_y,
            line,
            fit(line, room, 6.5, locale=locale),
            color=theme.MUTED,
            locale=locale,
        )
        line_y -= 2.9 * mm
