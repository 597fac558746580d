"""Run the benchmarks: `python -m bench.run_all [--only NAME ...] [--rebuild] [--quick] [--gc-freeze]`.

Builds (or reuses) the 100,000-patient benchmark clinic in var/bench/, copies it to a scratch file,
runs each benchmark against it and prints each figure beside its baseline, the ratio and the
verdict against the issue's targets, then a summary. Exit status 0, or 1 with --strict when a
target is missed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Final

from bench import bench_availability, bench_booking, bench_history, bench_search
from bench.dataset import BENCH, CACHE_DIR, Dataset, ensure, remove_database
from bench.timing import Machine, Result, format_result, format_summary
from common.runtime import freeze_startup_objects

Runner = Callable[..., Result]
# In this order: the readers first, then the writer (booking adds rows to the scratch copy).
BENCHMARKS: Final[dict[str, Runner]] = {
    "availability": bench_availability.run,
    "history": bench_history.run,
    "search": bench_search.run,
    "booking": bench_booking.run,
}
QUICK_REPETITIONS: Final = {"availability": 40, "history": 40, "search": 180, "booking": 60}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--only", action="append", choices=sorted(BENCHMARKS), help="run only this one (repeatable)"
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild the benchmark clinic even if cached")
    parser.add_argument(
        "--quick", action="store_true", help="fewer repetitions (a rough figure in less time)"
    )
    parser.add_argument(
        "--gc-freeze",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="freeze start-up objects out of the GC's walk, as the apps do (common/runtime.py)",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    names = args.only or list(BENCHMARKS)

    dataset = ensure(BENCH, rebuild=args.rebuild)
    work = dataset.working_copy(CACHE_DIR / "work")
    print(f"machine: {Machine().describe()}")
    print(f"dataset: {dataset.path.relative_to(CACHE_DIR.parents[1])} ({dataset.summary()})")
    print(
        "method: service and baseline timed interleaved in one process, on a scratch copy of the same file;"
    )
    print("        p50/p95 over many repetitions after warm-up; ratio = service p95 / baseline p95")
    if args.gc_freeze:
        frozen = freeze_startup_objects()
        print(f"gc: {frozen:,} objects frozen after start-up, as the apps do (--no-gc-freeze: not)")
    print(flush=True)
    results = []
    try:
        for name in names:
            results.append(_run(name, work, args.quick))
            print(format_result(results[-1]), end="\n\n", flush=True)
    finally:
        remove_database(work.path)
    print(format_summary(results))
    missed = [r.name for r in results if r.passed is False]
    return 1 if args.strict and missed else 0


def _run(name: str, dataset: Dataset, quick: bool) -> Result:
    runner = BENCHMARKS[name]
    if quick:
        return runner(dataset, repetitions=QUICK_REPETITIONS[name])
    return runner(dataset)


if __name__ == "__main__":
    sys.exit(main())
