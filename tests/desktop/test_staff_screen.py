"""Staff (administrators): the list with roles, status and last sign-in; the license's seats; add a
person (the password policy refuses in place, Admins and Managers get a QR code once); change a
role, reset a password or the second factor, deactivate and reactivate, each confirmed; adding
beyond the seats is refused with a clear message. Driven offscreen against the demo replica."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton
from sqlalchemy import select

from common.clinics.models import Clinic
from common.staff import totp
from common.staff.auth import authenticate
from common.staff.models import Role, StaffUser
from desktop.screens.staff.dialogs import AddStaffDialog, ChangeRoleDialog, PasswordDialog, TotpDialog
from desktop.screens.staff.screen import StaffScreen
from desktop.widgets.common import select_data
from tests.desktop.conftest import ADMIN, RECEPTION, WAIT_MS, Desk, child, modal


def open_staff(desk: Desk) -> StaffScreen:
    desk.sign_in(ADMIN)
    desk.wait_state("desk")
    screen = desk.screen("staff", StaffScreen)
    desk.qtbot.waitUntil(lambda: screen.overview is not None, timeout=WAIT_MS)  # type: ignore[attr-defined]
    return screen


def choose(screen: StaffScreen, email: str) -> None:
    number = screen.model.find(lambda row: row.email == email)
    assert number >= 0, email
    screen.table.selectRow(number)


def stored(desk: Desk, email: str) -> StaffUser:
    with desk.db.session(desk.clinic_id) as session:
        user = session.scalars(select(StaffUser).where(StaffUser.email == email)).one()
        session.expunge(user)
        return user


def confirm_box(qtbot) -> QMessageBox:
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox), timeout=WAIT_MS)
    return modal(QMessageBox)


def test_the_list_shows_roles_status_last_sign_in_and_the_seats(desk: Desk, qtbot) -> None:
    screen = open_staff(desk)
    assert screen.seats.text() == "10 of 15 seats used"
    assert not screen.full.isVisible()
    assert screen.model.rowCount() == 10
    admin = screen.model.row_at(screen.model.find(lambda r: r.email == ADMIN))
    assert admin.role is Role.ADMIN and admin.two_factor and admin.last_login is not None
    choose(screen, ADMIN)
    assert screen.person_name.text() == admin.name
    assert not screen.deactivate_button.isEnabled() and screen.self_note.isVisible()  # not oneself
    screen.search.setFocus()
    qtbot.keyClicks(screen.search, "reception")
    qtbot.waitUntil(lambda: screen.model.rowCount() == 2, timeout=WAIT_MS)


def test_adding_a_manager_refuses_a_weak_password_in_place_then_shows_the_qr_code_once(
    desk: Desk, qtbot
) -> None:
    screen = open_staff(desk)
    screen.table.setFocus()
    qtbot.keyClick(screen.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)  # Ctrl+N: add staff
    dialog = modal(AddStaffDialog)
    qtbot.keyClicks(dialog.first_name, "Yuki")
    qtbot.keyClicks(dialog.last_name, "Tanaka")
    qtbot.keyClicks(dialog.email, "yuki.tanaka@lotus-clinic.example")
    select_data(dialog.role, Role.MANAGER)
    assert dialog.second_factor.isVisible()
    qtbot.keyClicks(dialog.password.edit, "password")
    qtbot.keyClick(dialog.password.edit, Qt.Key.Key_Return)  # Enter confirms the dialog
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=WAIT_MS)
    assert "leaked" in dialog.error.text.text()
    assert QApplication.activeModalWidget() is dialog  # nothing typed is lost

    dialog.password.suggest.click()
    assert dialog.password.edit.echoMode().name == "Normal"  # shown, to hand over in person
    password = dialog.password.text()
    dialog.confirm.click()
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), TotpDialog), timeout=WAIT_MS)
    shown = modal(TotpDialog)
    user = stored(desk, "yuki.tanaka@lotus-clinic.example")
    assert user.role is Role.MANAGER and user.totp_secret is not None
    assert shown.secret.text().replace(" ", "") == user.totp_secret
    assert shown.qr.accessibleName() == "QR code for the authenticator app"  # the secret is not read out
    child(shown, QPushButton, "totp_done").click()
    qtbot.waitUntil(lambda: screen.seats.text() == "11 of 15 seats used", timeout=WAIT_MS)
    assert "Yuki Tanaka was added as Manager." in screen.message.text.text()
    code = totp.code_at_step(user.totp_secret, totp.time_step(desk.clock.now()))
    session = authenticate(desk.db, desk.clinic_id, "yuki.tanaka@lotus-clinic.example", password, code)
    assert session.user_id == user.id


def test_adding_beyond_the_seats_is_refused_with_a_clear_message(desk: Desk, qtbot) -> None:
    with desk.db.session(desk.clinic_id) as session, session.begin():
        session.scalars(select(Clinic)).one().max_users = 10
    screen = open_staff(desk)
    assert screen.seats.text() == "10 of 10 seats used"
    assert screen.full.isVisible()
    expected = "All 10 staff seats of your plan (Tier M) are in use."
    assert expected in screen.full.text.text()
    screen.add_button.click()
    box = confirm_box(qtbot)
    assert expected in box.text() and "deactivate an account" in box.text()
    box.close()


def test_role_change_password_reset_and_second_factor_reset(desk: Desk, qtbot) -> None:
    screen = open_staff(desk)
    choose(screen, RECEPTION)
    before = stored(desk, RECEPTION)
    screen.password_button.click()
    dialog = modal(PasswordDialog)
    qtbot.keyClicks(dialog.password.edit, "a quiet walk by the river")
    with qtbot.waitSignal(desk.app.runner.sig_changed, timeout=WAIT_MS):
        dialog.confirm.click()
    after = stored(desk, RECEPTION)
    assert after.session_epoch == before.session_epoch + 1  # signed out everywhere
    authenticate(desk.db, desk.clinic_id, RECEPTION, "a quiet walk by the river", None)
    assert "reset" in screen.message.text.text()

    choose(screen, RECEPTION)
    assert not screen.totp_button.isVisible()  # a receptionist has no second factor to reset
    screen.role_button.click()
    change = modal(ChangeRoleDialog)
    assert not change.confirm.isEnabled()  # the same role is no change
    select_data(change.role, Role.ADMIN)
    assert change.note.isVisible()
    change.confirm.click()
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), TotpDialog), timeout=WAIT_MS)
    modal(TotpDialog).accept()
    assert stored(desk, RECEPTION).role is Role.ADMIN

    qtbot.waitUntil(lambda: screen.totp_button.isVisible(), timeout=WAIT_MS)
    old_secret = stored(desk, RECEPTION).totp_secret
    screen.totp_button.click()
    box = confirm_box(qtbot)
    child(box, QPushButton, "confirm_yes").click()
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), TotpDialog), timeout=WAIT_MS)
    fresh = modal(TotpDialog)
    assert stored(desk, RECEPTION).totp_secret not in (None, old_secret)
    assert fresh.secret.text().replace(" ", "") == stored(desk, RECEPTION).totp_secret
    fresh.accept()


def test_deactivating_and_reactivating_are_confirmed_and_move_the_seat_count(desk: Desk, qtbot) -> None:
    screen = open_staff(desk)
    choose(screen, RECEPTION)
    screen.deactivate_button.click()
    box = confirm_box(qtbot)
    child(box, QPushButton, "confirm_no").click()  # changed their mind: nothing happens
    assert stored(desk, RECEPTION).is_active

    screen.deactivate_button.click()
    with qtbot.waitSignal(desk.app.runner.sig_changed, timeout=WAIT_MS):
        child(confirm_box(qtbot), QPushButton, "confirm_yes").click()
    qtbot.waitUntil(lambda: screen.seats.text() == "9 of 15 seats used", timeout=WAIT_MS)
    assert not stored(desk, RECEPTION).is_active
    row = screen.model.row_at(screen.model.find(lambda r: r.email == RECEPTION))
    assert (
        not row.is_active and screen.model.find(lambda r: r.email == RECEPTION) == screen.model.rowCount() - 1
    )
    screen.show_inactive.setChecked(False)
    assert screen.model.find(lambda r: r.email == RECEPTION) == -1
    screen.show_inactive.setChecked(True)

    choose(screen, RECEPTION)
    assert screen.reactivate_button.isVisible() and not screen.deactivate_button.isVisible()
    screen.reactivate_button.click()
    box = confirm_box(qtbot)
    assert "9 of 15" in box.informativeText()
    with qtbot.waitSignal(desk.app.runner.sig_changed, timeout=WAIT_MS):
        child(box, QPushButton, "confirm_yes").click()
    qtbot.waitUntil(lambda: screen.seats.text() == "10 of 15 seats used", timeout=WAIT_MS)
    assert stored(desk, RECEPTION).is_active
