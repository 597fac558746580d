"""Noticing that nobody has used the app for a while (SECURITY.md row 10: the desk locks itself).

An application-wide event filter notes the time of every key press, click, wheel turn and touch;
a timer compares it with the allowed idle time and emits `sig_idle` once per idle spell. The clock
is a parameter, so tests move time instead of waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal

ACTIVITY: Final = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TabletPress,
    }
)
DEFAULT_CHECK_MS: Final = 5_000


class IdleWatcher(QObject):
    sig_idle = Signal()

    def __init__(
        self,
        idle_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        check_ms: int = DEFAULT_CHECK_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._idle_seconds = idle_seconds
        self._last_activity = clock()
        self._fired = False
        self._active = False
        self._timer = QTimer(self)
        self._timer.setInterval(check_ms)
        self._timer.timeout.connect(self.check)

    @property
    def idle_seconds(self) -> float:
        return self._idle_seconds

    def set_idle_seconds(self, seconds: float) -> None:
        self._idle_seconds = seconds

    def start(self) -> None:
        """Start watching (after sign-in or unlock): the idle time counts from now."""
        app = QCoreApplication.instance()
        if app is not None and not self._active:
            app.installEventFilter(self)
        self._active = True
        self.touch()
        self._timer.start()

    def stop(self) -> None:
        """Stop watching (while locked or signed out)."""
        app = QCoreApplication.instance()
        if app is not None and self._active:
            app.removeEventFilter(self)
        self._active = False
        self._timer.stop()

    def touch(self) -> None:
        self._last_activity = self._clock()
        self._fired = False

    def seconds_idle(self) -> float:
        return self._clock() - self._last_activity

    def check(self) -> None:
        due = self._active and not self._fired and self._idle_seconds > 0
        if due and self.seconds_idle() >= self._idle_seconds:
            self._fired = True
            self.sig_idle.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in ACTIVITY:
            self._last_activity = self._clock()
            self._fired = False
        return False
