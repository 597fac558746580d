"""Chat: department tabs with unread badges, the conversation list, a thread of bubbles with read
receipts, Enter sends and Shift+Enter breaks the line, opening marks read, Ctrl+N and Ctrl+F;
a manager reads without answering. Driven offscreen against the demo clinic's replica."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from sqlalchemy import select

from common.chat.models import ChatMessage, Department, SenderType
from common.chat.service import record_patient_read, unread_counts
from common.context import Actor
from common.patients.models import Patient
from desktop.names import display_name
from desktop.screens.chat.reads import ThreadMessage
from desktop.screens.chat.screen import TABS, ChatScreen
from desktop.screens.chat.start import NewConversationDialog
from desktop.screens.chat.views import DayMark
from tests.desktop.conftest import ADMIN, MANAGER, RECEPTION, WAIT_MS, Desk, modal


def open_chat(desk: Desk, who: str = RECEPTION) -> ChatScreen:
    desk.sign_in(who)
    desk.wait_state("desk")
    screen = desk.screen("chat", ChatScreen)
    desk.qtbot.waitUntil(lambda: screen.overview is not None, timeout=WAIT_MS)  # type: ignore[attr-defined]
    return screen


def tab(department: Department | None) -> int:
    return TABS.index(department)


def badge(screen: ChatScreen, department: Department | None) -> str:
    label = screen.badges[tab(department)]
    return label.text() if label.isVisible() else ""


def unread(desk: Desk) -> dict[Department, int]:
    with desk.db.context(desk.clinic_id, Actor.system()) as ctx:
        return unread_counts(ctx)


def thread_messages(screen: ChatScreen) -> list[ThreadMessage]:
    items = [screen.thread_model.item(n) for n in range(screen.thread_model.rowCount())]
    return [item for item in items if isinstance(item, ThreadMessage)]


def test_tabs_show_unread_badges_and_opening_a_conversation_marks_it_read(desk: Desk, qtbot) -> None:
    screen = open_chat(desk)
    assert unread(desk) == {
        Department.GENERAL: 0,
        Department.BILLING: 1,
        Department.MEDICAL: 1,
        Department.APPOINTMENT: 2,
    }
    assert [badge(screen, d) for d in TABS] == ["4", "", "1", "1", "2"]
    assert screen.model.rowCount() == 8
    newest = screen.model.row_at(0)
    assert (newest.department, newest.unread) == (Department.APPOINTMENT, 2)

    screen.tabs.setCurrentIndex(tab(Department.BILLING))
    rows = [screen.model.row_at(n) for n in range(screen.model.rowCount())]
    assert {row.department for row in rows} == {Department.BILLING} and len(rows) == 2
    waiting = next(row for row in rows if row.unread)
    assert waiting.urgent  # marked high priority by the patient: a red badge

    with qtbot.waitSignal(desk.app.runner.sig_changed, timeout=WAIT_MS):
        screen.list.setCurrentIndex(screen.model.index(rows.index(waiting)))
    desk.wait_idle()
    assert unread(desk)[Department.BILLING] == 0
    assert badge(screen, Department.BILLING) == "" and badge(screen, None) == "3"
    assert screen.patient_name.text() == waiting.patient_name
    [first] = thread_messages(screen)
    assert first.from_patient and first.is_read
    assert isinstance(screen.thread_model.item(0), DayMark)


def test_enter_sends_shift_enter_breaks_the_line_and_the_tick_turns_double_when_read(
    desk: Desk, qtbot
) -> None:
    screen = open_chat(desk)
    screen.tabs.setCurrentIndex(tab(Department.GENERAL))
    screen.list.setCurrentIndex(screen.model.index(0))
    qtbot.waitUntil(lambda: bool(thread_messages(screen)), timeout=WAIT_MS)
    assert screen.opened is not None
    patient_id, department = screen.opened
    before = len(thread_messages(screen))
    screen.compose.setFocus()
    qtbot.keyClicks(screen.compose, "Yes, we open at 9.")
    qtbot.keyClick(screen.compose, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(screen.compose, "Parking is free.")
    assert screen.compose.toPlainText() == "Yes, we open at 9.\nParking is free."
    with qtbot.waitSignal(desk.app.runner.sig_changed, timeout=WAIT_MS):
        qtbot.keyClick(screen.compose, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(thread_messages(screen)) == before + 1, timeout=WAIT_MS)
    sent = thread_messages(screen)[-1]
    assert (sent.from_patient, sent.content, sent.is_read) == (
        False,
        "Yes, we open at 9.\nParking is free.",
        False,
    )
    assert screen.compose.toPlainText() == ""
    reception = desk.actor(RECEPTION).id
    assert sent.sender_id == reception
    status = screen.thread_model.data(
        screen.thread_model.index(screen.thread_model.rowCount() - 1), Qt.ItemDataRole.ToolTipRole
    )
    assert "not read yet" in status

    desk.clock.advance(timedelta(minutes=2))
    with desk.db.context(desk.clinic_id, Actor.system()) as ctx:  # the patient reads it in the app
        record_patient_read(ctx, patient_id, department)
    screen.reload()
    qtbot.waitUntil(lambda: thread_messages(screen)[-1].is_read, timeout=WAIT_MS)
    last = screen.thread_model.index(screen.thread_model.rowCount() - 1)
    assert "read by the patient" in screen.thread_model.data(last, Qt.ItemDataRole.ToolTipRole)
    assert screen.compose.toPlainText() == "" and not screen.send_button.isEnabled()


def test_ctrl_n_starts_a_conversation_and_ctrl_f_finds_one(desk: Desk, qtbot) -> None:
    screen = open_chat(desk)
    with desk.db.session(desk.clinic_id) as session:
        talked = set(session.scalars(select(ChatMessage.patient_id)))
        candidates = session.scalars(select(Patient).where(Patient.id.not_in(talked)).limit(50)).all()
        # Typed with key clicks, which take ASCII only.
        patient = next(p for p in candidates if (p.first_name + p.last_name).isascii())
        session.expunge(patient)
    screen.list.setFocus()
    qtbot.keyClick(screen.list, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = modal(NewConversationDialog)
    assert not dialog.open_button.isEnabled()
    qtbot.keyClicks(dialog.picker.search, patient.last_name)
    qtbot.waitUntil(lambda: dialog.picker.model.rowCount() > 0, timeout=WAIT_MS)
    number = dialog.picker.model.find(lambda row: row.id == patient.id)
    dialog.picker.set_patient(dialog.picker.model.row_at(number))
    dialog.department.setCurrentIndex(list(Department).index(Department.BILLING))
    dialog.open_button.click()
    qtbot.waitUntil(lambda: screen.thread_model.current is not None, timeout=WAIT_MS)
    assert screen.opened == (patient.id, Department.BILLING)
    assert "No messages yet" in screen.thread_empty.text.text()
    qtbot.waitUntil(lambda: screen.window().focusWidget() is screen.compose, timeout=WAIT_MS)
    screen.compose.setPlainText("Your receipt is ready at the front desk.")
    with qtbot.waitSignal(desk.app.runner.sig_changed, timeout=WAIT_MS):
        screen.send_button.click()
    name = display_name(patient.first_name, patient.last_name)
    qtbot.waitUntil(lambda: screen.model.find((patient.id, Department.BILLING)) >= 0, timeout=WAIT_MS)

    screen.list.setFocus()
    qtbot.keyClick(screen.list, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert screen.window().focusWidget() is screen.search
    screen.tabs.setCurrentIndex(tab(None))
    qtbot.keyClicks(screen.search, name)
    qtbot.waitUntil(lambda: screen.model.rowCount() == 1, timeout=WAIT_MS)
    assert screen.model.row_at(0).patient_name == name
    qtbot.keyClicks(screen.search, "zzz")
    qtbot.waitUntil(lambda: screen.list_empty.isVisible(), timeout=WAIT_MS)


def test_a_manager_reads_conversations_without_marking_them_read_or_replying(desk: Desk, qtbot) -> None:
    screen = open_chat(desk, MANAGER)
    screen.tabs.setCurrentIndex(tab(Department.APPOINTMENT))
    waiting = next(
        screen.model.row_at(n) for n in range(screen.model.rowCount()) if screen.model.row_at(n).unread
    )
    screen.list.setCurrentIndex(screen.model.index(screen.model.find(waiting.key)))
    qtbot.waitUntil(lambda: len(thread_messages(screen)) == 2, timeout=WAIT_MS)
    desk.wait_idle()
    assert unread(desk)[Department.APPOINTMENT] == 2
    assert screen.read_only.isVisible() and not screen.compose_area.isVisible()
    assert screen.new_button.isHidden() and not screen.new_item()
    with desk.db.session(desk.clinic_id) as session:
        staff_messages = session.scalars(
            select(ChatMessage).where(ChatMessage.sender_type == SenderType.STAFF)
        ).all()
    assert all(m.sender_id != desk.actor(MANAGER).id for m in staff_messages)


def test_another_screen_opens_a_patients_latest_conversation(desk: Desk, qtbot) -> None:
    desk.sign_in(ADMIN)
    desk.wait_state("desk")
    with desk.db.session(desk.clinic_id) as session:
        message = session.scalars(
            select(ChatMessage)
            .where(ChatMessage.department == Department.MEDICAL)
            .order_by(ChatMessage.created_at)
        ).first()
        assert message is not None
        patient_id = message.patient_id
    assert desk.app.desk is not None
    desk.app.desk.navigate("chat", patient_id=patient_id)
    screen = desk.window.screens["chat"]
    assert isinstance(screen, ChatScreen)
    qtbot.waitUntil(lambda: screen.thread_model.current is not None, timeout=WAIT_MS)
    assert screen.opened == (patient_id, Department.MEDICAL)
