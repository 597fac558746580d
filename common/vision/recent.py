"""Each code once while it stays in view: a code is reported again only after it has been out of
sight for `window` seconds (a patient holding a phone up is one scan, not thirty a second).

Codes are remembered by a keyed hash, never as values: the kiosk's memory keeps nothing that
names the last patient, yet still knows the phone in front of it has been seen.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Iterable


class RecentCodes:
    def __init__(self, window: float = 2.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._window = window
        self._clock = clock
        self._key = secrets.token_bytes(16)
        self._last_seen: dict[bytes, float] = {}
        self._lock = threading.Lock()

    def _digest(self, value: str) -> bytes:
        return hashlib.blake2b(value.encode("utf-8"), key=self._key, digest_size=16).digest()

    def fresh(self, values: Iterable[str]) -> list[str]:
        """The values not seen within the window; every value given counts as seen now."""
        now = self._clock()
        fresh: list[str] = []
        with self._lock:
            for value in values:
                digest = self._digest(value)
                last = self._last_seen.get(digest)
                if last is None or now - last > self._window:
                    fresh.append(value)
                self._last_seen[digest] = now
            stale = [digest for digest, seen in self._last_seen.items() if now - seen > self._window]
            for digest in stale:
                del self._last_seen[digest]
        return fresh

    def clear(self) -> None:
        with self._lock:
            self._last_seen.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._last_seen)
