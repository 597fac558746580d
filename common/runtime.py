"""Process-wide settings an app applies once it has started."""

from __future__ import annotations

import gc


def freeze_startup_objects() -> int:
    """Move everything alive after start-up (modules, classes, mapped tables, compiled
    statements) out of the garbage collector's reach, and return how many objects that was.

    A full collection walks every tracked object; after start-up that is a few hundred thousand
    objects that live as long as the process, and each walk paused a patient-history read for tens
    of milliseconds (bench/bench_history.py). Frozen objects are still freed by reference
    counting; only cycle detection skips them.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
