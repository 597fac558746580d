"""The sync endpoints' database work runs on a few threads per process, whatever the load."""

from __future__ import annotations

import asyncio
import threading
import time

from sync_server.sync.threads import BULK_THREADS, SYNC_THREADS, run_sync_work


def _busiest(requests: int) -> tuple[int, set[int]]:
    lock = threading.Lock()
    running = 0
    busiest = 0
    threads: set[int] = set()

    def work() -> None:
        nonlocal running, busiest
        with lock:
            running += 1
            busiest = max(busiest, running)
            threads.add(threading.get_ident())
        time.sleep(0.01)
        with lock:
            running -= 1

    async def flood() -> None:
        await asyncio.gather(*(run_sync_work(work) for _ in range(requests)))

    asyncio.run(flood())
    return busiest, threads


def test_forty_requests_at_once_run_on_the_few_sync_threads() -> None:
    busiest, threads = _busiest(40)
    assert busiest == SYNC_THREADS
    assert threading.get_ident() not in threads  # never on the event loop's thread


def test_each_event_loop_has_its_own_limit() -> None:
    # A worker process or a test client runs its own loop: the limit is not bound to the first.
    assert _busiest(12)[0] == SYNC_THREADS
    assert _busiest(12)[0] == SYNC_THREADS


def test_initial_sync_pages_leave_the_steady_threads_free() -> None:
    lock = threading.Lock()
    running = {"bulk": 0, "steady": 0}
    busiest = {"bulk": 0, "steady": 0}

    def work(kind: str, seconds: float) -> None:
        with lock:
            running[kind] += 1
            busiest[kind] = max(busiest[kind], running[kind])
        time.sleep(seconds)
        with lock:
            running[kind] -= 1

    async def both() -> int:
        pages = [asyncio.ensure_future(run_sync_work(work, "bulk", 0.3, bulk=True)) for _ in range(6)]
        await asyncio.sleep(0.05)  # the big pages hold their threads
        await asyncio.gather(*(run_sync_work(work, "steady", 0.01) for _ in range(8)))
        pages_left = sum(not page.done() for page in pages)
        await asyncio.gather(*pages)
        return pages_left

    pages_left = asyncio.run(both())
    assert busiest == {"bulk": BULK_THREADS, "steady": SYNC_THREADS}
    assert pages_left >= 4  # the short requests were all answered while the pages still ran
