"""QR codes and Code 128 barcodes drawn as vectors, sized in points.

QR: reportlab's encoder at error correction M (Q for posters read from across a room), with the
four-module quiet zone the standard asks for. Code 128: the narrowest bar is chosen so the code fills
the width it is given, with ten-module quiet zones on both sides.
"""

from __future__ import annotations

from typing import Final

from reportlab.graphics.barcode.code128 import Code128
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import black
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

QUIET_MODULES: Final = 10
# Below this the bars are too thin for ordinary laser and thermal printers (0.15 mm ~ 6 mil).
MIN_BAR: Final = 0.15 * mm


def draw_qr(canvas: Canvas, value: str, x: float, y: float, size: float, *, level: str = "M") -> None:
    """A QR code whose outer square (quiet zone included) is `size` points, bottom-left at (x, y)."""
    widget = QrCodeWidget(value, barLevel=level, barBorder=4, barFillColor=black)
    left, bottom, right, top = widget.getBounds()
    width, height = right - left, top - bottom
    drawing = Drawing(
        size,
        size,
        transform=[size / width, 0, 0, size / height, -left * size / width, -bottom * size / height],
    )
    drawing.add(widget)
    drawing.drawOn(canvas, x, y)


def code128_width(value: str, bar_width: float) -> float:
    return float(Code128(value, barWidth=bar_width, quiet=0).width) + 2 * QUIET_MODULES * bar_width


def draw_code128(canvas: Canvas, value: str, x: float, y: float, width: float, height: float) -> float:
    """Code 128 filling at most `width` (quiet zones included), bottom-left at (x, y), centred.
    Returns the bar width used."""
    modules = code128_width(value, 1.0)
    bar = float(max(width / modules, MIN_BAR))
    barcode = Code128(value, barWidth=bar, barHeight=height, quiet=0, humanReadable=0, barFillColor=black)
    used = code128_width(value, bar)
    canvas.saveState()
    canvas.setFillColor(black)
    barcode.drawOn(canvas, x + (width - used) / 2 + QUIET_MODULES * bar, y)
    canvas.restoreState()
    return bar
