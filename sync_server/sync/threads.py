"""The threads that run the sync endpoints' database work: a few per server process, not the
framework's forty.

Pushes and pulls are Python work under one GIL: with forty threads taking turns at it, every
switch costs each chunk its CPU caches and a context switch. Measured on this 2-core machine,
20 desks each pushing 100 changes at once: 370 mutations/s with 40 threads, 776 with 4, 851 with 3,
865 with 2 (one server process, PostgreSQL). Four leave room for requests that wait on the
database (a push waiting for the clinic's change number while another desk's chunk holds it).
More cores are used by more worker processes (`clinic-server serve --workers N`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter
from anyio.lowlevel import RunVar

SYNC_THREADS: Final = 4

_T = TypeVar("_T")
_LIMITER: RunVar[CapacityLimiter] = RunVar("sync_threads")


def _limiter() -> CapacityLimiter:
    """This event loop's limiter (each worker process, and each test client, has its own loop)."""
    try:
        return _LIMITER.get()
    except LookupError:
        limiter = CapacityLimiter(SYNC_THREADS)
        _LIMITER.set(limiter)
        return limiter


async def run_sync_work(function: Callable[..., _T], *args: object) -> _T:
    """`function(*args)` on one of the sync threads, once one is free."""
    return await anyio.to_thread.run_sync(function, *args, limiter=_limiter())
