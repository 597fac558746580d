"""A report as a PDF: title, period and filters, headline tiles, then each section's chart and table."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Final
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from common.i18n import N_, translate
from common.printing import formatting, theme
from common.printing.charts import chart_drawing
from common.printing.document import PRODUCT, RunningText, Styles, build_pdf
from common.printing.fonts import cjk_font, font_for, needs_cjk, text_width
from common.printing.pages import PAPER_SIZES, Paper
from common.reports.model import Figure, ReportData, Section, ValueKind
from common.reports.model import Table as ReportTable

TILES_PER_ROW: Final = 4
CELL_PAD: Final = 4.0
NUMERIC: Final = frozenset(
    {ValueKind.COUNT, ValueKind.MONEY, ValueKind.PERCENT, ValueKind.MINUTES, ValueKind.DAYS}
)
SMALL_TABLE: Final = 8


def report_pdf(data: ReportData, *, locale: str, paper: Paper = Paper.A4) -> bytes:
    page = PAPER_SIZES[paper]
    width = page[0] - 2 * theme.MARGIN
    styles = Styles(locale)
    title = translate(data.title, locale)
    zone = ZoneInfo(data.timezone)
    story: list[Flowable] = [styles.para("title", title), styles.para("subtitle", data.clinic_name)]
    story.append(styles.para("subtitle", _period_line(data, locale)))
    if data.filter_labels:
        shown = ", ".join(formatting.text(label, locale) for label in data.filter_labels)
        story.append(styles.para("subtitle", translate(N_("Filters: %(filters)s"), locale, filters=shown)))
    story.append(Spacer(1, 10))
    for start in range(0, len(data.figures), TILES_PER_ROW):
        story.append(
            _tiles(data.figures[start : start + TILES_PER_ROW], width, styles, locale, data.currency)
        )
        story.append(Spacer(1, 6))
    for section in data.sections:
        story.extend(_section(section, width, styles, locale, data.currency))
    generated = translate(
        N_("Generated %(when)s by %(product)s"),
        locale,
        when=formatting.moment(data.generated_at, zone, locale),
        product=PRODUCT,
    )
    running = RunningText(data.clinic_name, title, generated, locale)
    return build_pdf(story, page, running, title=title, author=data.clinic_name)


def _period_line(data: ReportData, locale: str) -> str:
    first = formatting.long_date(data.period.first, locale)
    last = formatting.long_date(data.period.last, locale)
    span = first if data.period.first == data.period.last else f"{first} – {last}"
    return translate(
        N_("Period: %(period)s · Amounts in %(currency)s"), locale, period=span, currency=data.currency
    )


def _tiles(figures: Sequence[Figure], width: float, styles: Styles, locale: str, currency: str) -> Flowable:
    cells: list[list[Any]] = []
    row: list[Any] = []
    for figure in figures:
        value = formatting.figure(figure.value, figure.kind, locale, currency)
        label = translate(figure.label, locale)
        row.append([styles.para("tile_label", label), styles.para("tile_value", value)])
        if len(row) == TILES_PER_ROW:
            cells.append(row)
            row = []
    if row:
        cells.append(row + [""] * (TILES_PER_ROW - len(row)))
    gap = 6.0
    tile_width = (width - gap * (TILES_PER_ROW - 1)) / TILES_PER_ROW
    widths = []
    for index in range(TILES_PER_ROW * 2 - 1):
        widths.append(tile_width if index % 2 == 0 else gap)
    spaced = [[item for pair in zip(r, [""] * len(r), strict=True) for item in pair][:-1] for r in cells]
    table = Table(spaced, colWidths=widths, hAlign="LEFT")
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
        ("LEFTPADDING", (0, 0), (-1, -1), 8),
    ]
    for r, source in enumerate(cells):
        for c, content in enumerate(source):
            if content != "":
                commands.append(("BACKGROUND", (c * 2, r), (c * 2, r), theme.BRAND_LIGHT))
                commands.append(("LINEBEFORE", (c * 2, r), (c * 2, r), 2.2, theme.BRAND))
    table.setStyle(TableStyle(commands))
    return table


def _section(section: Section, width: float, styles: Styles, locale: str, currency: str) -> list[Flowable]:
    heading = styles.para("h2", translate(section.title, locale))
    parts: list[Flowable] = [CondPageBreak(60 * mm), heading]
    head: list[Flowable] = [heading]
    if section.chart is not None and section.chart.series and section.chart.categories:
        head.append(chart_drawing(section.chart, width, locale, currency))
        head.append(Spacer(1, 6))
    table = _table(section.table, width, styles, locale, currency)
    note = styles.para("note", translate(section.note, locale)) if section.note else None
    if len(section.table.rows) <= SMALL_TABLE:
        block = [*head, table] + ([note] if note else [])
        return [CondPageBreak(60 * mm), KeepTogether(block)]
    parts = [CondPageBreak(60 * mm), KeepTogether(head), table]
    if note:
        parts.append(note)
    return parts


def _table(source: ReportTable, width: float, styles: Styles, locale: str, currency: str) -> Flowable:
    columns = source.columns
    body = [
        [formatting.cell(value, c.kind, locale, currency) for value, c in zip(row, columns, strict=True)]
        for row in source.rows
    ]
    total = (
        [
            formatting.cell(value, c.kind, locale, currency)
            for value, c in zip(source.total, columns, strict=True)
        ]
        if source.total is not None
        else None
    )
    if not body:
        return styles.para("note", translate(N_("Nothing to show for this period."), locale))
    rows = body + ([total] if total else [])
    font_size = theme.BODY_SIZE if len(columns) <= 7 else 7.5
    numeric = [c.kind in NUMERIC for c in columns]
    widths = _widths(columns, rows, numeric, width, font_size, locale)
    header = [
        styles.para("th_right" if numeric[i] else "th", translate(c.title, locale))
        for i, c in enumerate(columns)
    ]
    cells: list[list[Any]] = [header]
    wrap = widths[0] < _natural(rows, 0, font_size, locale) + 2 * CELL_PAD
    for row in rows:
        first: Any = row[0]
        if wrap:
            first = Paragraph(escape(row[0]), styles.get("cell", row[0]))
        cells.append([first, *row[1:]])
    table = Table(cells, colWidths=widths, repeatRows=1, hAlign="LEFT")
    cjk = cjk_font(locale).name if any(needs_cjk(text) for row in rows for text in row) else None
    commands: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 1), (-1, -1), "Helvetica"),
        ("FONTSIZE", (0, 1), (-1, -1), font_size),
        ("TEXTCOLOR", (0, 1), (-1, -1), theme.INK),
        ("BACKGROUND", (0, 0), (-1, 0), theme.BRAND),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, theme.RULE),
    ]
    for index, is_number in enumerate(numeric):
        if is_number:
            commands.append(("ALIGN", (index, 1), (index, -1), "RIGHT"))
    for r in range(1, len(body) + 1):
        if r % 2 == 0:
            commands.append(("BACKGROUND", (0, r), (-1, r), theme.ZEBRA))
    if cjk:
        for r, row in enumerate(rows, start=1):
            for c, text in enumerate(row):
                if needs_cjk(text):
                    commands.append(("FONTNAME", (c, r), (c, r), cjk))
    if total:
        last = len(rows)
        commands += [
            ("BACKGROUND", (0, last), (-1, last), theme.TOTAL_BAND),
            ("LINEABOVE", (0, last), (-1, last), 0.8, theme.INK),
        ]
        for c, text in enumerate(total):
            if not needs_cjk(text):
                commands.append(("FONTNAME", (c, last), (c, last), "Helvetica-Bold"))
    for r, raw in enumerate(source.rows, start=1):
        for c, (value, column) in enumerate(zip(raw, columns, strict=True)):
            if column.kind is ValueKind.MONEY and isinstance(value, Decimal) and value < 0:
                commands.append(("TEXTCOLOR", (c, r), (c, r), theme.NEGATIVE))
    table.setStyle(TableStyle(commands))
    return table


def _natural(rows: list[list[str]], index: int, size: float, locale: str) -> float:
    return max(
        (text_width(row[index], font_for(row[index], locale=locale), size) for row in rows), default=0.0
    )


def _widths(
    columns: Sequence[Any], rows: list[list[str]], numeric: list[bool], width: float, size: float, locale: str
) -> list[float]:
    natural = []
    for index, column in enumerate(columns):
        content = _natural(rows, index, size, locale)
        title = translate(column.title, locale)
        longest_word = max(
            (text_width(word, font_for(word, bold=True, locale=locale), 7.5) for word in title.split()),
            default=0.0,
        )
        header_room = text_width(title, font_for(title, bold=True, locale=locale), 7.5) / 2.2
        natural.append(max(content, longest_word, header_room) + 2 * CELL_PAD + 2)
    fixed = sum(natural[1:])
    label = max(natural[0], 60.0)
    if fixed + label > width:
        label = max(width - fixed, 70.0)
        extra = 0.0
    else:
        extra = width - fixed - label
    widths = [label, *natural[1:]]
    if extra > 0:
        # Spread spare room over the figures: a full-width table reads as one block.
        share = extra / len(widths)
        widths = [w + share for w in widths]
    return widths
