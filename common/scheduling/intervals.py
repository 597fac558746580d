"""Half-open time intervals [start, end) as sorted lists: union, intersection, difference."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

Interval = tuple[datetime, datetime]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, disjoint, non-touching union (empty intervals dropped)."""
    merged: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[0] < i[1]):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def intersect(a: list[Interval], b: list[Interval]) -> list[Interval]:
    """Both arguments sorted and disjoint (as `merge` returns)."""
    result: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            result.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return result


def subtract(a: list[Interval], b: list[Interval]) -> list[Interval]:
    """`a` minus `b`; both sorted and disjoint."""
    result: list[Interval] = []
    j = 0
    for start, end in a:
        while j < len(b) and b[j][1] <= start:
            j += 1
        k = j
        cursor = start
        while k < len(b) and b[k][0] < end:
            if b[k][0] > cursor:
                result.append((cursor, b[k][0]))
            cursor = max(cursor, b[k][1])
            k += 1
        if cursor < end:
            result.append((cursor, end))
    return result


def covers(intervals: list[Interval], start: datetime, end: datetime) -> bool:
    """Whether one interval of the (merged) list holds all of [start, end)."""
    return any(s <= start and end <= e for s, e in intervals)


def longest(intervals: list[Interval]) -> float:
    """Length in seconds of the longest interval (0 for none)."""
    return max(((e - s).total_seconds() for s, e in intervals), default=0.0)
