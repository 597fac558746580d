"""The bi-weekly calendar, painted: 14 days, each doctor a lane inside each day, time running down.

One widget paints everything from the model through a layout cache (lanes, blocks, their
rectangles) rebuilt only when the data or the size changes, and paints only what is exposed;
2,000 appointments are 2,000 rectangles, not 2,000 widgets. Appointments are filled by status,
striped by type, and drawn hatched with a dashed outline while pending (not yet confirmed by the
server). Time Period bookings still waiting for their exact time sit in a band under the headers.

Mouse: click an appointment to select it, double-click to open it, click free working time to
book there, drag an appointment to another time or doctor to reschedule it, right-click for its
actions. Keys: Left/Right move between appointments, Enter opens, Delete cancels, Home: today.
"""

from __future__ import annotations

import uuid
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Final

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QContextMenuEvent,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import QAbstractScrollArea, QToolTip, QWidget

from common.qt.i18n import _, format_day_number, format_time
from common.qt.theme import current_theme, status_color, status_strong, type_color
from common.scheduling.models import AppointmentStatus
from common.scheduling.status import RESCHEDULABLE
from desktop.labels import label
from desktop.reads.rows import AppointmentRow, ClinicInfo, StaffEntry
from desktop.screens.calendar.model import CalendarModel

GUTTER: Final = 56
DAY_HEADER: Final = 36
DOCTOR_STRIP_FORTNIGHT: Final = 16
DOCTOR_STRIP_DAY: Final = 44
BAND: Final = 22
MIN_LANE: Final = 12
CLOSED_DAY_WEIGHT: Final = 0.3
DRAG_START: Final = 6


@dataclass
class Lane:
    doctor: StaffEntry
    day: date
    x: float
    width: float


@dataclass
class Block:
    row: AppointmentRow
    rect: QRectF
    lane: int


@dataclass
class Layout:
    lanes: list[Lane] = field(default_factory=list)
    days: list[tuple[date, float, float]] = field(default_factory=list)  # day, x, width
    blocks: list[Block] = field(default_factory=list)
    bands: list[tuple[int, list[AppointmentRow]]] = field(default_factory=list)  # lane, unassigned
    lane_starts: list[float] = field(default_factory=list)
    content_width: float = 0
    content_height: float = 0
    header_height: float = 0
    first_minute: int = 8 * 60
    last_minute: int = 20 * 60
    px_per_minute: float = 1.0


