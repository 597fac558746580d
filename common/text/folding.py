"""Folding text for matching: the forms a person may type for the same name fold to one key.

`fold(text)` is case-, width-, accent-, script- and kana-insensitive:
- case and width: "ＣＨＥＮ" = "chen", half-width "ｻﾄｳ" = "サトウ" (NFKC, casefold);
- Latin accents are dropped ("José" = "jose"); Japanese voicing marks are kept (が ≠ か);
- Traditional and Simplified Chinese fold together, character by character ("陳" = "陈",
  "鍾" = "锺" = "钟"), with OpenCC's character tables (opencc-python-reimplemented, pinned:
  a new table would change stored keys); a character that is also its own simplified form
  keeps it ("乾" stays "乾" rather than becoming "干");
- Japanese forms of kanji fold with their traditional forms ("渡辺" = "渡邊" = "渡边",
  "髙橋" = "高橋"), from OpenCC's Japanese variants where the Japanese form is unambiguous;
- katakana fold into hiragana ("サトウ" = "さとう").

Patients' stored keys (first_name_key, last_name_key, search_text) are made with it, and every
query is folded the same way. `fold` is idempotent (`fold(fold(x)) == fold(x)`) and works
character by character, so a stored key can be refolded without its source text: that is how a
migration brings old keys up to date when what it folds changes.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources
from typing import Final

_LATIN_ACCENTS: Final = range(0x0300, 0x0370)
_SPACES: Final = re.compile(r"\s+")
_KATAKANA: Final = (*range(0x30A1, 0x30F7), 0x30FD, 0x30FE)  # ァ..ヶ, ヽ, ヾ
_KANA_OFFSET: Final = 0x60
# Japanese kanji forms kept apart from OpenCC's Japanese variants: each is also a common Chinese
# character of its own (欠 "owe", 予 "give", 缶 "jar", 糸 "silk"), which a patient named with it
# would otherwise share with another character.
_NOT_JAPANESE_VARIANTS: Final = frozenset("欠予缶糸")
# Surname forms OpenCC's tables do not cover: Japanese variant forms and compatibility ideographs.
_SURNAME_VARIANTS: Final = {"髙": "高", "﨑": "崎", "嵜": "崎", "邉": "邊", "嶋": "島", "𠮷": "吉"}


def fold(text: str | None) -> str:
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if ord(ch) not in _LATIN_ACCENTS)
    folded = unicodedata.normalize("NFKC", stripped).casefold().translate(_table())
    return _SPACES.sub(" ", folded).strip()


def _dictionary(name: str) -> dict[str, list[str]]:
    """One of OpenCC's character tables: a character, a tab, its candidates (best first)."""
    entries: dict[str, list[str]] = {}
    text = resources.files("opencc").joinpath("dictionary", name).read_text(encoding="utf-8")
    for line in text.splitlines():
        source, _, targets = line.partition("\t")
        if len(source) == 1 and targets:
            entries[source] = targets.split()
    return entries


@cache
def _table() -> dict[int, str]:
    traditional_to_simplified = _dictionary("TSCharacters.txt")
    simplified_to_traditional = _dictionary("STCharacters.txt")
    mapping: dict[str, str] = {}
    for source, targets in traditional_to_simplified.items():
        mapping[source] = source if source in targets else targets[0]
    # A simplified variant of its own (锺 beside 钟) folds with its traditional form's (鍾 -> 钟).
    for source, targets in simplified_to_traditional.items():
        if source not in mapping and targets[0] in mapping:
            mapping[source] = mapping[targets[0]]
    japanese: dict[str, list[str]] = {}
    for traditional, forms in _dictionary("JPVariants.txt").items():
        for form in forms:
            japanese.setdefault(form, []).append(traditional)
    for form, sources in japanese.items():
        chinese = form in mapping or form in simplified_to_traditional
        if len(sources) == 1 and not chinese and form not in _NOT_JAPANESE_VARIANTS:
            mapping[form] = sources[0]
    mapping.update(_SURNAME_VARIANTS)
    for code in _KATAKANA:
        mapping[chr(code)] = chr(code - _KANA_OFFSET)
    settled = {source: _settled(mapping, source) for source in mapping}
    return {ord(source): target for source, target in settled.items() if target != source}


def _settled(mapping: dict[str, str], char: str) -> str:
    """Follow the mapping to a character it leaves alone (so folding twice changes nothing)."""
    seen = {char}
    while char in mapping and mapping[char] not in seen:
        char = mapping[char]
        seen.add(char)
    return char
