"""Receipts on a till printer's roll: 80 mm thermal paper, as long as the receipt.

The same `BillingDocument` as the page layout (billing.py), laid out as till receipts are read:
one column, centred letterhead, each item with its amount at the right edge, totals, the payments,
and a thank-you. Thermal paper prints black only, so there are no colour bands or greys: rules
and weight carry the structure. The page is exactly as tall as its content (a roll has no pages);
a driver that feeds continuous paper cuts after it.

Text is wrapped by width in the right font (CJK in the embedded CJK font), never cut.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Final

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from common.i18n import N_, translate
from common.printing import formatting
from common.printing.billing import TITLES, BillingDocument, DocumentKind, items_total
from common.printing.document import PRODUCT, draw_string
from common.printing.fonts import font_for, text_width
from common.printing.text import wrap
from common.reports.model import ValueKind


class ReceiptPaper(StrEnum):
    """Where a clinic's receipts are printed (print settings)."""

    PAGE = "page"  # the clinic's A4 or Letter
    ROLL_80 = "80mm"  # a thermal till printer's continuous roll


ROLL_80_WIDTH: Final = 80 * mm
SIDE: Final = 4 * mm  # 72 mm printable, as 80 mm printers print
TOP: Final = 5 * mm
BOTTOM: Final = 8 * mm  # room above the cutter
BLACK: Final = colors.black
LOGO_HEIGHT: Final = 12 * mm
GAP: Final = 2.5 * mm  # between a line's text and its amount

SIZE: Final = 8.0
SMALL: Final = 7.0
NAME_SIZE: Final = 11.0
TITLE_SIZE: Final = 10.0
TOTAL_SIZE: Final = 10.0
LEADING: Final = 1.3

Draw = Callable[[Canvas, float], None]  # draws a line with its top at y


@dataclass(frozen=True)
class _Step:
    height: float
    draw: Draw


class _Roll:
    """Lines laid from the top; drawn once the whole length is known."""

    def __init__(self, width: float, locale: str) -> None:
        self.width = width
        self.room = width - 2 * SIDE
        self.locale = locale
        self.steps: list[_Step] = []

    @property
    def height(self) -> float:
        return float(TOP + sum(step.height for step in self.steps) + BOTTOM)

    def space(self, height: float) -> None:
        self.steps.append(_Step(height, lambda canvas, top: None))

    def centred(self, text: str, size: float = SIZE, *, bold: bool = False) -> None:
        for line in wrap(text, self.room, size, self.locale, bold=bold):
            self._text_line(line, size, bold, self.width / 2, "middle")

    def left(self, text: str, size: float = SIZE, *, bold: bool = False, indent: float = 0) -> None:
        for line in wrap(text, self.room - indent, size, self.locale, bold=bold):
            self._text_line(line, size, bold, SIDE + indent, "start")

    def pair(
        self, label: str, value: str, size: float = SIZE, *, bold: bool = False, indent: float = 0
    ) -> None:
        """`label` wrapped at the left, `value` at the right edge of its first line."""
        value_width = text_width(value, font_for(value, bold=bold, locale=self.locale), size)
        room = max(self.room - indent - value_width - GAP, self.room / 3)
        lines = wrap(label, room, size, self.locale, bold=bold) or [""]
        right = self.width - SIDE
        locale = self.locale

        def first(canvas: Canvas, top: float) -> None:
            baseline = top - size
            draw_string(
                canvas, SIDE + indent, baseline, lines[0], size, bold=bold, color=BLACK, locale=locale
            )
            draw_string(
                canvas, right, baseline, value, size, bold=bold, color=BLACK, locale=locale, anchor="end"
            )

        self.steps.append(_Step(size * LEADING, first))
        for line in lines[1:]:
            self._text_line(line, size, bold, SIDE + indent, "start")

    def rule(self, *, heavy: bool = False) -> None:
        width = self.width

        def draw(canvas: Canvas, top: float) -> None:
            canvas.saveState()
            canvas.setStrokeColor(BLACK)
            canvas.setLineWidth(1.1 if heavy else 0.5)
            if not heavy:
                canvas.setDash(1.5, 1.5)
            y = top - 2.2 * mm
            canvas.line(SIDE, y, width - SIDE, y)
            canvas.restoreState()

        self.steps.append(_Step(4.4 * mm, draw))

    def logo(self, data: bytes) -> None:
        reader = ImageReader(io.BytesIO(data))
        image_width, image_height = reader.getSize()
        height = LOGO_HEIGHT
        width = min(height * image_width / image_height, self.room)
        height = width * image_height / image_width
        left = (self.width - width) / 2

        def draw(canvas: Canvas, top: float) -> None:
            canvas.drawImage(reader, left, top - height, width, height, mask="auto")

        self.steps.append(_Step(height + 2 * mm, draw))

    def _text_line(self, line: str, size: float, bold: bool, x: float, anchor: str) -> None:
        locale = self.locale

        def draw(canvas: Canvas, top: float) -> None:
            draw_string(
                canvas, x, top - size, line, size, bold=bold, color=BLACK, locale=locale, anchor=anchor
            )

        self.steps.append(_Step(size * LEADING, draw))

    def pdf(self, title: str, author: str) -> bytes:
        buffer = io.BytesIO()
        height = self.height
        canvas = Canvas(buffer, pagesize=(self.width, height))
        canvas.setTitle(title)
        canvas.setAuthor(author)
        canvas.setCreator(PRODUCT)
        top = height - TOP
        for step in self.steps:
            step.draw(canvas, top)
            top -= step.height
        canvas.showPage()
        canvas.save()
        return buffer.getvalue()


