"""Python's cyclic garbage collector runs on the GUI thread only, in a Qt app.

Automatic collection runs on whichever thread happens to allocate when a threshold is crossed: the
database worker, the sync engine, the camera. A collection there can free a cycle holding a Qt
object, and `~QObject` then runs off the GUI thread: it takes Qt's connection lock and waits for
the GIL, while the GUI thread holds the GIL and waits for that lock (a deadlock, seen hanging the
desktop suite). This is the pattern PyQt's own documentation and Anki use: switch automatic
collection off and collect on a GUI-thread timer, with the collector's own thresholds, so garbage
is freed as often as before and always on the GUI thread.
"""

from __future__ import annotations

import gc
from typing import Final

from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer

CHECK_INTERVAL_MS: Final = 500


class GuiThreadCollector(QObject):
    """Owns the process's cyclic collection once installed (see `collect_on_gui_thread`)."""

    def __init__(self, app: QCoreApplication) -> None:
        super().__init__(app)
        self.setObjectName("gui_thread_collector")
        self._thresholds = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_INTERVAL_MS)
        self._timer.timeout.connect(self.check)
        self._timer.start()
        app.aboutToQuit.connect(self._timer.stop)

    def check(self) -> None:
        """Collect the oldest generation whose allocation count crossed its threshold."""
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self._thresholds[generation]:
                gc.collect(generation)
                return


def collect_on_gui_thread() -> GuiThreadCollector | None:
    """Install the collector once per QApplication (idempotent; call on the GUI thread).

    Without an application object there is no GUI thread to hand collection to, and the
    interpreter's own collection stays on (None is returned)."""
    app = QCoreApplication.instance()
    if app is None:
        return None
    if QThread.currentThread() != app.thread():
        raise RuntimeError("the garbage collector is handed to the GUI thread from the GUI thread")
    existing = app.findChild(GuiThreadCollector, "gui_thread_collector")
    if isinstance(existing, GuiThreadCollector):
        gc.disable()
        return existing
    return GuiThreadCollector(app)
