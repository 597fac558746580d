"""The self-registration poster: the clinic's name and logo, a large QR code of its signed
registration link, and short instructions in each of the clinic's languages."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from common.i18n import LANGUAGE_NATIVE_NAMES, N_, normalize_locale, translate
from common.printing import theme
from common.printing.codes import draw_qr
from common.printing.document import PRODUCT, draw_string
from common.printing.pages import PAPER_SIZES, Paper
from common.printing.text import fit, wrap

HEADLINE: Final = N_("Register as a new patient")
STEPS: Final = (
    N_("Scan the code with your phone's camera."),
    N_("Fill in your details on the page that opens."),
    N_("Show the confirmation at the front desk."),
)
A4_WIDTH: Final = PAPER_SIZES[Paper.A4][0]


@dataclass(frozen=True)
class PosterContent:
    clinic_name: str
    url: str
    languages: tuple[str, ...]  # the clinic's languages, the default first
    address: str | None = None
    phone: str | None = None
    email: str | None = None
    logo: bytes | None = None


def poster_pdf(content: PosterContent, paper: Paper = Paper.A4) -> bytes:
    width, height = PAPER_SIZES[paper]
    k = width / A4_WIDTH
    languages = _languages(content.languages)
    main = languages[0]
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(width, height))
    canvas.setTitle(f"{content.clinic_name} - {translate(HEADLINE, main)}")
    canvas.setAuthor(content.clinic_name)
    canvas.setCreator(PRODUCT)

    band = 150 * k
    canvas.setFillColor(theme.BRAND)
    canvas.rect(0, height - band, width, band, stroke=0, fill=1)
    name_x = 48 * k
    if content.logo:
        logo = 96 * k
        canvas.setFillColor(theme.WHITE)
        canvas.roundRect(name_x, height - band / 2 - logo / 2, logo, logo, 10 * k, stroke=0, fill=1)
        inset = 8 * k
        canvas.drawImage(
            ImageReader(io.BytesIO(content.logo)),
            name_x + inset,
            height - band / 2 - logo / 2 + inset,
            logo - 2 * inset,
            logo - 2 * inset,
            preserveAspectRatio=True,
            anchor="c",
            mask="auto",
        )
        name_x += logo + 24 * k
    name_size = fit(content.clinic_name, width - name_x - 40 * k, 30 * k, bold=True, locale=main)
    draw_string(
        canvas,
        name_x,
        height - band / 2 - name_size / 3,
        content.clinic_name,
        name_size,
        bold=True,
        color=theme.WHITE,
        locale=main,
    )

    y = height - band - 62 * k
    headline = translate(HEADLINE, main)
    draw_string(
        canvas,
        width / 2,
        y,
        headline,
        fit(headline, width - 80 * k, 30 * k, bold=True, locale=main),
        bold=True,
        locale=main,
        anchor="middle",
    )
    others = " · ".join(translate(HEADLINE, language) for language in languages[1:])
    if others:
        y -= 26 * k
        draw_string(
            canvas,
            width / 2,
            y,
            others,
            fit(others, width - 80 * k, 15 * k, locale=main),
            color=theme.MUTED,
            locale=main,
            anchor="middle",
        )

    steps = _steps(languages, width, k)
    footer_top = 70 * k
    url_room = 22 * k + 34 * k
    qr = min(width * 0.5, y - 24 * k - 16 * k - url_room - steps.height - footer_top)
    y -= 24 * k + qr
    canvas.setStrokeColor(theme.RULE)
    canvas.setLineWidth(1)
    canvas.roundRect(
        width / 2 - qr / 2 - 8 * k, y - 8 * k, qr + 16 * k, qr + 16 * k, 12 * k, stroke=1, fill=0
    )
    draw_qr(canvas, content.url, width / 2 - qr / 2, y, qr, level="Q")
    y -= 22 * k
    url_size = fit(content.url, width - 80 * k, 8.5 * k, locale="en")
    draw_string(canvas, width / 2, y, content.url, url_size, color=theme.MUTED, anchor="middle")

    _instructions(canvas, steps, y - 34 * k, k)

    footer = "   ·   ".join(part for part in (content.address, content.phone, content.email) if part)
    if footer:
        canvas.setStrokeColor(theme.RULE)
        canvas.line(48 * k, 58 * k, width - 48 * k, 58 * k)
        draw_string(
            canvas,
            width / 2,
            38 * k,
            footer,
            fit(footer, width - 96 * k, 9 * k, locale=main),
            color=theme.MUTED,
            locale=main,
            anchor="middle",
        )
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _languages(languages: Sequence[str]) -> list[str]:
    found: list[str] = []
    for language in languages or ("en",):
        locale = normalize_locale(language)
        if locale not in found:
            found.append(locale)
    return found[:4]


@dataclass(frozen=True)
class _Steps:
    """The instructions laid out: per language, its lines per step; and the block's height."""

    languages: list[str]
    lines: list[list[list[str]]]
    column: float
    size: float
    margin: float
    gap: float

    @property
    def height(self) -> float:
        tallest = max(sum(len(step) for step in steps) for steps in self.lines)
        return 32 * self.size / 11 + tallest * self.size * 1.35 + len(STEPS) * 8 * self.size / 11


def _steps(languages: list[str], width: float, k: float) -> _Steps:
    margin, gap = 48 * k, 20 * k
    columns = len(languages)
    column = (width - 2 * margin - gap * (columns - 1)) / columns
    size = (11 if columns <= 2 else 9.5) * k
    lines = [
        [wrap(translate(step, language), column - 24 * k, size, language) for step in STEPS]
        for language in languages
    ]
    return _Steps(languages, lines, column, size, margin, gap)


def _instructions(canvas: Canvas, steps: _Steps, top: float, k: float) -> None:
    size = steps.size
    for index, language in enumerate(steps.languages):
        x = steps.margin + index * (steps.column + steps.gap)
        y = top
        canvas.setFillColor(theme.BRAND)
        canvas.rect(x, y + 4 * k, 22 * k, 2.2 * k, stroke=0, fill=1)
        y -= 12 * k
        draw_string(
            canvas,
            x,
            y,
            LANGUAGE_NATIVE_NAMES[language],
            9 * k,
            bold=True,
            color=theme.BRAND_DARK,
            locale=language,
        )
        y -= 20 * k
        for number, lines in enumerate(steps.lines[index], start=1):
            canvas.setFillColor(theme.BRAND)
            canvas.circle(x + 7 * k, y + size / 3, 7 * k, stroke=0, fill=1)
            draw_string(
                canvas,
                x + 7 * k,
                y + size / 3 - 3 * k,
                str(number),
                8.5 * k,
                bold=True,
                color=theme.WHITE,
                anchor="middle",
            )
            for line in lines:
                draw_string(canvas, x + 22 * k, y, line, size, locale=language)
                y -= size * 1.35
            y -= 8 * k
