"""The threads that run the sync endpoints' database work: a few per server process, not the
framework's forty.

Pushes and pulls are Python work under one GIL: with forty threads taking turns at it, every
switch costs each chunk its CPU caches and a context switch. Measured on this 2-core machine,
20 desks each pushing 100 changes at once: 370 mutations/s with 40 threads, 776 with 4, 851 with 3,
865 with 2 (one server process, PostgreSQL); later, 8 desks in 4 clinics: 1,117-1,123 with 4,
1,223-1,230 with 3 (server CPU 0.85 -> 0.77 ms a mutation), 1,205-1,211 with 2. Three leave room
for a request that waits on the database (a push waiting for the clinic's change number while
another desk's chunk holds it) while one runs and one waits for its answer. More cores are used by
more worker processes (`clinic-server serve --workers N`).

Initial-sync pages (up to 20,000 rows, about half a second of work each) run on two threads of
their own, so devices joining the clinic never hold up the desks' steady pushes and pulls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter
from anyio.lowlevel import RunVar

SYNC_THREADS: Final = 3
BULK_THREADS: Final = 2

_T = TypeVar("_T")
_STEADY: RunVar[CapacityLimiter] = RunVar("sync_threads")
_BULK: RunVar[CapacityLimiter] = RunVar("sync_bulk_threads")


def _limiter(held: RunVar[CapacityLimiter], threads: int) -> CapacityLimiter:
    """This event loop's limiter (each worker process, and each test client, has its own loop)."""
    try:
        return held.get()
    except LookupError:
        limiter = CapacityLimiter(threads)
        held.set(limiter)
        return limiter


async def run_sync_work(function: Callable[..., _T], *args: object, bulk: bool = False) -> _T:
    """`function(*args)` on one of the sync threads (the bulk ones for `bulk`), once one is free."""
    limiter = _limiter(_BULK, BULK_THREADS) if bulk else _limiter(_STEADY, SYNC_THREADS)
    return await anyio.to_thread.run_sync(function, *args, limiter=limiter)
