"""Settings, driven as a person would, against a copy of the demo clinic: each change is checked
where it matters (availability, the kiosk's check-in), refusals keep what was typed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time, timedelta

import pytest
import shiboken6
from PySide6.QtCore import QDate, Qt, QTime
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QLineEdit,
    QMessageBox,
    QPushButton,
)
from sqlalchemy import select

from common.checkin.backend import DatabaseBackend
from common.checkin.errors import RefusalKind
from common.checkin.outcomes import FoundAppointment, Refusal
from common.clinics.models import Clinic
from common.ids import new_id
from common.patients.models import Patient
from common.scheduling.availability import availability
from common.scheduling.models import Appointment, AppointmentStatus, BookingMode
from common.scheduling.schedules_admin import DayPlan, doctor_week
from desktop.screens.settings.booking import BookingRulesPage
from desktop.screens.settings.clinic import ClinicPage
from desktop.screens.settings.kiosk import KioskPage
from desktop.screens.settings.page import SettingsPage
from desktop.screens.settings.schedules import SchedulesPage
from desktop.screens.settings.screen import SettingsScreen
from tests.desktop.conftest import ADMIN, MANAGER, RECEPTION, WAIT_MS, Desk, child

TUESDAY = date(2026, 11, 24)  # the day after the desk's frozen Monday


@pytest.fixture
def desk(desk: Desk) -> Iterator[Desk]:
    """The desk, whose settings screen is freed afterwards: the desk fixture closes its window
    without deleting it, and each new app restyles every widget still alive, so later tests
    would slow down."""
    yield desk
    window = desk.app.window
    screen = window.screens.pop("settings", None) if window is not None else None
    if screen is not None:
        shiboken6.delete(screen)


def open_settings(desk: Desk, email: str = ADMIN) -> SettingsScreen:
    desk.sign_in(email)
    desk.wait_state("desk")
    screen = desk.screen("settings", SettingsScreen)
    desk.wait_idle()
    return screen


def section(desk: Desk, screen: SettingsScreen, key: str) -> SettingsPage:
    screen.show_section(key)
    page = screen.pages[key]
    desk.qtbot.waitUntil(lambda: page.data is not None, timeout=WAIT_MS)  # type: ignore[attr-defined]
    return page


def save(desk: Desk, page: SettingsPage) -> None:
    child(page, QPushButton, "settings_save").click()
    desk.wait_idle()
    desk.qtbot.waitUntil(lambda: not page.saving, timeout=WAIT_MS)  # type: ignore[attr-defined]


def slots(desk: Desk, day: date, doctor_id=None) -> list[str]:
    with desk.db.context(desk.clinic_id, desk.actor(ADMIN)) as ctx:
        days = availability(ctx, day, days=1, doctor_id=doctor_id)
    return sorted({slot.local_start.strftime("%H:%M") for result in days for slot in result.slots})


def test_changed_business_hours_are_what_availability_offers(desk):
    screen = open_settings(desk)
    page = section(desk, screen, "clinic")
    assert isinstance(page, ClinicPage)
    assert slots(desk, TUESDAY)[-1] >= "18:00"
    page.closes[2].setTime(QTime(12, 0))
    assert page.dirty and "•" in screen.sections.item(0).text()
    save(desk, page)
    assert not page.dirty and page.status.text() == "Saved."
    offered = slots(desk, TUESDAY)
    assert offered and offered[-1] < "12:00"
    assert slots(desk, TUESDAY + timedelta(days=1))[-1] >= "18:00"  # Wednesday untouched
    with desk.db.session(desk.clinic_id) as session:
        hours = session.scalars(select(Clinic.business_hours)).one()
    assert hours["2"] == ["09:00", "12:00"]


def test_closing_before_opening_is_refused_beside_the_day_and_the_input_stays(desk):
    screen = open_settings(desk)
    page = section(desk, screen, "clinic")
    assert isinstance(page, ClinicPage)
    page.closes[3].setTime(QTime(8, 0))
    page.name.setText("Lotus Aesthetic Clinic & Spa")
    page.name.textEdited.emit(page.name.text())
    save(desk, page)
    error = child(page, type(page.heading), "error_business_hours_3")
    assert error.isVisible()
    assert "closing time must be after the opening time" in error.text()
    assert page.closes[3].time() == QTime(8, 0)  # nothing typed is lost
    assert page.name.text() == "Lotus Aesthetic Clinic & Spa"
    assert page.dirty
    with desk.db.session(desk.clinic_id) as session:
        clinic = session.scalars(select(Clinic)).one()
    assert clinic.business_hours["3"] == ["09:00", "20:00"] and clinic.name == "Lotus Aesthetic Clinic"
    page.closes[3].setTime(QTime(19, 0))  # corrected: the whole page saves
    save(desk, page)
    assert not error.isVisible() and not page.dirty
    with desk.db.session(desk.clinic_id) as session:
        clinic = session.scalars(select(Clinic)).one()
    assert clinic.business_hours["3"] == ["09:00", "19:00"] and clinic.name == "Lotus Aesthetic Clinic & Spa"


def test_a_doctor_day_off_leaves_that_day_without_slots(desk):
    screen = open_settings(desk, MANAGER)  # a manager keeps the doctors' schedules
    page = section(desk, screen, "schedules")
    assert isinstance(page, SchedulesPage)
    doctor_id = page.doctor.currentData()
    working_day = next(
        TUESDAY + timedelta(days=n) for n in range(7) if slots(desk, TUESDAY + timedelta(days=n), doctor_id)
    )
    page.off_from.setDate(QDate(working_day.year, working_day.month, working_day.day))
    page.off_reason.setText("Training")
    page.add_off.click()
    desk.wait_idle()
    desk.qtbot.waitUntil(lambda: "Training" in page.days_off.item(0).text(), timeout=WAIT_MS)
    assert slots(desk, working_day, doctor_id) == []
    assert not page.dirty  # a day off is saved at once

    page.days_off.setCurrentRow(0)
    page.remove_off.click()
    box = QApplication.activeModalWidget()
    assert isinstance(box, QMessageBox)
    child(box, QPushButton, "confirm_yes").click()
    desk.wait_idle()
    desk.qtbot.waitUntil(
        lambda: page.days_off.item(0).data(Qt.ItemDataRole.UserRole) is None, timeout=WAIT_MS
    )
    assert slots(desk, working_day, doctor_id)


def test_a_doctors_week_saves_and_a_bad_break_is_shown_beside_its_day(desk):
    screen = open_settings(desk)
    page = section(desk, screen, "schedules")
    assert isinstance(page, SchedulesPage)
    doctor_id = page.doctor.currentData()
    page.works[7].setChecked(True)
    page.starts[7].setTime(QTime(10, 0))
    page.ends[7].setTime(QTime(12, 0))
    page.breaks[7].setText("lunch")
    save(desk, page)
    error = child(page, type(page.heading), "error_breaks_7")
    assert error.isVisible() and "12:00-13:00" in error.text()
    page.breaks[7].setText("11:00-11:15")
    save(desk, page)
    assert not page.dirty
    assert page.data.days[7].breaks[0][0].hour == 11
    with desk.db.context(desk.clinic_id, desk.actor(ADMIN)) as ctx:
        saved = doctor_week(ctx, doctor_id, days_off_from=TUESDAY)
    assert saved.days[7] == DayPlan(time(10), time(12), ((time(11), time(11, 15)),))


def test_kiosk_window_is_read_by_the_check_in_flow(desk):
    screen = open_settings(desk)
    page = section(desk, screen, "kiosk")
    assert isinstance(page, KioskPage)
    now = desk.clock.now()
    with desk.db.session(desk.clinic_id) as session:
        appointment, code = session.execute(
            select(Appointment, Patient.barcode_id)
            .join(Patient, Patient.id == Appointment.patient_id)
            .where(
                Appointment.status.in_([AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED]),
                Appointment.booking_mode == BookingMode.SPECIFIC_TIME,
                Appointment.starts_at > now + timedelta(minutes=20),
                Appointment.starts_at < now + timedelta(minutes=55),
            )
            .order_by(Appointment.starts_at)
            .limit(1)
        ).one()
    kiosk = DatabaseBackend(desk.db, desk.clinic_id, new_id(), location="Lobby kiosk")
    assert isinstance(kiosk.identify_by_code(code), FoundAppointment)  # 60 minutes early is fine

    page.early.setValue(10)
    save(desk, page)
    refused = kiosk.identify_by_code(code)
    assert isinstance(refused, Refusal) and refused.kind is RefusalKind.TOO_EARLY, refused
    assert refused.times["opens"] == appointment.starts_at - timedelta(minutes=10)


def test_unsaved_changes_are_guarded_when_leaving_a_page(desk):
    screen = open_settings(desk)
    page = section(desk, screen, "booking")
    assert isinstance(page, BookingRulesPage)
    spin = page.numbers["slot_minutes"]
    spin.setValue(20)
    screen.sections.setCurrentRow(3)  # Kiosk
    box = QApplication.activeModalWidget()
    assert isinstance(box, QMessageBox)
    assert screen.current_page is page
    child(box, QPushButton, "leave_stay").click()
    assert screen.current_page is page and spin.value() == 20
    screen.sections.setCurrentRow(3)
    box = QApplication.activeModalWidget()
    assert isinstance(box, QMessageBox)
    child(box, QPushButton, "leave_save").click()
    desk.wait_idle()
    desk.qtbot.waitUntil(lambda: screen.current_page is screen.pages["kiosk"], timeout=WAIT_MS)
    with desk.db.session(desk.clinic_id) as session:
        assert session.scalars(select(Clinic.slot_minutes)).one() == 20


def test_a_receptionist_sees_settings_read_only_with_the_reason(desk):
    screen = open_settings(desk, RECEPTION)
    for key in ("clinic", "schedules", "booking", "kiosk", "notifications", "printing"):
        page = section(desk, screen, key)
        note = child(page, type(page.note), "settings_read_only_note")
        assert note.isVisible() and "administrator" in note.text.text(), key
        assert not child(page, QPushButton, "settings_save").isVisible(), key
    clinic = screen.pages["clinic"]
    assert isinstance(clinic, ClinicPage) and not clinic.name.isEnabled()
    language = section(desk, screen, "language")
    assert child(language, QPushButton, "settings_save").isVisible()
    unnamed = []
    for widget in screen.findChildren(QAbstractButton):
        internal = widget.objectName().startswith("qt_") or isinstance(widget.parentWidget(), QLineEdit)
        if not internal and not (widget.text() or widget.accessibleName() or widget.toolTip()):
            unnamed.append(widget.objectName() or type(widget).__name__)
    for field in screen.findChildren(QLineEdit):
        internal = field.objectName().startswith("qt_") or isinstance(field.parentWidget(), QAbstractSpinBox)
        holder = field.parentWidget()
        named = field.accessibleName() or field.placeholderText() or (holder and holder.accessibleName())
        if not internal and not named:
            unnamed.append(field.objectName() or "QLineEdit")
    assert unnamed == []


def test_each_desk_intent_is_what_its_sync_intent_parses():
    """On an enrolled desk the same arguments go to the outbox and the server: they must parse."""
    from common.checkin.models import QuestionKind
    from common.clinics.service import KioskQuestion
    from common.notifications.models import Channel, NotificationKind, RecipientKind
    from common.sync.intents import INTENTS
    from desktop.screens.settings import actions

    doctor = new_id()
    intents = [
        actions.update_clinic({"name": "Lotus", "business_hours": {"2": ["09:00", "12:00"], "7": None}}),
        actions.update_booking_rules(
            {"slot_minutes": 20, "periods": {"evening": {"start": "17:00", "end": "20:00", "capacity": 3}}}
        ),
        actions.update_check_in_window(30, 10),
        actions.update_print_settings(paper_size="Letter", names_on_patient_cards=None),
        actions.update_arrival_questions([KioskQuestion(new_id(), QuestionKind.YES_NO, {"en": "Fever?"})]),
        actions.update_notifications(
            [(RecipientKind.STAFF, NotificationKind.LOW_STOCK, Channel.EMAIL, False)]
        ),
        actions.set_doctor_week(doctor, {1: DayPlan(time(9), time(18), ((time(12), time(13)),)), 3: None}),
        actions.add_days_off(doctor, TUESDAY, TUESDAY, "Training"),
        actions.remove_day_off(new_id()),
    ]
    for intent in intents:
        parsed = INTENTS[intent.name].parse(intent.args)
        assert parsed.model_dump(mode="json")  # what the outbox stores
    week = INTENTS["set_doctor_week"].parse(intents[6].args)
    assert week.days[1].breaks == [(time(12), time(13))] and week.days[3] is None
