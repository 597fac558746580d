"""Japanese text wraps between phrases: joiners inside each phrase, none between, text kept."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from common.i18n.phrases import LONGEST_HELD_PHRASE, WORD_JOINER, phrase_wrapped

SCAN_HINT_JA = "スマートフォンまたはカードの QR コードをカメラにかざしてください。"


def breakable_after(wrapped: str) -> list[str]:
    """The pieces of `wrapped` a line may end after (split where no joiner holds two characters)."""
    pieces, current = [], ""
    for index, char in enumerate(wrapped):
        if char == WORD_JOINER:
            continue
        current += char
        following = wrapped[index + 1] if index + 1 < len(wrapped) else ""
        if following != WORD_JOINER:
            pieces.append(current)
            current = ""
    return pieces


def test_a_japanese_word_is_held_together_and_phrases_stay_apart():
    wrapped = phrase_wrapped(SCAN_HINT_JA)
    pieces = breakable_after(wrapped)
    assert "カメラに" in pieces  # not カメ|ラ, as Qt alone would allow
    assert "スマートフォンまたは" in pieces
    assert "".join(pieces) == SCAN_HINT_JA


def test_the_spaces_around_a_phrase_stay_breakable():
    wrapped = phrase_wrapped(SCAN_HINT_JA)
    assert f"の Q{WORD_JOINER}R" in wrapped  # a line may end after カードの and start at QR
    pieces = breakable_after(wrapped)
    assert pieces[pieces.index("カードの") + 1] == " "


def test_text_without_kana_is_returned_as_it_is():
    for text in (
        "Hold the QR code up to the camera.",
        "請將手機或卡片上的 QR Code 對準鏡頭。",
        "请将手机对准摄像头。",
        "",
    ):
        assert phrase_wrapped(text) == text


def test_lines_are_wrapped_one_by_one():
    wrapped = phrase_wrapped("受付にお声がけください。\nカメラにかざしてください。")
    assert wrapped.count("\n") == 1
    assert all(line.startswith(("受", "カ")) for line in wrapped.split("\n"))


def test_a_phrase_too_long_for_a_line_is_left_breakable():
    long_word = "アイウエオカキクケコサシスセソタチツテト"  # one katakana run, longer than a held phrase
    wrapped = phrase_wrapped(long_word + "です。")
    assert long_word in wrapped  # no joiner inside: Qt may break it where the line ends
    assert len(long_word) > LONGEST_HELD_PHRASE


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_characters=WORD_JOINER), max_size=60))
def test_removing_the_joiners_gives_the_text_back(text):
    assert phrase_wrapped(text).replace(WORD_JOINER, "") == text
