"""The receptionist's day, driven through the real windows offscreen:
sign in with TOTP -> book in both modes -> a wedge scan checks the patient in -> a nurse records a
treatment from its scanned code -> stock went down -> a payment is taken -> the cash-up shows it.
And a double booking is refused with a clear message and clickable alternatives."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QPushButton
from sqlalchemy import select

from common.barcodes.models import BarcodeEntityType, BarcodeMapping
from common.catalog.models import TreatmentCatalogItem
from common.context import Actor
from common.inventory.service import stock_levels
from common.patients.models import Patient
from common.payments.service import cash_up
from common.scheduling.availability import availability
from common.scheduling.errors import SlotUnavailable
from common.scheduling.models import Appointment, AppointmentStatus, BookingMode, DayPeriod
from common.staff.models import StaffUser
from desktop.scanning import ScanRouter
from desktop.screens.calendar.assign import AssignTimeDialog
from desktop.screens.calendar.booking import BookingDialog, BookingDraft
from desktop.screens.calendar.screen import CalendarScreen
from desktop.screens.patients.screen import PatientsScreen
from desktop.screens.payments import PaymentsScreen
from desktop.screens.treatments import TreatmentsScreen
from tests.desktop.conftest import ADMIN, MOMENT, NURSE, RECEPTION, Desk, modal


def wedge_scan(window, code: str) -> None:
    """What a USB wedge scanner does: a burst of keystrokes, then Enter, into the focused window."""
    handle = window.windowHandle()
    for character in code:
        key = Qt.Key(ord(character.upper()))
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QCoreApplication.sendEvent(
                handle, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, character)
            )
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QCoreApplication.sendEvent(
            handle, QKeyEvent(kind, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, "\r")
        )


def free_patient(desk: Desk) -> Patient:
    """A patient with nothing booked (to book and check in today)."""
    with desk.db.session(desk.clinic_id) as session:
        booked = select(Appointment.patient_id)
        patient = session.scalars(
            select(Patient)
            .where(Patient.id.not_in(booked), Patient.is_active.is_(True))
            .order_by(Patient.last_name_key)
            .limit(1)
        ).one()
        session.expunge(patient)
        return patient


def doctor_named(desk: Desk, email: str) -> uuid.UUID:
    with desk.db.session(desk.clinic_id) as session:
        return session.scalars(select(StaffUser.id).where(StaffUser.email == email)).one()


def first_free_slot_today(desk: Desk, doctor_id: uuid.UUID) -> datetime:
    with desk.db.context(desk.clinic_id, Actor.system()) as ctx:
        day = availability(
            ctx, MOMENT.astimezone(ctx.tz).date(), 1, doctor_id=doctor_id, duration_minutes=30
        )[0]
        return day.slots[0].local_start


def appointments_of(desk: Desk, patient_id: uuid.UUID) -> list[Appointment]:
    with desk.db.session(desk.clinic_id) as session:
        rows = list(session.scalars(select(Appointment).where(Appointment.patient_id == patient_id)))
        session.expunge_all()
        return rows


def open_booking(desk: Desk, draft: BookingDraft) -> BookingDialog:
    dialog = desk.screen("calendar", CalendarScreen).open_booking(draft)
    assert dialog is not None
    desk.wait_idle()
    return dialog


def router(desk: Desk) -> ScanRouter:
    assert desk.app.scan_router is not None
    return desk.app.scan_router


def choose_patient(desk: Desk, dialog: BookingDialog, patient: Patient, qtbot) -> None:
    qtbot.keyClicks(dialog.patient.search, patient.phone_digits or patient.last_name)
    qtbot.waitUntil(lambda: dialog.patient.model.rowCount() > 0, timeout=10_000)
    qtbot.keyClick(dialog.patient.search, Qt.Key.Key_Return)
    assert dialog.patient.chosen is not None
    assert dialog.patient.chosen.id == patient.id


def test_a_day_at_the_front_desk(desk: Desk, qtbot):
    # -- sign in with the authenticator code ---------------------------------------------------
    desk.sign_in(ADMIN)
    desk.wait_state("desk")
    window = desk.window
    patient = free_patient(desk)
    dr_lin = doctor_named(desk, "dr.lin@lotus-clinic.example")

    # -- book a Specific Time by clicking the doctor's free time in the calendar -----------------
    start = first_free_slot_today(desk, dr_lin)
    calendar = desk.screen("calendar", CalendarScreen)
    calendar.set_day(start.date())
    desk.wait_idle()
    point = calendar.view.slot_point(dr_lin, start)
    assert point is not None
    qtbot.mouseClick(calendar.view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    dialog = modal(BookingDialog)
    assert dialog.selected_start() == start
    desk.wait_idle()
    choose_patient(desk, dialog, patient, qtbot)
    with qtbot.waitSignal(dialog.sig_booked, timeout=10_000):
        dialog.book_button.click()
    booked = appointments_of(desk, patient.id)
    assert [(a.booking_mode, a.starts_at, a.doctor_id) for a in booked] == [
        (BookingMode.SPECIFIC_TIME, start, dr_lin)
    ]
    desk.wait_idle()
    assert calendar.view.block_rect_on_screen(booked[0].id) is not None  # the calendar shows it

    # -- book a Time Period tomorrow, then give it its exact time ----------------------------------
    tomorrow = start.date() + timedelta(days=1)
    dialog = open_booking(desk, BookingDraft(doctor_id=dr_lin, day=tomorrow, time_period=True))
    choose_patient(desk, dialog, patient, qtbot)
    qtbot.waitUntil(lambda: dialog.period.count() > 0, timeout=10_000)
    assert dialog.period_mode.isChecked()
    for number in range(dialog.period.count()):
        if dialog.period.itemData(number) == DayPeriod.AFTERNOON:
            dialog.period.setCurrentIndex(number)
    with qtbot.waitSignal(dialog.sig_booked, timeout=10_000):
        qtbot.keyClick(dialog, Qt.Key.Key_Return)  # Enter confirms
    period_booking = next(
        a for a in appointments_of(desk, patient.id) if a.booking_mode is BookingMode.TIME_PERIOD
    )
    assert (period_booking.period, period_booking.time_assigned) == (DayPeriod.AFTERNOON, False)
    desk.wait_idle()
    row = next(r for r in calendar.model.rows if r.id == period_booking.id)
    assign = AssignTimeDialog(calendar.desk, row, calendar)
    assign.open()
    qtbot.waitUntil(lambda: bool(assign.findChildren(QPushButton, "assign_choice")), timeout=10_000)
    with qtbot.waitSignal(assign.accepted, timeout=10_000):
        assign.findChildren(QPushButton, "assign_choice")[0].click()
    placed = next(a for a in appointments_of(desk, patient.id) if a.id == period_booking.id)
    assert placed.time_assigned and placed.starts_at.astimezone(start.tzinfo).hour >= 13

    # -- a wedge scan of the patient's card checks them in, wherever the desk is ------------------
    window.go("payments")
    desk.wait_idle()
    with qtbot.waitSignal(router(desk).sig_handled, timeout=10_000) as handled:
        wedge_scan(window, patient.barcode_id)
    assert handled.args == ["check_in", patient.id]
    today = next(a for a in appointments_of(desk, patient.id) if a.id == booked[0].id)
    assert today.status is AppointmentStatus.CHECKED_IN
    desk.wait_idle()
    assert window.current_key() == "patients"
    assert desk.screen("patients", PatientsScreen).page.name.text()  # the patient's page is open

    # -- a nurse records the treatment from its scanned code; the stock goes down ----------------
    desk.app.sign_out()
    desk.wait_state("login")
    desk.sign_in(NURSE)
    desk.wait_state("desk")
    window = desk.window
    with desk.db.session(desk.clinic_id) as session:
        item = session.scalars(
            select(TreatmentCatalogItem)
            .where(TreatmentCatalogItem.default_inventory_items != [])
            .order_by(TreatmentCatalogItem.name)
        ).first()
        assert item is not None
        code = session.scalars(
            select(BarcodeMapping.barcode_value).where(
                BarcodeMapping.entity_type == BarcodeEntityType.TREATMENT, BarcodeMapping.entity_id == item.id
            )
        ).one()
        materials = {
            uuid.UUID(line["item_id"]): int(line["quantity"]) for line in item.default_inventory_items
        }
    nurse = desk.actor(NURSE)
    before = stock(desk, nurse)
    with qtbot.waitSignal(router(desk).sig_handled, timeout=10_000) as handled:
        wedge_scan(window, code)
    assert handled.args == ["fill_treatment", item.id]
    assert window.current_key() == "treatments"
    treatments = desk.screen("treatments", TreatmentsScreen)
    qtbot.waitUntil(
        lambda: treatments.prefill is not None and treatments.prefill.catalog_item_id == item.id,
        timeout=10_000,
    )
    assert treatments.scan_badge.isVisible()
    assert treatments.facts.text()  # price and duration filled from the catalog
    desk.wait_idle()
    number = treatments.queue_model.find(lambda r: r.patient_id == patient.id)
    assert number >= 0
    treatments.queue.selectRow(number)
    assert treatments.patient_id == patient.id
    treatments.discount.setText("10")
    treatments.discount_kind.setCurrentIndex(1)  # per cent
    with qtbot.waitSignal(desk.app.runner.sig_changed, timeout=10_000):
        treatments.record_button.click()
    qtbot.waitUntil(lambda: treatments.result.isVisible(), timeout=10_000)
    after = stock(desk, nurse)
    assert {item_id: before[item_id] - after[item_id] for item_id in materials} == materials
    recorded = treatments._last
    assert recorded is not None
    assert recorded.final_amount == (item.base_price * Decimal("0.9")).quantize(recorded.final_amount)

    # -- the receptionist takes the payment; the day's cash-up shows it --------------------------
    desk.app.sign_out()
    desk.wait_state("login")
    desk.sign_in(RECEPTION)
    desk.wait_state("desk")
    window = desk.window
    reception = desk.actor(RECEPTION)
    day = MOMENT.astimezone(start.tzinfo).date()
    takings_before = takings(desk, reception, day)
    window.go("payments", {"treatment_id": recorded.treatment_id})
    payments = desk.screen("payments", PaymentsScreen)
    qtbot.waitUntil(
        lambda: payments.charge is not None and payments.charge.treatment_id == recorded.treatment_id,
        timeout=10_000,
    )
    assert Decimal(payments.amount.text()) == recorded.final_amount
    payments.method.setCurrentIndex(1)  # cash
    with qtbot.waitSignal(desk.app.runner.sig_changed, timeout=10_000):
        payments.take_button.click()
    desk.wait_idle()
    assert takings(desk, reception, day) - takings_before == recorded.final_amount
    qtbot.waitUntil(lambda: payments.cash_model.rowCount() > 0, timeout=10_000)
    assert "Cash" in [payments.cash_model.index(n, 0).data() for n in range(payments.cash_model.rowCount())]
    assert payments.cash_total.text().replace(",", "").endswith(str(int(takings(desk, reception, day))))


def test_a_double_booking_is_refused_with_a_clear_message_and_free_alternatives(desk: Desk, qtbot):
    desk.sign_in(RECEPTION)
    desk.wait_state("desk")
    with desk.db.session(desk.clinic_id) as session:
        taken = session.scalars(
            select(Appointment)
            .where(Appointment.status == AppointmentStatus.CONFIRMED, Appointment.starts_at > MOMENT)
            .order_by(Appointment.starts_at)
            .limit(1)
        ).one()
        session.expunge(taken)
    patient = free_patient(desk)
    start = taken.starts_at.astimezone(ZoneInfo("Asia/Taipei"))
    dialog = open_booking(desk, BookingDraft(doctor_id=taken.doctor_id, starts_at=start))
    choose_patient(desk, dialog, patient, qtbot)
    dialog.book_button.click()
    qtbot.waitUntil(lambda: dialog.refusal.isVisible(), timeout=10_000)
    assert dialog.refusal.text.text() == SlotUnavailable().translated("en")
    alternatives = dialog.findChildren(QPushButton, "booking_alternative")
    assert alternatives, "free alternatives are offered"
    assert appointments_of(desk, patient.id) == []
    with qtbot.waitSignal(dialog.sig_booked, timeout=10_000):
        alternatives[0].click()  # one click books the alternative
    booked = appointments_of(desk, patient.id)
    assert len(booked) == 1 and booked[0].starts_at != taken.starts_at


def stock(desk: Desk, actor: Actor) -> dict[uuid.UUID, int]:
    with desk.db.context(desk.clinic_id, actor) as ctx:
        return {level.item_id: level.quantity for level in stock_levels(ctx)}


def takings(desk: Desk, actor: Actor, day: date) -> Decimal:
    with desk.db.context(desk.clinic_id, actor) as ctx:
        return cash_up(ctx, day).net_total("TWD")
