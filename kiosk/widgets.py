"""The kiosk's building blocks: buttons, the language bar, the camera view, on-screen keys."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from common.i18n import LANGUAGE_NATIVE_NAMES, SUPPORTED_LOCALES, normalize_locale, translate
from common.i18n.phrases import phrase_wrapped
from kiosk import strings
from kiosk.theme import family_list

# The surnames most patients of each language have, so a touch screen needs no input method.
COMMON_SURNAMES: Final = {
    "zh_TW": [
        "陳",
        "林",
        "黃",
        "張",
        "李",
        "王",
        "吳",
        "劉",
        "蔡",
        "楊",
        "許",
        "鄭",
        "謝",
        "郭",
        "洪",
        "曾",
        "邱",
        "廖",
        "賴",
        "周",
        "徐",
        "蘇",
        "葉",
        "莊",
        "呂",
        "江",
        "何",
        "蕭",
        "羅",
        "高",
    ],
    "zh_CN": [
        "王",
        "李",
        "张",
        "刘",
        "陈",
        "杨",
        "黄",
        "赵",
        "吴",
        "周",
        "徐",
        "孙",
        "马",
        "朱",
        "胡",
        "郭",
        "何",
        "高",
        "林",
        "罗",
        "郑",
        "梁",
        "谢",
        "宋",
        "唐",
        "许",
        "韩",
        "冯",
        "邓",
        "曹",
    ],
    "ja": [
        "佐藤",
        "鈴木",
        "高橋",
        "田中",
        "伊藤",
        "渡辺",
        "山本",
        "中村",
        "小林",
        "加藤",
        "吉田",
        "山田",
        "佐々木",
        "山口",
        "松本",
        "井上",
        "木村",
        "林",
        "斎藤",
        "清水",
        "山崎",
        "森",
        "池田",
        "橋本",
        "阿部",
        "石川",
        "山下",
        "中島",
        "石井",
        "小川",
    ],
}
LETTER_ROWS: Final = ("QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM")


class PhraseLabel(QLabel):
    """A label whose Japanese text wraps between phrases, never inside a word (カメ|ラ)."""

    def setText(self, text: str) -> None:
        super().setText(phrase_wrapped(text))


def label(role: str, text: str = "", *, wrap: bool = True, align: Qt.AlignmentFlag | None = None) -> QLabel:
    widget = PhraseLabel()
    widget.setText(text)
    widget.setProperty("role", role)
    widget.setWordWrap(wrap)
    widget.setTextFormat(Qt.TextFormat.PlainText)
    if align is not None:
        widget.setAlignment(align)
    return widget


class Heading(PhraseLabel):
    """A heading whose type shrinks (down to `smallest` px) until it fits its width on one line,
    so a long translation reads as one line instead of breaking with a word or two left over."""

    def __init__(self, role: str = "title") -> None:
        super().__init__()
        self.setProperty("role", role)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.largest, self.smallest = 76, 58
        self._applied = 0

    def set_sizes(self, largest: int, smallest: int) -> None:
        self.largest, self.smallest = largest, smallest
        self.fit()

    def setText(self, text: str) -> None:
        super().setText(phrase_wrapped(text))
        self.fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()

    def fit(self) -> None:
        width = self.contentsRect().width()
        if width <= 0 or not self.text():
            return
        font = QFont(self.font())
        size = self.largest
        while size > self.smallest:
            font.setPixelSize(size)
            if QFontMetrics(font).horizontalAdvance(self.text()) <= width:
                break
            size -= 2
        if size != self._applied:
            self._applied = size
            self.setStyleSheet(f"font-size: {size}px;")


def button(kind: str, text: str = "") -> QPushButton:
    widget = QPushButton(text)
    widget.setProperty("kind", kind)
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    widget.setCursor(Qt.CursorShape.PointingHandCursor)
    return widget


class Notice(QFrame):
    """A tinted box with a message that wraps (the padding is the frame's, so the label's
    height-for-width stays exact)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "notice")
        self.text = label("noticeText")
        self._layout = QVBoxLayout(self)
        self._layout.addWidget(self.text)

    def setText(self, text: str) -> None:
        self.text.setText(text)

    def clear(self) -> None:
        self.text.clear()

    def set_padding(self, vertical: int, horizontal: int) -> None:
        self._layout.setContentsMargins(horizontal, vertical, horizontal, vertical)


def card() -> QFrame:
    frame = QFrame()
    frame.setProperty("role", "card")
    return frame


