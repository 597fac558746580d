"""Signing in (TOTP for Admin and Manager), locking after idle time, unlocking with the password."""

from __future__ import annotations

from PySide6.QtCore import Qt

from common.errors import AuthenticationFailed
from desktop import cli
from tests.desktop.conftest import ADMIN, NURSE


def test_an_admin_signs_in_with_password_and_authenticator_code(desk):
    desk.sign_in(ADMIN)
    desk.wait_state("desk")
    window = desk.app.window
    assert window is not None
    titles = [window.nav.item(n).text() for n in range(window.nav.count())]
    assert titles[:6] == ["Today", "Calendar", "Patients", "Check-in", "Treatments", "Payments"]
    assert window.current_key() == "today"


def test_an_admin_without_the_code_is_refused_with_the_same_message_as_a_wrong_password(desk, qtbot):
    desk.sign_in(ADMIN, code="")
    login = desk.app.login
    qtbot.waitUntil(lambda: login.error.isVisible(), timeout=10_000)
    assert login.error.text() == AuthenticationFailed().translated("en")
    assert desk.app.state == "login"
    desk.sign_in(ADMIN, password="not the password")
    qtbot.waitUntil(lambda: login.submit.isEnabled(), timeout=10_000)
    assert login.error.text() == AuthenticationFailed().translated("en")


def test_the_desk_locks_after_idle_time_and_the_password_resumes_the_session(desk, qtbot):
    desk.sign_in(NURSE)
    desk.wait_state("desk")
    window = desk.app.window
    window.go("patients")
    window.screens["patients"].search.setText("陳")
    desk.idle.advance(4 * 60)
    qtbot.wait(120)  # two idle checks: 4 minutes is not yet idle enough
    assert desk.app.state == "desk"
    desk.idle.advance(61)
    desk.wait_state("locked")
    assert window.locked
    assert window.pages.currentWidget() is window.lock_screen

    lock = window.lock_screen
    qtbot.keyClicks(lock.password, "wrong password")
    qtbot.keyClick(lock.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: lock.error.isVisible(), timeout=10_000)
    assert desk.app.state == "locked"

    lock.password.clear()
    qtbot.keyClicks(lock.password, "demo-front-desk-2026")
    qtbot.keyClick(lock.password, Qt.Key.Key_Return)
    desk.wait_state("desk")
    assert not window.locked
    assert window.current_key() == "patients"  # the session resumed where it was
    assert window.screens["patients"].search.text() == "陳"


def test_ctrl_l_locks_and_signing_out_destroys_the_window(desk, qtbot):
    desk.sign_in(NURSE)
    desk.wait_state("desk")
    window = desk.app.window
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    desk.wait_state("locked")
    window.lock_screen.sign_out.click()
    desk.wait_state("login")
    assert desk.app.window is None
    assert desk.app.desk.session is None


def test_start_up_objects_are_frozen_once_the_main_window_is_shown_and_not_again(desk, qtbot, monkeypatch):
    monkeypatch.setattr(cli, "FREEZE_AFTER_MS", 0)
    frozen: list[str] = []
    cli.freeze_as_the_desk_opens(desk.app, lambda: frozen.append(desk.app.state))
    desk.sign_in(NURSE)
    desk.wait_state("desk")
    qtbot.waitUntil(lambda: frozen == ["desk"], timeout=5_000)
    assert desk.app.window is not None and desk.app.window.isVisible()
    window = desk.app.window
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    desk.wait_state("locked")
    window.lock_screen.sign_out.click()
    desk.wait_state("login")  # back at the sign-in window, which this hook had not seen yet
    qtbot.waitUntil(lambda: frozen == ["desk", "login"], timeout=5_000)
    desk.sign_in(NURSE)
    desk.wait_state("desk")
    qtbot.wait(50)
    assert frozen == ["desk", "login"]
