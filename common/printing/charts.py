"""Report charts drawn with reportlab's own graphics: vector, sharp in print, no image files."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Final

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors

from common.i18n import gettext
from common.printing import formatting, theme
from common.printing.fonts import font_for, text_width
from common.reports.model import Chart, ChartKind, ValueKind

LABEL_SIZE: Final = 7
MAX_LABEL: Final = 34
PIE_SLICES: Final = 8
AXIS_FONT: Final = "Helvetica"


def chart_drawing(chart: Chart, width: float, locale: str, currency: str) -> Drawing:
    if chart.kind is ChartKind.PIE:
        return _pie(chart, width, locale, currency)
    if chart.kind is ChartKind.HBAR:
        return _hbar(chart, width, locale)
    if chart.kind is ChartKind.LINE:
        return _line(chart, width, locale)
    return _vbar(chart, width, locale)


def _labels(chart: Chart, locale: str, *, short: bool = True) -> list[str]:
    labels = []
    for value in chart.categories:
        if isinstance(value, str):
            shown = formatting.text(value, locale)
        elif short and chart.category_kind in (ValueKind.DAY, ValueKind.WEEK, ValueKind.MONTH):
            shown = formatting.short_period(value, chart.category_kind, locale)  # type: ignore[arg-type]
        else:
            shown = formatting.cell(value, chart.category_kind, locale, "")
        labels.append(shown if len(shown) <= MAX_LABEL else shown[: MAX_LABEL - 1] + "…")
    return labels


def _data(chart: Chart) -> list[list[float]]:
    return [[float(value) for value in series.values] for series in chart.series]


def _font(texts: Sequence[str]) -> str:
    return font_for("".join(texts))


def _value_axis(axis: Any, data: list[list[float]], locale: str, *, stacked: bool = False) -> None:
    totals = [sum(column) for column in zip(*data, strict=True)] if stacked and data else []
    top = max([*totals, *(value for series in data for value in series), 0.0])
    axis.valueMin = 0
    if top <= 0:
        axis.valueMax = 1
    axis.labels.fontName = AXIS_FONT
    axis.labels.fontSize = LABEL_SIZE
    axis.labels.fillColor = theme.MUTED
    axis.labelTextFormat = lambda value: formatting.compact(value, locale)
    axis.strokeColor = theme.RULE
    axis.visibleGrid = True
    axis.gridStrokeColor = theme.RULE
    axis.gridStrokeWidth = 0.3
    axis.visibleTicks = False
    axis.maximumTicks = 6


def _legend(drawing: Drawing, chart: Chart, locale: str, x: float, y: float) -> None:
    """One row of swatches and series names above the plot."""
    if len(chart.series) < 2:
        return
    names = [gettext(series.name, locale) for series in chart.series]
    legend = Legend()
    legend.x, legend.y = x, y
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = max(text_width(name, _font(names), LABEL_SIZE) for name in names) + 22
    legend.dx = legend.dy = 7
    legend.fontName = _font(names)
    legend.fontSize = LABEL_SIZE
    legend.fillColor = theme.INK
    legend.strokeWidth = 0
    legend.colorNamePairs = [(theme.SERIES[i % len(theme.SERIES)], name) for i, name in enumerate(names)]
    legend.boxAnchor = "nw"
    drawing.add(legend)


def _thin(labels: list[str], room: float) -> list[str]:
    """Keep every n-th category label so they do not overlap."""
    widest = max((text_width(label, _font(labels), LABEL_SIZE) for label in labels), default=0.0)
    step = max(1, int((widest + 6) / max(room, 1.0)) + 1)
    return [label if index % step == 0 else "" for index, label in enumerate(labels)]


def _vbar(chart: Chart, width: float, locale: str) -> Drawing:
    height = 160.0
    drawing = Drawing(width, height)
    data = _data(chart)
    labels = _labels(chart, locale)
    bar = VerticalBarChart()
    bar.x, bar.y = 40, 28
    bar.width = width - 50
    bar.height = height - 28 - (22 if len(chart.series) > 1 else 8)
    bar.data = data
    stacked = chart.stacked
    bar.categoryAxis.style = "stacked" if stacked else "parallel"
    bar.categoryAxis.categoryNames = _thin(labels, bar.width / max(len(labels), 1))
    bar.categoryAxis.labels.fontName = _font(labels)
    bar.categoryAxis.labels.fontSize = LABEL_SIZE
    bar.categoryAxis.labels.fillColor = theme.MUTED
    bar.categoryAxis.labels.dy = -2
    bar.categoryAxis.strokeColor = theme.RULE
    bar.categoryAxis.visibleTicks = False
    _value_axis(bar.valueAxis, data, locale, stacked=stacked)
    bar.barSpacing = 0.5
    bar.groupSpacing = 2 if len(labels) > 40 else 6
    bar.strokeColor = None
    for index in range(len(data)):
        bar.bars[index].fillColor = theme.SERIES[index % len(theme.SERIES)]
        bar.bars[index].strokeColor = None
    drawing.add(bar)
    _legend(drawing, chart, locale, 40, height - 2)
    return drawing


def _hbar(chart: Chart, width: float, locale: str) -> Drawing:
    labels = _labels(chart, locale)
    font = _font(labels)
    rows = max(len(labels), 1)
    per_row = 15.0 if len(chart.series) == 1 or chart.stacked else 22.0
    legend_room = 22.0 if len(chart.series) > 1 else 0.0
    height = rows * per_row + 26 + legend_room
    drawing = Drawing(width, height)
    data = _data(chart)
    label_width = min(
        max((text_width(label, font, LABEL_SIZE) for label in labels), default=40.0), width * 0.42
    )
    bar = HorizontalBarChart()
    bar.x, bar.y = label_width + 8, 18
    bar.width = width - bar.x - 12
    bar.height = height - 18 - 6 - legend_room
    # Top of the list first: reportlab draws the first category at the bottom.
    bar.data = [list(reversed(series)) for series in data]
    bar.categoryAxis.categoryNames = list(reversed(labels))
    bar.categoryAxis.labels.fontName = font
    bar.categoryAxis.labels.fontSize = LABEL_SIZE
    bar.categoryAxis.labels.fillColor = theme.INK
    bar.categoryAxis.labels.boxAnchor = "e"
    bar.categoryAxis.labels.dx = -4
    bar.categoryAxis.strokeColor = theme.RULE
    bar.categoryAxis.visibleTicks = False
    bar.categoryAxis.style = "stacked" if chart.stacked else "parallel"
    _value_axis(bar.valueAxis, data, locale, stacked=chart.stacked)
    bar.barSpacing = 1
    bar.groupSpacing = 4
    for index in range(len(data)):
        bar.bars[index].fillColor = theme.SERIES[index % len(theme.SERIES)]
        bar.bars[index].strokeColor = None
    drawing.add(bar)
    _legend(drawing, chart, locale, 40, height - 2)
    return drawing


def _line(chart: Chart, width: float, locale: str) -> Drawing:
    height = 150.0
    drawing = Drawing(width, height)
    data = _data(chart)
    labels = _labels(chart, locale)
    line = HorizontalLineChart()
    line.x, line.y = 40, 28
    line.width = width - 50
    line.height = height - 28 - (22 if len(chart.series) > 1 else 8)
    line.data = data
    line.joinedLines = 1
    line.categoryAxis.categoryNames = _thin(labels, line.width / max(len(labels), 1))
    line.categoryAxis.labels.fontName = _font(labels)
    line.categoryAxis.labels.fontSize = LABEL_SIZE
    line.categoryAxis.labels.fillColor = theme.MUTED
    line.categoryAxis.strokeColor = theme.RULE
    line.categoryAxis.visibleTicks = False
    _value_axis(line.valueAxis, data, locale)
    for index in range(len(data)):
        line.lines[index].strokeColor = theme.SERIES[index % len(theme.SERIES)]
        line.lines[index].strokeWidth = 1.6
    drawing.add(line)
    _legend(drawing, chart, locale, 40, height - 2)
    return drawing


def _pie(chart: Chart, width: float, locale: str, currency: str) -> Drawing:
    values = [float(value) for value in chart.series[0].values] if chart.series else []
    labels = _labels(chart, locale)
    positive = [(label, value) for label, value in zip(labels, values, strict=True) if value > 0]
    pairs = sorted(positive, key=lambda pair: -pair[1])[:PIE_SLICES]
    height = max(120.0, 16.0 * len(pairs) + 20)
    drawing = Drawing(width, height)
    if not pairs:
        return drawing
    total = sum(value for _label, value in pairs)
    pie = Pie()
    size = min(height - 16, 110.0)
    pie.x, pie.y = 10, (height - size) / 2
    pie.width = pie.height = size
    pie.data = [value for _label, value in pairs]
    pie.labels = None
    pie.simpleLabels = 1
    pie.sideLabels = 0
    pie.startAngle = 90
    pie.direction = "clockwise"
    pie.strokeWidth = 1
    pie.strokeColor = colors.white
    for index in range(len(pairs)):
        pie.slices[index].fillColor = theme.SERIES[index % len(theme.SERIES)]
        pie.slices[index].strokeColor = colors.white
    drawing.add(pie)
    names = [label for label, _value in pairs]
    font = _font(names)
    x = pie.x + size + 24
    right = min(width - 4, x + max(text_width(name, font, LABEL_SIZE + 0.5) for name in names) + 70)
    y = height / 2 + 8 * len(pairs) - 10
    for index, (label, value) in enumerate(pairs):
        swatch = theme.SERIES[index % len(theme.SERIES)]
        drawing.add(Rect(x, y - 1, 8, 8, fillColor=swatch, strokeColor=None))
        drawing.add(String(x + 13, y, label, fontName=font, fontSize=LABEL_SIZE + 0.5, fillColor=theme.INK))
        share = formatting.cell(Decimal(value / total), ValueKind.PERCENT, locale, currency)
        drawing.add(
            String(
                right,
                y,
                share,
                fontName="Helvetica-Bold",
                fontSize=LABEL_SIZE + 0.5,
                fillColor=theme.INK,
                textAnchor="end",
            )
        )
        y -= 16
    return drawing
