"""Patient cards (ID-1, the size of a bank card) and patient labels (label-printer rolls).

Each shows the patient's code as a QR code and as Code 128, with the code written out for
people, and the patient's name only when the clinic chose to print names.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Final

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from common.barcodes.payload import display
from common.i18n import N_, translate
from common.printing import theme
from common.printing.codes import draw_code128, draw_qr
from common.printing.document import PRODUCT, draw_string
from common.printing.pages import ID1, LabelSize
from common.printing.text import fit, wrap

CARD_TITLE: Final = N_("Patient card")
CARD_HINT: Final = N_("Show this card at the front desk or scan it at the kiosk.")


@dataclass(frozen=True)
class PatientCode:
    code: str  # the canonical barcode value
    name: str | None  # None when the clinic does not print names


def card_pdf(clinic_name: str, patient: PatientCode, locale: str) -> bytes:
    width, height = ID1
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=ID1)
    canvas.setTitle(translate(CARD_TITLE, locale))
    canvas.setCreator(PRODUCT)
    pad = 3.2 * mm
    band = 8.5 * mm
    canvas.setFillColor(theme.BRAND)
    canvas.rect(0, height - band, width, band, stroke=0, fill=1)
    name_size = fit(clinic_name, width - 2 * pad, 8.5, bold=True, locale=locale)
    draw_string(
        canvas,
        pad,
        height - band + 3 * mm,
        clinic_name,
        name_size,
        bold=True,
        color=theme.WHITE,
        locale=locale,
    )

    qr = 23 * mm
    qr_y = height - band - 1.6 * mm - qr
    draw_qr(canvas, patient.code, pad - 1.2 * mm, qr_y, qr)
    text_x = pad + qr + 0.4 * mm
    room = width - text_x - pad
    y = height - band - 5.5 * mm
    title = translate(CARD_TITLE, locale)
    draw_string(
        canvas,
        text_x,
        y,
        title.upper() if title.isascii() else title,
        6,
        bold=True,
        color=theme.BRAND_DARK,
        locale=locale,
    )
    if patient.name:
        y -= 5.2 * mm
        draw_string(
            canvas,
            text_x,
            y,
            patient.name,
            fit(patient.name, room, 10.5, bold=True, locale=locale),
            bold=True,
            locale=locale,
        )
    y -= 4.6 * mm
    shown = display(patient.code)
    draw_string(canvas, text_x, y, shown, fit(shown, room, 7, locale=locale), color=theme.INK)
    y -= 4 * mm
    for line in wrap(translate(CARD_HINT, locale), room, 5.5, locale)[:3]:
        draw_string(canvas, text_x, y, line, 5.5, color=theme.MUTED, locale=locale)
        y -= 2.5 * mm
    draw_code128(canvas, patient.code, pad - 1 * mm, 2.6 * mm, width - 2 * pad + 2 * mm, 10 * mm)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def label_pdf(clinic_name: str, patient: PatientCode, size: LabelSize, locale: str, copies: int = 1) -> bytes:
    """One label per page, as label printers take them."""
    width, height = size.size
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(width, height))
    canvas.setTitle(translate(N_("Patient label"), locale))
    canvas.setCreator(PRODUCT)
    for _ in range(max(1, copies)):
        _label(canvas, clinic_name, patient, width, height, locale)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _label(
    canvas: Canvas, clinic_name: str, patient: PatientCode, width: float, height: float, locale: str
) -> None:
    if height > width:
        _tall_label(canvas, clinic_name, patient, width, height, locale)
        return
    pad = 1.5 * mm
    bars = 7 * mm
    draw_code128(canvas, patient.code, 0, pad, width, bars)
    top = height - pad
    qr = min(top - bars - pad - 1 * mm, width * 0.42)
    draw_qr(canvas, patient.code, 0, top - qr, qr)
    text_x = qr + 0.5 * mm
    room = width - text_x - pad
    y = top - 3 * mm
    draw_string(
        canvas,
        text_x,
        y,
        clinic_name,
        fit(clinic_name, room, 6.5, bold=True, locale=locale),
        bold=True,
        color=theme.BRAND_DARK,
        locale=locale,
    )
    if patient.name:
        y -= 4.4 * mm
        draw_string(
            canvas,
            text_x,
            y,
            patient.name,
            fit(patient.name, room, 10, bold=True, locale=locale),
            bold=True,
            locale=locale,
        )
    shown = display(patient.code)
    half = len(shown) // 2
    cut = shown.rfind("-", 0, half + 4)
    for line in (shown[: cut + 1], shown[cut + 1 :]) if cut > 0 else (shown,):
        y -= 3.2 * mm
        draw_string(canvas, text_x, y, line, fit(line, room, 6.5, locale=locale))


def _tall_label(
    canvas: Canvas, clinic_name: str, patient: PatientCode, width: float, height: float, locale: str
) -> None:
    """A portrait label (62 x 100 mm): the clinic, a large QR code, the name, the code, the bars."""
    pad = 3 * mm
    y = height - pad - 4 * mm
    draw_string(
        canvas,
        width / 2,
        y,
        clinic_name,
        fit(clinic_name, width - 2 * pad, 9, bold=True, locale=locale),
        bold=True,
        color=theme.BRAND_DARK,
        locale=locale,
        anchor="middle",
    )
    qr = width - 2 * pad
    y -= 2 * mm + qr
    draw_qr(canvas, patient.code, pad, y, qr)
    if patient.name:
        y -= 6 * mm
        draw_string(
            canvas,
            width / 2,
            y,
            patient.name,
            fit(patient.name, width - 2 * pad, 13, bold=True, locale=locale),
            bold=True,
            locale=locale,
            anchor="middle",
        )
    shown = display(patient.code)
    y -= 6 * mm
    draw_string(canvas, width / 2, y, shown, fit(shown, width - 2 * pad, 8, locale=locale), anchor="middle")
    draw_code128(canvas, patient.code, 0, pad, width, 14 * mm)
