"""Line breaks between phrases, not inside words, for Japanese text that wraps.

Qt breaks Japanese between any two characters (Unicode's line-breaking rules class kana and kanji
as ideographs), so a wrapping label can split カメラ across two lines as カメ|ラ. BudouX (the
phrase model behind Chrome's `word-break: auto-phrase`) splits a sentence into phrases; a WORD
JOINER between the characters of each phrase leaves break opportunities only between phrases.
Text is taken as Japanese when it has kana, whatever the screen's language (a label need not know
which catalog its text came from); Chinese, which reads well broken between any two characters,
has none, and other languages break at spaces: their text is returned as it is.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Final

import budoux

WORD_JOINER: Final = "\u2060"  # no break on either side; not drawn
# A phrase longer than this is left breakable: held together it could be wider than the line.
LONGEST_HELD_PHRASE: Final = 12
_KANA: Final = re.compile("[\u3041-\u30ff]")  # hiragana and katakana


@cache
def _japanese() -> budoux.Parser:
    return budoux.load_default_japanese_parser()


def phrase_wrapped(text: str) -> str:
    """Japanese `text` with its breaks only between phrases; other text as it is. Removing every
    WORD_JOINER gives `text` back."""
    if not _KANA.search(text):
        return text
    return "\n".join(_held_together(line) for line in text.split("\n"))


def _held_together(line: str) -> str:
    if not line.strip():
        return line
    return "".join(_joined(phrase) for phrase in _japanese().parse(line))


def _joined(phrase: str) -> str:
    # The spaces around a phrase stay outside the joiners: a line may still break after them.
    core = phrase.strip()
    if len(core) < 2 or len(core) > LONGEST_HELD_PHRASE:
        return phrase
    start = phrase.index(core)
    return phrase[:start] + WORD_JOINER.join(core) + phrase[start + len(core) :]
