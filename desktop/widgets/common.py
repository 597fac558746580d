"""Small building blocks every screen uses, so screens look and behave alike."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from common.qt.icons import icon

SPACING = 12
MARGIN = 20


def set_role(label: QLabel, role: str) -> QLabel:
    label.setProperty("role", role)
    label.style().unpolish(label)
    label.style().polish(label)
    return label


def label(text: str = "", role: str | None = None, *, wrap: bool = False) -> QLabel:
    widget = QLabel(text)
    if role:
        widget.setProperty("role", role)
    widget.setWordWrap(wrap)
    widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return widget


def button(
    text: str = "",
    *,
    primary: bool = False,
    danger: bool = False,
    flat: bool = False,
    icon_name: str | None = None,
    on_click: Callable[[], Any] | None = None,
) -> QPushButton:
    widget = QPushButton(text)
    # In a dialog, Enter confirms with the dialog's default button, never with whichever button
    # happens to have the focus.
    widget.setAutoDefault(False)
    if primary:
        widget.setProperty("primary", True)
    if danger:
        widget.setProperty("danger", True)
    if flat:
        widget.setProperty("flat", True)
    if icon_name:
        widget.setIcon(icon(icon_name))
        widget.setIconSize(QSize(18, 18))
    widget.setCursor(Qt.CursorShape.PointingHandCursor)
    if on_click is not None:
        widget.clicked.connect(lambda _checked=False: on_click())
    return widget


def hbox(*items: QWidget | int | None, spacing: int = SPACING, margins: int = 0) -> QHBoxLayout:
    """A row: widgets; an int is fixed spacing; None is a stretch."""
    layout = QHBoxLayout()
    layout.setSpacing(spacing)
    layout.setContentsMargins(margins, margins, margins, margins)
    for item in items:
        if item is None:
            layout.addStretch(1)
        elif isinstance(item, int):
            layout.addSpacing(item)
        else:
            layout.addWidget(item)
    return layout


class Card(QFrame):
    """A white panel with an optional heading."""

    def __init__(self, title: str = "", parent: QWidget | None = None, *, kind: str | None = None) -> None:
        super().__init__(parent)
        if kind:
            self.setProperty("kind", kind)
        else:
            self.setProperty("card", True)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 14, 16, 16)
        outer.setSpacing(10)
        self.header = QHBoxLayout()
        self.title = label(title, "heading")
        self.header.addWidget(self.title)
        self.header.addStretch(1)
        outer.addLayout(self.header)
        self.title.setVisible(bool(title))
        self.body = QVBoxLayout()
        self.body.setSpacing(8)
        outer.addLayout(self.body, 1)

    def set_title(self, text: str) -> None:
        self.title.setText(text)
        self.title.setVisible(bool(text))


class Banner(QFrame):
    """A coloured line that needs attention: danger, warning, info or success."""

    clicked = Signal()

    def __init__(self, kind: str = "info", text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("kind", kind)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(10)
        self.row = layout
        self.icon = QLabel()
        self.icon.setFixedSize(20, 20)
        self.text = QLabel(text)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.text, 1)
        self.set_kind(kind)

    def set_kind(self, kind: str) -> None:
        from common.qt.theme import current_theme

        theme = current_theme()
        color = {"danger": theme.danger, "warning": theme.warning, "success": theme.success}.get(
            kind, theme.accent
        )
        self.setProperty("kind", kind)
        self.icon.setPixmap(
            icon("warning" if kind in ("danger", "warning") else "alert", color).pixmap(20, 20)
        )
        self.style().unpolish(self)
        self.style().polish(self)

    def set_text(self, text: str) -> None:
        self.text.setText(text)
        self.setAccessibleName(text)

    def mousePressEvent(self, event: Any) -> None:
        self.clicked.emit()
        super().mousePressEvent(event)


class SearchField(QLineEdit):
    """A search box that reports what was typed once typing pauses (and at once on Enter)."""

    sig_query = Signal(str)
    sig_submitted = Signal(str)

    def __init__(self, delay_ms: int = 120, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("search")
        self.setClearButtonEnabled(True)
        self.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._emit)
        self.textEdited.connect(lambda _text: self._timer.start())

    def _emit(self) -> None:
        self.sig_query.emit(self.text().strip())

    def _submit(self) -> None:
        self._timer.stop()
        self._emit()
        self.sig_submitted.emit(self.text().strip())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            # Enter searches (or picks the first result); it does not also confirm the dialog.
            self._submit()
            event.accept()
            return
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            self._timer.stop()
            self._emit()
            return
        super().keyPressEvent(event)


class Figure(QFrame):
    """A number with a caption, for the day's key figures."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("card", True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(2)
        self.value = label("–", "figure")
        self.caption = label("", "muted")
        layout.addWidget(self.value)
        layout.addWidget(self.caption)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set(self, value: str, caption: str) -> None:
        self.value.setText(value)
        self.caption.setText(caption)
        self.setAccessibleName(f"{caption}: {value}")


class EmptyState(QWidget):
    """A calm message where a list has nothing to show."""

    def __init__(self, icon_name: str = "alert", text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 32, 24, 32)
        layout.addStretch(1)
        self.picture = QLabel()
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        from common.qt.theme import current_theme

        self.picture.setPixmap(icon(icon_name, current_theme().text_muted).pixmap(40, 40))
        self.text = label(text, "muted", wrap=True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.picture)
        layout.addWidget(self.text)
        layout.addStretch(1)

    def set_text(self, text: str) -> None:
        self.text.setText(text)


def table_view(model: Any, *, parent: QWidget | None = None) -> QTableView:
    """A read-only, row-selecting table over a model, with the house look."""
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(False)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(34)
    view.horizontalHeader().setHighlightSections(False)
    view.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    # Every column as wide as its contents and the last one taking the rest: a stretched middle
    # column would be squeezed to nothing whenever the others need the room.
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    view.setTabKeyNavigation(False)
    view.setCornerButtonEnabled(False)
    return view


def shorten_column(view: QTableView, column: int) -> None:
    """Let `column` take what width is left, its text shortened when that is little, so the columns
    after it stay in view instead of behind a horizontal scroll bar."""
    header = view.horizontalHeader()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)


def add_shortcut_action(widget: QWidget, key: str, handler: Callable[[], Any]) -> QAction:
    action = QAction(widget)
    action.setShortcut(key)
    action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    action.triggered.connect(lambda _checked=False: handler())
    widget.addAction(action)
    return action


def clear_layout(layout: Any) -> None:
    while layout.count():
        item = layout.takeAt(0)
        child = item.widget()
        if child is not None:
            child.hide()
            child.setParent(None)
            child.deleteLater()
        elif item.layout() is not None:
            clear_layout(item.layout())


def choice_buttons(choices: Sequence[tuple[str, Any]], on_choose: Callable[[Any], None]) -> list[QPushButton]:
    """One button per (text, value): the clickable alternatives a refusal offers."""
    buttons = []
    for text, value in choices:
        widget = button(text)
        widget.setProperty("choice", True)
        widget.setAccessibleName(text)
        widget.clicked.connect(lambda _checked=False, chosen=value: on_choose(chosen))
        buttons.append(widget)
    return buttons


def select_data(combo: QComboBox, value: Any) -> bool:
    """Select the item whose data equals `value` (compared in Python: Qt's findData compares
    Python objects such as UUIDs by identity). Returns whether one was found."""
    for number in range(combo.count()):
        if combo.itemData(number) == value:
            combo.setCurrentIndex(number)
            return True
    return False
