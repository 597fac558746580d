"""Paper: page sizes, card and label sizes, and the label-sheet grids the clinic buys.

Sizes are in points (1/72 inch), as reportlab measures.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from reportlab.lib.pagesizes import A3, A4, LETTER
from reportlab.lib.units import inch, mm


class Paper(StrEnum):
    A4 = "A4"
    LETTER = "Letter"
    A3 = "A3"


PAPER_SIZES: Final = {Paper.A4: A4, Paper.LETTER: LETTER, Paper.A3: A3}

# ISO/IEC 7810 ID-1: the size of a bank card.
ID1: Final = (85.60 * mm, 53.98 * mm)


class LabelSize(StrEnum):
    """Die-cut labels for label printers (Brother QL, DYMO, Zebra): width x height in mm."""

    L62X29 = "62x29"
    L57X32 = "57x32"
    L62X100 = "62x100"

    @property
    def size(self) -> tuple[float, float]:
        width, height = self.value.split("x")
        return float(width) * mm, float(height) * mm


@dataclass(frozen=True)
class SheetGrid:
    """A sheet of labels: where the first label starts and how far apart they are."""

    name: str
    paper: Paper
    columns: int
    rows: int
    label_width: float
    label_height: float
    left: float  # page edge to the first label's left edge
    top: float  # page edge to the first label's top edge
    pitch_x: float  # left edge to the next label's left edge
    pitch_y: float

    @property
    def per_sheet(self) -> int:
        return self.columns * self.rows

    def origin(self, index: int, page_height: float) -> tuple[float, float]:
        """The bottom-left corner of label `index` (0-based, row by row) on its sheet."""
        slot = index % self.per_sheet
        row, column = divmod(slot, self.columns)
        x = self.left + column * self.pitch_x
        y = page_height - self.top - row * self.pitch_y - self.label_height
        return x, y


# Avery L7160 (A4, 21 per sheet, 63.5 x 38.1 mm) and Avery 5160 (Letter, 30 per sheet, 2.625 x 1 in).
L7160: Final = SheetGrid(
    "L7160", Paper.A4, 3, 7, 63.5 * mm, 38.1 * mm, 7.2 * mm, 15.15 * mm, 66.0 * mm, 38.1 * mm
)
L7163: Final = SheetGrid(
    "L7163", Paper.A4, 2, 7, 99.1 * mm, 38.1 * mm, 4.65 * mm, 15.15 * mm, 101.6 * mm, 38.1 * mm
)
AVERY_5160: Final = SheetGrid(
    "5160", Paper.LETTER, 3, 10, 2.625 * inch, 1.0 * inch, 0.1875 * inch, 0.5 * inch, 2.75 * inch, 1.0 * inch
)
SHEETS: Final = {grid.name: grid for grid in (L7160, L7163, AVERY_5160)}


def paper_for(setting: str | None) -> Paper:
    """The clinic's paper setting (A4 or Letter) as a `Paper`."""
    try:
        return Paper(setting or Paper.A4)
    except ValueError:
        return Paper.A4
