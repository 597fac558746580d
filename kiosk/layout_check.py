"""Text that does not fit: a label cut off at the bottom, a button whose words run past its edge.

Run over every screen in every language and orientation by `--screenshots` and by the tests:
a translation longer than the English, or a layout that squeezes a row, shows up here instead
of on a patient's screen.
"""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

TOLERANCE = 2


def clipped_texts(root: QWidget) -> list[str]:
    """The visible texts under `root` that their widget cannot show whole."""
    problems: list[str] = []
    for label in root.findChildren(QLabel):
        if not label.text() or not label.isVisibleTo(root) or label.width() <= 0:
            continue
        if label.wordWrap():
            needed = label.heightForWidth(label.width())
            if needed > label.height() + TOLERANCE:
                problems.append(f"label {label.text()[:40]!r}: {label.height()}px high, needs {needed}px")
        else:
            hint = label.sizeHint()
            if hint.width() > label.width() + TOLERANCE or hint.height() > label.height() + TOLERANCE:
                problems.append(f"label {label.text()[:40]!r}: {label.size().toTuple()} < {hint.toTuple()}")
    for button in root.findChildren(QAbstractButton):
        if not button.text() or not button.isVisibleTo(root) or button.width() <= 0:
            continue
        text_width = button.fontMetrics().horizontalAdvance(button.text())
        if text_width > button.width() + TOLERANCE:
            problems.append(f"button {button.text()[:40]!r}: {button.width()}px wide, text {text_width}px")
    return problems
