"""One worker thread for everything that touches the kiosk's database (the check-in flow runs
there, one step at a time), with each result handed back on the GUI thread."""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)

Job = Callable[[], Any]
Done = Callable[[Any], None]
_STOP = object()


class Worker(QObject):
    _sig_finished = Signal(int, bool, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: queue.Queue[Any] = queue.Queue()
        self._callbacks: dict[int, tuple[Done, Done | None]] = {}
        self._tickets = itertools.count(1)
        self._sig_finished.connect(self._finished)
        self._thread = threading.Thread(target=self._loop, name="kiosk-db", daemon=True)
        self._thread.start()

    def submit(self, job: Job, on_done: Done, on_error: Done | None = None) -> None:
        ticket = next(self._tickets)
        self._callbacks[ticket] = (on_done, on_error)
        self._jobs.put((ticket, job))

    def idle(self) -> bool:
        return not self._callbacks

    def stop(self) -> None:
        self._jobs.put(_STOP)
        self._thread.join(2.0)

    def _loop(self) -> None:
        while True:
            item = self._jobs.get()
            if item is _STOP:
                return
            ticket, job = item
            try:
                result = job()
            except Exception as error:  # shown as a kind message by the caller, logged by type only
                log.error("kiosk: a background step failed (%s)", type(error).__name__)
                self._sig_finished.emit(ticket, False, error)
            else:
                self._sig_finished.emit(ticket, True, result)

    def _finished(self, ticket: int, ok: bool, result: object) -> None:
        on_done, on_error = self._callbacks.pop(ticket)
        if ok:
            on_done(result)
        elif on_error is not None:
            on_error(result)
