"""Patients: search as you type (CJK too), the page with allergies first, register, edit against
the version it started from, merge duplicates with a side-by-side preview and undo."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton
from sqlalchemy import func, select

from common.context import Actor
from common.patients.errors import PatientEditConflict
from common.patients.models import Patient
from common.patients.service import update_patient
from desktop.screens.patients.editor import PatientEditor
from desktop.screens.patients.merge import MergeDialog
from tests.desktop.conftest import DOCTOR, RECEPTION, child


def type_text(widget, text: str) -> None:
    for character in text:
        key = Qt.Key(ord(character.upper())) if character.isascii() else Qt.Key.Key_unknown
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QCoreApplication.sendEvent(
                widget, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, character)
            )


def open_patients(desk):
    desk.sign_in(RECEPTION)
    desk.wait_state("desk")
    window = desk.app.window
    window.find_patient()  # Ctrl+F's action: the Patients screen, cursor in its search
    screen = window.screens["patients"]
    assert screen.search.hasFocus() or QApplication.focusWidget() is screen.search
    return window, screen


def test_search_as_you_type_finds_cjk_names_and_opens_the_first_with_enter(desk, qtbot):
    _window, screen = open_patients(desk)
    type_text(screen.search, "陳")
    qtbot.waitUntil(lambda: screen.model.rowCount() > 0, timeout=10_000)
    names = [screen.model.row_at(n).name for n in range(screen.model.rowCount())]
    assert all(name.startswith("陳") or "Chen" in name for name in names)
    qtbot.keyClick(screen.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.page.page is not None, timeout=10_000)
    assert screen.page.page.patient.id == screen.model.row_at(0).id


def test_a_patient_page_shows_allergies_prominently_and_hides_medical_history_from_reception(desk, qtbot):
    _window, screen = open_patients(desk)
    with desk.db.session(desk.clinic_id) as session:
        allergic = session.scalars(
            select(Patient).where(func.json_array_length(Patient.allergies) > 0).limit(1)
        ).one()
        session.expunge(allergic)
    screen.open_patient(allergic.id)
    qtbot.waitUntil(lambda: screen.page.page is not None, timeout=10_000)
    page = screen.page
    assert page.allergies.isVisible()
    assert page.allergies.property("kind") == "danger"
    assert all(item in page.allergies.text.text() for item in allergic.allergies)
    assert not page.medical.isVisible()  # a receptionist does not see medical history


def test_a_doctor_sees_medical_history_and_medications(desk, qtbot):
    desk.sign_in(DOCTOR)
    desk.wait_state("desk")
    screen = _go_patients(desk)
    with desk.db.session(desk.clinic_id) as session:
        patient = session.scalars(
            select(Patient).where(func.json_array_length(Patient.current_medications) > 0).limit(1)
        ).one()
        session.expunge(patient)
    screen.open_patient(patient.id)
    qtbot.waitUntil(lambda: screen.page.page is not None, timeout=10_000)
    assert screen.page.medical.isVisible()
    assert patient.current_medications[0] in screen.page.medical_text.text()


def _go_patients(desk):
    window = desk.app.window
    window.go("patients")
    return window.screens["patients"]


def test_register_a_patient_then_find_them(desk, qtbot):
    _window, screen = open_patients(desk)
    screen.new_item()
    editor = QApplication.activeModalWidget()
    assert isinstance(editor, PatientEditor)
    editor.first_name.setText("小明")
    editor.last_name.setText("王")
    editor.phone.setText("0912-000-111")
    with qtbot.waitSignal(editor.sig_saved, timeout=10_000) as saved:
        editor.save.click()
    qtbot.waitUntil(
        lambda: screen.page.page is not None and screen.page.page.patient.id == saved.args[0], timeout=10_000
    )
    assert screen.page.name.text() == "王小明"
    screen.search.clear()
    type_text(screen.search, "王小")
    qtbot.waitUntil(
        lambda: any(screen.model.row_at(n).id == saved.args[0] for n in range(screen.model.rowCount())),
        timeout=10_000,
    )


def test_an_edit_started_before_someone_else_changed_the_same_field_is_refused_clearly(desk, qtbot):
    _window, screen = open_patients(desk)
    with desk.db.session(desk.clinic_id) as session:
        patient = session.scalars(select(Patient).where(Patient.contact_phone.is_not(None)).limit(1)).one()
        session.expunge(patient)
    screen.open_patient(patient.id)
    qtbot.waitUntil(lambda: screen.page.page is not None, timeout=10_000)
    screen.page.edit.click()
    editor = QApplication.activeModalWidget()
    assert isinstance(editor, PatientEditor)
    with desk.db.context(desk.clinic_id, desk.actor(RECEPTION)) as ctx:  # another desk, meanwhile
        update_patient(ctx, patient.id, {"contact_phone": "0911-222-333"})
    editor.phone.setText("0922-444-555")
    editor.save.click()
    qtbot.waitUntil(lambda: editor.error.isVisible(), timeout=10_000)
    assert editor.error.text.text() == PatientEditConflict(["contact_phone"], 2).translated("en")
    editor.reject()


def test_merge_two_duplicates_with_a_preview_then_undo(desk, qtbot):
    desk.sign_in("admin@lotus-clinic.example")
    desk.wait_state("desk")
    screen = _go_patients(desk)
    with desk.db.context(desk.clinic_id, Actor.system()) as ctx:
        from datetime import date

        from common.patients.service import NewPatient, register_patient

        kept = register_patient(
            ctx, NewPatient("Emily", "Merge", date(1990, 1, 2), contact_phone="0933-100-200")
        )
        duplicate = register_patient(
            ctx, NewPatient("Emily", "Merge", date(1990, 1, 2), contact_email="emily.merge@example.com")
        )
    dialog = MergeDialog(desk.app.desk, kept.id, "Emily Merge", screen)
    dialog.open()
    type_text(dialog.picker.search, "emily.merge@")
    qtbot.waitUntil(lambda: dialog.picker.model.rowCount() > 0, timeout=10_000)
    number = dialog.picker.model.find(lambda row: row.id == duplicate.id)
    dialog.picker.set_patient(dialog.picker.model.row_at(number))
    qtbot.waitUntil(lambda: dialog.merge_button.isEnabled(), timeout=10_000)
    fields = {row.name: row for row in dialog.model.rows}
    assert fields["contact_email"].survivor is None
    assert fields["contact_email"].merged == "emily.merge@example.com"  # filled from the duplicate
    dialog.merge_button.click()
    box = QApplication.activeModalWidget()
    assert isinstance(box, QMessageBox)
    with qtbot.waitSignal(desk.app.runner.sig_changed, timeout=10_000):
        child(box, QPushButton, "confirm_yes").click()
    qtbot.waitUntil(lambda: dialog.undo_button.isVisible(), timeout=10_000)
    assert _merged_into(desk, duplicate.id) == kept.id
    with qtbot.waitSignal(desk.app.runner.sig_changed, timeout=10_000):
        dialog.undo_button.click()
    qtbot.waitUntil(lambda: _merged_into(desk, duplicate.id) is None, timeout=10_000)
    dialog.accept()


def _merged_into(desk, patient_id):
    with desk.db.session(desk.clinic_id) as session:
        return session.scalars(
            select(Patient.merged_into_id)
            .where(Patient.id == patient_id)
            .execution_options(include_deleted=True)
        ).one()
