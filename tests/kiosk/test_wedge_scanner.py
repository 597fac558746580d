"""A keyboard-wedge scanner is told from typing by the time between keys; typing is never eaten."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget

from common.qt.scanner import WedgeScanner
from tests.kiosk.helpers import key_event


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def setup(qtbot):
    window = QWidget()
    layout = QVBoxLayout(window)
    field = QLineEdit()
    layout.addWidget(field)
    qtbot.addWidget(window)
    window.show()
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    ticks = Ticks()
    scanner = WedgeScanner(clock=ticks)
    scanner.install()
    scanned: list[str] = []
    scanner.sig_scanned.connect(scanned.append)
    yield window, field, ticks, scanner, scanned
    scanner.uninstall()


def press(window: QWidget, ticks: Ticks, text: str, gap: float) -> None:
    handle = window.windowHandle()
    for char in text:
        ticks.now += gap
        QApplication.sendEvent(handle, key_event(char))


def test_a_fast_burst_ending_in_enter_is_a_scan_and_types_nothing(setup):
    window, field, ticks, _scanner, scanned = setup
    press(window, ticks, "CQ1PABCDEFGH\n", gap=0.008)
    assert scanned == ["CQ1PABCDEFGH"]
    assert field.text() == ""


def test_typing_reaches_the_field_in_order(setup, qtbot):
    window, field, ticks, _scanner, scanned = setup
    press(window, ticks, "Garcia", gap=0.15)
    qtbot.waitUntil(lambda: field.text() == "Garcia", timeout=1000)
    press(window, ticks, "\n", gap=0.15)
    assert scanned == []


def test_a_quick_pair_of_keys_then_a_pause_is_still_typing(setup, qtbot):
    window, field, ticks, _scanner, scanned = setup
    press(window, ticks, "th", gap=0.01)  # two keys rolled over by a fast typist
    press(window, ticks, "e", gap=0.2)
    qtbot.waitUntil(lambda: field.text() == "the", timeout=1000)
    assert scanned == []


def test_a_short_fast_burst_with_enter_is_typing(setup):
    window, field, ticks, _scanner, scanned = setup
    press(window, ticks, "ab\n", gap=0.005)
    assert scanned == []
    assert field.text() == "ab"


def test_a_shortcut_key_releases_what_was_held(setup):
    window, field, ticks, _scanner, scanned = setup
    press(window, ticks, "xy", gap=0.005)
    ticks.now += 0.005
    QApplication.sendEvent(
        window.windowHandle(),
        QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Left, Qt.KeyboardModifier.NoModifier),
    )
    assert field.text() == "xy"
    assert scanned == []


def test_forget_drops_a_half_read_burst(setup, qtbot):
    window, field, ticks, scanner, scanned = setup
    press(window, ticks, "CQ1P", gap=0.005)
    scanner.forget()
    qtbot.wait(100)
    assert field.text() == ""
    assert scanned == []
