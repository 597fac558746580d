"""Reproducible randomness for the demo: a seeded generator with cheap picks, and UUIDv7 keys from it."""

from __future__ import annotations

import random
import uuid
from bisect import bisect
from collections.abc import Sequence
from datetime import datetime
from itertools import accumulate
from typing import TypeVar

T = TypeVar("T")

_RAND_B_BITS = 62
_RAND_A_MASK = 0xFFF


class DemoRandom(random.Random):
    """`random.Random` (not for secrets) with picks that cost one `random()` call each."""

    def pick(self, items: Sequence[T]) -> T:
        return items[int(self.random() * len(items))]

    def between(self, low: int, high: int) -> int:
        """An integer in [low, high]."""
        return low + int(self.random() * (high - low + 1))

    def chance(self, probability: float) -> bool:
        return self.random() < probability


class WeightedPicker:
    """Picks indices 0..n-1 with the given relative weights."""

    def __init__(self, weights: Sequence[float]) -> None:
        self._cumulative = list(accumulate(weights))
        self._total = self._cumulative[-1]

    def index(self, rng: random.Random) -> int:
        return bisect(self._cumulative, rng.random() * self._total)


class SeededIds:
    """Reproducible UUIDv7 keys: the time part is the row's creation instant, the rest comes from the seed."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def at(self, instant: datetime) -> uuid.UUID:
        """A UUIDv7 (RFC 9562 layout) stamped with `instant`, its 74 random bits drawn from the seed."""
        millis = int(instant.timestamp() * 1000)
        bits = self._rng.getrandbits(74)
        rand_a = (bits >> _RAND_B_BITS) & _RAND_A_MASK
        rand_b = bits & ((1 << _RAND_B_BITS) - 1)
        value = (millis << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b
        return uuid.UUID(int=value)
