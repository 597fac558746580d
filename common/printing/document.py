"""The frame every multi-page document shares: running header, footer and "Page x of y"."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph

from common.i18n import N_, translate
from common.printing import theme
from common.printing.fonts import BOLD, REGULAR, cjk_font, font_for, is_fake_bold, needs_cjk, text_width

PRODUCT = "Clinic Front Desk"


@dataclass(frozen=True)
class RunningText:
    left_header: str
    right_header: str
    left_footer: str
    locale: str


class _NumberedCanvas(Canvas):  # type: ignore[misc] # reportlab is untyped
    """Saves each page, then writes "Page x of y" once the total is known."""

    running: RunningText

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._saved: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._saved.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._saved)
        for state in self._saved:
            self.__dict__.update(state)
            self._decorate(total)
            super().showPage()
        super().save()

    def _decorate(self, total: int) -> None:
        running = self.running
        width, height = self._pagesize
        top = height - theme.MARGIN + 10
        self.setStrokeColor(theme.RULE)
        self.setLineWidth(0.6)
        self.line(theme.MARGIN, top - 4, width - theme.MARGIN, top - 4)
        draw_string(
            self,
            theme.MARGIN,
            top,
            running.left_header,
            8,
            bold=True,
            color=theme.BRAND,
            locale=running.locale,
        )
        draw_string(
            self,
            width - theme.MARGIN,
            top,
            running.right_header,
            8,
            color=theme.MUTED,
            locale=running.locale,
            anchor="end",
        )
        bottom = theme.MARGIN - 18
        self.line(theme.MARGIN, bottom + 10, width - theme.MARGIN, bottom + 10)
        draw_string(
            self, theme.MARGIN, bottom, running.left_footer, 7, color=theme.MUTED, locale=running.locale
        )
        page = translate(N_("Page %(page)s of %(pages)s"), running.locale, page=self._pageNumber, pages=total)
        draw_string(
            self,
            width - theme.MARGIN,
            bottom,
            page,
            7,
            color=theme.MUTED,
            locale=running.locale,
            anchor="end",
        )


def draw_string(
    canvas: Canvas,
    x: float,
    y: float,
    text: str,
    size: float,
    *,
    bold: bool = False,
    color: Any = theme.INK,
    locale: str = "en",
    anchor: str = "start",
) -> float:
    """Draw one line in the right font (CJK bold is drawn with a hairline outline); returns its width."""
    font = font_for(text, bold=bold, locale=locale)
    width = text_width(text, font, size)
    if anchor == "end":
        x -= width
    elif anchor == "middle":
        x -= width / 2
    canvas.saveState()
    canvas.setFillColor(color)
    text_object = canvas.beginText(x, y)
    text_object.setFont(font, size)
    if is_fake_bold(font):
        canvas.setStrokeColor(color)
        canvas.setLineWidth(size * 0.03)
        text_object.setTextRenderMode(2)
    text_object.textOut(text)
    canvas.drawText(text_object)
    canvas.restoreState()
    return width


def build_pdf(
    story: Sequence[Flowable],
    page_size: tuple[float, float],
    running: RunningText,
    *,
    title: str,
    author: str,
    on_page: Callable[[Canvas, Any], None] | None = None,
) -> bytes:
    buffer = io.BytesIO()
    width, height = page_size
    document = BaseDocTemplate(
        buffer,
        pagesize=page_size,
        leftMargin=theme.MARGIN,
        rightMargin=theme.MARGIN,
        topMargin=theme.MARGIN + 8,
        bottomMargin=theme.MARGIN + 4,
        title=title,
        author=author,
        creator=PRODUCT,
        subject=title,
    )
    frame = Frame(
        theme.MARGIN, theme.MARGIN + 4, width - 2 * theme.MARGIN, height - 2 * theme.MARGIN - 12, id="body"
    )
    document.addPageTemplates(
        [PageTemplate(id="page", frames=[frame], onPage=on_page or (lambda c, d: None))]
    )

    class Numbered(_NumberedCanvas):
        pass

    Numbered.running = running
    document.build(list(story), canvasmaker=Numbered)
    return buffer.getvalue()


class Styles:
    """Paragraph styles, each in a Latin and a CJK variant chosen by the text."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self._cache: dict[tuple[str, bool], ParagraphStyle] = {}
        self.specs: dict[str, dict[str, Any]] = {
            "title": {"fontSize": 20, "leading": 24, "textColor": theme.INK, "bold": True, "spaceAfter": 4},
            "subtitle": {"fontSize": 9.5, "leading": 13, "textColor": theme.MUTED},
            "h2": {
                "fontSize": 12.5,
                "leading": 16,
                "textColor": theme.BRAND_DARK,
                "bold": True,
                "spaceBefore": 14,
                "spaceAfter": 6,
            },
            "body": {"fontSize": theme.BODY_SIZE, "leading": theme.BODY_SIZE * 1.3, "textColor": theme.INK},
            "note": {
                "fontSize": theme.SMALL_SIZE,
                "leading": theme.SMALL_SIZE * 1.35,
                "textColor": theme.MUTED,
                "spaceBefore": 3,
            },
            "th": {"fontSize": 7.5, "leading": 9, "textColor": theme.WHITE, "bold": True},
            "th_right": {
                "fontSize": 7.5,
                "leading": 9,
                "textColor": theme.WHITE,
                "bold": True,
                "alignment": TA_RIGHT,
            },
            "cell": {"fontSize": theme.BODY_SIZE, "leading": theme.BODY_SIZE * 1.2, "textColor": theme.INK},
            "tile_label": {"fontSize": 7.5, "leading": 9.5, "textColor": theme.MUTED},
            "tile_value": {"fontSize": 14, "leading": 17, "textColor": theme.INK, "bold": True},
        }

    def get(self, name: str, text: str) -> ParagraphStyle:
        cjk = needs_cjk(text)
        key = (name, cjk)
        if key not in self._cache:
            spec = dict(self.specs[name])
            bold = spec.pop("bold", False)
            if cjk:
                font = cjk_font(self.locale)
                spec["fontName"] = font.bold_name if bold else font.name
            else:
                spec["fontName"] = BOLD if bold else REGULAR
            spec.setdefault("alignment", TA_LEFT)
            self._cache[key] = ParagraphStyle(f"{name}-{'cjk' if cjk else 'latin'}", **spec)
        return self._cache[key]

    def para(self, name: str, text: str) -> Paragraph:
        return Paragraph(escape(text), self.get(name, text))
