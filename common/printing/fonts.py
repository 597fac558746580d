"""Fonts that show every language the clinic works in, embedded in the PDF.

Latin text uses the PDF standard Helvetica. Text with Chinese or Japanese characters uses a CJK
TrueType font, embedded (subset) so the document prints the same everywhere and its text can be
copied and searched. The Noto CJK fonts Debian installs are OpenType/CFF collections, which
reportlab cannot embed; so the first TrueType-outline CJK font found is used:

1. the file named by `CLINIC_CJK_FONT` (a .ttf, or a .ttc with `#index`);
2. WenQuanYi Micro Hei (Debian/Ubuntu `fonts-wqy-microhei`, installed by scripts/setup.sh);
3. Windows: Microsoft JhengHei, Microsoft YaHei, MS Gothic; macOS: Arial Unicode.

Without any of them, reportlab's built-in Adobe CID fonts are used (MSung-Light for Traditional
Chinese, STSong-Light for Simplified Chinese, HeiseiKakuGo-W5 for Japanese): they are not embedded,
so a viewer substitutes its own font, and some text extractors map MSung-Light's characters wrongly.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from common.i18n import normalize_locale

log = logging.getLogger(__name__)

REGULAR: Final = "Helvetica"
BOLD: Final = "Helvetica-Bold"
CJK: Final = "ClinicCJK"
CJK_BOLD: Final = "ClinicCJK-Bold"
ENV_FONT: Final = "CLINIC_CJK_FONT"
CANDIDATES: Final = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "C:/Windows/Fonts/msjh.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/msgothic.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
    "/System/Library/Fonts/Supplemental/Arial Unicode.ttf",
)
CID_FONTS: Final = {"zh_TW": "MSung-Light", "zh_CN": "STSong-Light", "ja": "HeiseiKakuGo-W5"}


@dataclass(frozen=True)
class CjkFont:
    name: str
    bold_name: str
    source: str  # the file, or "cid:<name>"
    embedded: bool


def _split(spec: str) -> tuple[str, int]:
    path, _, index = spec.partition("#")
    return path, int(index) if index.isdigit() else 0


@cache
def cjk_font(locale: str = "zh_TW") -> CjkFont:
    """Register (once) and return the CJK font for documents in `locale`."""
    specs = [os.environ[ENV_FONT]] if os.environ.get(ENV_FONT) else []
    for spec in [*specs, *CANDIDATES]:
        path, index = _split(spec)
        if not Path(path).is_file():
            continue
        try:
            pdfmetrics.registerFont(TTFont(CJK, path, subfontIndex=index))
        except (TTFError, OSError) as error:
            log.warning("CJK font %s cannot be embedded: %s", path, error)
            continue
        # No bold face in these families: bold CJK text is drawn with a thin outline (see `draw_bold`).
        pdfmetrics.registerFont(TTFont(CJK_BOLD, path, subfontIndex=index))
        return CjkFont(CJK, CJK_BOLD, path, embedded=True)
    cid = CID_FONTS.get(normalize_locale(locale), CID_FONTS["zh_TW"])
    pdfmetrics.registerFont(UnicodeCIDFont(cid))
    log.warning(
        "no embeddable CJK font found; using the viewer's %s (set %s to a TrueType font)", cid, ENV_FONT
    )
    return CjkFont(cid, cid, f"cid:{cid}", embedded=False)


# What Helvetica shows beyond Latin-1: the extra characters of its WinAnsi encoding.
_WINANSI_EXTRA: Final = frozenset("€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ")


def needs_cjk(text: str) -> bool:
    """True when Helvetica (WinAnsi encoding) cannot show the text."""
    return any(ord(char) > 0xFF and char not in _WINANSI_EXTRA for char in text)


def font_for(text: str, *, bold: bool = False, locale: str = "zh_TW") -> str:
    if needs_cjk(text):
        font = cjk_font(locale)
        return font.bold_name if bold else font.name
    return BOLD if bold else REGULAR


def is_fake_bold(font_name: str) -> bool:
    return font_name == CJK_BOLD


def text_width(text: str, font_name: str, size: float) -> float:
    return float(pdfmetrics.stringWidth(text, font_name, size))
