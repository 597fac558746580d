"""The benchmarks still run: each on a tiny clinic, a few repetitions (speed is measured in bench/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import bench_availability, bench_booking, bench_history, bench_search
from bench.dataset import TINY, Dataset, build, patients_per_doctor
from bench.timing import Result, format_result, format_summary


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    return build(tmp_path_factory.mktemp("bench") / "tiny.db", TINY)


def test_the_tiny_clinic_has_the_shape_of_the_benchmark_clinic(tiny: Dataset) -> None:
    assert tiny.counts["doctors"] == TINY.doctors
    assert tiny.counts["regular_visits"] == TINY.regular_visits
    assert tiny.counts["appointments"] >= TINY.min_appointments


def test_the_generator_gets_the_number_of_doctors_asked_for() -> None:
    assert patients_per_doctor(100_000, 10) == 10_000
    assert -(-300 // patients_per_doctor(300, 10)) == 10


@pytest.mark.parametrize(
    ("runner", "options"),
    [
        (bench_availability.run, {}),
        (bench_history.run, {}),
        (bench_search.run, {"per_kind": 1}),
        (bench_booking.run, {}),
    ],
    ids=["availability", "history", "search", "booking"],
)
def test_each_benchmark_runs_and_its_baseline_gives_the_same_answer(
    tiny: Dataset, runner, options, tmp_path: Path
) -> None:
    result: Result = runner(tiny.working_copy(tmp_path), repetitions=3, warmup=1, **options)
    assert len(result.service.samples) == len(result.baseline.samples) == 3
    assert result.same_answer is not False
    assert result.ratio > 0
    report = format_result(result) + format_summary([result])
    assert result.name in report and result.verdict in report


@pytest.mark.postgres
def test_the_steady_sync_benchmark_runs_and_its_desks_get_each_others_pages(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Four desks in two clinics, a few seconds: changes reached the other desk, as pages."""
    from bench import bench_sync_steady

    options = {"devices": 4, "clinics": 2, "seconds": 3, "interval": 0.5, "baseline-seconds": 0.5}
    options |= {"batch-seconds": 0.5, "batch-devices": 2, "batch": 5}
    bench_sync_steady.main([part for name, value in options.items() for part in (f"--{name}", str(value))])
    report = capsys.readouterr().out
    assert "errors none  baseline errors none" in report
    propagation = next(line for line in report.splitlines() if "propagation" in line)
    pages = next(line for line in report.splitlines() if "pages from the poke stream" in line)
    changes = int(propagation.split("(n=")[1].split(")")[0].replace(",", ""))
    applied = int(pages.split("; ")[1].split(" pages")[0].replace(",", ""))
    assert changes > 0
    # Mostly as pages: a pull racing a page to the desk may bring a change first (it counts once).
    assert 0 < applied <= changes
