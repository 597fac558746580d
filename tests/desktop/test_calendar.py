"""The painted bi-weekly calendar: blocks where the appointments are, a click on free time books
there, a drag reschedules (with undo), pending bookings look different, cancel asks for a reason."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QPushButton
from sqlalchemy import select

from common.scheduling.models import Appointment, AppointmentStatus, AppointmentType, BookingMode
from common.staff.models import Role
from desktop.reads.calendar import CalendarData
from desktop.reads.rows import AppointmentRow, ClinicInfo, StaffEntry
from desktop.screens.calendar.booking import BookingDialog
from desktop.screens.calendar.model import CalendarModel
from desktop.screens.calendar.view import CalendarView
from desktop.widgets.dialogs import ReasonDialog
from tests.desktop.conftest import MOMENT, RECEPTION, child, modal

TZ = ZoneInfo("Asia/Taipei")
MONDAY = date(2026, 11, 23)


def row(
    doctor: StaffEntry, day: date, hour: int, *, pending: bool = False, minutes: int = 60
) -> AppointmentRow:
    start = datetime(day.year, day.month, day.day, hour, tzinfo=TZ)
    return AppointmentRow(
        id=uuid.uuid4(),
        reservation_id="R",
        patient_id=uuid.uuid4(),
        patient_name="Patient",
        doctor_id=doctor.id,
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes),
        day=day,
        status=AppointmentStatus.CONFIRMED,
        appointment_type=AppointmentType.CONSULTATION,
        booking_mode=BookingMode.SPECIFIC_TIME,
        period=None,
        time_assigned=True,
        treatment_type_id=None,
        check_in_time=None,
        check_out_time=None,
        reason_for_visit=None,
        notes=None,
        duration_minutes=minutes,
        pending=pending,
    )


def standalone(qtbot, rows, doctors):
    clinic = ClinicInfo(uuid.uuid4(), "C", "Asia/Taipei", "TWD", "en", 15, (), 9 * 60, 20 * 60, False)
    working: dict[tuple[uuid.UUID, date], tuple[tuple[int, int], ...]] = {
        (d.id, MONDAY + timedelta(days=n)): ((9 * 60, 20 * 60),) for d in doctors for n in range(14)
    }
    model = CalendarModel()
    view = CalendarView(model, clinic)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    model.set_data(CalendarData(MONDAY, 14, tuple(rows), working, ()), doctors)
    view.set_day_mode(MONDAY)
    qtbot.waitExposed(view)
    return model, view


def doctors(n: int = 2) -> list[StaffEntry]:
    return [StaffEntry(uuid.uuid4(), f"Dr {k}", Role.DOCTOR, "#1976D2") for k in range(n)]


def test_blocks_are_drawn_where_the_appointments_are_and_free_time_can_be_clicked(qtbot):
    team = doctors()
    booked = row(team[1], MONDAY, 10)
    _model, view = standalone(qtbot, [booked], team)
    rect = view.block_rect_on_screen(booked.id)
    assert rect is not None
    lanes = view.layout().lanes
    assert lanes[0].x < rect.center().x() - 56 < lanes[1].x + lanes[1].width  # in the second doctor's lane
    with qtbot.waitSignal(view.sig_selected) as selected:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert selected.args[0].id == booked.id
    free = datetime(2026, 11, 23, 14, 0, tzinfo=TZ)
    with qtbot.waitSignal(view.sig_slot_clicked) as clicked:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.slot_point(team[0].id, free))
    assert clicked.args == [team[0].id, free]


def test_dragging_an_appointment_asks_to_move_it_to_the_dropped_time_and_doctor(qtbot):
    team = doctors()
    booked = row(team[0], MONDAY, 10)
    _model, view = standalone(qtbot, [booked], team)
    start = view.block_rect_on_screen(booked.id).center()
    target = view.slot_point(team[1].id, datetime(2026, 11, 23, 15, 0, tzinfo=TZ))
    offset = start.y() - view.slot_point(team[0].id, booked.starts_at).y()
    viewport = view.viewport()
    with qtbot.waitSignal(view.sig_move_requested) as moved:
        qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
        for step in range(1, 11):
            point = start + (QPoint(target.x(), target.y() + offset) - start) * step / 10
            view.mouseMoveEvent(_move_event(point))  # a move with the button held (QTest moves without)
        qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=QPoint(target.x(), target.y() + offset))
    moved_row, doctor_id, when = moved.args
    assert (moved_row.id, doctor_id) == (booked.id, team[1].id)
    assert when.hour == 15 and when.minute in (0, 15)


def _move_event(point):
    from PySide6.QtCore import QEvent, QPointF
    from PySide6.QtGui import QMouseEvent

    return QMouseEvent(
        QEvent.Type.MouseMove,
        QPointF(point),
        QPointF(point),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )


def test_a_pending_booking_is_drawn_hatched_and_outlined_unlike_a_confirmed_one(qtbot):
    team = doctors(1)
    confirmed = row(team[0], MONDAY, 10)
    pending = row(team[0], MONDAY, 13, pending=True)
    _model, view = standalone(qtbot, [confirmed, pending], team)
    image = view.viewport().grab().toImage()

    def colours(appointment: AppointmentRow) -> set[int]:
        rect = view.block_rect_on_screen(appointment.id).adjusted(8, 40, -8, -4)  # below the text
        return {
            image.pixel(x, y)
            for x in range(rect.left(), rect.right())
            for y in range(rect.top(), rect.bottom())
        }

    assert len(colours(confirmed)) == 1  # a flat fill
    assert len(colours(pending)) > len(colours(confirmed))  # hatching: stripes of two colours
    assert "Waiting for the server to confirm" in view.describe(pending)


def test_a_drag_reschedule_on_the_desk_can_be_undone(desk, qtbot):
    desk.sign_in(RECEPTION)
    desk.wait_state("desk")
    window = desk.app.window
    window.go("calendar")
    screen = window.screens["calendar"]
    with desk.db.session(desk.clinic_id) as session:
        moving = session.scalars(
            select(Appointment)
            .where(
                Appointment.status == AppointmentStatus.CONFIRMED,
                Appointment.starts_at > MOMENT + timedelta(days=1),
            )
            .order_by(Appointment.starts_at)
            .limit(1)
        ).one()
        session.expunge(moving)
    desk.wait_idle()
    row_now = next(r for r in screen.model.rows if r.id == moving.id)
    free = _free_start(desk, moving)
    screen._move(row_now, moving.doctor_id, free)
    qtbot.waitUntil(lambda: screen.undo_bar.isVisible(), timeout=10_000)
    assert _start_of(desk, moving.id) == free
    screen.undo_button.click()
    qtbot.waitUntil(lambda: _start_of(desk, moving.id) == moving.starts_at, timeout=10_000)


def test_cancelling_asks_for_a_reason_and_keeping_it_changes_nothing(desk, qtbot):
    desk.sign_in(RECEPTION)
    desk.wait_state("desk")
    window = desk.app.window
    window.go("calendar")
    screen = window.screens["calendar"]
    desk.wait_idle()
    target = next(
        r
        for r in screen.model.rows
        if r.status is AppointmentStatus.CONFIRMED and r.starts_at > desk.app.desk.now()
    )
    screen.cancel_appointment(target)
    dialog = modal(ReasonDialog)
    assert not dialog.ok.isEnabled()  # no reason, no cancellation
    child(dialog, QPushButton, "reason_back").click()
    assert _status_of(desk, target.id) is AppointmentStatus.CONFIRMED
    screen.cancel_appointment(target)
    dialog = modal(ReasonDialog)
    dialog.reason.setCurrentIndex(1)
    with qtbot.waitSignal(desk.app.runner.sig_changed, timeout=10_000):
        dialog.ok.click()
    assert _status_of(desk, target.id) is AppointmentStatus.CANCELLED


def test_ctrl_n_opens_the_booking_form(desk, qtbot):
    desk.sign_in(RECEPTION)
    desk.wait_state("desk")
    qtbot.keyClick(desk.app.window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), BookingDialog), timeout=5000)
    modal(BookingDialog).reject()


def _free_start(desk, appointment: Appointment) -> datetime:
    from common.context import Actor
    from common.scheduling.availability import availability

    with desk.db.context(desk.clinic_id, Actor.system()) as ctx:
        day = appointment.appointment_date
        slots = availability(
            ctx, day, 1, doctor_id=appointment.doctor_id, duration_minutes=appointment.duration_minutes
        )
        return slots[0].slots[-1].local_start


def _start_of(desk, appointment_id: uuid.UUID) -> datetime:
    with desk.db.session(desk.clinic_id) as session:
        start: datetime = session.scalars(
            select(Appointment.starts_at).where(Appointment.id == appointment_id)
        ).one()
        return start


def _status_of(desk, appointment_id: uuid.UUID) -> AppointmentStatus:
    with desk.db.session(desk.clinic_id) as session:
        status: AppointmentStatus = session.scalars(
            select(Appointment.status).where(Appointment.id == appointment_id)
        ).one()
        return status