def till_pdf(document: BillingDocument, *, locale: str, width: float = ROLL_80_WIDTH) -> bytes:
    """A receipt (or an invoice) on a till roll `width` wide, one page as long as the receipt."""
    roll = _Roll(width, locale)
    title = translate(TITLES[document.kind], locale)

    def money(amount: Decimal) -> str:
        return formatting.cell(amount, ValueKind.MONEY, locale, document.currency)

    if document.logo:
        roll.logo(document.logo)
    roll.centred(document.clinic_name, NAME_SIZE, bold=True)
    for line in document.clinic_lines:
        roll.centred(line, SMALL)
    roll.rule(heavy=True)
    roll.centred(title, TITLE_SIZE, bold=True)
    roll.pair(translate(N_("Number"), locale), document.number)
    roll.pair(translate(N_("Date"), locale), formatting.long_date(document.issued, locale))
    if document.bill_to:
        roll.pair(translate(N_("Patient"), locale), document.bill_to)
    roll.rule()

    for item in document.items:
        roll.left(item.description, bold=True)
        each = f"{item.quantity} × {money(item.unit_price)}"
        roll.pair(each, money(item.unit_price * item.quantity), indent=3 * mm)
        if item.discount:
            roll.pair(translate(N_("Discount"), locale), money(-item.discount), indent=3 * mm)
    roll.rule()

    roll.pair(translate(N_("Subtotal"), locale), money(items_total(document.items)))
    if document.payment_discount:
        roll.pair(translate(N_("Discount at payment"), locale), money(-document.payment_discount))
    total = translate(N_("Total (%(currency)s)"), locale, currency=document.currency)
    roll.space(1 * mm)
    roll.pair(total, money(document.total), TOTAL_SIZE, bold=True)
    roll.space(1 * mm)
    if document.tax_rate:
        rate = formatting.cell(document.tax_rate, ValueKind.PERCENT, locale, document.currency)
        roll.pair(
            translate(N_("Includes tax (%(rate)s)"), locale, rate=rate), money(document.tax_included), SMALL
        )
    if document.kind is DocumentKind.INVOICE:
        roll.pair(translate(N_("Balance due"), locale), money(document.balance_due), bold=True)

    if document.payments:
        roll.rule()
        roll.left(translate(N_("Payments"), locale), bold=True)
        for paid in document.payments:
            method = translate(paid.method, locale)
            roll.pair(f"{formatting.long_date(paid.day, locale)} · {method}", money(paid.amount))
            if paid.reference:
                roll.left(translate(N_("Reference"), locale) + f": {paid.reference}", SMALL, indent=3 * mm)
    roll.rule(heavy=True)
    roll.centred(translate(N_("Thank you for your visit."), locale))
    for note in document.notes:
        roll.centred(note, SMALL)
    return roll.pdf(f"{title} {document.number}", document.clinic_name)