class CalendarView(QAbstractScrollArea):
    sig_selected = Signal(object)  # AppointmentRow | None
    sig_activated = Signal(object)  # AppointmentRow
    sig_slot_clicked = Signal(object, object)  # doctor id, local datetime
    sig_move_requested = Signal(object, object, object)  # AppointmentRow, doctor id, local datetime
    sig_context = Signal(object, object)  # AppointmentRow, global QPoint
    sig_cancel_requested = Signal(object)  # AppointmentRow
    sig_unassigned_clicked = Signal(object, object)  # [AppointmentRow], global QPoint
    sig_day_clicked = Signal(object)  # date

    def __init__(self, model: CalendarModel, clinic: ClinicInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("calendar_view")
        self.model = model
        self.clinic = clinic
        self.day_mode = False
        self.focus_day: date | None = None
        self.today: date | None = None
        self.now: datetime | None = None
        self.selected_id: uuid.UUID | None = None
        self._layout = Layout()
        self._dirty = True
        self._hover: tuple[int, int] | None = None  # lane, minute of a free slot under the mouse
        self._press: QPoint | None = None
        self._drag: tuple[Block, int, int] | None = None  # block, target lane, target minute
        self.setMouseTracking(True)
        self.viewport().setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setMinimumSize(QSize(480, 360))
        for signal in (model.modelReset, model.layoutChanged, model.dataChanged):
            signal.connect(self.invalidate)
        self._small = QFont(self.font())
        self._small.setPointSizeF(max(7.0, self.font().pointSizeF() - 1.5))
        self._bold = QFont(self.font())
        self._bold.setBold(True)

    # -- state -----------------------------------------------------------------------------------

    def set_day_mode(self, day: date | None) -> None:
        """Show one day with wide lanes (`day`), or the fortnight (None)."""
        self.day_mode = day is not None
        self.focus_day = day
        self.invalidate()

    def set_clock(self, now: datetime) -> None:
        self.now = now
        self.today = now.date()
        self.viewport().update()

    def select(self, appointment_id: uuid.UUID | None) -> None:
        self.selected_id = appointment_id
        row = self.selected_row()
        self.setAccessibleDescription(self.describe(row) if row is not None else "")
        self.viewport().update()
        self.sig_selected.emit(row)

    def selected_row(self) -> AppointmentRow | None:
        return next((b.row for b in self.layout().blocks if b.row.id == self.selected_id), None) or next(
            (r for r in self.model.rows_ref() if r.id == self.selected_id), None
        )

    def invalidate(self, *_args: object) -> None:
        self._dirty = True
        self.viewport().update()
        self._update_scrollbars()

    # -- layout ----------------------------------------------------------------------------------

    def layout(self) -> Layout:  # type: ignore[override]
        if self._dirty:
            self._layout = self._build_layout()
            self._dirty = False
            self._update_scrollbars()
        return self._layout

    def _visible_days(self) -> list[date]:
        if self.day_mode and self.focus_day is not None:
            return [self.focus_day]
        return self.model.dates

    def _build_layout(self) -> Layout:
        layout = Layout()
        doctors = self.model.doctors
        days = self._visible_days()
        layout.first_minute = self.clinic.opening_minute
        layout.last_minute = max(self.clinic.closing_minute, layout.first_minute + 60)
        strip = DOCTOR_STRIP_DAY if self.day_mode else DOCTOR_STRIP_FORTNIGHT
        layout.header_height = DAY_HEADER + strip + BAND
        if not doctors or not days:
            return layout
        viewport = self.viewport().size()
        available = max(200, viewport.width() - GUTTER - 1)
        is_open = [self.day_mode or self.model.day_is_open(day) for day in days]
        open_days = max(1, sum(is_open))
        # A closed day (Sunday) keeps a narrow column; the open days share the rest.
        closed_lane = max(
            3.0, available * CLOSED_DAY_WEIGHT / (open_days + CLOSED_DAY_WEIGHT) / len(doctors) / 4
        )
        closed_total = closed_lane * len(doctors) * (len(days) - sum(is_open))
        open_lane = max(MIN_LANE, (available - closed_total) / open_days / len(doctors))
        x = 0.0
        for day, open_day in zip(days, is_open, strict=True):
            lane_width = open_lane if open_day else closed_lane
            day_x = x
            for doctor in doctors:
                layout.lanes.append(Lane(doctor, day, x, lane_width))
                x += lane_width
            layout.days.append((day, day_x, x - day_x))
        layout.content_width = x
        minutes = layout.last_minute - layout.first_minute
        grid_height = max(200, viewport.height() - layout.header_height - 2)
        floor = 1.25 if self.day_mode else 0.5
        layout.px_per_minute = max(floor, grid_height / minutes)
        layout.content_height = layout.header_height + minutes * layout.px_per_minute
        layout.lane_starts = [lane.x for lane in layout.lanes]
        for number, lane in enumerate(layout.lanes):
            waiting: list[AppointmentRow] = []
            for row in self.model.in_lane(lane.doctor.id, lane.day):
                if not row.time_assigned:
                    waiting.append(row)
                    continue
                layout.blocks.append(Block(row, self._block_rect(layout, lane, row), number))
            if waiting:
                layout.bands.append((number, waiting))
        return layout

    def _block_rect(self, layout: Layout, lane: Lane, row: AppointmentRow) -> QRectF:
        start = row.start_minute if row.starts_at.date() == lane.day else 0
        end_time = row.ends_at
        end = end_time.hour * 60 + end_time.minute if end_time.date() == lane.day else 24 * 60
        top = layout.header_height + (start - layout.first_minute) * layout.px_per_minute
        height = max(3.0, (end - start) * layout.px_per_minute - 1)
        inset = 1.0 if lane.width < 30 else 2.0
        return QRectF(lane.x + inset, top, max(2.0, lane.width - 2 * inset), height)

    def _update_scrollbars(self) -> None:
        layout = self._layout if not self._dirty else self._build_layout_quiet()
        viewport = self.viewport().size()
        horizontal = self.horizontalScrollBar()
        horizontal.setRange(0, max(0, round(layout.content_width - (viewport.width() - GUTTER) - 0.5)))
        horizontal.setPageStep(max(1, viewport.width() - GUTTER))
        vertical = self.verticalScrollBar()
        grid_visible = viewport.height() - layout.header_height
        vertical.setRange(0, max(0, int(layout.content_height - layout.header_height - grid_visible)))
        vertical.setPageStep(max(1, int(grid_visible)))
        vertical.setSingleStep(20)

    def _build_layout_quiet(self) -> Layout:
        self._layout = self._build_layout()
        self._dirty = False
        return self._layout

    # -- coordinates -------------------------------------------------------------------------------

    def _dx(self) -> int:
        return GUTTER - self.horizontalScrollBar().value()

    def _dy(self) -> int:
        return -self.verticalScrollBar().value()

    def _lane_at(self, x: float) -> int:
        layout = self.layout()
        content_x = x - self._dx()
        number = bisect_right(layout.lane_starts, content_x) - 1
        if (
            0 <= number < len(layout.lanes)
            and content_x < layout.lanes[number].x + layout.lanes[number].width
        ):
            return number
        return -1

    def _minute_at(self, y: float) -> int:
        layout = self.layout()
        grid_y = y - self._dy() - layout.header_height
        return int(layout.first_minute + grid_y / layout.px_per_minute)

    def _snap(self, minute: int) -> int:
        slot = max(5, self.clinic.slot_minutes)
        return (minute // slot) * slot

    def block_at(self, point: QPointF | QPoint) -> Block | None:
        layout = self.layout()
        if point.y() < layout.header_height:
            return None
        content = QPointF(point.x() - self._dx(), point.y() - self._dy())
        for block in reversed(layout.blocks):
            if block.rect.contains(content):
                return block
        return None

    def block_rect_on_screen(self, appointment_id: uuid.UUID) -> QRect | None:
        """Where an appointment is drawn in the viewport (tests and accessibility)."""
        block = next((b for b in self.layout().blocks if b.row.id == appointment_id), None)
        if block is None:
            return None
        return block.rect.translated(self._dx(), self._dy()).toRect()

    def slot_point(self, doctor_id: uuid.UUID, when: datetime) -> QPoint | None:
        """The viewport point of a doctor's time (the middle of its slot), if visible."""
        layout = self.layout()
        for lane in layout.lanes:
            if lane.doctor.id == doctor_id and lane.day == when.date():
                minute = when.hour * 60 + when.minute + self.clinic.slot_minutes / 2
                y = layout.header_height + (minute - layout.first_minute) * layout.px_per_minute + self._dy()
                return QPoint(int(lane.x + lane.width / 2 + self._dx()), int(y))
        return None

    def _is_working(self, lane: Lane, minute: int, length: int) -> bool:
        return any(
            start <= minute and minute + length <= end
            for start, end in self.model.working_spans(lane.doctor.id, lane.day)
        )

    def _is_free(self, lane_number: int, minute: int, length: int) -> bool:
        lane = self.layout().lanes[lane_number]
        if not self._is_working(lane, minute, length):
            return False
        for row in self.model.in_lane(lane.doctor.id, lane.day):
            if not row.time_assigned or row.status in (
                AppointmentStatus.CANCELLED,
                AppointmentStatus.NO_SHOW,
            ):
                continue
            if row.start_minute < minute + length and minute < row.start_minute + row.minutes:
                return False
        return True

    # -- painting -----------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        layout = self.layout()
        theme = current_theme()
        painter = QPainter(self.viewport())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        exposed = QRectF(event.rect())
        painter.fillRect(exposed, QColor(theme.surface))
        if not layout.lanes:
            painter.setPen(QColor(theme.text_muted))
            painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, _("No doctors to show."))
            return
        dx, dy = self._dx(), self._dy()
        visible = exposed.translated(-dx, -dy)
        self._paint_grid(painter, layout, dx, dy, visible)
        self._paint_blocks(painter, layout, dx, dy, visible)
        self._paint_now(painter, layout, dx, dy)
        self._paint_headers(painter, layout, dx)
        self._paint_gutter(painter, layout, dy)
        painter.end()

    def _paint_grid(self, p: QPainter, layout: Layout, dx: int, dy: int, visible: QRectF) -> None:
        theme = current_theme()
        top = layout.header_height
        off = QColor(theme.grid_off_hours)
        p.save()
        p.translate(dx, dy)
        p.setClipRect(QRectF(-dx + GUTTER, top - dy, self.viewport().width(), self.viewport().height()))
        bottom = layout.content_height
        for number, lane in enumerate(layout.lanes):
            if lane.x > visible.right() or lane.x + lane.width < visible.left():
                continue
            p.fillRect(QRectF(lane.x, top, lane.width, bottom - top), off)
            for start, end in self.model.working_spans(lane.doctor.id, lane.day):
                y1 = top + (max(start, layout.first_minute) - layout.first_minute) * layout.px_per_minute
                y2 = top + (min(end, layout.last_minute) - layout.first_minute) * layout.px_per_minute
                p.fillRect(QRectF(lane.x, y1, lane.width, y2 - y1), QColor(theme.surface))
            if self._hover is not None and self._hover[0] == number and self._drag is None:
                minute = self._hover[1]
                y = top + (minute - layout.first_minute) * layout.px_per_minute
                rect = QRectF(lane.x + 1, y, lane.width - 2, self.clinic.slot_minutes * layout.px_per_minute)
                p.fillRect(rect, QColor(theme.accent_soft))
        line = QPen(QColor(theme.grid_line), 1)
        p.setPen(line)
        for minute in range(layout.first_minute, layout.last_minute + 1, 60):
            y = top + (minute - layout.first_minute) * layout.px_per_minute
            p.drawLine(QPointF(visible.left(), y), QPointF(visible.right(), y))
        if layout.px_per_minute >= 1.0:
            half = QPen(QColor(theme.grid_line), 1, Qt.PenStyle.DotLine)
            p.setPen(half)
            for minute in range(layout.first_minute + 30, layout.last_minute, 60):
                y = top + (minute - layout.first_minute) * layout.px_per_minute
                p.drawLine(QPointF(visible.left(), y), QPointF(visible.right(), y))
        lane_pen = QPen(QColor(theme.grid_line), 1)
        day_pen = QPen(QColor(theme.border), 1)
        for lane in layout.lanes:
            p.setPen(lane_pen)
            p.drawLine(QPointF(lane.x, top), QPointF(lane.x, bottom))
        p.setPen(day_pen)
        for _day, x, width in layout.days:
            p.drawLine(QPointF(x + width, 0), QPointF(x + width, bottom))
        p.restore()

    def _paint_blocks(self, p: QPainter, layout: Layout, dx: int, dy: int, visible: QRectF) -> None:
        theme = current_theme()
        p.save()
        p.translate(dx, dy)
        p.setClipRect(
            QRectF(-dx + GUTTER, layout.header_height - dy, self.viewport().width(), self.viewport().height())
        )
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        metrics = QFontMetrics(self._small)
        bold_metrics = QFontMetrics(self._bold)
        text_color = QColor(theme.text)
        for block in layout.blocks:
            rect = block.rect
            if not rect.intersects(visible):
                continue
            row = block.row
            if self._drag is not None and self._drag[0] is block:
                p.setOpacity(0.35)
            self._paint_block(p, rect, row, metrics, bold_metrics, text_color)
            p.setOpacity(1.0)
        if self._drag is not None:
            block, lane_number, minute = self._drag
            lane = layout.lanes[lane_number]
            ghost = QRectF(
                lane.x + 2,
                layout.header_height + (minute - layout.first_minute) * layout.px_per_minute,
                max(2.0, lane.width - 4),
                block.row.minutes * layout.px_per_minute,
            )
            free = self._is_free_for(block.row, lane_number, minute)
            p.setPen(QPen(QColor(theme.accent if free else theme.danger), 2, Qt.PenStyle.DashLine))
            p.setBrush(QColor(theme.accent_soft if free else theme.danger_soft))
            p.drawRoundedRect(ghost, 4, 4)
        p.restore()

    def _paint_block(
        self,
        p: QPainter,
        rect: QRectF,
        row: AppointmentRow,
        metrics: QFontMetrics,
        bold_metrics: QFontMetrics,
        text_color: QColor,
    ) -> None:
        theme = current_theme()
        strong = status_strong(row.status.value)
        narrow = rect.width() < 30
        if narrow:
            fill = QColor(strong)
            fill.setAlphaF(0.55 if not theme.dark else 0.7)
        else:
            fill = status_color(row.status.value, theme)
        radius = 3.0 if rect.width() > 14 else 1.5
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(fill)
        p.drawRoundedRect(rect, radius, radius)
        if row.pending:
            hatch = QBrush(strong, Qt.BrushStyle.BDiagPattern)
            p.setBrush(hatch)
            p.drawRoundedRect(rect, radius, radius)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(strong, 1.2, Qt.PenStyle.DashLine))
            p.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), radius, radius)
        if not narrow:
            stripe = QRectF(rect.left(), rect.top(), 3.0, rect.height())
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(type_color(row.appointment_type.value))
            p.drawRect(stripe)
        if row.id == self.selected_id:
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(QColor(theme.accent), 2))
            p.drawRoundedRect(rect.adjusted(-1, -1, 1, 1), radius + 1, radius + 1)
        if rect.width() < 46 or rect.height() < 14:
            return
        p.setPen(text_color)
        inner = rect.adjusted(6, 2, -3, -2)
        line_height = metrics.height()
        y = inner.top()
        if row.status is AppointmentStatus.CANCELLED:
            font = QFont(self._bold)
            font.setStrikeOut(True)
            p.setFont(font)
        else:
            p.setFont(self._bold)
        name = bold_metrics.elidedText(row.patient_name, Qt.TextElideMode.ElideRight, int(inner.width()))
        p.drawText(
            QRectF(inner.left(), y, inner.width(), bold_metrics.height()), Qt.AlignmentFlag.AlignLeft, name
        )
        y += bold_metrics.height()
        p.setFont(self._small)
        if y + line_height <= inner.bottom() + 2:
            when = f"{format_time(row.starts_at)}–{format_time(row.ends_at)}"
            if row.pending:
                when += " · " + _("pending")
            p.drawText(
                QRectF(inner.left(), y, inner.width(), line_height),
                Qt.AlignmentFlag.AlignLeft,
                metrics.elidedText(when, Qt.TextElideMode.ElideRight, int(inner.width())),
            )

    def _paint_now(self, p: QPainter, layout: Layout, dx: int, dy: int) -> None:
        if self.now is None:
            return
        minute = self.now.hour * 60 + self.now.minute
        if not layout.first_minute <= minute <= layout.last_minute:
            return
        y = layout.header_height + (minute - layout.first_minute) * layout.px_per_minute + dy
        if y < layout.header_height:
            return
        theme = current_theme()
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setClipRect(
            QRect(GUTTER, int(layout.header_height), self.viewport().width(), self.viewport().height())
        )
        for day, x, width in layout.days:
            if day == self.now.date():
                p.setPen(QPen(QColor(theme.now_line), 2))
                p.drawLine(QPointF(x + dx, y), QPointF(x + width + dx, y))
                p.setBrush(QColor(theme.now_line))
                p.drawEllipse(QPointF(x + dx, y), 3.5, 3.5)
        p.restore()

    def _paint_headers(self, p: QPainter, layout: Layout, dx: int) -> None:
        theme = current_theme()
        width = self.viewport().width()
        p.save()
        p.fillRect(QRectF(0, 0, width, layout.header_height), QColor(theme.surface_alt))
        p.setClipRect(QRectF(GUTTER, 0, width - GUTTER, layout.header_height))
        p.translate(dx, 0)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        strip = DOCTOR_STRIP_DAY if self.day_mode else DOCTOR_STRIP_FORTNIGHT
        for day, x, day_width in layout.days:
            is_today = day == self.today
            rect = QRectF(x, 0, day_width, DAY_HEADER)
            p.setFont(self._bold if is_today else self.font())
            p.setPen(QColor(theme.accent if is_today else theme.text))
            text = format_day_number(day)
            metrics = QFontMetrics(p.font())
            if metrics.horizontalAdvance(text) > day_width - 4:
                text = str(day.day)
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
            if is_today:
                p.fillRect(QRectF(x + 6, DAY_HEADER - 3, day_width - 12, 3), QColor(theme.accent))
            p.setPen(QPen(QColor(theme.border), 1))
            p.drawLine(QPointF(x + day_width, 0), QPointF(x + day_width, layout.header_height))
        for number, lane in enumerate(layout.lanes):
            color = QColor(lane.doctor.color or theme.accent)
            rect = QRectF(lane.x, DAY_HEADER, lane.width, strip)
            if self.day_mode:
                p.fillRect(QRectF(lane.x + 8, DAY_HEADER + 4, 4, strip - 8), color)
                p.setPen(QColor(theme.text))
                p.setFont(self._bold)
                inner = rect.adjusted(18, 2, -4, -strip / 2)
                p.drawText(
                    inner,
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                    QFontMetrics(self._bold).elidedText(
                        lane.doctor.name, Qt.TextElideMode.ElideRight, int(inner.width())
                    ),
                )
                p.setFont(self._small)
                p.setPen(QColor(theme.text_muted))
                p.drawText(
                    rect.adjusted(18, strip / 2, -4, -2),
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                    lane.doctor.specialization or "",
                )
            else:
                bar = QRectF(lane.x + 1, DAY_HEADER + 3, max(1.0, lane.width - 2), strip - 6)
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(color)
                p.drawRoundedRect(bar, 2, 2)
            del number
        p.setFont(self._small)
        for lane_number, waiting in layout.bands:
            lane = layout.lanes[lane_number]
            chip = QRectF(lane.x + 1.5, DAY_HEADER + strip + 3, max(8.0, lane.width - 3), BAND - 6)
            p.setPen(QPen(QColor(theme.warning), 1, Qt.PenStyle.DashLine))
            p.setBrush(QColor(theme.warning_soft))
            p.drawRoundedRect(chip, 4, 4)
            p.setPen(QColor(theme.warning))
            text = str(len(waiting)) if lane.width < 70 else _("%(count)s to place", count=len(waiting))
            p.drawText(chip, Qt.AlignmentFlag.AlignCenter, text)
        p.restore()
        p.setPen(QPen(QColor(theme.border), 1))
        p.drawLine(QPointF(0, layout.header_height - 0.5), QPointF(width, layout.header_height - 0.5))

    def _paint_gutter(self, p: QPainter, layout: Layout, dy: int) -> None:
        theme = current_theme()
        height = self.viewport().height()
        p.fillRect(QRectF(0, layout.header_height, GUTTER, height), QColor(theme.surface))
        p.setPen(QPen(QColor(theme.border), 1))
        p.drawLine(QPointF(GUTTER - 0.5, 0), QPointF(GUTTER - 0.5, height))
        p.setFont(self._small)
        p.setPen(QColor(theme.text_muted))
        for minute in range(layout.first_minute, layout.last_minute + 1, 60):
            y = layout.header_height + (minute - layout.first_minute) * layout.px_per_minute + dy
            if y < layout.header_height - 2 or y > height:
                continue
            p.drawText(
                QRectF(0, y - 2, GUTTER - 8, 16),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
                f"{minute // 60:02d}:00",
            )
        if not self.day_mode:
            p.drawText(
                QRectF(4, DAY_HEADER, GUTTER - 8, DOCTOR_STRIP_FORTNIGHT),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                "",
            )

    # -- mouse and keys ------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus()
        self._press = event.position().toPoint()
        if event.button() is Qt.MouseButton.LeftButton:
            block = self.block_at(event.position())
            if block is not None:
                self.select(block.row.id)
            elif event.position().y() < self.layout().header_height:
                self._header_click(event)
        super().mousePressEvent(event)

    def _header_click(self, event: QMouseEvent) -> None:
        layout = self.layout()
        y = event.position().y()
        lane_number = self._lane_at(event.position().x())
        if lane_number < 0:
            return
        lane = layout.lanes[lane_number]
        strip = DOCTOR_STRIP_DAY if self.day_mode else DOCTOR_STRIP_FORTNIGHT
        if y >= DAY_HEADER + strip:
            waiting = next((rows for n, rows in layout.bands if n == lane_number), None)
            if waiting:
                self.sig_unassigned_clicked.emit(
                    waiting, self.viewport().mapToGlobal(event.position().toPoint())
                )
        elif y < DAY_HEADER:
            self.sig_day_clicked.emit(lane.day)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        point = event.position()
        if self._press is not None and event.buttons() & Qt.MouseButton.LeftButton:
            if self._drag is None and (point.toPoint() - self._press).manhattanLength() >= DRAG_START:
                block = self.block_at(QPointF(self._press))
                if block is not None and block.row.status in RESCHEDULABLE and block.row.time_assigned:
                    self._drag = (block, block.lane, block.row.start_minute)
            if self._drag is not None:
                block = self._drag[0]
                lane_number = self._lane_at(point.x())
                grab_offset = self._minute_at(self._press.y()) - block.row.start_minute
                minute = self._snap(self._minute_at(point.y()) - grab_offset)
                if lane_number >= 0:
                    self._drag = (block, lane_number, minute)
                self.viewport().update()
                return
        self._update_hover(point)
        super().mouseMoveEvent(event)

    def _update_hover(self, point: QPointF) -> None:
        hover = None
        if point.y() >= self.layout().header_height and self.block_at(point) is None:
            lane_number = self._lane_at(point.x())
            if lane_number >= 0:
                minute = self._snap(self._minute_at(point.y()))
                if self._is_free(lane_number, minute, self.clinic.slot_minutes):
                    hover = (lane_number, minute)
        if hover != self._hover:
            self._hover = hover
            self.viewport().setCursor(
                Qt.CursorShape.PointingHandCursor if hover else Qt.CursorShape.ArrowCursor
            )
            self.viewport().update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        press, self._press = self._press, None
        if self._drag is not None:
            block, lane_number, minute = self._drag
            self._drag = None
            self.viewport().update()
            lane = self.layout().lanes[lane_number]
            if (lane_number, minute) != (block.lane, block.row.start_minute):
                self.sig_move_requested.emit(block.row, lane.doctor.id, self._local(lane.day, minute))
            return
        if event.button() is Qt.MouseButton.LeftButton and press is not None:
            point = event.position()
            if point.y() >= self.layout().header_height and self.block_at(point) is None:
                lane_number = self._lane_at(point.x())
                if lane_number >= 0:
                    minute = self._snap(self._minute_at(point.y()))
                    if self._is_free(lane_number, minute, self.clinic.slot_minutes):
                        lane = self.layout().lanes[lane_number]
                        self.sig_slot_clicked.emit(lane.doctor.id, self._local(lane.day, minute))
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        block = self.block_at(event.position())
        if block is not None:
            self.sig_activated.emit(block.row)
            return
        if event.position().y() < DAY_HEADER:
            lane_number = self._lane_at(event.position().x())
            if lane_number >= 0:
                self.sig_day_clicked.emit(self.layout().lanes[lane_number].day)
                return
        super().mouseDoubleClickEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        block = self.block_at(QPointF(event.pos()))
        if block is not None:
            self.select(block.row.id)
            self.sig_context.emit(block.row, event.globalPos())

    def leaveEvent(self, event: QEvent) -> None:
        self._hover = None
        self.viewport().update()
        super().leaveEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        blocks = sorted(self.layout().blocks, key=lambda b: (b.row.starts_at, b.lane))
        current = next((n for n, b in enumerate(blocks) if b.row.id == self.selected_id), -1)
        key = event.key()
        if key in (Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_Left, Qt.Key.Key_Up) and blocks:
            step = 1 if key in (Qt.Key.Key_Right, Qt.Key.Key_Down) else -1
            number = min(max(0, current + step), len(blocks) - 1) if current >= 0 else 0
            self.select(blocks[number].row.id)
            self._ensure_visible(blocks[number])
            return
        row = self.selected_row()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and row is not None:
            self.sig_activated.emit(row)
            return
        if key == Qt.Key.Key_Delete and row is not None:
            self.sig_cancel_requested.emit(row)
            return
        if key == Qt.Key.Key_Menu and row is not None:
            rect = self.block_rect_on_screen(row.id)
            point = rect.center() if rect is not None else QPoint(10, 10)
            self.sig_context.emit(row, self.viewport().mapToGlobal(point))
            return
        super().keyPressEvent(event)

    def _ensure_visible(self, block: Block) -> None:
        rect = block.rect.translated(self._dx(), self._dy())
        if rect.left() < GUTTER or rect.right() > self.viewport().width():
            self.horizontalScrollBar().setValue(
                int(block.rect.left() - (self.viewport().width() - GUTTER) / 2)
            )
        if rect.top() < self.layout().header_height or rect.bottom() > self.viewport().height():
            self.verticalScrollBar().setValue(int(block.rect.top() - self.layout().header_height - 40))

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            block = self.block_at(QPointF(event.pos()))
            if block is not None:
                QToolTip.showText(event.globalPos(), self.describe(block.row), self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.invalidate()
        super().resizeEvent(event)

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        self.viewport().update()

    # -- words -------------------------------------------------------------------------------------

    def describe(self, row: AppointmentRow) -> str:
        doctor = next((d.name for d in self.model.doctors if d.id == row.doctor_id), "")
        if row.time_assigned:
            when = f"{format_day_number(row.day)} {format_time(row.starts_at)}–{format_time(row.ends_at)}"
        else:
            when = f"{format_day_number(row.day)} · {label(row.period)} · {_('time to assign')}"
        parts = [row.patient_name, when, doctor, label(row.appointment_type), label(row.status)]
        if row.pending:
            parts.append(_("Waiting for the server to confirm"))
        if row.has_allergies:
            parts.append(_("Allergies recorded"))
        return "\n".join(part for part in parts if part)

    def _local(self, day: date, minute: int) -> datetime:
        return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=self.clinic.tz)

    def _is_free_for(self, row: AppointmentRow, lane_number: int, minute: int) -> bool:
        lane = self.layout().lanes[lane_number]
        if not self._is_working(lane, minute, row.minutes):
            return False
        for other in self.model.in_lane(lane.doctor.id, lane.day):
            if other.id == row.id or not other.time_assigned:
                continue
            if other.status in (
                AppointmentStatus.CANCELLED,
                AppointmentStatus.NO_SHOW,
                AppointmentStatus.COMPLETED,
            ):
                continue
            if other.start_minute < minute + row.minutes and minute < other.start_minute + other.minutes:
                return False
        return True


def visible_doctors(all_doctors: Sequence[StaffEntry], hidden: set[uuid.UUID]) -> list[StaffEntry]:
    return [doctor for doctor in all_doctors if doctor.id not in hidden]


def fortnight_start(day: date) -> date:
    """The Monday of `day`'s week: the calendar shows that week and the next."""
    return day - timedelta(days=day.weekday())
