"""`clinic-kiosk --print-demo-codes FILE.pdf|FILE.png`: one A4 page with the demo patients'
codes, what each one shows on the kiosk, and the details for “No code?”.

Print it (or show it on a phone) to try the kiosk's camera; type a code with a keyboard and
Enter to try the scanner path. The codes stay valid as long as the demo clinic's file does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter, QPen

from common.barcodes import payload
from common.checkin.presentation import clock_time
from common.i18n import translate
from common.qt.i18n import with_punctuation_for
from common.vision.synthetic import qr_modules
from kiosk import strings
from kiosk.demo_data import DemoCard, DemoKiosk
from kiosk.settings import DEMO_PIN
from kiosk.theme import INK, MUTED, PRIMARY, families

PNG_DPI: Final = 150
A4_MM: Final = (210.0, 297.0)
MARGIN_MM: Final = 12.0
COLUMNS: Final = 2
BODY_POINTS: Final = 8.0
COMMON_BODY_POINTS: Final = 7.0
SMALLEST_BODY_POINTS: Final = 6.0
WRAP: Final = int(Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap)


def render(path: Path, demo: DemoKiosk, timezone: str, locale: str = "en") -> Path:
    """Write the sheet as PDF or PNG (by the file's suffix)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".pdf":
        writer = QPdfWriter(str(path))
        writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        writer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)
        writer.setResolution(300)
        writer.setTitle(translate(strings.SHEET_TITLE, locale))
        painter = QPainter(writer)
        _paint(painter, writer.resolution(), demo, timezone, locale)
        painter.end()
        return path
    dots = PNG_DPI / 25.4
    image = QImage(round(A4_MM[0] * dots), round(A4_MM[1] * dots), QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    image.setDotsPerMeterX(round(PNG_DPI / 0.0254))
    image.setDotsPerMeterY(round(PNG_DPI / 0.0254))
    painter = QPainter(image)
    _paint(painter, PNG_DPI, demo, timezone, locale)
    painter.end()
    if not image.save(str(path)):
        raise OSError(f"could not write {path}")
    return path


def _qr_image(value: str) -> QImage:
    modules = qr_modules(value)
    side = modules.shape[0]
    image = QImage(side, side, QImage.Format.Format_RGB32)
    for y in range(side):
        for x in range(side):
            image.setPixel(x, y, 0xFF000000 if modules[y, x] else 0xFFFFFFFF)
    return image


def _font(locale: str, points: float, bold: bool = False) -> QFont:
    font = QFont()
    font.setFamilies(list(families(locale)))
    font.setPointSizeF(points)
    font.setBold(bold)
    return with_punctuation_for(font, locale)


def _paint(painter: QPainter, dpi: float, demo: DemoKiosk, timezone: str, locale: str) -> None:
    mm = dpi / 25.4
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    page_w, margin = A4_MM[0] * mm, MARGIN_MM * mm
    y = margin
    painter.setPen(QColor(INK))
    painter.setFont(_font(locale, 17, bold=True))
    painter.drawText(
        QRectF(margin, y, page_w - 2 * margin, 12 * mm),
        int(Qt.AlignmentFlag.AlignLeft),
        translate(strings.SHEET_TITLE, locale),
    )
    y += 11 * mm
    painter.setFont(_font(locale, 9))
    painter.setPen(QColor(MUTED))
    # The PIN on a line of its own: run on after the intro, it would break mid-word (ja "（デ|モ）").
    intro = translate(strings.SHEET_INTRO, locale) + "\n" + translate(strings.SHEET_PIN, locale, pin=DEMO_PIN)
    intro_rect = painter.boundingRect(QRectF(margin, y, page_w - 2 * margin, 40 * mm), WRAP, intro)
    painter.drawText(intro_rect, WRAP, intro)
    y = intro_rect.bottom() + 4 * mm
    cards = demo.cards
    rows = (len(cards) + COLUMNS - 1) // COLUMNS
    gap = 4 * mm
    card_w = (page_w - 2 * margin - gap * (COLUMNS - 1)) / COLUMNS
    card_h = (A4_MM[1] * mm - y - margin - gap * (rows - 1)) / rows
    boxes = [
        QRectF(margin + column * (card_w + gap), y + row * (card_h + gap), card_w, card_h)
        for row, column in (divmod(index, COLUMNS) for index in range(len(cards)))
    ]
    layouts = [_card_layout(box, mm, card) for box, card in zip(boxes, cards, strict=True)]
    texts = [_card_text(card, timezone, locale) for card in cards]
    sizes = _body_points(painter, [layout.body for layout in layouts], texts, locale)
    for box, layout, card, text, points in zip(boxes, layouts, cards, texts, sizes, strict=True):
        _paint_card(painter, box, mm, layout, card, text, points, locale)


@dataclass(frozen=True)
class _CardLayout:
    qr: QImage
    qr_box: QRectF
    label: QRectF
    body: QRectF
    code: QRectF


def _card_layout(box: QRectF, mm: float, card: DemoCard) -> _CardLayout:
    pad = 3 * mm
    qr = _qr_image(card.code)
    # A whole number of device pixels per module: a fractional scale draws some modules a pixel
    # wider than others, and the odd code then would not read back from the PNG.
    module = math.floor(min(box.height() - 2 * pad, 34 * mm) / qr.width())
    qr_side = float(module * qr.width())
    qr_box = QRectF(
        round(box.left() + pad), round(box.top() + (box.height() - qr_side) / 2), qr_side, qr_side
    )
    left = qr_box.right() + pad
    width = box.right() - pad - left
    top = box.top() + pad
    return _CardLayout(
        qr=qr,
        qr_box=qr_box,
        label=QRectF(left, top, width, 6 * mm),
        body=QRectF(left, top + 6 * mm, width, box.bottom() - pad - top - 10 * mm),
        code=QRectF(left, box.bottom() - pad - 4 * mm, width, 4 * mm),
    )


def _body_points(painter: QPainter, bodies: list[QRectF], texts: list[str], locale: str) -> list[float]:
    """Each card's type size: one size for every card, the largest (8 pt down to 7 pt) at which
    they all fit; a card whose text fits only smaller (down to 6 pt) gets that on its own. A line
    cut off would be a mistake; cards in many sizes would look like one."""
    cards = list(zip(bodies, texts, strict=True))
    shared = BODY_POINTS
    while shared > COMMON_BODY_POINTS and not all(_fits(painter, locale, shared, *card) for card in cards):
        shared -= 0.5
    sizes = []
    for body, text in cards:
        points = shared
        while points > SMALLEST_BODY_POINTS and not _fits(painter, locale, points, body, text):
            points -= 0.5
        sizes.append(points)
    return sizes


def _fits(painter: QPainter, locale: str, points: float, body: QRectF, text: str) -> bool:
    painter.setFont(_font(locale, points))
    unbounded = QRectF(body.left(), body.top(), body.width(), 100 * body.height())
    return painter.boundingRect(unbounded, WRAP, text).height() <= body.height()


def _paint_card(
    painter: QPainter,
    box: QRectF,
    mm: float,
    layout: _CardLayout,
    card: DemoCard,
    text: str,
    points: float,
    locale: str,
) -> None:
    painter.setPen(QPen(QColor("#B8C2C8"), 0.3 * mm))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRoundedRect(box, 3 * mm, 3 * mm)
    painter.drawImage(layout.qr_box, layout.qr)
    painter.setPen(QColor(PRIMARY))
    painter.setFont(_font(locale, 9.5, bold=True))
    painter.drawText(layout.label, int(Qt.AlignmentFlag.AlignLeft), translate(card.label, locale))
    painter.setPen(QColor(INK))
    painter.setFont(_font(locale, points))
    painter.drawText(layout.body, WRAP, text)
    painter.setPen(QColor(MUTED))
    painter.setFont(_font("en", 6.5))
    painter.drawText(layout.code, int(Qt.AlignmentFlag.AlignLeft), payload.display(card.code))


def _card_text(card: DemoCard, timezone: str, locale: str) -> str:
    """What the kiosk shows for the card's code, and the details to try “No code?” with."""
    lines = [translate(card.expect, locale)]
    if card.first_name and card.key != "twin":
        lines.append(card.first_name)
    if card.starts_at:
        starts = datetime.fromisoformat(card.starts_at)
        lines.append(
            translate(strings.SHEET_APPOINTMENT_AT, locale, time=clock_time(starts, timezone, locale))
        )
    if card.key in ("ready_2", "twin"):
        no_code = translate(
            strings.SHEET_NO_CODE, locale, last_name=card.last_name, date_of_birth=card.date_of_birth
        )
        if card.key == "twin":
            no_code += ", " + translate(strings.SHEET_PHONE, locale, digits=card.phone_last4)
        lines.append(no_code)
    return "\n".join(lines)
