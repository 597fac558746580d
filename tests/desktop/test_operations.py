"""The background-operation helper: one worker thread, results and failures on the GUI thread,
one change signal per write, stale results dropped, progress reported."""

from __future__ import annotations

import gc
import logging
import threading

import pytest
from PySide6.QtCore import QThread

from common.clinics.models import LicenseTier
from common.clinics.service import NewClinic, create_clinic
from common.database import Database
from common.errors import NotFound
from common.qt.operations import GENERIC_FAILURE, OperationRunner
from common.scheduling.errors import SlotUnavailable


@pytest.fixture
def runner(qtbot, sqlite_engine):
    shown: list[str] = []
    runner = OperationRunner(
        Database(sqlite_engine), locale=lambda: "zh_TW", present_failure=lambda _p, m: shown.append(m)
    )
    runner.shown = shown  # type: ignore[attr-defined]
    yield runner
    runner.shutdown()


def test_operations_run_on_one_worker_and_answer_on_the_gui_thread(qtbot, runner):
    gui = QThread.currentThread()
    seen: list[tuple[str, bool]] = []
    workers: set[int] = set()

    def operation(_db):
        workers.add(threading.get_ident())
        return "done"

    for _ in range(3):
        runner.run(
            operation,
            name="test.op",
            on_success=lambda result: seen.append((result, QThread.currentThread() is gui)),
        )
    qtbot.waitUntil(lambda: len(seen) == 3)
    assert seen == [("done", True)] * 3
    assert len(workers) == 1
    assert threading.get_ident() not in workers


def test_garbage_made_on_the_worker_is_collected_on_the_gui_thread(qtbot, runner):
    """A cycle freed on the worker could hold a Qt object, whose destructor off the GUI thread can
    deadlock against it: the cyclic collector runs on the GUI thread only (common/qt/collector.py)."""
    assert not gc.isenabled()
    freed_on: list[int] = []

    class Cycle:
        def __init__(self) -> None:
            self.me = self

        def __del__(self) -> None:
            freed_on.append(threading.get_ident())

    def make_garbage(_db):
        for _ in range(5_000):  # well past the youngest generation's threshold
            Cycle()
        return len(freed_on)

    with qtbot.waitSignal(runner.sig_finished, timeout=5000):
        runner.run(make_garbage, name="test.garbage")
    qtbot.waitUntil(lambda: len(freed_on) >= 5_000, timeout=5000)
    assert set(freed_on) == {threading.get_ident()}


def test_a_domain_error_is_shown_translated_never_swallowed(qtbot, runner):
    def refuse(_db):
        raise NotFound()

    with qtbot.waitSignal(runner.sig_failure, timeout=5000) as failure:
        runner.run(refuse, name="test.refuse")
    assert failure.args[0] == NotFound().translated("zh_TW")
    assert failure.args[0] != NotFound().translated("en")
    assert runner.shown == [failure.args[0]]


def test_an_unexpected_error_shows_a_generic_message_and_logs_ids_only(qtbot, runner, caplog):
    def crash(_db):
        raise ValueError("patient Jane Canary born 1980-01-01")

    with caplog.at_level(logging.ERROR), qtbot.waitSignal(runner.sig_failure, timeout=5000) as failure:
        runner.run(crash, name="test.crash")
    message = failure.args[0]
    assert "Canary" not in message
    reference = message.split()[-1].rstrip("。.")
    assert GENERIC_FAILURE  # the message names a reference the log has too
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Canary" not in logged
    assert "ValueError" in logged
    assert any(part in logged for part in (reference, reference[:8]))


def test_a_failure_handled_by_the_screen_is_not_shown_twice(qtbot, runner):
    handled: list[BaseException] = []

    def refuse(_db):
        raise SlotUnavailable([])

    def handle(error: BaseException) -> bool:
        handled.append(error)
        return True

    with qtbot.waitSignal(runner.sig_finished, timeout=5000):
        runner.run(refuse, name="test.slot", on_failure=handle)
    assert isinstance(handled[0], SlotUnavailable)
    assert runner.shown == []


def test_a_write_announces_the_tables_it_changed_once(qtbot, runner):
    def write(db):
        with db.session(None) as session, session.begin():
            create_clinic(
                session,
                NewClinic(name="Ops", license_tier=LicenseTier.S, timezone="Asia/Taipei", currency="TWD"),
            )

    changes: list[frozenset[str]] = []
    runner.sig_changed.connect(changes.append)
    with qtbot.waitSignal(runner.sig_finished, timeout=5000):
        runner.run(write, name="test.write", changes=["declared_table"])
    assert len(changes) == 1
    assert {"clinics", "declared_table"} <= changes[0]


def test_a_newer_search_supersedes_an_older_one(qtbot, runner):
    gate = threading.Event()
    results: list[str] = []
    runner.run(lambda _db: gate.wait(5), name="test.block")
    runner.run(lambda _db: "old", name="test.search", key="search", on_success=results.append)
    runner.run(lambda _db: "new", name="test.search", key="search", on_success=results.append)
    gate.set()
    qtbot.waitUntil(lambda: not runner.busy, timeout=5000)
    assert results == ["new"]


def test_long_operations_report_progress_on_the_gui_thread(qtbot, runner):
    reports: list[tuple[int, int, str]] = []

    def long(_db, progress):
        for step in range(1, 4):
            progress.report(step, 3, "step")
        return "ok"

    done: list[str] = []
    runner.run(
        long, name="test.long", on_progress=lambda *report: reports.append(report), on_success=done.append
    )
    qtbot.waitUntil(lambda: done == ["ok"], timeout=5000)
    assert reports[-1] == (3, 3, "step")