class LanguageBar(QWidget):
    """The four languages, each written in itself, always on screen."""

    sig_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self.buttons: dict[str, QPushButton] = {}
        for locale in SUPPORTED_LOCALES:
            item = button("language", LANGUAGE_NATIVE_NAMES[locale])
            item.setCheckable(True)
            item.setStyleSheet(f"font-family: {family_list(locale)};")
            item.setObjectName(f"language-{locale}")
            item.clicked.connect(lambda _checked=False, chosen=locale: self.sig_chosen.emit(chosen))
            self._group.addButton(item)
            layout.addWidget(item)
            self.buttons[locale] = item

    def set_current(self, locale: str) -> None:
        self.buttons[normalize_locale(locale)].setChecked(True)

    def set_spacing(self, pixels: int) -> None:
        layout = self.layout()
        if layout is not None:
            layout.setSpacing(pixels)


class CameraView(QWidget):
    """The live picture with a guide box to aim the code at."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._message = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 120)

    def set_image(self, image: QImage | None) -> None:
        self._image = image
        self.update()

    def set_message(self, message: str) -> None:
        self._message = message
        self.update()

    def has_image(self) -> bool:
        return self._image is not None

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        rect = QRectF(self.rect())
        radius = min(rect.width(), rect.height()) * 0.05
        clip = QPainterPath()
        clip.addRoundedRect(rect, radius, radius)
        painter.setClipPath(clip)
        painter.fillRect(rect, QColor("#1B2A30"))
        if self._image is not None and not self._image.isNull():
            # Cover the view, cropping the overflow; the painter scales while drawing (cheaper
            # than making a scaled copy of every frame).
            image_w, image_h = self._image.width(), self._image.height()
            scale = max(rect.width() / image_w, rect.height() / image_h)
            target = QRectF(0, 0, image_w * scale, image_h * scale)
            target.moveCenter(rect.center())
            painter.drawImage(target, self._image)
        if not self._message or self._image is not None:
            self._paint_guide(painter, rect)
        if self._message and self._image is None:
            painter.setPen(QColor("white"))
            font = painter.font()
            font.setPixelSize(max(14, int(min(rect.width(), rect.height()) * 0.055)))
            painter.setFont(font)
            margin = rect.width() * 0.1
            painter.drawText(
                rect.adjusted(margin, margin, -margin, -margin),
                int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                self._message,
            )

    def _paint_guide(self, painter: QPainter, rect: QRectF) -> None:
        side = min(rect.width(), rect.height()) * 0.58
        box = QRectF(rect.center().x() - side / 2, rect.center().y() - side / 2, side, side)
        shade = QPainterPath()
        shade.addRect(rect)
        hole = QPainterPath()
        hole.addRoundedRect(box, side * 0.06, side * 0.06)
        painter.fillPath(shade.subtracted(hole), QColor(0, 0, 0, 90))
        pen = QPen(QColor("#FFFFFF"), max(3.0, side * 0.025))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        arm = side * 0.2
        for corner, dx, dy in (
            (box.topLeft(), 1, 1),
            (box.topRight(), -1, 1),
            (box.bottomLeft(), 1, -1),
            (box.bottomRight(), -1, -1),
        ):
            painter.drawLine(corner, QPointF(corner.x() + dx * arm, corner.y()))
            painter.drawLine(corner, QPointF(corner.x(), corner.y() + dy * arm))


class Keypad(QWidget):
    """Digits for dates, phone digits and PINs."""

    sig_digit = Signal(str)
    sig_backspace = Signal()
    sig_clear = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self._grid = grid
        for index, digit in enumerate("123456789"):
            key = button("key", digit)
            key.clicked.connect(lambda _checked=False, d=digit: self.sig_digit.emit(d))
            grid.addWidget(key, index // 3, index % 3)
        self.clear_key = button("keyWide")
        self.clear_key.clicked.connect(self.sig_clear.emit)
        zero = button("key", "0")
        zero.clicked.connect(lambda _checked=False: self.sig_digit.emit("0"))
        back = button("keyWide", "⌫")
        back.setObjectName("backspace")
        back.clicked.connect(self.sig_backspace.emit)
        grid.addWidget(self.clear_key, 3, 0)
        grid.addWidget(zero, 3, 1)
        grid.addWidget(back, 3, 2)

    def retranslate(self, locale: str) -> None:
        self.clear_key.setText(translate(strings.KEYS_CLEAR, locale))

    def type_into(self, field: QLineEdit) -> None:
        """Every key edits `field` (a screen with one digits field)."""
        self.sig_digit.connect(field.insert)
        self.sig_backspace.connect(field.backspace)
        self.sig_clear.connect(field.clear)

    def set_spacing(self, pixels: int) -> None:
        self._grid.setSpacing(pixels)


class LetterKeyboard(QWidget):
    """Latin letters, and in Chinese and Japanese a page of common surnames."""

    sig_text = Signal(str)
    sig_replace = Signal(str)
    sig_backspace = Signal()
    sig_clear = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self._outer = outer
        modes = QHBoxLayout()
        self.letters_mode = button("keyWide")
        self.surnames_mode = button("keyWide")
        for mode in (self.letters_mode, self.surnames_mode):
            mode.setCheckable(True)
            modes.addWidget(mode)
        modes.addStretch(1)
        outer.addLayout(modes)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._letters_page())
        self._surname_pages: dict[str, QWidget] = {}
        self._surname_grids: list[QGridLayout] = []
        outer.addWidget(self.pages)
        self.letters_mode.clicked.connect(lambda: self._show_letters(True))
        self.surnames_mode.clicked.connect(lambda: self._show_letters(False))
        self._locale = ""
        self._spacing = 12
        self._show_letters(True)

    def _letters_page(self) -> QWidget:
        page = QWidget()
        rows = QVBoxLayout(page)
        rows.setContentsMargins(0, 0, 0, 0)
        self._letter_rows = rows
        for letters in LETTER_ROWS:
            row = QHBoxLayout()
            row.addStretch(1)
            for letter in letters:
                key = button("key", letter)
                key.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
                key.clicked.connect(lambda _checked=False, t=letter: self.sig_text.emit(t))
                row.addWidget(key, 10)
            row.addStretch(1)
            rows.addLayout(row)
        last = QHBoxLayout()
        self.space_key = button("keyWide")
        self.space_key.clicked.connect(lambda: self.sig_text.emit(" "))
        for symbol in ("-", "'"):
            key = button("key", symbol)
            key.clicked.connect(lambda _checked=False, t=symbol: self.sig_text.emit(t))
            last.addWidget(key, 2)
        last.addWidget(self.space_key, 6)
        self.clear_key = button("keyWide")
        self.clear_key.clicked.connect(self.sig_clear.emit)
        back = button("keyWide", "⌫")
        back.clicked.connect(self.sig_backspace.emit)
        last.addWidget(self.clear_key, 3)
        last.addWidget(back, 3)
        rows.addLayout(last)
        return page

    def _show_letters(self, letters: bool) -> None:
        page = self._surname_pages.get(self._locale)
        if letters or page is None:
            self.pages.setCurrentIndex(0)
        else:
            self.pages.setCurrentWidget(page)
        self.letters_mode.setChecked(self.pages.currentIndex() == 0)
        self.surnames_mode.setChecked(self.pages.currentIndex() != 0)

    def retranslate(self, locale: str) -> None:
        locale = normalize_locale(locale)
        self.letters_mode.setText(translate(strings.KEYS_LETTERS, locale))
        self.surnames_mode.setText(translate(strings.KEYS_SURNAMES, locale))
        self.space_key.setText(translate(strings.KEYS_SPACE, locale))
        self.clear_key.setText(translate(strings.KEYS_CLEAR, locale))
        surnames = COMMON_SURNAMES.get(locale, ())
        for mode in (self.letters_mode, self.surnames_mode):
            mode.setVisible(bool(surnames))  # letters only: no choice to offer
        if locale != self._locale:
            self._locale = locale
            if surnames and locale not in self._surname_pages:
                self._surname_pages[locale] = self._surnames_page(surnames, locale)
            self._show_letters(not surnames)

    def _surnames_page(self, surnames: Sequence[str], locale: str) -> QWidget:
        page = QWidget()
        grid = QGridLayout(page)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(self._spacing)
        columns = 6
        for index, surname in enumerate(surnames):
            key = button("key", surname)
            key.setStyleSheet(f"font-family: {family_list(locale)};")
            key.clicked.connect(lambda _checked=False, t=surname: self.sig_replace.emit(t))
            grid.addWidget(key, index // columns, index % columns)
        self._surname_grids.append(grid)
        self.pages.addWidget(page)
        return page

    def set_spacing(self, pixels: int) -> None:
        self._spacing = pixels
        self._outer.setSpacing(pixels)
        self._letter_rows.setSpacing(pixels)
        for grid in self._surname_grids:
            grid.setSpacing(pixels)
        for index in range(self._letter_rows.count()):
            row = self._letter_rows.itemAt(index)
            layout = row.layout() if row is not None else None
            if layout is not None:
                layout.setSpacing(pixels)


def button_row(back: QPushButton, forward: QPushButton) -> QHBoxLayout:
    """A screen's bottom row: the way back on the left, the way on at the right."""
    row = QHBoxLayout()
    row.addWidget(back)
    row.addStretch(1)
    row.addWidget(forward)
    return row


def digits_field(length: int) -> QLineEdit:
    field = QLineEdit()
    field.setMaxLength(length)
    field.setAlignment(Qt.AlignmentFlag.AlignCenter)
    field.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
    return field
