"""After idle, nothing of the last patient is left: not on screen, not in a widget, a model, the
flow, the camera's memory or the scanner's (SECURITY.md row 15); and the language is the clinic's."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QAbstractItemModel, Qt

from common.checkin.flow import EnterDetails, Found, Welcome
from common.checkin.presentation import clock_time
from common.i18n import SUPPORTED_LOCALES
from tests.kiosk.conftest import start_kiosk
from tests.kiosk.helpers import click, click_text, every_text, phone_frames
from tests.kiosk.support import at, strings_reachable_from


def model_texts(root) -> list[str]:
    texts = []
    for model in root.findChildren(QAbstractItemModel):
        for row in range(model.rowCount()):
            for column in range(model.columnCount()):
                value = model.data(model.index(row, column), Qt.ItemDataRole.DisplayRole)
                if value:
                    texts.append(str(value))
    return texts


def personal_values(world, patient) -> list[str]:
    starts = at("09:00")
    times = {clock_time(starts, "Asia/Taipei", locale) for locale in SUPPORTED_LOCALES}
    return ["Marguerite", "Dora Lin", world.codes[patient], *times]


def leftovers(running, secrets: list[str]) -> list[str]:
    holders = [
        every_text(running.window),
        model_texts(running.window),
        list(strings_reachable_from(running.controller.state)),
        list(strings_reachable_from(running.controller.flow.state)),
        list(strings_reachable_from(running.window.state)),
        list(strings_reachable_from(running.camera.recent)),
        [held.text for held in running.scanner._held],
    ]
    return [secret for secret in secrets for texts in holders for text in texts if secret in text]


def test_idle_reset_wipes_the_found_patient_and_resets_the_language(kiosk_world, qtbot):
    patient = kiosk_world.patient("Marguerite", "Lamarck")
    kiosk_world.appointment(patient, at("09:00"))
    running = start_kiosk(kiosk_world, camera=True, idle_seconds=0.8)
    qtbot.addWidget(running.window)
    try:
        click_text(qtbot, running.window, "日本語")
        qtbot.waitUntil(lambda: running.controller.locale == "ja")
        running.source.show(phone_frames(kiosk_world.codes[patient]))
        running.wait_for(qtbot, Found)
        secrets = personal_values(kiosk_world, patient)
        assert leftovers(running, secrets)  # the check below can see them while they are there
        running.source.show(phone_frames("nothing to see", width=640, height=480)[:1])
        running.wait_for(qtbot, Welcome, timeout=5000)
        qtbot.waitUntil(
            lambda: running.window.state is not None and isinstance(running.window.state, Welcome)
        )
        assert leftovers(running, secrets) == []
        assert running.controller.locale == "zh_TW"
        assert running.window.languages.buttons["zh_TW"].isChecked()
    finally:
        running.controller.stop()


def test_idle_reset_empties_a_half_filled_no_code_form(kiosk_world, qtbot):
    running = start_kiosk(kiosk_world, idle_seconds=0.5)
    qtbot.addWidget(running.window)
    try:
        click(qtbot, running.window, "no-code")
        running.wait_for(qtbot, EnterDetails)
        details = running.window.details
        details.last_name.setText("Lamarck")
        details.year.setText("1971")
        details.month.setText("03")
        details.day.setText("09")
        running.wait_for(qtbot, Welcome, timeout=5000)
        texts = every_text(running.window)
        assert not any(value in text for value in ("Lamarck", "1971") for text in texts)
        assert (details.month.text(), details.day.text()) == ("", "")
    finally:
        running.controller.stop()


def test_a_finished_check_in_returns_to_welcome_by_itself(kiosk_world, qtbot):
    patient = kiosk_world.patient("Marguerite", "Lamarck", date(1971, 3, 9))
    kiosk_world.appointment(patient, at("09:00"))
    running = start_kiosk(kiosk_world, done_seconds=0.3)
    qtbot.addWidget(running.window)
    try:
        running.controller.scan(kiosk_world.codes[patient])
        running.wait_for(qtbot, Found)
        click(qtbot, running.window, "check-in")
        running.wait_for(qtbot, Welcome, timeout=5000)
        assert not any("Marguerite" in text for text in every_text(running.window))
    finally:
        running.controller.stop()


def test_an_idle_reset_closes_the_staff_screen(kiosk_world, qtbot):
    running = start_kiosk(kiosk_world, idle_seconds=0.4)
    qtbot.addWidget(running.window)
    try:
        click_text(qtbot, running.window, "English")  # something to reset
        qtbot.waitUntil(lambda: running.controller.locale == "en")
        running.window.open_staff()
        running.window.staff.pin.setText("24")
        qtbot.waitUntil(lambda: running.controller.locale == "zh_TW", timeout=5000)
        assert running.window.stack.currentWidget() is running.window.welcome
        assert running.window.staff.pin.text() == ""
    finally:
        running.controller.stop()
