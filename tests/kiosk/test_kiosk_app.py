"""The kiosk as `clinic-kiosk --windowed` starts it: demo clinic built in the background with its
progress shown, then a demo patient's code checks them in; the CLI's other commands."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime

import pytest
from PySide6.QtWidgets import QApplication

from common.checkin.flow import Found, Question, Welcome
from kiosk import cli
from kiosk import settings as kiosk_settings
from kiosk.app import KioskApp, KioskOptions
from kiosk.supervisor import supervise
from tests.kiosk.helpers import click, wedge_scan


def test_the_demo_kiosk_starts_and_checks_a_demo_patient_in(tmp_path, qtbot, sqlite_template, monkeypatch):
    options = KioskOptions(
        data_dir=tmp_path, windowed=True, camera=False, demo_patients=150, schema_template=sqlite_template
    )
    kiosk = KioskApp(options)
    qtbot.addWidget(kiosk.window)
    monkeypatch.setattr(cli, "FREEZE_AFTER_MS", 0)
    frozen: list[bool] = []  # whether the flow existed when start-up's objects were frozen
    cli.freeze_once_ready(kiosk, lambda: frozen.append(kiosk.controller is not None))
    kiosk.start()
    assert kiosk.window.stack.currentWidget() is kiosk.window.starting
    qtbot.waitUntil(lambda: kiosk.controller is not None, timeout=30000)
    controller = kiosk.controller
    assert controller is not None
    try:
        qtbot.waitUntil(lambda: isinstance(controller.state, Welcome), timeout=5000)
        qtbot.waitUntil(lambda: frozen == [True], timeout=5000)
        assert kiosk.window.clinic_name.text() == "Lotus Aesthetic Clinic"
        assert controller.locale == "zh_TW"  # the demo clinic's own language
        assert kiosk.demo is not None
        wedge_scan(kiosk.window, kiosk.demo.card("ready").code)
        qtbot.waitUntil(lambda: isinstance(controller.state, Found), timeout=5000)
        click(qtbot, kiosk.window, "check-in")
        # the demo clinic asks two arrival questions
        qtbot.waitUntil(lambda: isinstance(controller.state, Question), timeout=5000)
        assert frozen == [True]  # once
    finally:
        controller.stop()
        QApplication.processEvents()


def test_the_staff_pin_is_stored_hashed(tmp_path, monkeypatch):
    answers = iter(["482913", "482913"])
    monkeypatch.setattr(getpass, "getpass", lambda _prompt: next(answers))
    assert cli.main(["--data-dir", str(tmp_path), "--set-pin"]) == 0
    settings = kiosk_settings.load(tmp_path)
    assert settings.pin_hash is not None and "482913" not in settings.pin_hash
    assert settings.pin_matches("482913")
    assert not settings.pin_matches(kiosk_settings.DEMO_PIN)


@pytest.mark.parametrize("pins", [["1234", "4321"], ["12", "12"]])
def test_a_bad_pin_changes_nothing(tmp_path, monkeypatch, pins):
    answers = iter(pins)
    monkeypatch.setattr(getpass, "getpass", lambda _prompt: next(answers))
    assert cli.main(["--data-dir", str(tmp_path), "--set-pin"]) == 1
    assert kiosk_settings.load(tmp_path).pin_hash is None


def test_a_crashed_kiosk_is_restarted_and_a_staff_exit_is_not():
    codes = iter([70, -11, 0])
    runs: list[object] = []
    sleeps: list[float] = []

    def run(command):
        runs.append(command)
        return next(codes)

    assert supervise(["kiosk"], run=run, sleep=sleeps.append) == 0
    assert len(runs) == 3
    assert sleeps == [1.0, 2.0]  # backing off


def test_a_kiosk_that_keeps_failing_backs_off_up_to_a_minute():
    sleeps: list[float] = []
    supervise(["kiosk"], run=lambda _command: 1, sleep=sleeps.append, max_restarts=9)
    assert sleeps[:3] == [1.0, 2.0, 4.0]
    assert max(sleeps) == 60.0


def test_the_device_id_is_made_once(tmp_path):
    first = kiosk_settings.load(tmp_path).device_id
    assert kiosk_settings.load(tmp_path).device_id == first


def test_the_printed_demo_sheet_reads_back_as_the_demo_codes(tmp_path, sqlite_template, qapp):
    import cv2
    import pdfplumber
    from pyzbar import pyzbar

    from kiosk.demo_data import build_demo_kiosk, timezone_of
    from kiosk.demo_sheet import render

    demo = build_demo_kiosk(tmp_path / "kiosk", datetime.now(UTC), patients=150, template=sqlite_template)
    png = render(tmp_path / "codes.png", demo, timezone_of(demo), "zh_TW")
    pdf = render(tmp_path / "codes.pdf", demo, timezone_of(demo), "ja")
    assert pdf.read_bytes().startswith(b"%PDF")
    with pdfplumber.open(pdf) as document:
        page_text = document.pages[0]
        lines = page_text.extract_text().splitlines()
        sizes = {round(char["size"], 1) for char in page_text.chars}
    assert any(line.endswith("PIN（デモ）：2468") for line in lines)  # the PIN line is not broken
    # Title, introduction, card titles, card text, code lines: every card's text in one size.
    assert len(sizes) == 5, sizes
    page = cv2.imread(str(png), cv2.IMREAD_GRAYSCALE)
    printed = {symbol.data.decode() for symbol in pyzbar.decode(page)}
    assert printed == {card.code for card in demo.cards}
