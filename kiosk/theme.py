"""How the kiosk looks: high contrast, large type, large targets, sized from the screen itself.

Sizes are in units of the screen's short side / 1080, so the same screen reads the same from a
metre away at 1080×1920 portrait, 1920×1080 landscape, or a smaller trial window. Colours meet
WCAG AAA (7:1) for body text and AA (4.5:1) or better for everything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from common.i18n import normalize_locale

INK: Final = "#14212B"  # body text: 15.6:1 on PAPER
MUTED: Final = "#3D4B55"  # secondary text: 8.9:1 on PAPER
PAPER: Final = "#F6F4EF"
CARD: Final = "#FFFFFF"
PRIMARY: Final = "#0B5D55"  # buttons: white on it 7.4:1
PRIMARY_PRESSED: Final = "#084740"
HEADER: Final = "#0B3B3C"
ACCENT_SOFT: Final = "#DCEDEA"
WARN: Final = "#8A3B00"  # on WARN_SOFT 7.0:1
WARN_SOFT: Final = "#FDEBD8"
OK: Final = "#1B6B2F"
OK_SOFT: Final = "#DFF1E2"
LINE: Final = "#B8C2C8"
FOCUS: Final = "#E8A200"

# The first family present wins; the others fill in glyphs. Han characters take the shapes each
# reader expects: Traditional for zh_TW, Simplified for zh_CN, Japanese for ja.
FONT_FAMILIES: Final = {
    "en": ("Noto Sans CJK TC", "Segoe UI", "Microsoft JhengHei UI", "PingFang TC"),
    "zh_TW": ("Noto Sans CJK TC", "Microsoft JhengHei UI", "PingFang TC"),
    "zh_CN": ("Noto Sans CJK SC", "Microsoft YaHei UI", "PingFang SC"),
    "ja": ("Noto Sans CJK JP", "Yu Gothic UI", "Hiragino Sans"),
}


def families(locale: str) -> tuple[str, ...]:
    return FONT_FAMILIES[normalize_locale(locale)]


def family_list(locale: str) -> str:
    return ", ".join(f'"{family}"' for family in families(locale))


@dataclass(frozen=True)
class Metrics:
    width: int
    height: int

    @property
    def unit(self) -> float:
        return max(0.45, min(self.width, self.height) / 1080)

    @property
    def portrait(self) -> bool:
        return self.height > self.width

    def px(self, size: float) -> int:
        return max(1, round(size * self.unit))


def stylesheet(metrics: Metrics, locale: str) -> str:
    px = metrics.px
    icon = 180 if metrics.portrait else 140
    key = 88 if metrics.portrait else 84
    field = 100 if metrics.portrait else 90
    hairline = max(1, px(2))
    return f"""
    QWidget#KioskRoot {{ background: {PAPER}; }}
    QWidget {{ font-family: {family_list(locale)}; color: {INK}; font-size: {px(36)}px; }}
    QWidget#Header {{ background: {HEADER}; }}
    QLabel#ClinicName {{ color: white; font-size: {px(34)}px; font-weight: 600; }}
    QLabel[role="title"] {{ font-size: {px(76)}px; font-weight: 700; }}
    QLabel[role="headline"] {{ font-size: {px(60)}px; font-weight: 700; }}
    QLabel[role="lead"] {{ font-size: {px(42)}px; color: {INK}; }}
    QLabel[role="body"] {{ font-size: {px(36)}px; color: {MUTED}; }}
    QLabel[role="small"] {{ font-size: {px(28)}px; color: {MUTED}; }}
    QLabel[role="okNote"] {{ font-size: {px(30)}px; color: {OK}; font-weight: 600; }}
    QLabel[role="name"] {{ font-size: {px(96)}px; font-weight: 700; color: {PRIMARY}; }}
    QLabel[role="fact"] {{ font-size: {px(52)}px; font-weight: 600; }}
    QLabel[role="factLabel"] {{ font-size: {px(30)}px; color: {MUTED}; }}
    QFrame[role="notice"] {{ background: {WARN_SOFT}; border-radius: {px(14)}px; }}
    QLabel[role="noticeText"] {{ font-size: {px(32)}px; color: {WARN}; background: transparent; }}
    QLabel[role="fieldLabel"] {{ font-size: {px(30)}px; color: {MUTED}; font-weight: 600; }}
    QFrame[role="card"] {{ background: {CARD}; border: {hairline}px solid {LINE};
        border-radius: {px(28)}px; }}
    QLabel[role="icon-ok"] {{ background: {OK_SOFT}; color: {OK}; border-radius: {px(icon / 2)}px;
        font-size: {px(icon * 0.6)}px; font-weight: 700; }}
    QLabel[role="icon-warn"] {{ background: {WARN_SOFT}; color: {WARN}; border-radius: {px(icon / 2)}px;
        font-size: {px(icon * 0.6)}px; font-weight: 700; }}
    QPushButton {{ font-size: {px(44)}px; font-weight: 600; min-height: {px(132)}px;
        padding: 0 {px(48)}px; border-radius: {px(66)}px; border: none; }}
    QPushButton[kind="primary"] {{ background: {PRIMARY}; color: white; }}
    QPushButton[kind="primary"]:pressed {{ background: {PRIMARY_PRESSED}; }}
    QPushButton[kind="secondary"] {{ background: {CARD}; color: {PRIMARY};
        border: {px(4)}px solid {PRIMARY}; }}
    QPushButton[kind="secondary"]:pressed {{ background: {ACCENT_SOFT}; }}
    QPushButton[kind="answer"] {{ background: {CARD}; color: {INK}; font-size: {px(56)}px;
        min-height: {px(170)}px; border-radius: {px(30)}px; border: {px(4)}px solid {PRIMARY}; }}
    QPushButton[kind="answer"]:pressed {{ background: {ACCENT_SOFT}; }}
    QPushButton[kind="language"] {{ background: transparent; color: white; font-size: {px(32)}px;
        min-height: {px(84)}px; padding: 0 {px(26)}px; border-radius: {px(42)}px;
        border: {hairline}px solid rgba(255,255,255,110); }}
    QPushButton[kind="language"]:checked {{ background: white; color: {HEADER}; border-color: white; }}
    QPushButton[kind="key"] {{ background: {CARD}; color: {INK}; font-size: {px(44)}px;
        min-height: {px(key)}px; padding: 0; border-radius: {px(18)}px; border: {hairline}px solid {LINE}; }}
    QPushButton[kind="key"]:pressed {{ background: {ACCENT_SOFT}; }}
    QPushButton[kind="keyWide"] {{ background: {ACCENT_SOFT}; color: {INK}; font-size: {px(34)}px;
        min-height: {px(key)}px; padding: 0 {px(12)}px; border-radius: {px(18)}px;
        border: {hairline}px solid {LINE}; }}
    QPushButton[kind="keyWide"]:checked {{ background: {PRIMARY}; color: white; }}
    QLineEdit {{ background: {CARD}; border: {px(4)}px solid {LINE}; border-radius: {px(18)}px;
        padding: {px(4)}px {px(22)}px; font-size: {px(48)}px; min-height: {px(field)}px; color: {INK}; }}
    QLineEdit:focus {{ border-color: {FOCUS}; }}
    QProgressBar {{ border: none; background: {ACCENT_SOFT}; border-radius: {px(10)}px;
        min-height: {px(20)}px; max-height: {px(20)}px; }}
    QProgressBar::chunk {{ background: {PRIMARY}; border-radius: {px(10)}px; }}
    """
