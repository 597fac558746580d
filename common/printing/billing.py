"""Receipts and invoices: the clinic's details, the items, discounts, tax where the clinic charges
it, and the totals. Prices are tax-inclusive, so tax is shown as the part of the total it is."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, Image, Paragraph, Spacer, Table, TableStyle

from common.i18n import N_, translate
from common.printing import formatting, theme
from common.printing.document import PRODUCT, RunningText, Styles, build_pdf
from common.printing.fonts import cjk_font, needs_cjk
from common.printing.pages import PAPER_SIZES, Paper
from common.reports.model import ValueKind

M: Final = ValueKind.MONEY


class DocumentKind(StrEnum):
    RECEIPT = "receipt"
    INVOICE = "invoice"


TITLES: Final = {DocumentKind.RECEIPT: N_("Receipt"), DocumentKind.INVOICE: N_("Invoice")}


@dataclass(frozen=True)
class LineItem:
    description: str
    quantity: int
    unit_price: Decimal
    discount: Decimal
    amount: Decimal


@dataclass(frozen=True)
class PaymentLine:
    day: date
    method: str  # msgid (the stored method)
    amount: Decimal  # negative for a refund
    reference: str | None = None


@dataclass(frozen=True)
class BillingDocument:
    kind: DocumentKind
    number: str
    issued: date
    currency: str
    clinic_name: str
    clinic_lines: tuple[str, ...]  # address, phone, email
    bill_to: str | None
    items: tuple[LineItem, ...]
    payment_discount: Decimal
    total: Decimal
    tax_rate: Decimal  # a fraction; 0 = no tax line
    tax_included: Decimal
    payments: tuple[PaymentLine, ...] = ()
    balance_due: Decimal = Decimal(0)
    logo: bytes | None = None
    notes: tuple[str, ...] = field(default=())


def billing_pdf(document: BillingDocument, *, locale: str, paper: Paper = Paper.A4) -> bytes:
    page = PAPER_SIZES[paper]
    width = page[0] - 2 * theme.MARGIN
    styles = Styles(locale)
    title = translate(TITLES[document.kind], locale)

    def money(amount: Decimal) -> str:
        return formatting.cell(amount, M, locale, document.currency)

    story: list[Flowable] = [_letterhead(document, styles, width, title, locale), Spacer(1, 14)]
    story.append(_items(document, styles, width, locale, money))
    story.append(Spacer(1, 8))
    story.append(_totals(document, styles, width, locale, money))
    if document.payments:
        story.append(Spacer(1, 14))
        story.append(styles.para("h2", translate(N_("Payments"), locale)))
        story.append(_payments(document, styles, width, locale, money))
    story.append(Spacer(1, 18))
    thanks = translate(N_("Thank you for your visit."), locale)
    story.append(styles.para("body", thanks))
    for note in document.notes:
        story.append(styles.para("note", note))
    running = RunningText(document.clinic_name, f"{title} {document.number}", PRODUCT, locale)
    return build_pdf(story, page, running, title=f"{title} {document.number}", author=document.clinic_name)


def _letterhead(document: BillingDocument, styles: Styles, width: float, title: str, locale: str) -> Flowable:
    left: list[Any] = []
    if document.logo:
        reader = ImageReader(io.BytesIO(document.logo))
        image_width, image_height = reader.getSize()
        height = 16 * mm
        left.append(
            Image(io.BytesIO(document.logo), width=height * image_width / image_height, height=height)
        )
        left.append(Spacer(1, 4))
    left.append(styles.para("h2", document.clinic_name))
    left.extend(styles.para("body", line) for line in document.clinic_lines)
    facts = [
        (translate(N_("Number"), locale), document.number),
        (translate(N_("Date"), locale), formatting.long_date(document.issued, locale)),
    ]
    if document.bill_to:
        facts.append((translate(N_("Patient"), locale), document.bill_to))
    right: list[Any] = [styles.para("title", title)]
    for label, value in facts:
        right.append(_pair(styles, label, value))
    table = Table([[left, right]], colWidths=[width * 0.55, width * 0.45])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("LINEBELOW", (0, 0), (-1, 0), 1.2, theme.BRAND),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 10),
            ]
        )
    )
    return table


def _pair(styles: Styles, label: str, value: str) -> Paragraph:
    style = styles.get("body", label + value)
    return Paragraph(f'<font color="#64748B">{escape(label)}</font>&nbsp;&nbsp;{escape(value)}', style)


def _items(document: BillingDocument, styles: Styles, width: float, locale: str, money: Any) -> Flowable:
    header = [
        translate(N_("Description"), locale),
        translate(N_("Qty"), locale),
        translate(N_("Unit price"), locale),
        translate(N_("Discount"), locale),
        translate(N_("Amount"), locale),
    ]
    rows: list[list[Any]] = [
        [styles.para("th", header[0]), *(styles.para("th_right", h) for h in header[1:])]
    ]
    for item in document.items:
        rows.append(
            [
                Paragraph(escape(item.description), styles.get("cell", item.description)),
                str(item.quantity),
                money(item.unit_price),
                money(-item.discount) if item.discount else formatting.EMPTY,
                money(item.amount),
            ]
        )
    table = Table(
        rows, colWidths=[width * 0.46, width * 0.08, width * 0.16, width * 0.14, width * 0.16], repeatRows=1
    )
    table.setStyle(TableStyle(_table_style(len(rows))))
    return table


def _table_style(rows: int) -> list[tuple[Any, ...]]:
    commands: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), theme.BRAND),
        ("FONTNAME", (0, 1), (-1, -1), "Helvetica"),
        ("FONTSIZE", (0, 1), (-1, -1), theme.BODY_SIZE),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, theme.RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    for r in range(2, rows, 2):
        commands.append(("BACKGROUND", (0, r), (-1, r), theme.ZEBRA))
    return commands


def _totals(document: BillingDocument, styles: Styles, width: float, locale: str, money: Any) -> Flowable:
    subtotal = sum((item.amount for item in document.items), Decimal(0))
    lines: list[tuple[str, str, bool]] = [(translate(N_("Subtotal"), locale), money(subtotal), False)]
    if document.payment_discount:
        lines.append((translate(N_("Discount at payment"), locale), money(-document.payment_discount), False))
    lines.append(
        (
            translate(N_("Total (%(currency)s)"), locale, currency=document.currency),
            money(document.total),
            True,
        )
    )
    if document.tax_rate:
        percent = formatting.cell(document.tax_rate, ValueKind.PERCENT, locale, document.currency)
        lines.append(
            (
                translate(N_("Includes tax (%(rate)s)"), locale, rate=percent),
                money(document.tax_included),
                False,
            )
        )
    if document.kind is DocumentKind.INVOICE:
        lines.append((translate(N_("Balance due"), locale), money(document.balance_due), True))
    rows = [[label, value] for label, value, _bold in lines]
    table = Table(rows, colWidths=[width * 0.3, width * 0.16], hAlign="RIGHT")
    commands: list[tuple[Any, ...]] = [
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("FONTNAME", (0, 0), (-1, -1), "Helvetica"),
    ]
    for index, (label, _value, bold) in enumerate(lines):
        if needs_cjk(label):
            commands.append(("FONTNAME", (0, index), (0, index), cjk_font(locale).name))
        elif bold:
            commands.append(("FONTNAME", (0, index), (0, index), "Helvetica-Bold"))
        if bold:
            commands += [
                ("FONTNAME", (1, index), (1, index), "Helvetica-Bold"),
                ("LINEABOVE", (0, index), (-1, index), 0.8, theme.INK),
                ("BACKGROUND", (0, index), (-1, index), theme.TOTAL_BAND),
            ]
    table.setStyle(TableStyle(commands))
    return table


def _payments(document: BillingDocument, styles: Styles, width: float, locale: str, money: Any) -> Flowable:
    header = [
        translate(N_("Date"), locale),
        translate(N_("Method"), locale),
        translate(N_("Reference"), locale),
        translate(N_("Amount"), locale),
    ]
    rows: list[list[Any]] = [
        [styles.para("th", h) for h in header[:3]] + [styles.para("th_right", header[3])]
    ]
    for line in document.payments:
        method = translate(line.method, locale)
        rows.append(
            [
                formatting.long_date(line.day, locale),
                Paragraph(escape(method), styles.get("cell", method)),
                line.reference or formatting.EMPTY,
                money(line.amount),
            ]
        )
    table = Table(rows, colWidths=[width * 0.25, width * 0.25, width * 0.3, width * 0.2])
    commands = _table_style(len(rows))
    commands.append(("ALIGN", (1, 1), (2, -1), "LEFT"))
    for r, row in enumerate(rows[1:], start=1):
        if isinstance(row[0], str) and needs_cjk(row[0]):
            commands.append(("FONTNAME", (0, r), (0, r), cjk_font(locale).name))
    table.setStyle(TableStyle(commands))
    return table


def items_total(items: Sequence[LineItem]) -> Decimal:
    return sum((item.amount for item in items), Decimal(0))
