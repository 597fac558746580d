"""The sync engine's HTTP client as the desk uses it (common/sync/client.py underneath).

- `ObservingClient` notes the tables each pull page and push answer wrote, so that after a cycle
  the desk can tell its screens what changed (desktop/sync_bridge.py);
- `PokeClient` reads the server's poke stream; its `close()` also ends a read under way on another
  thread (closing the HTTP client alone leaves that thread blocked until the server writes), so
  the engine's poke listener stops when the desk does;
- `InitialSyncClient` checks for a cancel before each page and asks for the estimate of rows in
  all on its first pull (so a resumed initial sync shows its progress too).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable
from typing import Any

import httpx

from common.sync.client import SyncClient
from common.sync.protocol import PullResponse, PushRequest, PushResponse


class InitialSyncCancelled(Exception):
    """The person cancelled; the pages already applied stay, the next sync continues from them."""


class ObservingClient(SyncClient):
    def __init__(self, server_url: str, credential: str | None, schema: str) -> None:
        super().__init__(server_url, credential, schema)
        self._changed_lock = threading.Lock()
        self._changed: set[str] = set()

    def push(self, request: PushRequest) -> PushResponse:
        response = super().push(request)
        tables = {"sync_outbox"}
        for answer in response.answers:
            tables.update(rows.table for rows in answer.rows)
            tables.update(name for name, _row_id in answer.absent)
        self._note(tables)
        return response

    def pull(
        self, cursor: str, limit: int, *, estimate: bool = False, checksums: bool = False
    ) -> PullResponse:
        page = super().pull(cursor, limit, estimate=estimate, checksums=checksums)
        if page.reset:
            from common.sync.tables import synced_tables

            self._note({described.name for described in synced_tables()})
        self._note({rows.table for rows in page.tables if rows.rows})
        return page

    def _note(self, tables: set[str]) -> None:
        with self._changed_lock:
            self._changed.update(tables)

    def take_changed(self) -> frozenset[str]:
        """The tables written since the last call."""
        with self._changed_lock:
            changed, self._changed = frozenset(self._changed), set()
        return changed


class PokeClient(SyncClient):
    def __init__(self, server_url: str, credential: str | None, schema: str) -> None:
        super().__init__(server_url, credential, schema)
        self._sockets: list[Any] = []
        self._sockets_lock = threading.Lock()
        self._http.event_hooks["response"].append(self._remember_socket)

    def _remember_socket(self, response: httpx.Response) -> None:
        stream = response.extensions.get("network_stream")
        found = stream.get_extra_info("socket") if stream is not None else None
        if found is not None:
            with self._sockets_lock:
                self._sockets = [found]

    def close(self) -> None:
        with self._sockets_lock:
            sockets, self._sockets = self._sockets, []
        for open_socket in sockets:
            with contextlib.suppress(OSError):  # already closed
                open_socket.shutdown(socket.SHUT_RDWR)
        super().close()


class InitialSyncClient(SyncClient):
    def __init__(self, server_url: str, credential: str, schema: str, cancelled: Callable[[], bool]) -> None:
        super().__init__(server_url, credential, schema)
        self._cancelled = cancelled
        self._first = True

    def pull(
        self, cursor: str, limit: int, *, estimate: bool = False, checksums: bool = False
    ) -> PullResponse:
        if self._cancelled():
            raise InitialSyncCancelled()
        first, self._first = self._first, False
        return super().pull(cursor, limit, estimate=estimate or first, checksums=checksums)
