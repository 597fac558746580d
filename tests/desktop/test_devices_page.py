"""Settings › Devices on a desk enrolled with a real clinic server (uvicorn): the administrator
signs in to the server with password and authenticator code, makes a kiosk code that enrolls a
kiosk, withdraws it (its sync is refused at once), cannot withdraw the desk itself, and is signed
out on leaving the page. A desk on its own and a receptionist are told why there is nothing to do."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QPushButton
from sqlalchemy import select

from common.audit.models import AuditLog
from common.clock import FrozenClock
from common.staff import totp
from common.storage.migrate import current_revision
from common.sync.client import ServerRefused, SyncClient
from desktop.auth import OFFLINE_CODE_ACTION
from desktop.screens.settings.devices import DevicesPage, EnrollmentCodeDialog
from desktop.screens.settings.screen import SettingsScreen
from tests.conftest import STAFF_PASSWORD, TEST_TOTP_SECRET
from tests.desktop.conftest import child
from tests.desktop.sync_desks import WAIT_MS, Desks
from tests.e2e.conftest import SyncWorld
from tests.e2e.support import LiveServer


def devices_page(app: Any, qtbot: Any) -> DevicesPage:
    app.desk.navigate("settings", section="devices")
    screen = app.window.stack.currentWidget()
    assert isinstance(screen, SettingsScreen)
    page = screen.pages["devices"]
    assert isinstance(page, DevicesPage)
    qtbot.waitUntil(lambda: page.known, timeout=WAIT_MS)
    return page


def cell(page: DevicesPage, row: int, column: int) -> str:
    item = page.table.item(row, column)
    return item.text() if item is not None else ""


def open_dialog(kind: type) -> Any:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, kind) and widget.isVisible():
            return widget
    return None


def test_the_administrator_enrolls_a_kiosk_and_withdraws_it_from_the_desk(
    desks: Desks, sw: SyncWorld, qtbot: Any
) -> None:
    app = desks.open("desk")
    desks.enroll(app)
    desks.sign_in(app, "admin")
    page = devices_page(app, qtbot)
    assert page.sign_in_card.isVisible() and not page.list_card.isVisible()
    assert page.email.text() == f"admin@{sw.clinic_id.hex[:8]}.example"

    # A wrong code: the server's own (translated) refusal, and the form stays.
    page.password.setText(STAFF_PASSWORD)
    page.code.setText("000000")
    page.sign_in_button.click()
    qtbot.waitUntil(lambda: page.sign_in_error.isVisible(), timeout=WAIT_MS)
    assert page.admin is None and page.sign_in_card.isVisible()

    page.password.setText(STAFF_PASSWORD)
    page.code.setText(totp.code_at_step(TEST_TOTP_SECRET, totp.time_step(sw.clock.now()) + 1))
    page.sign_in_button.click()
    qtbot.waitUntil(lambda: page.list_card.isVisible(), timeout=WAIT_MS)
    assert page.password.text() == "" and page.code.text() == ""
    assert [cell(page, 0, 4)] == ["This desk"]
    page.table.selectRow(0)
    assert not page.withdraw_button.isEnabled()  # a desk cannot cut itself off

    page.new_kiosk.click()
    qtbot.waitUntil(lambda: open_dialog(EnrollmentCodeDialog) is not None, timeout=WAIT_MS)
    dialog = open_dialog(EnrollmentCodeDialog)
    assert child(dialog, QLabel, "enrollment_code_server").text() == sw.server.url  # where to connect
    schema = current_revision(sw.server_db.engine) or ""
    kiosk = SyncClient(sw.server.url, None, schema).enroll(dialog.text.text(), "Lobby kiosk")
    dialog.accept()  # "Done": the list shows the kiosk that just enrolled
    qtbot.waitUntil(lambda: page.table.rowCount() == 2, timeout=WAIT_MS)
    names = [cell(page, row, 0) for row in range(2)]
    row = names.index("Lobby kiosk")
    assert cell(page, row, 1) == "Kiosk" and cell(page, row, 4) == "Active"

    page.table.selectRow(row)
    assert page.withdraw_button.isEnabled()
    page.withdraw_button.click()
    box = open_dialog(QMessageBox)
    assert box is not None and "Lobby kiosk" in box.text()
    child(box, QPushButton, "confirm_yes").click()
    qtbot.waitUntil(lambda: cell(page, row, 4).startswith("Withdrawn"), timeout=WAIT_MS)
    with pytest.raises(ServerRefused) as refused:
        SyncClient(sw.server.url, kiosk.credential, schema).pull("", 10)
    assert refused.value.status == 401

    # Leaving the page ends the sign-in; coming back asks again.
    assert app.desk is not None
    app.desk.navigate("today")
    qtbot.waitUntil(lambda: page.admin is None, timeout=WAIT_MS)
    page = devices_page(app, qtbot)
    assert page.sign_in_card.isVisible() and not page.list_card.isVisible()


def test_a_receptionist_is_told_only_an_administrator_manages_devices(
    desks: Desks, sw: SyncWorld, qtbot: Any
) -> None:
    app = desks.open("desk")
    desks.enroll(app)
    desks.sign_in(app, "receptionist")
    page = devices_page(app, qtbot)
    assert page.note.isVisible() and "administrator" in page.note.text.text()
    assert not page.sign_in_card.isVisible() and not page.list_card.isVisible()


def test_a_desk_on_its_own_has_no_devices_to_manage(desk: Any, qtbot: Any) -> None:
    desk.sign_in("admin@lotus-clinic.example")
    desk.wait_state("desk")
    page = devices_page(desk.app, qtbot)
    assert page.alone.isVisible() and "on its own" in page.alone.text.text()
    assert not page.sign_in_card.isVisible()


def test_a_manager_signs_in_on_an_enrolled_desk_with_the_code_the_server_checks(
    desks: Desks, sw: SyncWorld, qtbot: Any
) -> None:
    """The code is checked by the server; through an outage, for 12 hours after it last did on
    this PC, the manager signs in there all the same (audited as such); later, they are told why
    they cannot."""
    app = desks.open("desk")
    desks.enroll(app)
    email = f"manager@{sw.clinic_id.hex[:8]}.example"
    desk_clock = app.db.clock
    assert isinstance(desk_clock, FrozenClock)

    def attempt(code: str) -> Any:
        login = app.login
        assert login is not None
        login.error.hide()
        login.email.setText(email)
        login.password.setText(STAFF_PASSWORD)
        login.code.setText(code)
        login.submit.click()
        return login

    def current_code() -> str:
        sw.clock.advance(timedelta(seconds=30))  # a code is good once: each sign-in takes the next
        desk_clock.advance(timedelta(seconds=30))
        return totp.code_at_step(TEST_TOTP_SECRET, totp.time_step(sw.clock.now()))

    def server_down() -> int:
        port = sw.server.port
        sw.server.stop()
        return port

    def server_up(port: int) -> None:
        sw.server = LiveServer(sw.server_db.engine, sw.clock, sw.root.parent / "server", port=port).start()

    code = current_code()
    login = attempt("000000" if code != "000000" else "111111")
    qtbot.waitUntil(lambda: login.error.isVisible(), timeout=WAIT_MS)
    assert app.state == "login"

    port = server_down()  # never checked on this PC: told why, not "wrong password"
    login = attempt(current_code())
    qtbot.waitUntil(lambda: login.error.isVisible(), timeout=WAIT_MS)
    assert "cannot reach" in login.error.text() and app.state == "login"

    server_up(port)
    attempt(current_code())
    desks.wait_state(app, "desk")
    app.sign_out()
    desks.wait_state(app, "login")

    port = server_down()  # the outage starts: within 12 hours of the check, the day goes on
    desk_clock.advance(timedelta(hours=11))
    attempt(current_code())
    desks.wait_state(app, "desk")
    with app.db.session(sw.clinic_id) as session:
        offline = session.scalars(select(AuditLog).where(AuditLog.action == OFFLINE_CODE_ACTION)).all()
    assert [row.actor_id for row in offline] == [sw.world.staff["manager"]]
    app.sign_out()
    desks.wait_state(app, "login")

    desk_clock.advance(timedelta(hours=2))  # past the 12 hours
    login = attempt(current_code())
    qtbot.waitUntil(lambda: login.error.isVisible(), timeout=WAIT_MS)
    assert "12 hours" in login.error.text() and app.state == "login"
    server_up(port)
