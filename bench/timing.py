"""Timing helpers and the report format every benchmark shares.

The service and its baseline are timed interleaved (service, baseline, baseline, service, ...) in
one loop, so a burst of load from another process on the machine lands on both, not on one.
"""

from __future__ import annotations

import gc
import math
import os
import platform
import sqlite3
import textwrap
import uuid
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter, process_time
from typing import Any, Final

from common.context import Actor, ServiceContext
from common.database import Database

DEFAULT_WARMUP: Final = 5


def process_cpu_seconds(pid: int) -> float:
    """CPU time (user and system) of another process and of its running children (a server's
    worker processes), from /proc."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            own, fields = stat.parent.name, stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if own == str(pid) or fields[1] == str(pid):
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Samples:
    """Durations of repeated runs, in seconds: wall clock, and (when taken) this process's CPU time.

    The CPU time leaves out waiting (the disk's fsync on commit, other processes holding the CPU),
    so on a busy machine it is the steadier of the two; the targets are judged on wall clock.
    """

    seconds: tuple[float, ...]
    cpu_seconds: tuple[float, ...] = ()

    @classmethod
    def of(cls, timings: Sequence[tuple[float, float]]) -> Samples:
        """From (wall, cpu) pairs as `timed_both` returns them."""
        return cls(tuple(wall for wall, _cpu in timings), tuple(cpu for _wall, cpu in timings))

    @property
    def cpu_p50_ms(self) -> float:
        return Samples(self.cpu_seconds).p50_ms

    def percentile(self, share: float) -> float:
        """Nearest-rank percentile (share 0..1), in seconds."""
        if not self.seconds:
            return math.nan
        ordered = sorted(self.seconds)
        rank = max(1, math.ceil(share * len(ordered)))
        return ordered[rank - 1]

    @property
    def p50_ms(self) -> float:
        return self.percentile(0.5) * 1000

    @property
    def p95_ms(self) -> float:
        return self.percentile(0.95) * 1000

    @property
    def per_second(self) -> float:
        total = sum(self.seconds)
        return len(self.seconds) / total if total else math.nan

    def __len__(self) -> int:
        return len(self.seconds)


def timed(action: Callable[[], object]) -> float:
    started = perf_counter()
    action()
    return perf_counter() - started


def timed_both(action: Callable[[], object]) -> tuple[float, float]:
    """(wall-clock seconds, CPU seconds of this process) of one run."""
    started, cpu_started = perf_counter(), process_time()
    action()
    return perf_counter() - started, process_time() - cpu_started


def measure(action: Callable[[], object], repetitions: int, warmup: int = DEFAULT_WARMUP) -> Samples:
    for _ in range(warmup):
        action()
    gc.collect()
    return Samples.of([timed_both(action) for _ in range(repetitions)])


def measure_pair(
    service: Callable[[], object],
    baseline: Callable[[], object],
    repetitions: int,
    warmup: int = DEFAULT_WARMUP,
) -> tuple[Samples, Samples]:
    """Both timed `repetitions` times, interleaved, after `warmup` untimed runs of each."""
    for _ in range(warmup):
        service()
        baseline()
    gc.collect()
    service_times: list[tuple[float, float]] = []
    baseline_times: list[tuple[float, float]] = []
    for repetition in range(repetitions):
        if repetition % 2:
            baseline_times.append(timed_both(baseline))
            service_times.append(timed_both(service))
        else:
            service_times.append(timed_both(service))
            baseline_times.append(timed_both(baseline))
    return Samples.of(service_times), Samples.of(baseline_times)


class _Unaudited(ServiceContext):
    """A context whose audit rows are not written: the service's own work only."""

    def audit(self, *_args: Any, **_kwargs: Any) -> None:
        return None


def breakdown(
    db: Database,
    clinic_id: uuid.UUID,
    actor: Actor,
    calls: Sequence[Callable[[ServiceContext], object]],
    warmup: int = DEFAULT_WARMUP,
) -> tuple[Samples, Samples]:
    """Where an operation's time goes, beside its end-to-end timing. Each call is timed twice:
    - in a session whose audit rows are not written, rolled back (neither audit nor commit);
    - then inside an open `db.context` (no session set-up, no commit; the audit statements included),
      committed.
    Returns (in an open context, without audit and commit). A writer passes warmup=0: the warm-up
    calls are the first calls, and a write cannot be repeated.
    """
    opened: list[tuple[float, float]] = []
    unaudited: list[tuple[float, float]] = []

    def once(call: Callable[[ServiceContext], object]) -> None:
        with closing(db.session(clinic_id)) as session:
            quiet = _Unaudited(session, clinic_id, actor, db.clock, db.chain_id)
            unaudited.append(timed_both(lambda: call(quiet)))
            session.rollback()
        with db.context(clinic_id, actor) as ctx:
            opened.append(timed_both(lambda: call(ctx)))

    for call in calls[:warmup]:
        once(call)
    del opened[:], unaudited[:]
    gc.collect()
    for call in calls:
        once(call)
    return Samples.of(opened), Samples.of(unaudited)


class GcPauses:
    """Full (generation 2) garbage collections while active: how many, and how long they paused.

    In a process that has loaded the data model a full collection walks hundreds of thousands of
    objects; one landing inside a timed call shows up as a latency spike.
    """

    def __init__(self) -> None:
        self.durations: list[float] = []
        self._started = 0.0

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *_exc: object) -> None:
        gc.callbacks.remove(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._started = perf_counter()
        else:
            self.durations.append(perf_counter() - self._started)


def gc_note(pauses: GcPauses) -> str:
    if not pauses.durations:
        return "no full garbage collection ran during the timed runs"
    longest = max(pauses.durations) * 1000
    frozen = " (objects frozen by gc.freeze() are not walked)" if gc.get_freeze_count() else ""
    count = len(pauses.durations)
    return (
        f"{count} full garbage collection{'s' if count > 1 else ''} ran during the timed runs "
        f"(service and baseline), pausing up to {longest:.0f} ms{frozen}"
    )


@dataclass(frozen=True)
class Target:
    p95_ms: float | None = None
    max_ratio: float | None = None

    def describe(self) -> str:
        parts = []
        if self.p95_ms is not None:
            parts.append(f"p95 < {self.p95_ms:g} ms")
        if self.max_ratio is not None:
            parts.append(f"within {self.max_ratio:g}x of the baseline")
        return " and ".join(parts) or "none"


@dataclass(frozen=True)
class Row:
    """One measured line of a result: what was timed, and its samples."""

    label: str
    samples: Samples


@dataclass(frozen=True)
class Result:
    """A benchmark's outcome: the service as an app calls it beside the hand-written-SQL baseline.

    `throughput` results (bookings) report operations per second; the others report latency.
    """

    name: str
    scenario: str
    service: Row
    baseline: Row
    baseline_includes: str
    target: Target | None = None
    throughput_unit: str | None = None
    details: tuple[Row, ...] = ()
    notes: tuple[str, ...] = ()
    # Whether the baseline computed the same answer as the service (None: not compared).
    same_answer: bool | None = None

    @property
    def ratio(self) -> float:
        """Service p95 over baseline p95 (for throughput: mean time per operation, service over baseline)."""
        if self.throughput_unit is not None:
            return self.baseline.samples.per_second / self.service.samples.per_second
        return self.service.samples.p95_ms / self.baseline.samples.p95_ms

    @property
    def passed(self) -> bool | None:
        if self.target is None:
            return None
        ok = True
        if self.target.p95_ms is not None:
            ok = ok and self.service.samples.p95_ms < self.target.p95_ms
        if self.target.max_ratio is not None:
            ok = ok and self.ratio <= self.target.max_ratio
        return ok

    @property
    def verdict(self) -> str:
        passed = self.passed
        if passed is None:
            return "no target"
        return "PASS" if passed else "MISS"


def _cpu(s: Samples) -> str:
    return f"   cpu p50 {s.cpu_p50_ms:7.2f} ms" if s.cpu_seconds else ""


def _latency(row: Row, width: int) -> str:
    s = row.samples
    return f"  {row.label:<{width}}  p50 {s.p50_ms:7.2f} ms   p95 {s.p95_ms:7.2f} ms{_cpu(s)}   (n={len(s)})"


def _rate(row: Row, width: int, unit: str) -> str:
    s = row.samples
    return (
        f"  {row.label:<{width}}  {s.per_second:7.1f} {unit}/s   "
        f"p50 {s.p50_ms:7.2f} ms   p95 {s.p95_ms:7.2f} ms{_cpu(s)}   (n={len(s)})"
    )


def _wrapped(text: str) -> str:
    return textwrap.fill(text, 108, initial_indent="  ", subsequent_indent="    ")


def format_result(result: Result) -> str:
    rows = [result.service, result.baseline, *result.details]
    width = max(len(row.label) for row in rows)
    if result.throughput_unit is not None:
        unit = result.throughput_unit
        lines = [_rate(row, width, unit) for row in rows]
        ratio = f"ratio {result.ratio:.2f}x (baseline {unit}/s over service {unit}/s)"
    else:
        lines = [_latency(row, width) for row in rows]
        ratio = f"ratio {result.ratio:.2f}x (service p95 / baseline p95)"
    target = result.target.describe() if result.target else "none (reported for comparison)"
    out = [
        f"== {result.name}: {result.scenario}",
        *lines,
        textwrap.fill(
            f"baseline: {result.baseline_includes}", 108, initial_indent="  ", subsequent_indent="    "
        ),
    ]
    if result.same_answer is not None:
        out.append(f"  same answer as the service: {'yes' if result.same_answer else 'NO'}")
    out += [
        textwrap.fill(f"note: {note}", 108, initial_indent="  ", subsequent_indent="    ")
        for note in result.notes
    ]
    out.append(f"  {ratio};  target: {target}  ->  {result.verdict}")
    return "\n".join(out)


def format_summary(results: Sequence[Result]) -> str:
    lines = ["== summary", f"  {'benchmark':<14} {'service':>18} {'baseline':>18} {'ratio':>7}  verdict"]
    for r in results:
        if r.throughput_unit is not None:
            unit = r.throughput_unit
            service = f"{r.service.samples.per_second:.1f} {unit}/s"
            baseline = f"{r.baseline.samples.per_second:.1f} {unit}/s"
        else:
            service = f"p95 {r.service.samples.p95_ms:.2f} ms"
            baseline = f"p95 {r.baseline.samples.p95_ms:.2f} ms"
        lines.append(f"  {r.name:<14} {service:>18} {baseline:>18} {r.ratio:>6.2f}x  {r.verdict}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Machine:
    cpus: int = field(default_factory=lambda: os.cpu_count() or 0)
    python: str = field(default_factory=platform.python_version)
    sqlite: str = sqlite3.sqlite_version

    def describe(self) -> str:
        load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
        return f"{self.cpus} CPUs, Python {self.python}, SQLite {self.sqlite}, load average {load}"
