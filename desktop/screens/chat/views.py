"""The Chat screen's lists: conversations (name, last message, time, unread badge) and one
conversation's thread (bubbles: the patient on the left, the clinic on the right with read ticks),
each a Qt model with a painting delegate; and the compose box (Enter sends, Shift+Enter breaks
the line)."""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QPainter,
    QPainterPath,
    QPen,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import (
    QListView,
    QPlainTextEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from common.chat.models import Department, MessagePriority, MessageType
from common.i18n import N_
from common.qt.i18n import _, format_date, format_day, format_time, format_weekday
from common.qt.models import ROW_ROLE
from common.qt.theme import current_theme
from desktop.screens.chat.reads import ConversationRow, Thread, ThreadMessage

Index = QModelIndex | QPersistentModelIndex
NO_PARENT: Final = QModelIndex()

DEPARTMENT_NAMES: Final = {
    Department.GENERAL: N_("General"),
    Department.BILLING: N_("Billing"),
    Department.MEDICAL: N_("Medical"),
    Department.APPOINTMENT: N_("Appointments"),
}
MEDIA_NAMES: Final = {
    MessageType.IMAGE: N_("Photo"),
    MessageType.VOICE: N_("Voice message"),
    MessageType.DOCUMENT: N_("Document"),
}
AVATAR_COLORS: Final = (
    "#0E7C86",
    "#5B4FC4",
    "#2E86C1",
    "#C2185B",
    "#D9480F",
    "#2F9E44",
    "#7950F2",
    "#1C7ED6",
)


def department_name(department: Department) -> str:
    return _(DEPARTMENT_NAMES[department])


def message_text(message_type: MessageType, content: str) -> str:
    if message_type is MessageType.TEXT or message_type not in MEDIA_NAMES:
        return content
    return f"[{_(MEDIA_NAMES[message_type])}] {content}".strip()


def when(at: datetime, today: date) -> str:
    """A conversation's last time: '10:42' today, then 'Yesterday', a weekday, a date."""
    day = at.date()
    if day == today:
        return format_time(at)
    if day == today - timedelta(days=1):
        return _("Yesterday")
    if today - day < timedelta(days=7):
        return format_weekday(day)
    return format_date(day, "short")


def day_heading(day: date, today: date) -> str:
    if day == today:
        return _("Today")
    if day == today - timedelta(days=1):
        return _("Yesterday")
    return format_day(day) if day.year == today.year else format_date(day)


def initials(name: str) -> str:
    words = name.split()
    if not words:
        return "?"
    if len(words) == 1 or not words[0].isascii():
        return words[0][:1]
    return (words[0][:1] + words[-1][:1]).upper()


def avatar_color(key: uuid.UUID) -> QColor:
    return QColor(AVATAR_COLORS[zlib.crc32(key.bytes) % len(AVATAR_COLORS)])


def _small(font: QFont, delta: float = -1.5) -> QFont:
    smaller = QFont(font)
    smaller.setPointSizeF(max(7.0, font.pointSizeF() + delta))
    return smaller


def _bold(font: QFont) -> QFont:
    bold = QFont(font)
    bold.setBold(True)
    return bold


# ---- conversations ------------------------------------------------------------------------------


class ConversationModel(QAbstractListModel):
    def __init__(self, today: Callable[[], date], parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[ConversationRow] = []
        self._today = today

    @property
    def rows(self) -> list[ConversationRow]:
        return list(self._rows)

    def set_rows(self, rows: Sequence[ConversationRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, index: Index | int) -> ConversationRow:
        return self._rows[index if isinstance(index, int) else index.row()]

    def find(self, key: tuple[uuid.UUID, Department]) -> int:
        return next((n for n, row in enumerate(self._rows) if row.key == key), -1)

    def retranslate(self) -> None:
        if self._rows:
            self.dataChanged.emit(self.index(0), self.index(len(self._rows) - 1))

    def rowCount(self, parent: Index = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return row.patient_name
        if role in (Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.ToolTipRole):
            parts = [row.patient_name, department_name(row.department), when(row.last_at, self._today())]
            if row.unread:
                parts.append(_("%(count)s unread", count=row.unread))
            return ", ".join(parts) + ": " + message_text(row.message_type, row.preview)
        return None


class ConversationDelegate(QStyledItemDelegate):
    """Avatar, name and time on the first line; department, last message and unread badge below."""

    HEIGHT: Final = 68

    def __init__(self, today: Callable[[], date], parent: Any = None) -> None:
        super().__init__(parent)
        self._today = today
        self.show_department = True

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return QSize(280, self.HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        row = index.data(ROW_ROLE)
        if not isinstance(row, ConversationRow):
            return
        theme = current_theme()
        rect = QRect(option.rect)
        state = option.state
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if state & QStyle.StateFlag.State_Selected:
            painter.fillRect(rect, QColor(theme.accent_soft))
        elif state & QStyle.StateFlag.State_MouseOver:
            painter.fillRect(rect, QColor(theme.surface_alt))
        painter.setPen(QPen(QColor(theme.border), 1))
        painter.drawLine(rect.left() + 64, rect.bottom(), rect.right() - 8, rect.bottom())

        base: QFont = option.font
        # The avatar: the patient's initials on a colour of their own.
        circle = QRectF(rect.left() + 14, rect.center().y() - 20, 40, 40)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(avatar_color(row.patient_id))
        painter.drawEllipse(circle)
        painter.setPen(QColor("#FFFFFF"))
        painter.setFont(_bold(base))
        painter.drawText(circle, Qt.AlignmentFlag.AlignCenter, initials(row.patient_name))

        left = rect.left() + 66
        right = rect.right() - 12
        top = rect.top() + 10
        small = _small(base)
        small_metrics = QFontMetrics(small)
        # First line: the name, and the time on the right.
        stamp = when(row.last_at, self._today())
        painter.setFont(small)
        painter.setPen(QColor(theme.accent if row.unread else theme.text_muted))
        stamp_width = small_metrics.horizontalAdvance(stamp)
        painter.drawText(
            QRect(right - stamp_width, top, stamp_width, 20),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            stamp,
        )
        name_font = _bold(base)
        painter.setFont(name_font)
        painter.setPen(QColor(theme.text))
        name_width = right - stamp_width - 8 - left
        name = QFontMetrics(name_font).elidedText(row.patient_name, Qt.TextElideMode.ElideRight, name_width)
        painter.drawText(QRect(left, top, name_width, 20), Qt.AlignmentFlag.AlignVCenter, name)

        # Second line: the department (when all are listed), the last message, the unread badge.
        line = QRect(left, top + 24, right - left, 20)
        if row.unread:
            badge_text = str(row.unread) if row.unread < 100 else "99+"
            badge_width = max(20, small_metrics.horizontalAdvance(badge_text) + 12)
            badge = QRectF(right - badge_width, line.center().y() - 10, badge_width, 20)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(theme.danger if row.urgent else theme.accent))
            painter.drawRoundedRect(badge, 10, 10)
            painter.setPen(QColor("#FFFFFF"))
            painter.setFont(_bold(small))
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, badge_text)
            line.setRight(int(badge.left()) - 8)
        x = line.left()
        if self.show_department:
            chip_text = department_name(row.department)
            chip_width = small_metrics.horizontalAdvance(chip_text) + 12
            chip = QRectF(x, line.center().y() - 9, chip_width, 18)
            painter.setPen(QPen(QColor(theme.border), 1))
            painter.setBrush(QColor(theme.surface_alt))
            painter.drawRoundedRect(chip, 9, 9)
            painter.setPen(QColor(theme.text_muted))
            painter.setFont(small)
            painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, chip_text)
            x += chip_width + 6
        prefix = "" if row.last_from_patient else _("You: ")
        text = prefix + message_text(row.message_type, row.preview)
        painter.setFont(base)
        painter.setPen(QColor(theme.text if row.unread else theme.text_muted))
        width = max(0, line.right() - x)
        painter.drawText(
            QRect(x, line.top(), width, line.height()),
            Qt.AlignmentFlag.AlignVCenter,
            QFontMetrics(base).elidedText(text, Qt.TextElideMode.ElideRight, width),
        )
        painter.restore()


# ---- one conversation --------------------------------------------------------------------------


@dataclass(frozen=True)
class DayMark:
    day: date


ThreadItem = DayMark | ThreadMessage


class ThreadModel(QAbstractListModel):
    """A conversation's messages, oldest first, with a heading at each new day."""

    def __init__(
        self, today: Callable[[], date], staff_name: Callable[[uuid.UUID], str], parent: Any = None
    ) -> None:
        super().__init__(parent)
        self._items: list[ThreadItem] = []
        self.current: Thread | None = None
        self._today = today
        self._staff_name = staff_name

    def set_thread(self, thread: Thread | None) -> None:
        self.beginResetModel()
        self.current = thread
        self._items = []
        last_day: date | None = None
        for message in thread.messages if thread is not None else ():
            if message.at.date() != last_day:
                last_day = message.at.date()
                self._items.append(DayMark(last_day))
            self._items.append(message)
        self.endResetModel()

    def item(self, row: int) -> ThreadItem | None:
        return self._items[row] if 0 <= row < len(self._items) else None

    def staff_name(self, staff_id: uuid.UUID) -> str:
        return self._staff_name(staff_id)

    def today(self) -> date:
        return self._today()

    def retranslate(self) -> None:
        if self._items:
            self.dataChanged.emit(self.index(0), self.index(len(self._items) - 1))

    def rowCount(self, parent: Index = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self._items)

    def flags(self, index: Index) -> Qt.ItemFlag:
        item = self.item(index.row())
        if isinstance(item, ThreadMessage):
            return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return Qt.ItemFlag.ItemIsEnabled

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        item = self.item(index.row()) if index.isValid() else None
        if item is None:
            return None
        if role == ROW_ROLE:
            return item
        if isinstance(item, DayMark):
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
                return day_heading(item.day, self._today())
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return message_text(item.message_type, item.content)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            text = message_text(item.message_type, item.content)
            return f"{self.sender_name(item)}, {self.status(item)}: {text}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.status(item)
        return None

    def sender_name(self, message: ThreadMessage) -> str:
        if message.from_patient:
            return self.current.patient_name if self.current is not None else _("Patient")
        return self._staff_name(message.sender_id) or _("Clinic")

    def status(self, message: ThreadMessage) -> str:
        """When it was sent and, for the clinic's messages, whether the patient has read it."""
        sent = format_time(message.at)
        if message.from_patient:
            if message.read_at is not None:
                return _("Received %(time)s · read %(read)s", time=sent, read=format_time(message.read_at))
            return _("Received %(time)s", time=sent)
        if message.pending:
            return _("Sent %(time)s · waiting to sync with the clinic server", time=sent)
        if message.is_read and message.read_at is not None:
            return _(
                "Sent %(time)s · read by the patient %(read)s", time=sent, read=format_time(message.read_at)
            )
        return _("Sent %(time)s · not read yet", time=sent)


@dataclass
class _Bubble:
    layout: QTextLayout
    text_size: QSize
    meta: str
    size: QSize  # the bubble's


class BubbleDelegate(QStyledItemDelegate):
    """Chat bubbles: the patient's on the left, the clinic's on the right with ticks (one: sent,
    two: read by the patient, a clock: waiting to reach the server)."""

    MARGIN: Final = 18
    PAD_X: Final = 12
    PAD_Y: Final = 8
    GAP: Final = 6
    DAY_HEIGHT: Final = 38
    TICKS: Final = 20

    def __init__(self, view: QListView) -> None:
        super().__init__(view)
        self._view = view
        self._cache: dict[uuid.UUID, _Bubble] = {}
        self._width = 0

    def clear(self) -> None:
        self._cache.clear()

    def _max_width(self) -> int:
        width = self._view.viewport().width()
        return max(220, min(560, int(width * 0.68)))

    def _bubble(self, message: ThreadMessage, model: ThreadModel, font: QFont) -> _Bubble:
        width = self._max_width()
        if width != self._width:
            self._cache.clear()
            self._width = width
        cached = self._cache.get(message.id)
        if cached is not None:
            return cached
        text_width = width - 2 * self.PAD_X
        layout = QTextLayout(message_text(message.message_type, message.content), font)
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layout.setTextOption(option)
        layout.beginLayout()
        height = 0.0
        used = 0.0
        while True:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(text_width)
            line.setPosition(QPointF(0, height))
            height += line.height()
            used = max(used, line.naturalTextWidth())
        layout.endLayout()
        meta = format_time(message.at)
        if not message.from_patient:
            name = model.staff_name(message.sender_id)
            meta = f"{name} · {meta}" if name else meta
        elif message.priority in (MessagePriority.HIGH, MessagePriority.URGENT):
            meta = f"{_('High priority')} · {meta}"
        small = QFontMetrics(_small(font))
        meta_width = small.horizontalAdvance(meta) + (0 if message.from_patient else self.TICKS + 4)
        text_size = QSize(int(used + 1), int(height + 0.5))
        size = QSize(
            max(text_size.width(), meta_width) + 2 * self.PAD_X,
            self.PAD_Y + text_size.height() + 3 + small.height() + self.PAD_Y,
        )
        bubble = _Bubble(layout, text_size, meta, size)
        self._cache[message.id] = bubble
        return bubble

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        model = index.model()
        item = index.data(ROW_ROLE)
        width = self._view.viewport().width()
        if isinstance(item, ThreadMessage) and isinstance(model, ThreadModel):
            bubble = self._bubble(item, model, option.font)
            return QSize(width, bubble.size.height() + self.GAP)
        return QSize(width, self.DAY_HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        model = index.model()
        item = index.data(ROW_ROLE)
        rect = QRect(option.rect)
        theme = current_theme()
        font: QFont = option.font
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if isinstance(item, DayMark) or not isinstance(model, ThreadModel):
            text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
            small = _small(font)
            pill_width = QFontMetrics(small).horizontalAdvance(text) + 20
            pill = QRectF(rect.center().x() - pill_width / 2, rect.top() + 8, pill_width, 22)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(theme.surface_alt))
            painter.drawRoundedRect(pill, 11, 11)
            painter.setPen(QColor(theme.text_muted))
            painter.setFont(small)
            painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
            painter.restore()
            return
        message: ThreadMessage = item
        bubble = self._bubble(message, model, font)
        size = bubble.size
        x = (
            rect.right() - self.MARGIN - size.width()
            if not message.from_patient
            else rect.left() + self.MARGIN
        )
        box = QRectF(x, rect.top() + self.GAP / 2, size.width(), size.height())
        fill = QColor(theme.surface_alt if message.from_patient else theme.accent_soft)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.setPen(QPen(QColor(theme.accent), 2) if selected else Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(box, 12, 12)
        painter.setPen(QColor(theme.text))
        bubble.layout.draw(painter, QPointF(box.left() + self.PAD_X, box.top() + self.PAD_Y))

        small = _small(font)
        metrics = QFontMetrics(small)
        meta_top = box.top() + self.PAD_Y + bubble.text_size.height() + 3
        meta_right = box.right() - self.PAD_X
        urgent = message.from_patient and message.priority in (MessagePriority.HIGH, MessagePriority.URGENT)
        if not message.from_patient:
            self._ticks(
                painter, QRectF(meta_right - self.TICKS, meta_top, self.TICKS, metrics.height()), message
            )
            meta_right -= self.TICKS + 4
        painter.setFont(small)
        painter.setPen(QColor(theme.danger if urgent else theme.text_muted))
        meta_width = metrics.horizontalAdvance(bubble.meta)
        painter.drawText(
            QRectF(meta_right - meta_width, meta_top, meta_width, metrics.height()),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            bubble.meta,
        )
        painter.restore()

    def _ticks(self, painter: QPainter, area: QRectF, message: ThreadMessage) -> None:
        theme = current_theme()
        cy = area.center().y()
        if message.pending:
            painter.setPen(QPen(QColor(theme.text_muted), 1.4))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            centre = QPointF(area.left() + 10, cy)
            painter.drawEllipse(centre, 5, 5)
            painter.drawLine(centre, QPointF(centre.x(), cy - 3))
            painter.drawLine(centre, QPointF(centre.x() + 2.5, cy))
            return
        color = QColor(theme.accent if message.is_read else theme.text_muted)
        painter.setPen(
            QPen(color, 1.6, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
        )
        painter.setBrush(Qt.BrushStyle.NoBrush)
        offsets = (2.0, 7.0) if message.is_read else (5.0,)
        for offset in offsets:
            path = QPainterPath(QPointF(area.left() + offset, cy))
            path.lineTo(area.left() + offset + 3, cy + 3)
            path.lineTo(area.left() + offset + 9, cy - 4)
            painter.drawPath(path)


class ComposeBox(QPlainTextEdit):
    """Where a reply is written: Enter sends, Shift+Enter starts a new line."""

    sig_send = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chat_compose")
        self.setTabChangesFocus(True)
        self.setFixedHeight(76)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.insertPlainText("\n")
            else:
                self.sig_send.emit()
            event.accept()
            return
        super().keyPressEvent(event)
