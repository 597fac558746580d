"""Fitting text into a fixed space: shrink to fit one line, or wrap into lines."""

from __future__ import annotations

from typing import Final

from common.printing.fonts import font_for, needs_cjk, text_width


def fit(text: str, room: float, size: float, *, bold: bool = False, locale: str = "en") -> float:
    """The largest size up to `size` at which `text` fits in `room` points."""
    width = text_width(text, font_for(text, bold=bold, locale=locale), size)
    return size if width <= room else size * room / width


# Characters a CJK line may not start with (kinsoku): closing punctuation and small kana.
NO_LINE_START: Final = frozenset("、。，．・：；？！」』）】〕〉》ゃゅょっャュョッー…,.:;!?)")


def _units(text: str) -> list[str]:
    """Breakable pieces: a Latin word with the spaces after it, or one CJK character."""
    units: list[str] = []
    for char in text:
        previous = units[-1] if units else ""
        joins_word = (
            not needs_cjk(char) and previous and not needs_cjk(previous[-1]) and not previous.endswith(" ")
        )
        if previous and (char.isspace() or joins_word):
            units[-1] += char
        else:
            units.append(char)
    return units


def wrap(text: str, room: float, size: float, locale: str, *, bold: bool = False) -> list[str]:
    """Greedy line breaks: between Latin words, and between CJK characters (never before closing
    punctuation, which stays at the end of the line it closes)."""
    font = font_for(text, bold=bold, locale=locale)
    lines: list[str] = []
    current = ""
    for unit in _units(text):
        candidate = current + unit
        fits = text_width(candidate.rstrip(), font, size) <= room
        if current and not fits and unit[0] not in NO_LINE_START:
            lines.append(current.rstrip())
            current = unit
        else:
            current = candidate
    if current.strip():
        lines.append(current.rstrip())
    return lines
