"""Payments: take a payment against a treatment (what is still owed) or an appointment (a
deposit), with a discount; the day's payments with receipts and refunds; the day's cash-up."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from common.access.permissions import Permission
from common.errors import DomainError
from common.i18n import N_
from common.payments.models import PaymentKind, PaymentMethod
from common.payments.service import CashUp, MethodTotals
from common.qt.i18n import _, format_date, format_money, format_number, format_time, language
from common.qt.icons import icon
from common.qt.models import RIGHT, Column, RowTableModel
from common.qt.theme import current_theme
from common.scheduling.calendar_view import appointments_for_patient
from common.scheduling.models import AppointmentStatus
from desktop import printouts
from desktop.actions import PaymentTaken, give_refund, pay
from desktop.desk import Desk
from desktop.labels import label as value_label
from desktop.reads.payments import OpenCharge, PaymentRow, PaymentsDay, payments_day
from desktop.reads.rows import PatientRow
from desktop.screens.base import Screen
from desktop.widgets.common import Banner, Card, EmptyState, button, hbox, label, select_data, table_view
from desktop.widgets.dialogs import ask_reason
from desktop.widgets.patient_picker import PatientPicker

REFUND_REASONS = (
    N_("The treatment was not given"),
    N_("Charged twice by mistake"),
    N_("Goodwill refund approved by the manager"),
)
PAY_METHODS = (
    PaymentMethod.CARD,
    PaymentMethod.CASH,
    PaymentMethod.MOBILE,
    PaymentMethod.BANK_TRANSFER,
    PaymentMethod.INSURANCE,
    PaymentMethod.OTHER,
)


def _amount(text: str) -> Decimal | None:
    cleaned = text.strip().replace(",", "")
    if not cleaned:
        return Decimal(0)
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


class PaymentsScreen(Screen):
    watches = frozenset({"payment_records", "treatment_records"})

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(desk, parent)
        self.day = desk.today()
        self.data: PaymentsDay | None = None
        self.charge: OpenCharge | None = None
        self.wanted_treatment: uuid.UUID | None = None
        self.wanted_patient: uuid.UUID | None = None
        self.day_edit = QDateEdit()
        self.day_edit.setObjectName("payments_day")
        self.day_edit.setCalendarPopup(True)
        self.day_edit.setDisplayFormat("yyyy-MM-dd")
        self.day_edit.setDate(QDate(self.day.year, self.day.month, self.day.day))
        self.day_edit.dateChanged.connect(self._day_changed)
        self.previous = QToolButton()
        self.previous.setIcon(icon("previous"))
        self.previous.clicked.connect(lambda: self._shift(-1))
        self.next = QToolButton()
        self.next.setIcon(icon("next"))
        self.next.clicked.connect(lambda: self._shift(1))
        self.layout_.addLayout(hbox(self.title, None, self.previous, self.day_edit, self.next))

        # -- taking a payment --
        self.charges_model: RowTableModel[OpenCharge] = RowTableModel(
            [
                Column(N_("Patient"), lambda c: c.patient_name, bold=lambda c: True),
                Column(N_("Treatment"), lambda c: c.treatment_name),
                Column(N_("Owed"), lambda c: format_money(c.outstanding, c.currency), align=RIGHT),
            ]
        )
        self.charges = table_view(self.charges_model)
        self.charges.setObjectName("open_charges")
        self.charges.selectionModel().currentRowChanged.connect(
            lambda current, _old: self._charge_chosen(current)
        )
        self.charges_empty = EmptyState("payment")
        self.mode = QComboBox()
        self.mode.setObjectName("payment_mode")
        self.mode.currentIndexChanged.connect(self._mode_changed)
        self.picker = PatientPicker(desk)
        self.picker.sig_chosen.connect(self._patient_chosen)
        self.appointment = QComboBox()
        self.appointment.setObjectName("payment_appointment")
        self.target = label("", "heading")
        self.target.setObjectName("payment_target")
        self.amount = QLineEdit()
        self.amount.setObjectName("payment_amount")
        self.discount = QLineEdit()
        self.discount.setObjectName("payment_discount")
        self.discount.setPlaceholderText("0")
        self.method = QComboBox()
        self.method.setObjectName("payment_method")
        self.reference = QLineEdit()
        self.notes = QLineEdit()
        self.take_button = button(primary=True, icon_name="payment", on_click=self.submit)
        self.take_button.setObjectName("take_payment")
        self.message = Banner("success")
        self.message.setObjectName("payment_message")
        self.message.hide()
        self.receipt_after = button(icon_name="print", on_click=self._last_receipt)
        self.receipt_after.hide()
        self.last_payment: PaymentTaken | None = None
        self.labels = {
            key: label() for key in ("amount", "discount", "method", "reference", "notes", "appointment")
        }
        self.charge_page = QWidget()
        charge_layout = QVBoxLayout(self.charge_page)
        charge_layout.setContentsMargins(0, 0, 0, 0)
        charge_layout.addWidget(self.charges, 1)
        charge_layout.addWidget(self.charges_empty, 1)
        self.patient_page = QWidget()
        patient_layout = QFormLayout(self.patient_page)
        patient_layout.setContentsMargins(0, 0, 0, 0)
        patient_layout.addRow(self.picker)
        patient_layout.addRow(self.labels["appointment"], self.appointment)
        self.sources = QStackedWidget()
        self.sources.addWidget(self.charge_page)
        self.sources.addWidget(self.patient_page)
        form = QFormLayout()
        form.setSpacing(10)
        form.addRow(self.labels["amount"], self.amount)
        form.addRow(self.labels["discount"], self.discount)
        form.addRow(self.labels["method"], self.method)
        form.addRow(self.labels["reference"], self.reference)
        form.addRow(self.labels["notes"], self.notes)
        self.take_card = Card()
        self.take_card.setObjectName("take_payment_card")
        self.take_card.header.addWidget(self.mode)
        self.take_card.body.addWidget(self.sources, 1)
        self.take_card.body.addWidget(self.target)
        self.take_card.body.addLayout(form)
        self.take_card.body.addWidget(self.message)
        self.take_card.body.addLayout(hbox(self.receipt_after, None, self.take_button))
        self.take_card.setMinimumWidth(420)
        self.take_card.setMaximumWidth(520)

        # -- the day --
        self.day_model: RowTableModel[PaymentRow] = RowTableModel(
            [
                Column(N_("Time"), lambda p: format_time(p.paid_at), sort_key=lambda p: p.paid_at),
                Column(N_("Patient"), lambda p: p.patient_name, bold=lambda p: True),
                Column(
                    N_("For"), lambda p: p.treatment_name or (_("Appointment") if p.appointment_id else "")
                ),
                Column(N_("Method"), lambda p: value_label(p.method)),
                Column(
                    N_("Amount"),
                    lambda p: format_money(p.final_amount, p.currency),
                    align=RIGHT,
                    foreground=lambda p: None if p.kind is PaymentKind.PAYMENT else _danger(),
                ),
                Column(N_("Status"), self._status_text),
            ]
        )
        self.day_table = table_view(self.day_model)
        self.day_table.setObjectName("day_payments")
        self.day_table.selectionModel().selectionChanged.connect(
            lambda _new, _old: self._update_row_buttons()
        )
        self.day_empty = EmptyState("payment")
        self.receipt_button = button(icon_name="print", on_click=self._receipt)
        self.refund_button = button(danger=True, on_click=self._refund)
        self.refund_button.setObjectName("refund_button")
        self.day_card = Card()
        self.day_card.body.addWidget(self.day_table, 1)
        self.day_card.body.addWidget(self.day_empty, 1)
        self.day_card.body.addLayout(hbox(None, self.receipt_button, self.refund_button))

        self.cash_model: RowTableModel[MethodTotals] = RowTableModel(
            [
                Column(N_("Method"), lambda m: value_label(m.method) or _("Other")),
                Column(
                    N_("Payments"),
                    lambda m: (
                        f"{format_number(m.payment_count)} · {format_money(m.payments_total, m.currency)}"
                    ),
                    align=RIGHT,
                ),
                Column(
                    N_("Refunds"),
                    lambda m: (
                        f"{format_number(m.refund_count)} · {format_money(m.refunds_total, m.currency)}"
                    ),
                    align=RIGHT,
                ),
                Column(N_("Discounts"), lambda m: format_money(m.discount_total, m.currency), align=RIGHT),
                Column(
                    N_("Net"),
                    lambda m: format_money(m.net_total, m.currency),
                    align=RIGHT,
                    bold=lambda m: True,
                ),
            ]
        )
        self.cash_table = table_view(self.cash_model)
        self.cash_table.setObjectName("cash_up")
        self.cash_table.setMaximumHeight(210)
        self.cash_total = label("", "figure")
        self.cash_total.setObjectName("cash_up_total")
        self.cash_card = Card()
        self.cash_card.header.addWidget(self.cash_total)
        self.cash_card.body.addWidget(self.cash_table)

        right = QVBoxLayout()
        right.setSpacing(14)
        right.addWidget(self.day_card, 3)
        right.addWidget(self.cash_card, 2)
        panels = QHBoxLayout()
        panels.setSpacing(14)
        panels.addWidget(self.take_card)
        panels.addLayout(right, 1)
        self.layout_.addLayout(panels, 1)
        self.retranslate()

    # -- Screen -------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.title.setText(_("Payments"))
        self.previous.setToolTip(_("Previous day"))
        self.next.setToolTip(_("Next day"))
        self.previous.setAccessibleName(_("Previous day"))
        self.next.setAccessibleName(_("Next day"))
        self.day_edit.setAccessibleName(_("Day"))
        self.take_card.set_title(_("Take a payment"))
        mode = self.mode.currentIndex()
        self.mode.blockSignals(True)
        self.mode.clear()
        self.mode.addItems([_("For a treatment"), _("For an appointment (deposit)")])
        self.mode.setCurrentIndex(max(0, mode))
        self.mode.blockSignals(False)
        self.mode.setAccessibleName(_("Pay for"))
        words = {
            "amount": _("Amount"),
            "discount": _("Discount"),
            "method": _("Method"),
            "reference": _("Card or transfer reference"),
            "notes": _("Notes"),
            "appointment": _("Appointment"),
        }
        for key, text in words.items():
            self.labels[key].setText(text)
        for widget, key in (
            (self.amount, "amount"),
            (self.discount, "discount"),
            (self.method, "method"),
            (self.reference, "reference"),
            (self.notes, "notes"),
            (self.appointment, "appointment"),
        ):
            widget.setAccessibleName(words[key])
        method = self.method.currentData()
        self.method.clear()
        for value in PAY_METHODS:
            self.method.addItem(value_label(value), value)
        select_data(self.method, method)
        self.take_button.setText(_("Take payment"))
        self.receipt_after.setText(_("Print receipt"))
        self.charges_empty.set_text(_("Nothing is owed for recent treatments."))
        self.day_card.set_title(_("Payments and refunds"))
        self.day_empty.set_text(_("No payments on this day."))
        self.receipt_button.setText(_("Receipt"))
        self.refund_button.setText(_("Refund…"))
        self.cash_card.set_title(_("Cash-up"))
        for model in (self.charges_model, self.day_model, self.cash_model):
            model.retranslate()
        if self.data is not None:
            self._loaded(self.data)
        self._show_target()

    def refresh(self) -> None:
        day = self.day
        self.desk.read(
            lambda ctx: payments_day(ctx, day),
            name="payments.load",
            on_success=self._loaded,
            key="payments",
            parent=self,
        )

    def activate(self, args: Mapping[str, Any]) -> None:
        treatment_id = args.get("treatment_id")
        if isinstance(treatment_id, uuid.UUID):
            self.wanted_treatment = treatment_id
            self.mode.setCurrentIndex(0)
            self._stale = True
        patient_id = args.get("patient_id")
        if isinstance(patient_id, uuid.UUID) and treatment_id is None:
            self.wanted_patient = patient_id
            self.mode.setCurrentIndex(0)
            self._stale = True
        super().activate(args)

    # -- loading ----------------------------------------------------------------------------------

    def _loaded(self, data: PaymentsDay) -> None:
        self.data = data
        current = self.charge.treatment_id if self.charge is not None else None
        wanted = self.wanted_treatment or current
        self.charges_model.set_rows(list(data.open_charges))
        self.charges.setVisible(bool(data.open_charges))
        self.charges_empty.setVisible(not data.open_charges)
        number = self.charges_model.find(lambda c: c.treatment_id == wanted) if wanted else -1
        if number < 0 and self.wanted_patient is not None:
            patient = self.wanted_patient
            number = self.charges_model.find(lambda c: c.patient_id == patient)
        self.wanted_patient = None
        if number >= 0:
            self.charges.selectRow(number)
            self.wanted_treatment = None
        else:
            self.charge = None
            self._show_target()
        self.day_model.set_rows(list(data.payments))
        self.day_table.setVisible(bool(data.payments))
        self.day_empty.setVisible(not data.payments)
        self._update_row_buttons()
        self._show_cash_up(data.cash_up)
        self.day_card.set_title(_("Payments and refunds · %(day)s", day=format_date(data.day)))

    def _show_cash_up(self, totals: CashUp | None) -> None:
        self.cash_card.setVisible(totals is not None)
        if totals is None:
            return
        self.cash_model.set_rows(list(totals.lines))
        currency = self.desk.clinic.currency
        self.cash_total.setText(format_money(totals.net_total(currency), currency))
        self.cash_total.setAccessibleName(_("Net takings: %(amount)s", amount=self.cash_total.text()))
        self.cash_card.set_title(_("Cash-up · %(day)s", day=format_date(totals.day)))

    def _day_changed(self, value: QDate) -> None:
        self.day = date(value.year(), value.month(), value.day())
        self.reload()

    def _shift(self, days: int) -> None:
        day = self.day + timedelta(days=days)
        self.day_edit.setDate(QDate(day.year, day.month, day.day))

    # -- what is paid for ---------------------------------------------------------------------------

    def _mode_changed(self, index: int) -> None:
        self.sources.setCurrentIndex(index)
        self.charge = None if index == 1 else self.charge
        self._show_target()

    def _charge_chosen(self, index: Any) -> None:
        if not index.isValid():
            return
        self.charge = self.charges_model.row_at(index)
        self.amount.setText(str(self.charge.outstanding))
        self.discount.clear()
        self.message.hide()
        self.receipt_after.hide()
        self._show_target()

    def _patient_chosen(self, row: PatientRow | None) -> None:
        self.appointment.clear()
        if row is None:
            self._show_target()
            return
        patient_id = row.id
        self.desk.read(
            lambda ctx: appointments_for_patient(ctx, patient_id, include_cancelled=False),
            name="payments.appointments",
            on_success=self._appointments_loaded,
            parent=self,
        )

    def _appointments_loaded(self, appointments: list[Any]) -> None:
        self.appointment.clear()
        tz = self.desk.clinic.tz
        today = self.desk.today()
        for appointment in appointments:
            if appointment.status in (AppointmentStatus.NO_SHOW, AppointmentStatus.CANCELLED):
                continue
            if appointment.appointment_date < today:
                continue
            local = appointment.starts_at.astimezone(tz)
            self.appointment.addItem(
                f"{format_date(local.date())} {format_time(local)} · {appointment.reservation_id}",
                appointment.id,
            )
        self._show_target()

    def _show_target(self) -> None:
        allowed = self.desk.can(Permission.PAYMENT_TAKE)
        if self.mode.currentIndex() == 0:
            charge = self.charge
            if charge is None:
                self.target.setText(_("Choose what is owed above."))
                ready = False
            else:
                self.target.setText(
                    _(
                        "%(patient)s · %(treatment)s · owes %(amount)s",
                        patient=charge.patient_name,
                        treatment=charge.treatment_name,
                        amount=format_money(charge.outstanding, charge.currency),
                    )
                )
                ready = True
        else:
            patient = self.picker.chosen
            ready = patient is not None and self.appointment.count() > 0
            if patient is None:
                self.target.setText(_("Find the patient, then choose the appointment."))
            elif self.appointment.count() == 0:
                self.target.setText(_("%(patient)s has no upcoming appointment.", patient=patient.name))
            else:
                self.target.setText(patient.name)
        self.take_button.setEnabled(allowed and ready)
        self.take_button.setVisible(allowed)

    # -- taking and refunding ----------------------------------------------------------------------

    def submit(self) -> None:
        amount, discount = _amount(self.amount.text()), _amount(self.discount.text())
        if amount is None or discount is None or amount <= 0:
            self._show_message("danger", _("Enter the amount as a number, such as 1500 or 1500.50."))
            return
        method = PaymentMethod(self.method.currentData())
        if self.mode.currentIndex() == 0 and self.charge is not None:
            patient_id, treatment_id, appointment_id = self.charge.patient_id, self.charge.treatment_id, None
        elif self.mode.currentIndex() == 1 and self.picker.chosen is not None:
            patient_id, treatment_id = self.picker.chosen.id, None
            appointment_id = self.appointment.currentData()
        else:
            return
        self.take_button.setEnabled(False)
        intent = pay(
            patient_id,
            amount,
            method,
            treatment_id=treatment_id,
            appointment_id=appointment_id,
            discount=discount,
            notes=self.notes.text().strip() or None,
            transaction_id=self.reference.text().strip() or None,
        )
        self.desk.write(intent, on_success=self._paid, on_failure=self._failed, parent=self)

    def _paid(self, taken: PaymentTaken) -> None:
        self.last_payment = taken
        self._show_message(
            "success",
            _("Payment of %(amount)s taken.", amount=format_money(taken.final_amount, taken.currency)),
        )
        self.receipt_after.setVisible(printouts.available("receipt"))
        for field in (self.amount, self.discount, self.reference, self.notes):
            field.clear()
        self.charge = None
        self._show_target()

    def _failed(self, error: BaseException) -> bool:
        self._show_target()
        if isinstance(error, DomainError):
            self._show_message("danger", error.translated(language().locale))
            return True
        return False

    def _show_message(self, kind: str, text: str) -> None:
        self.message.set_kind(kind)
        self.message.set_text(text)
        self.message.show()

    def _selected_payment(self) -> PaymentRow | None:
        rows = self.day_table.selectionModel().selectedRows()
        return self.day_model.row_at(rows[0]) if rows else None

    def _update_row_buttons(self) -> None:
        row = self._selected_payment()
        is_payment = row is not None and row.kind is PaymentKind.PAYMENT
        self.receipt_button.setEnabled(is_payment and printouts.available("receipt"))
        self.refund_button.setEnabled(
            is_payment and row is not None and row.refundable > 0 and self.desk.can(Permission.PAYMENT_REFUND)
        )
        self.refund_button.setVisible(self.desk.can(Permission.PAYMENT_REFUND))

    def _receipt(self) -> None:
        row = self._selected_payment()
        if row is not None:
            printouts.print_document(self.desk, "receipt", row.id, self)

    def _last_receipt(self) -> None:
        if self.last_payment is not None:
            printouts.print_document(self.desk, "receipt", self.last_payment.payment_id, self)

    def _refund(self) -> None:
        row = self._selected_payment()
        if row is None or row.refundable <= 0:
            return
        amount = format_money(row.refundable, row.currency)
        ask_reason(
            self,
            _("Refund"),
            _(
                "Refund %(amount)s to %(patient)s? Give the reason; it is kept with the refund.",
                amount=amount,
                patient=row.patient_name,
            ),
            _("Refund %(amount)s", amount=amount),
            [_(reason) for reason in REFUND_REASONS],
            lambda reason: self.desk.write(give_refund(row.id, None, reason), parent=self),
        )

    def _status_text(self, row: PaymentRow) -> str:
        if row.kind is PaymentKind.REFUND:
            return value_label(PaymentKind.REFUND)
        if row.refunded > 0 and row.refundable > 0:
            return _("Partly refunded")
        return value_label(row.status)


def _danger() -> QColor:
    return QColor(current_theme().danger)
