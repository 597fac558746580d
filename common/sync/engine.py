"""The device's sync engine: push the outbox, then pull, forever; with status for the apps to show.

One cycle = push every pending mutation (in order, in batches; each answer replaces the rows it
touched) then pull pages until the server has nothing more (each page with its cursor in one
local transaction). Cycles run on the engine's thread when
- a local write queued a mutation (`run_intent` wakes the engine),
- the server poked (the SSE stream; the pull starts within milliseconds) or sent another desk's
  push as a page (applied when it starts at the replica's cursor: then no pull at all),
- the poll interval passed (pokes are a hint, polling is the guarantee),
and after a failure, with exponential backoff and jitter (1 s doubling to 60 s, times 0.5-1.0).

The engine emits plain events to callbacks (from its own threads); `common/qt/sync_status.py`
re-emits them on the GUI thread.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Final

import httpx
from pydantic import ValidationError
from sqlalchemy import func, select

from common.database import Database
from common.sync import outbox, state
from common.sync.audit_upload import upload_audit
from common.sync.bulk_apply import indexes_deferred, paused_gc
from common.sync.client import ServerRefused, SyncClient
from common.sync.models import ConflictStatus, OutboxStatus, SyncConflict, SyncOutbox
from common.sync.protocol import (
    DEFAULT_PAGE_ROWS,
    MAX_MUTATIONS_PER_PUSH,
    MAX_PAGE_ROWS,
    MutationIn,
    PokePage,
    PushRequest,
)
from common.sync.replica import (
    PageFate,
    apply_answer,
    apply_page,
    apply_poke_pages,
    apply_push_changes,
    local_checksums,
    pending_keys,
    replica_transaction,
)

log = logging.getLogger(__name__)

PUSH_BATCH: Final = 100
BACKOFF_START: Final = 1.0
BACKOFF_CAP: Final = 60.0
POLL_SECONDS: Final = 30.0
CHECKSUM_EVERY: Final = 600.0
DEFER_INDEXES_ROWS: Final = 50_000
# Pages from the poke stream waiting for a cycle (a long pull under way); past this, a pull.
MAX_WAITING_PAGES: Final = 100


class SyncFailed(RuntimeError):
    """The server refused in a way retrying will not fix (the message says what to do)."""


@dataclass(frozen=True)
class SyncStatus:
    online: bool = False
    syncing: bool = False
    pending: int = 0
    rejected: int = 0
    conflicts: int = 0
    last_sync_at: datetime | None = None
    error: str | None = None
    # Initial sync (or a long catch-up): rows done and the estimate of rows in all.
    progress: tuple[int, int] | None = None


@dataclass
class CycleResult:
    pushed: int = 0
    pulled: int = 0
    pages: int = 0
    answers: dict[str, int] = field(default_factory=dict)
    # The last push's answer carried its own changes and moved the cursor past them: nothing else
    # had committed since, so the pull that follows a push would have brought nothing new.
    caught_up_by_push: bool = False
    # Pages the poke stream brought (another desk's pushes), applied at the cycle's start.
    poked_pages: int = 0


Listener = Callable[[str, Any], None]


class SyncEngine:
    def __init__(
        self,
        database: Database,
        client: SyncClient,
        *,
        events_client: SyncClient | None = None,
        page_rows: int = DEFAULT_PAGE_ROWS,
        poll_seconds: float = POLL_SECONDS,
        rng: random.Random | None = None,
    ) -> None:
        self.database = database
        self.client = client
        self.events_client = events_client
        self.page_rows = page_rows
        # An initial sync at least this big builds the replica's plain indexes once, at its end.
        self.defer_indexes_rows = DEFER_INDEXES_ROWS
        self.poll_seconds = poll_seconds
        self.clinic_id = state.clinic_id(database.engine)
        self.listeners: list[Listener] = []
        self.status = SyncStatus()
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not secrecy
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._cycle_lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._failures = 0
        self._last_checksum = 0.0
        # From the poke stream's thread: pages to apply, and whether a plain poke asked for a pull.
        self._pokes_lock = threading.Lock()
        self._pages: list[PokePage] = []
        self._poked = False
        outbox.on_local_write(database.engine, self.wake)

    # ---- events ---------------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        self.listeners.append(listener)

    def _emit(self, event: str, payload: Any) -> None:
        for listener in list(self.listeners):
            try:
                listener(event, payload)
            except Exception:  # a listener's bug must not stop syncing
                log.exception("sync listener failed")

    def _set_status(self, **changes: Any) -> None:
        self.status = replace(self.status, **changes)
        self._emit("status", self.status)

    # ---- one cycle ------------------------------------------------------------------------------

    def sync_once(self) -> CycleResult:
        """Push everything pending, then pull until up to date. Raises on network failure."""
        with self._cycle_lock:
            self._set_status(syncing=True)
            result = CycleResult()
            try:
                pages, poked = self._take_pokes()
                # Before the push: with the cursor caught up, the push's answer can bring its page.
                caught_up_by_pages = self._apply_pages(pages, result) and not poked
                self._push_all(result)
                self._upload_audit()
                caught_up = result.caught_up_by_push if result.pushed else caught_up_by_pages
                if not (caught_up and self._pull_may_wait()):
                    with paused_gc():
                        self._pull_all(result)
            except BaseException as error:
                self._set_status(syncing=False, online=False, error=type(error).__name__, **self._counts())
                raise
            self._set_status(
                syncing=False,
                online=True,
                error=None,
                last_sync_at=datetime.now(UTC),
                progress=None,
                **self._counts(),
            )
            return result

    def _push_all(self, result: CycleResult) -> None:
        while True:
            with self.database.session(None) as session:
                batch = outbox.pending(session, limit=min(PUSH_BATCH, MAX_MUTATIONS_PER_PUSH))
            if not batch:
                return
            # The cursor too: when nothing else committed since, the answer carries the push's own
            # changes as the page that follows them, and the pull has nothing to add.
            cursor = state.get(self.database.engine, state.CURSOR) or ""
            request = PushRequest(
                cursor=cursor,
                mutations=[
                    MutationIn(
                        n=row.n,
                        intent=row.intent,
                        args=row.args,
                        actor_staff_id=row.actor_staff_id,
                        touched=[(name, uuid.UUID(row_id)) for name, row_id in row.touched],
                    )
                    for row in batch
                ],
            )
            response = self.client.push(request)
            now = datetime.now(UTC)
            for answer in response.answers:
                if answer.status == "gap":
                    raise SyncFailed(f"the server expects change {response.last_applied_n + 1} next")
                apply_answer(self.database.engine, answer, now)
                result.answers[answer.status] = result.answers.get(answer.status, 0) + 1
                self._emit("answer", answer)
            result.caught_up_by_push = apply_push_changes(
                self.database.engine, cursor, response, self.clinic_id, now
            )
            result.pushed += len(response.answers)
            self._set_status(**self._counts())

    def _take_pokes(self) -> tuple[list[PokePage], bool]:
        with self._pokes_lock:
            pages, self._pages = self._pages, []
            poked, self._poked = self._poked, False
        return pages, poked

    def _receive(self, page: PokePage | None) -> None:
        """From the poke stream: another desk's page, or (None) a poke that asks for a pull."""
        with self._pokes_lock:
            if page is None or len(self._pages) >= MAX_WAITING_PAGES:
                self._poked = True  # the pull brings what the waiting pages hold
                self._pages.clear()
            elif not self._poked:
                self._pages.append(page)
        self.wake()

    def _apply_pages(self, pages: list[PokePage], result: CycleResult) -> bool:
        """Apply the poked pages in order; True if there were some and they left nothing to pull."""
        if not pages:
            return False
        fates = apply_poke_pages(self.database.engine, pages, self.clinic_id, datetime.now(UTC))
        result.poked_pages += fates.count(PageFate.APPLIED)
        return PageFate.MISSING_BEFORE not in fates

    def _upload_audit(self) -> None:
        """Send the device's audit links the server lacks; a refusal (a broken chain) is reported
        and does not stop the data from syncing."""
        try:
            upload_audit(self.database.engine, self.clinic_id, self.client)
        except ServerRefused as error:
            log.warning("the server refused this device's audit log: %s", error.code)
            self._emit("audit_refused", error.code)

    def _pull_all(self, result: CycleResult) -> None:
        resnapshot = state.get(self.database.engine, state.RESNAPSHOT) == "1"
        cursor = "" if resnapshot else state.get(self.database.engine, state.CURSOR) or ""
        from_start = cursor == ""
        # An engine made with the default pages or larger asks for the largest pages in an initial
        # sync (from the beginning, or resuming one): fewer round trips and transactions.
        initial = from_start or self._initial_sync_unfinished()
        limit = MAX_PAGE_ROWS if initial and self.page_rows >= DEFAULT_PAGE_ROWS else self.page_rows
        first = True
        done = 0
        total = 0
        want_checksums = self._checksums_due()
        # One page ahead: the next page travels and is parsed while this one is written (a page
        # fetched but never applied is simply asked for again: the cursor moves only with a page).
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-pull-ahead")
        try:
            ahead = pool.submit(
                self.client.pull, cursor, limit, estimate=from_start, checksums=want_checksums
            )
            while True:
                page = ahead.result()
                if page.has_more:
                    ahead = pool.submit(self.client.pull, page.cursor, limit, checksums=want_checksums)
                if first and resnapshot:
                    page = page.model_copy(update={"reset": True})
                if first:
                    total = page.rows_in_page + page.remaining_estimate
                now = datetime.now(UTC)
                defer = first and from_start and page.has_more and total >= self.defer_indexes_rows
                apply_page(self.database.engine, page, self.clinic_id, now, defer_indexes=defer)
                if first and resnapshot:
                    with replica_transaction(self.database.engine) as connection:
                        state.delete(connection, state.RESNAPSHOT)
                first = False
                done += page.rows_in_page
                result.pulled += page.rows_in_page
                result.pages += 1
                if total:
                    progress = (done, max(total, done))
                    self._set_status(progress=progress)
                    self._emit("progress", progress)
                if page.checksums is not None:
                    self._compare_checksums(page.checksums)
                if not page.has_more:
                    return
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def _pull_may_wait(self) -> bool:
        """Whether the pull after a push that caught the cursor up can wait for the next poke or
        poll: not when a resnapshot, an unfinished initial sync or a checksum comparison needs it."""
        if state.get(self.database.engine, state.RESNAPSHOT) == "1" or self._initial_sync_unfinished():
            return False
        return time.monotonic() - self._last_checksum < CHECKSUM_EVERY

    def _initial_sync_unfinished(self) -> bool:
        with self.database.engine.connect() as connection:
            unfinished = indexes_deferred(connection)
            connection.rollback()
        return unfinished

    def _checksums_due(self) -> bool:
        now = time.monotonic()
        if now - self._last_checksum >= CHECKSUM_EVERY:
            self._last_checksum = now
            return True
        return False

    def _compare_checksums(self, server: dict[str, Any]) -> None:
        """After a page the server checksummed: compare, if nothing local is pending."""
        with replica_transaction(self.database.engine) as connection:
            if pending_keys(connection):
                return
            local = local_checksums(connection, self.clinic_id)
            drifted = sorted(name for name, sums in server.items() if name in local and local[name] != sums)
            if drifted:
                log.warning("replica drifted in %s: resnapshot on the next pull", ", ".join(drifted))
                state.put(connection, state.RESNAPSHOT, "1")
                self._emit("drift", drifted)

    def _counts(self) -> dict[str, Any]:
        with self.database.session(None) as session:
            pending = outbox.pending_count(session)
            rejected = int(
                session.scalar(
                    select(func.count())
                    .select_from(SyncOutbox)
                    .where(SyncOutbox.status == OutboxStatus.REJECTED)
                )
                or 0
            )
            conflicts = int(
                session.scalar(
                    select(func.count())
                    .select_from(SyncConflict)
                    .where(
                        SyncConflict.clinic_id == self.clinic_id, SyncConflict.status == ConflictStatus.OPEN
                    )
                )
                or 0
            )
        return {"pending": pending, "rejected": rejected, "conflicts": conflicts}

    # ---- the background loop --------------------------------------------------------------------

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._stop.clear()
        loop = threading.Thread(target=self._loop, name="sync-engine", daemon=True)
        self._threads = [loop]
        if self.events_client is not None:
            self._threads.append(threading.Thread(target=self._listen, name="sync-pokes", daemon=True))
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self.events_client is not None:
            self.events_client.close()  # ends the poke stream the listener is blocked on
        for thread in self._threads:
            thread.join(timeout)

    def backoff_delay(self) -> float:
        """Exponential backoff with jitter: 1, 2, 4 ... 60 s, each times a random 0.5-1.0."""
        if self._failures == 0:
            return self.poll_seconds
        base: float = min(BACKOFF_CAP, BACKOFF_START * 2.0 ** (self._failures - 1))
        return base * self._rng.uniform(0.5, 1.0)

    def _loop(self) -> None:
        self._wake.set()  # sync at start
        while not self._stop.is_set():
            self._wake.wait(self.backoff_delay())
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.sync_once()
                self._failures = 0
            except (httpx.HTTPError, OSError) as error:
                self._failures += 1
                log.info("sync offline (%s); retrying in a while", type(error).__name__)
            except ServerRefused as error:
                self._failures += 1
                log.warning("sync refused by the server: %s", error.code)
                self._set_status(error=error.message)
            except SyncFailed as error:
                self._failures += 1
                log.error("sync stopped: %s", error)
            except Exception:
                self._failures += 1
                log.exception("sync cycle failed")

    def _listen(self) -> None:
        failures = 0
        assert self.events_client is not None
        while not self._stop.is_set():
            try:
                for event, data in self.events_client.events(timeout=60.0, pages=True):
                    failures = 0
                    if event == "page":
                        try:
                            self._receive(PokePage.model_validate_json(data))
                        except ValidationError:  # not a page this engine understands: pull
                            self._receive(None)
                    elif event in ("poke", "hello"):
                        self._receive(None)
                    if self._stop.is_set():
                        return
            except Exception as error:
                failures += 1
                log.debug("poke stream closed (%s)", type(error).__name__)
            delay = min(BACKOFF_CAP, BACKOFF_START * 2 ** min(failures, 6)) * self._rng.uniform(0.5, 1.0)
            self._stop.wait(delay)
