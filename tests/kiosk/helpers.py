"""Driving the kiosk as a patient would: show the camera a phone, type on a wedge scanner, tap."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit, QWidget

from common.vision.frames import Frame
from common.vision.synthetic import Shot, phone_frame


def phone_frames(value: str, *, width: int = 640, height: int = 480) -> list[Frame]:
    """A few webcam frames of a phone showing `value`: turned, blurred, JPEG-compressed."""
    return [
        phone_frame(
            value,
            Shot(
                width=width,
                height=height,
                code_fraction=0.3,
                angle=angle,
                blur_sigma=blur,
                glare=0.25,
                jpeg_quality=70,
                seed=seed,
            ),
        )
        for seed, (angle, blur) in enumerate(((-8.0, 1.0), (6.0, 1.4), (9.5, 0.8)))
    ]


def key_event(text: str) -> QKeyEvent:
    if text == "\n":
        return QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, "\r")
    key = ord(text.upper()) if text.isascii() and text.isalnum() else 0
    modifiers = Qt.KeyboardModifier.ShiftModifier if text.isupper() else Qt.KeyboardModifier.NoModifier
    return QKeyEvent(QEvent.Type.KeyPress, key, modifiers, text)


def wedge_scan(widget: QWidget, value: str) -> None:
    """A USB scanner: the whole code as fast keystrokes, then Enter, into the window."""
    window = widget.window().windowHandle()
    assert window is not None
    for char in value + "\n":
        QApplication.sendEvent(window, key_event(char))


def click(qtbot, widget: QWidget, name: str) -> None:
    button = widget.findChild(QAbstractButton, name)
    assert button is not None, name
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def click_text(qtbot, widget: QWidget, text: str) -> None:
    buttons = [b for b in widget.findChildren(QAbstractButton) if b.text() == text and b.isVisible()]
    assert buttons, text
    qtbot.mouseClick(buttons[0], Qt.MouseButton.LeftButton)


def visible_texts(root: QWidget) -> list[str]:
    texts = [label.text() for label in root.findChildren(QLabel) if label.isVisible()]
    texts += [button.text() for button in root.findChildren(QAbstractButton) if button.isVisible()]
    return [text for text in texts if text]


def every_text(root: QWidget) -> list[str]:
    """Every text any widget holds, shown or not: labels, buttons, fields, placeholders, titles."""
    texts = [root.windowTitle()]
    for widget in root.findChildren(QWidget):
        texts.append(widget.toolTip())
        texts.append(widget.accessibleName())
        if isinstance(widget, QLabel | QAbstractButton):
            texts.append(widget.text())
        elif isinstance(widget, QLineEdit):
            texts.extend((widget.text(), widget.placeholderText()))
    return [text for text in texts if text]
