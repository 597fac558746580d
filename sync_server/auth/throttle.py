"""Login throttling per IP address and per account: token buckets kept in this process.

A burst of attempts is allowed, then one more per refill interval. The account's bucket is keyed
by what was typed (clinic and email, hashed), whether or not such an account exists, so being
throttled reveals nothing about which emails exist (SECURITY.md row 9).

Each worker process keeps its own buckets, so N workers allow N times the rate; the durable limit
is the per-account lockout in common.staff.auth (5 failures lock the account for 15 minutes),
which lives in the database and holds across workers and restarts.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from common.clock import Clock

MAX_TRACKED_KEYS: Final = 10_000


@dataclass(frozen=True)
class BucketRule:
    burst: int
    refill_every: timedelta


@dataclass
class _Bucket:
    tokens: float
    updated: datetime


class TokenBuckets:
    """Buckets by key under one rule, the least recently used forgotten past MAX_TRACKED_KEYS."""

    def __init__(self, rule: BucketRule, clock: Clock) -> None:
        self.rule = rule
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def available(self, key: str) -> bool:
        return self._refilled(key).tokens >= 1

    def take(self, key: str) -> None:
        self._refilled(key).tokens -= 1

    def _refilled(self, key: str) -> _Bucket:
        now = self._clock.now()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(float(self.rule.burst), now)
            self._buckets[key] = bucket
            while len(self._buckets) > MAX_TRACKED_KEYS:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
            elapsed = max((now - bucket.updated).total_seconds(), 0.0)
            bucket.tokens = min(
                float(self.rule.burst), bucket.tokens + elapsed / self.rule.refill_every.total_seconds()
            )
            bucket.updated = now
        return bucket


class LoginThrottle:
    PER_IP: Final = BucketRule(burst=30, refill_every=timedelta(seconds=2))
    PER_ACCOUNT: Final = BucketRule(burst=10, refill_every=timedelta(seconds=30))

    def __init__(
        self, clock: Clock, *, per_ip: BucketRule | None = None, per_account: BucketRule | None = None
    ) -> None:
        self._lock = threading.Lock()
        self._by_ip = TokenBuckets(per_ip or self.PER_IP, clock)
        self._by_account = TokenBuckets(per_account or self.PER_ACCOUNT, clock)

    def allow(self, ip: str, clinic_id: str, email: str) -> bool:
        """Take one attempt from both buckets, or refuse (taking nothing) if either is empty."""
        account = hashlib.sha256(f"{clinic_id}\n{email.strip().lower()}".encode()).hexdigest()
        with self._lock:
            if not (self._by_ip.available(ip) and self._by_account.available(account)):
                return False
            self._by_ip.take(ip)
            self._by_account.take(account)
            return True
