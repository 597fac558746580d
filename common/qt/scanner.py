"""Keyboard-wedge barcode scanners: a USB scanner "types" its code, fast, and presses Enter.

`WedgeScanner` is an application-wide event filter that tells such a burst from a person typing
by the time between keys, and emits `sig_scanned(code)` for a burst. It never eats typing: keys
are held back only while they might be a scan (each within `max_gap_ms` of the last), and are
delivered, in order, to where they were going as soon as they cannot be one (a pause, a key that
is not text, an Enter after too few keys). A person notices nothing; a scan never lands as text
in whatever field had the focus.

Keys are watched as they reach a top-level window (QWindow), the one place every key passes
exactly once on its way to the focused widget.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QWindow

TERMINATORS: Final = frozenset({Qt.Key.Key_Return, Qt.Key.Key_Enter})
_TYPING_MODIFIERS: Final = Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier
DEFAULT_MAX_GAP_MS: Final = 40
DEFAULT_MIN_LENGTH: Final = 6


@dataclass(frozen=True)
class _HeldKey:
    window: QWindow
    key: int
    modifiers: Qt.KeyboardModifier
    text: str

    def replay(self) -> None:
        window = self.window
        if not shiboken6.isValid(window):  # the window closed while its keys were held
            return
        event = QKeyEvent(QEvent.Type.KeyPress, self.key, self.modifiers, self.text)
        QCoreApplication.sendEvent(window, event)


class WedgeScanner(QObject):
    sig_scanned = Signal(str)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        max_gap_ms: int = DEFAULT_MAX_GAP_MS,
        min_length: int = DEFAULT_MIN_LENGTH,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self.max_gap = max_gap_ms / 1000
        self.min_length = min_length
        self._clock = clock
        self._held: list[_HeldKey] = []
        self._last_key_at = 0.0
        self._replaying = False
        self._installed = False
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(max_gap_ms + 5)
        self._flush_timer.timeout.connect(self.release_held)

    # -- lifecycle ---------------------------------------------------------------------------
    def install(self) -> None:
        app = QCoreApplication.instance()
        if app is not None and not self._installed:
            app.installEventFilter(self)
            self._installed = True

    def uninstall(self) -> None:
        app = QCoreApplication.instance()
        if app is not None and self._installed:
            app.removeEventFilter(self)
            self._installed = False
        self.release_held()

    def forget(self) -> None:
        """Drop a partly read burst without delivering it (an idle reset)."""
        self._flush_timer.stop()
        self._held.clear()

    # -- the filter --------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._replaying or event.type() != QEvent.Type.KeyPress or not isinstance(watched, QWindow):
            return False
        assert isinstance(event, QKeyEvent)
        return self._on_key(watched, event)

    def _on_key(self, window: QWindow, event: QKeyEvent) -> bool:
        now = self._clock()
        in_time = bool(self._held) and now - self._last_key_at <= self.max_gap
        key = Qt.Key(event.key())
        if key in TERMINATORS:
            if in_time and len(self._held) >= self.min_length:
                code = "".join(held.text for held in self._held)
                self.forget()
                self.sig_scanned.emit(code)
                return True
            self.release_held()
            return False
        if not self._is_text(event):
            self.release_held()
            return False
        if self._held and not in_time:
            self.release_held()
        self._held.append(_HeldKey(window, event.key(), event.modifiers(), event.text()))
        self._last_key_at = now
        self._flush_timer.start()
        return True

    @staticmethod
    def _is_text(event: QKeyEvent) -> bool:
        text = event.text()
        other_modifiers = event.modifiers() & ~_TYPING_MODIFIERS
        return (
            len(text) == 1
            and text.isprintable()
            and not event.isAutoRepeat()
            and other_modifiers == Qt.KeyboardModifier.NoModifier
        )

    def release_held(self) -> None:
        """Deliver the keys held back, in order, to the windows they were going to."""
        self._flush_timer.stop()
        held, self._held = self._held, []
        if not held:
            return
        self._replaying = True
        try:
            for key in held:
                key.replay()
        finally:
            self._replaying = False
