"""One family of simple line icons, drawn (not image files): crisp at any size and scale (HiDPI),
in the palette's text colour, and in the highlighted-text colour when selected.

`icon("calendar")` returns a QIcon. Each icon is a function drawing on a 24 x 24 grid.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Final

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QIcon,
    QIconEngine,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
)

Draw = Callable[[QPainter], None]


def _today(p: QPainter) -> None:
    _calendar_frame(p)
    p.setBrush(p.pen().color())
    p.drawEllipse(QPointF(12, 15), 2.2, 2.2)
    p.setBrush(Qt.BrushStyle.NoBrush)


def _calendar_frame(p: QPainter) -> None:
    p.drawRoundedRect(QRectF(3.5, 5, 17, 15.5), 2.5, 2.5)
    p.drawLine(QPointF(3.5, 9.5), QPointF(20.5, 9.5))
    p.drawLine(QPointF(8, 3), QPointF(8, 6.5))
    p.drawLine(QPointF(16, 3), QPointF(16, 6.5))


def _calendar(p: QPainter) -> None:
    _calendar_frame(p)
    for x in (8, 12, 16):
        for y in (13, 17):
            p.drawPoint(QPointF(x, y))


def _patients(p: QPainter) -> None:
    p.drawEllipse(QPointF(12, 8.5), 3.8, 3.8)
    path = QPainterPath(QPointF(4.5, 20.5))
    path.cubicTo(QPointF(5.5, 15), QPointF(9, 14), QPointF(12, 14))
    path.cubicTo(QPointF(15, 14), QPointF(18.5, 15), QPointF(19.5, 20.5))
    p.drawPath(path)


def _staff(p: QPainter) -> None:
    p.drawEllipse(QPointF(9, 9), 3.2, 3.2)
    p.drawEllipse(QPointF(16.5, 8), 2.6, 2.6)
    path = QPainterPath(QPointF(2.5, 19.5))
    path.cubicTo(QPointF(3.5, 15), QPointF(6.5, 14), QPointF(9, 14))
    path.cubicTo(QPointF(11.5, 14), QPointF(14.5, 15), QPointF(15.5, 19.5))
    p.drawPath(path)
    p.drawArc(QRectF(13, 13, 9, 9), 40 * 16, 90 * 16)


def _check_in(p: QPainter) -> None:
    p.drawPolyline([QPointF(13, 4), QPointF(19.5, 4), QPointF(19.5, 20), QPointF(13, 20)])
    p.drawLine(QPointF(4, 12), QPointF(14, 12))
    p.drawPolyline([QPointF(10.5, 8.5), QPointF(14, 12), QPointF(10.5, 15.5)])


def _treatment(p: QPainter) -> None:
    p.drawRoundedRect(QRectF(3.5, 3.5, 17, 17), 4, 4)
    p.drawLine(QPointF(12, 8), QPointF(12, 16))
    p.drawLine(QPointF(8, 12), QPointF(16, 12))


def _payment(p: QPainter) -> None:
    p.drawRoundedRect(QRectF(3, 6, 18, 12.5), 2.5, 2.5)
    p.drawLine(QPointF(3, 10), QPointF(21, 10))
    p.drawLine(QPointF(6.5, 14.5), QPointF(10.5, 14.5))


def _catalog(p: QPainter) -> None:
    path = QPainterPath(QPointF(12, 6.5))
    path.cubicTo(QPointF(9, 4.5), QPointF(6, 4.5), QPointF(3.5, 5.5))
    path.lineTo(QPointF(3.5, 19))
    path.cubicTo(QPointF(6, 18), QPointF(9, 18), QPointF(12, 20))
    path.cubicTo(QPointF(15, 18), QPointF(18, 18), QPointF(20.5, 19))
    path.lineTo(QPointF(20.5, 5.5))
    path.cubicTo(QPointF(18, 4.5), QPointF(15, 4.5), QPointF(12, 6.5))
    path.lineTo(QPointF(12, 20))
    p.drawPath(path)


def _inventory(p: QPainter) -> None:
    p.drawPolygon(
        [
            QPointF(12, 3.5),
            QPointF(20, 7.5),
            QPointF(20, 16.5),
            QPointF(12, 20.5),
            QPointF(4, 16.5),
            QPointF(4, 7.5),
        ]
    )
    p.drawPolyline([QPointF(4, 7.5), QPointF(12, 11.5), QPointF(20, 7.5)])
    p.drawLine(QPointF(12, 11.5), QPointF(12, 20.5))


def _chat(p: QPainter) -> None:
    path = QPainterPath()
    path.addRoundedRect(QRectF(3.5, 4.5, 17, 12), 3.5, 3.5)
    p.drawPath(path)
    p.drawPolyline([QPointF(8, 16.5), QPointF(7.5, 20.5), QPointF(12, 16.5)])


def _settings(p: QPainter) -> None:
    p.drawEllipse(QPointF(12, 12), 3, 3)
    for k in range(8):
        angle = k * math.pi / 4
        inner, outer = 6.2, 8.8
        p.drawLine(
            QPointF(12 + inner * math.cos(angle), 12 + inner * math.sin(angle)),
            QPointF(12 + outer * math.cos(angle), 12 + outer * math.sin(angle)),
        )
    p.drawEllipse(QPointF(12, 12), 6.2, 6.2)


def _reports(p: QPainter) -> None:
    p.drawLine(QPointF(4, 20), QPointF(20, 20))
    for x, top in ((7, 13), (12, 7), (17, 10)):
        p.drawRoundedRect(QRectF(x - 1.6, top, 3.2, 20 - top), 1, 1)


def _search(p: QPainter) -> None:
    p.drawEllipse(QPointF(10.5, 10.5), 6, 6)
    p.drawLine(QPointF(15, 15), QPointF(20, 20))


def _lock(p: QPainter) -> None:
    p.drawRoundedRect(QRectF(5, 10.5, 14, 10), 2, 2)
    p.drawArc(QRectF(8, 4, 8, 12), 0, 180 * 16)
    p.drawLine(QPointF(8, 10), QPointF(8, 10.5))
    p.drawLine(QPointF(16, 10), QPointF(16, 10.5))


def _scan(p: QPainter) -> None:
    for x0, y0, dx, dy in ((3.5, 3.5, 1, 1), (20.5, 3.5, -1, 1), (3.5, 20.5, 1, -1), (20.5, 20.5, -1, -1)):
        p.drawPolyline([QPointF(x0, y0 + 4 * dy), QPointF(x0, y0), QPointF(x0 + 4 * dx, y0)])
    for x in (8, 10.5, 13.5, 16):
        p.drawLine(QPointF(x, 8), QPointF(x, 16))


def _cloud(p: QPainter) -> None:
    path = QPainterPath(QPointF(7, 18.5))
    path.cubicTo(QPointF(2.5, 18.5), QPointF(2.5, 12), QPointF(7, 12))
    path.cubicTo(QPointF(7.5, 7), QPointF(15, 6), QPointF(16.5, 10.5))
    path.cubicTo(QPointF(21.5, 10), QPointF(22, 18.5), QPointF(17, 18.5))
    path.closeSubpath()
    p.drawPath(path)


def _warning(p: QPainter) -> None:
    p.drawPolygon([QPointF(12, 4), QPointF(21, 19.5), QPointF(3, 19.5)])
    p.drawLine(QPointF(12, 10), QPointF(12, 14))
    p.drawPoint(QPointF(12, 17))


def _plus(p: QPainter) -> None:
    p.drawLine(QPointF(12, 5), QPointF(12, 19))
    p.drawLine(QPointF(5, 12), QPointF(19, 12))


def _refresh(p: QPainter) -> None:
    p.drawArc(QRectF(5, 5, 14, 14), 60 * 16, 280 * 16)
    p.drawPolyline([QPointF(15, 3.5), QPointF(16.2, 6.5), QPointF(13, 7.5)])


def _print(p: QPainter) -> None:
    p.drawRect(QRectF(7, 3.5, 10, 5))
    p.drawRoundedRect(QRectF(3.5, 8.5, 17, 8), 2, 2)
    p.drawRect(QRectF(7, 13.5, 10, 7))


def _clock(p: QPainter) -> None:
    p.drawEllipse(QPointF(12, 12), 8.5, 8.5)
    p.drawPolyline([QPointF(12, 7), QPointF(12, 12), QPointF(15.5, 14)])


def _logout(p: QPainter) -> None:
    p.drawPolyline([QPointF(11, 4), QPointF(4.5, 4), QPointF(4.5, 20), QPointF(11, 20)])
    p.drawLine(QPointF(9, 12), QPointF(20, 12))
    p.drawPolyline([QPointF(16.5, 8.5), QPointF(20, 12), QPointF(16.5, 15.5)])


def _chevron_left(p: QPainter) -> None:
    p.drawPolyline([QPointF(15, 5), QPointF(8, 12), QPointF(15, 19)])


def _chevron_right(p: QPainter) -> None:
    p.drawPolyline([QPointF(9, 5), QPointF(16, 12), QPointF(9, 19)])


def _chevron_down(p: QPainter) -> None:
    p.drawPolyline([QPointF(6, 9), QPointF(12, 15), QPointF(18, 9)])


def _chevron_up(p: QPainter) -> None:
    p.drawPolyline([QPointF(6, 15), QPointF(12, 9), QPointF(18, 15)])


def _alert(p: QPainter) -> None:
    p.drawEllipse(QPointF(12, 12), 8.5, 8.5)
    p.drawLine(QPointF(12, 7.5), QPointF(12, 13))
    p.drawPoint(QPointF(12, 16.3))


ICONS: Final[dict[str, Draw]] = {
    "today": _today,
    "calendar": _calendar,
    "patients": _patients,
    "staff": _staff,
    "check_in": _check_in,
    "treatment": _treatment,
    "payment": _payment,
    "catalog": _catalog,
    "inventory": _inventory,
    "chat": _chat,
    "settings": _settings,
    "reports": _reports,
    "search": _search,
    "lock": _lock,
    "scan": _scan,
    "cloud": _cloud,
    "warning": _warning,
    "plus": _plus,
    "refresh": _refresh,
    "print": _print,
    "clock": _clock,
    "logout": _logout,
    "previous": _chevron_left,
    "next": _chevron_right,
    "alert": _alert,
    "down": _chevron_down,
    "up": _chevron_up,
}


class LineIconEngine(QIconEngine):
    def __init__(self, draw: Draw, color: QColor | None = None) -> None:
        super().__init__()
        self._draw = draw
        self._color = color

    def clone(self) -> QIconEngine:
        return LineIconEngine(self._draw, self._color)

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        palette = QGuiApplication.palette()
        if self._color is not None:
            color = QColor(self._color)
        elif mode is QIcon.Mode.Selected:
            color = palette.color(QPalette.ColorRole.HighlightedText)
        else:
            color = palette.color(QPalette.ColorRole.WindowText)
        if mode is QIcon.Mode.Disabled:
            color.setAlphaF(0.4)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        side = min(rect.width(), rect.height())
        painter.translate(rect.x() + (rect.width() - side) / 2, rect.y() + (rect.height() - side) / 2)
        painter.scale(side / 24, side / 24)
        pen = QPen(color, 1.7)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        self._draw(painter)
        painter.restore()

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        ratio = _device_ratio()
        pixmap = QPixmap(size * ratio)
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        self.paint(painter, QRect(0, 0, size.width(), size.height()), mode, state)
        painter.end()
        return pixmap


def _device_ratio() -> float:
    app = QGuiApplication.instance()
    if isinstance(app, QGuiApplication):
        screen = QGuiApplication.primaryScreen()
        if screen is not None:
            return float(screen.devicePixelRatio())
    return 1.0


def icon(name: str, color: str | QColor | None = None) -> QIcon:
    """The named line icon, in the palette's colours (or a fixed `color`)."""
    fixed = QColor(color) if color is not None else None
    return QIcon(LineIconEngine(ICONS[name], fixed))


def dot(color: str | QColor, size: int = 10) -> QIcon:
    """A small filled circle: a status or a doctor's colour beside a name."""
    ratio = _device_ratio()
    pixmap = QPixmap(QSize(size, size) * ratio)
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    fill = QColor(color)
    painter.setBrush(fill)
    painter.setPen(QPen(fill.darker(130), 1))
    painter.drawEllipse(QRectF(1, 1, size - 2, size - 2))
    painter.end()
    return QIcon(pixmap)


def save_png(name: str, color: str, path: str, size: int = 12) -> None:
    """Render an icon to a PNG file (and its @2x twin), for style sheets that need an image."""
    engine = LineIconEngine(ICONS[name], QColor(color))
    for scale, suffix in ((1, ""), (2, "@2x")):
        pixmap = QPixmap(size * scale, size * scale)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        engine.paint(painter, QRect(0, 0, size * scale, size * scale), QIcon.Mode.Normal, QIcon.State.Off)
        painter.end()
        stem = path[:-4] if path.endswith(".png") else path
        pixmap.save(f"{stem}{suffix}.png")
