"""A crash restarts the kiosk: `clinic-kiosk` runs the kiosk as a child process and starts it
again whenever it ends other than through the staff PIN (exit code 0).

The operating system's kiosk setup (packaging/kiosk/) restarts the supervisor itself; this loop
covers the far more common case of the app failing while the machine stays up, the same way
on every OS. Restarts back off when a kiosk keeps failing, so a broken install does not spin.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import Final

log = logging.getLogger(__name__)

CLEAN_EXIT: Final = 0
FIRST_DELAY: Final = 1.0
MAX_DELAY: Final = 60.0
STABLE_AFTER: Final = 60.0  # a run this long resets the back-off


def supervise(
    command: Sequence[str],
    *,
    run: Callable[[Sequence[str]], int] = lambda command: subprocess.call(list(command)),  # noqa: S603
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    max_restarts: int | None = None,
) -> int:
    """Run `command` until it exits cleanly; return that exit code (or the last one, after
    `max_restarts` restarts)."""
    delay = FIRST_DELAY
    restarts = 0
    while True:
        started = clock()
        code = run(command)
        if code == CLEAN_EXIT:
            return code
        if clock() - started >= STABLE_AFTER:
            delay = FIRST_DELAY
        if max_restarts is not None and restarts >= max_restarts:
            return code
        restarts += 1
        log.warning("kiosk: ended with code %s; restarting in %.0f s", code, delay)
        sleep(delay)
        delay = min(MAX_DELAY, delay * 2)


def child_command(arguments: Sequence[str]) -> list[str]:
    """This same program, in the foreground, without a supervisor of its own."""
    return [sys.executable, "-m", "kiosk.cli", *arguments, "--no-restart"]
