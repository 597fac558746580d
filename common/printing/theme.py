"""The house style of every printed page: colours, sizes and margins."""

from __future__ import annotations

from typing import Final

from reportlab.lib import colors
from reportlab.lib.units import mm

INK: Final = colors.HexColor("#1F2933")
MUTED: Final = colors.HexColor("#64748B")
RULE: Final = colors.HexColor("#CBD5E1")
BRAND: Final = colors.HexColor("#0F766E")
BRAND_DARK: Final = colors.HexColor("#115E59")
BRAND_LIGHT: Final = colors.HexColor("#E6F2F0")
ZEBRA: Final = colors.HexColor("#F6F8FA")
TOTAL_BAND: Final = colors.HexColor("#EEF2F6")
WHITE: Final = colors.white
NEGATIVE: Final = colors.HexColor("#B42318")
# Chart series, in order: distinguishable in colour and in greyscale print.
SERIES: Final = (
    colors.HexColor("#0F766E"),
    colors.HexColor("#F59E0B"),
    colors.HexColor("#E11D48"),
    colors.HexColor("#94A3B8"),
    colors.HexColor("#6366F1"),
    colors.HexColor("#84CC16"),
    colors.HexColor("#0EA5E9"),
    colors.HexColor("#A855F7"),
)
MARGIN: Final = 16 * mm
BODY_SIZE: Final = 8.5
SMALL_SIZE: Final = 7.5
