"""A call to the clinic's server on a thread of its own, its outcome delivered on the GUI thread.

The desk's database worker (common/qt/operations.py) runs one operation at a time: a slow or
unreachable server there would hold every read of the desk up behind it. Server calls are rare and
started by a click, so each gets a short-lived thread.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

T = TypeVar("T")


class _Delivery(QObject):
    sig_done = Signal(object, object)  # the result, the error (one of them None)


def call_server(
    owner: QObject,
    fn: Callable[[], T],
    on_success: Callable[[T], None],
    on_failure: Callable[[BaseException], None],
    *,
    name: str,
) -> threading.Thread:
    """Run `fn()` off the GUI thread; then `on_success(result)` or `on_failure(error)` on it,
    unless `owner` is gone by then (a page closed meanwhile)."""
    delivery = _Delivery(owner)

    def delivered(result: Any, error: BaseException | None) -> None:
        delivery.deleteLater()
        if error is not None:
            on_failure(error)
        else:
            on_success(result)

    delivery.sig_done.connect(delivered)

    def run() -> None:
        try:
            result, error = fn(), None
        except Exception as failed:  # delivered to the GUI thread, which decides what to show
            result, error = None, failed
        # RuntimeError: the owner, and its delivery object with it, was deleted meanwhile.
        with contextlib.suppress(RuntimeError):
            delivery.sig_done.emit(result, error)

    thread = threading.Thread(target=run, name=f"server-{name}", daemon=True)
    thread.start()
    return thread
