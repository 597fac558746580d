"""One patient's page: who they are, allergies first and impossible to miss, contact and
emergency contact, medical history and medications (for roles that may see them), the card's
code, and their appointments, treatments and payments."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QMenu,
    QScrollArea,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from common.access.permissions import Permission
from common.barcodes.payload import display as code_display
from common.i18n import N_
from common.patients.history import AppointmentEntry, PaymentEntry, TreatmentEntry
from common.qt.i18n import _, format_date, format_money, format_time, language
from common.qt.icons import dot
from common.qt.models import RIGHT, Column, RowTableModel
from common.qt.theme import status_strong
from desktop import printouts
from desktop.desk import Desk
from desktop.labels import PREFERRED_LANGUAGES
from desktop.labels import label as value_label
from desktop.reads.patients import PatientPage, age_on
from desktop.reads.rows import Directory
from desktop.widgets.common import Banner, Card, button, label, table_view
from desktop.widgets.qr import QrCode

HISTORY_KEYS: Final = {
    "fitzpatrick_skin_type": N_("Skin type (Fitzpatrick)"),
    "conditions": N_("Conditions"),
    "pregnant_or_breastfeeding": N_("Pregnant or breastfeeding"),
}
CONTACT_KEYS: Final = {"name": N_("Name"), "relationship": N_("Relationship"), "phone": N_("Phone")}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    if isinstance(value, Mapping):
        return ", ".join(f"{key}: {_text(item)}" for key, item in value.items())
    return "" if value is None else str(value)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class PatientPageView(QWidget):
    """Shows a PatientPage; its buttons ask the screen (signals) to do things."""

    sig_check_in = Signal(object)  # appointment id
    sig_book = Signal()
    sig_record_treatment = Signal()
    sig_take_payment = Signal()
    sig_edit = Signal()
    sig_merge = Signal()

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.page: PatientPage | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer.addWidget(scroll)
        body = QWidget()
        scroll.setWidget(body)
        self.body = QVBoxLayout(body)
        self.body.setContentsMargins(4, 0, 8, 8)
        self.body.setSpacing(14)

        self.qr = QrCode(84)
        self.name = label("", "title")
        self.name.setObjectName("patient_name")
        self.facts = label("", "muted", wrap=True)
        self.card_code = label("", "muted")
        self.card_code.setObjectName("patient_card_code")
        identity = QVBoxLayout()
        identity.setSpacing(2)
        identity.addWidget(self.name)
        identity.addWidget(self.facts)
        identity.addWidget(self.card_code)
        identity.addStretch(1)
        header = QHBoxLayout()
        header.setSpacing(16)
        header.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignTop)
        header.addLayout(identity, 1)
        self.buttons = QHBoxLayout()
        self.buttons.setSpacing(8)
        self.check_in = button(primary=True, icon_name="check_in", on_click=self._check_in)
        self.check_in.setObjectName("patient_check_in")
        self.book = button(icon_name="calendar", on_click=self.sig_book.emit)
        self.book.setObjectName("patient_book")
        self.record = button(icon_name="treatment", on_click=self.sig_record_treatment.emit)
        self.pay = button(icon_name="payment", on_click=self.sig_take_payment.emit)
        self.edit = button(on_click=self.sig_edit.emit)
        self.edit.setObjectName("patient_edit")
        self.more = QToolButton()
        self.more.setObjectName("patient_more")
        self.more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more.setText("⋯")
        self.more.setProperty("more", True)
        self.more_menu = QMenu(self.more)
        self.print_action = self.more_menu.addAction("")
        self.print_action.triggered.connect(self._print_card)
        self.merge_action = self.more_menu.addAction("")
        self.merge_action.triggered.connect(self.sig_merge.emit)
        self.more.setMenu(self.more_menu)
        for widget in (self.check_in, self.book, self.record, self.pay, self.edit, self.more):
            self.buttons.addWidget(widget)
        self.buttons.addStretch(1)
        self.body.addLayout(header)
        self.body.addLayout(self.buttons)

        self.allergies = Banner("danger")
        self.allergies.setObjectName("patient_allergies")
        big = self.allergies.text.font()
        big.setPointSizeF(big.pointSizeF() + 1.5)
        big.setBold(True)
        self.allergies.text.setFont(big)
        self.body.addWidget(self.allergies)

        self.contact = Card()
        self.emergency = Card()
        self.medical = Card()
        self.medical.setObjectName("patient_medical")
        self.contact_text = label("", wrap=True)
        self.emergency_text = label("", wrap=True)
        self.medical_text = label("", wrap=True)
        self.contact.body.addWidget(self.contact_text)
        self.emergency.body.addWidget(self.emergency_text)
        self.medical.body.addWidget(self.medical_text)
        for card in (self.contact, self.emergency, self.medical):
            card.body.addStretch(1)
        cards = QGridLayout()
        cards.setSpacing(12)
        cards.addWidget(self.contact, 0, 0)
        cards.addWidget(self.emergency, 0, 1)
        cards.addWidget(self.medical, 1, 0, 1, 2)
        self.body.addLayout(cards)

        directory = self._directory
        self.appointments: RowTableModel[AppointmentEntry] = RowTableModel(
            [
                Column(
                    N_("Date"),
                    lambda a: format_date(self._local(a.starts_at).date()),
                    sort_key=lambda a: a.starts_at,
                ),
                Column(
                    N_("Time"),
                    lambda a: (
                        format_time(self._local(a.starts_at)) if a.time_assigned else value_label(a.period)
                    ),
                ),
                Column(N_("Doctor"), lambda a: directory().staff_name(a.doctor_id)),
                Column(
                    N_("Treatment"),
                    lambda a: self._treatment_name(a.treatment_type_id) or value_label(a.appointment_type),
                ),
                Column(
                    N_("Status"),
                    lambda a: value_label(a.status),
                    decoration=lambda a: dot(status_strong(a.status.value)),
                ),
            ]
        )
        self.treatments: RowTableModel[TreatmentEntry] = RowTableModel(
            [
                Column(
                    N_("Date"), lambda t: format_date(t.treatment_date), sort_key=lambda t: t.treatment_date
                ),
                Column(N_("Treatment"), lambda t: t.treatment_name),
                Column(N_("Doctor"), lambda t: directory().staff_name(t.doctor_id)),
                Column(N_("Amount"), lambda t: format_money(t.final_amount, t.currency), align=RIGHT),
                Column(N_("Follow-up"), lambda t: format_date(t.follow_up_date) if t.follow_up_date else ""),
            ]
        )
        self.payments: RowTableModel[PaymentEntry] = RowTableModel(
            [
                Column(
                    N_("Date"),
                    lambda p: format_date(self._local(p.paid_at).date()),
                    sort_key=lambda p: p.paid_at,
                ),
                Column(N_("Kind"), lambda p: value_label(p.kind)),
                Column(N_("Method"), lambda p: value_label(p.payment_method)),
                Column(N_("Amount"), lambda p: format_money(p.final_amount, p.currency), align=RIGHT),
                Column(N_("Status"), lambda p: value_label(p.payment_status)),
            ]
        )
        self.tabs = QTabWidget()
        self.tabs.setObjectName("patient_tabs")
        self.tables = [table_view(model) for model in (self.appointments, self.treatments, self.payments)]
        for table in self.tables:
            table.setMinimumHeight(220)
            self.tabs.addTab(table, "")
        self.body.addWidget(self.tabs, 1)
        language().sig_language_changed.connect(self._language_changed)
        self.retranslate()

    # -- words ----------------------------------------------------------------------------------

    def _directory(self) -> Directory:
        return self.desk.directory

    def _language_changed(self, _locale: str) -> None:
        self.retranslate()

    def retranslate(self) -> None:
        self.check_in.setText(_("Check in"))
        self.book.setText(_("Book"))
        self.record.setText(_("Record treatment"))
        self.pay.setText(_("Take payment"))
        self.edit.setText(_("Edit"))
        self.more.setToolTip(_("More actions"))
        self.more.setAccessibleName(_("More actions"))
        self.print_action.setText(_("Print patient card"))
        self.merge_action.setText(_("Merge a duplicate into this patient…"))
        self.contact.set_title(_("Contact"))
        self.emergency.set_title(_("Emergency contact"))
        self.medical.set_title(_("Medical history and medications"))
        for model in (self.appointments, self.treatments, self.payments):
            model.retranslate()
        if self.page is not None:
            self.show_page(self.page)

    # -- showing --------------------------------------------------------------------------------

    def show_page(self, page: PatientPage) -> None:
        self.page = page
        today = self.desk.today()
        self.name.setText(page.name)
        facts = []
        born = page.field("date_of_birth")
        age = age_on(born, today)
        if age is not None:
            facts.append(_("%(age)s years", age=age))
            facts.append(_("born %(date)s", date=format_date(born)))
        spoken = page.field("preferred_language")
        if spoken is not None:
            facts.append(PREFERRED_LANGUAGES.get(spoken.value, spoken.value))
        if page.field("is_active") is False:
            facts.append(_("Inactive record"))
        self.facts.setText(" · ".join(facts))
        code = page.field("barcode_id")
        self.card_code.setText(_("Card %(code)s", code=code_display(code)) if code else "")
        self.qr.set_value(code)
        self._show_allergies(page)
        self._show_contact(page)
        self._show_medical(page)
        history = page.history
        can = self.desk.can
        self.check_in.setEnabled(True)
        self.check_in.setVisible(
            page.checkable_appointment_id is not None and can(Permission.APPOINTMENT_CHECK_IN)
        )
        self.book.setVisible(can(Permission.APPOINTMENT_BOOK))
        self.record.setVisible(can(Permission.TREATMENT_RECORD))
        self.pay.setVisible(can(Permission.PAYMENT_TAKE))
        self.edit.setVisible(can(Permission.PATIENT_WRITE))
        self.print_action.setEnabled(printouts.available("patient_card"))
        self.merge_action.setVisible(can(Permission.PATIENT_MERGE))
        self.appointments.set_rows(list(history.appointments or ()))
        self.treatments.set_rows(list(history.treatments or ()))
        self.payments.set_rows(list(history.payments or ()))
        sections = (
            (history.appointments, N_("Appointments (%(count)s)")),
            (history.treatments, N_("Treatments (%(count)s)")),
            (history.payments, N_("Payments (%(count)s)")),
        )
        for number, (rows, title) in enumerate(sections):
            self.tabs.setTabVisible(number, rows is not None)
            self.tabs.setTabText(number, _(title, count=len(rows or ())))

    def _show_allergies(self, page: PatientPage) -> None:
        if not page.can_see("allergies"):
            self.allergies.hide()
            return
        allergies = page.field("allergies") or []
        if allergies:
            self.allergies.set_kind("danger")
            self.allergies.set_text(_("Allergies: %(allergies)s", allergies=_text(allergies)))
        else:
            self.allergies.set_kind("success")
            self.allergies.set_text(_("No known allergies"))
        self.allergies.show()

    def _show_contact(self, page: PatientPage) -> None:
        lines = []
        for name, title in (("contact_phone", N_("Phone")), ("contact_email", N_("Email"))):
            value = page.field(name)
            lines.append(f"<b>{_(title)}</b>&nbsp; {_escape(value) if value else '—'}")
        for name, title in (
            ("last_visit_date", N_("Last visit")),
            ("next_appointment_date", N_("Next appointment")),
        ):
            value = page.field(name)
            lines.append(f"<b>{_(title)}</b>&nbsp; {format_date(value) if value else '—'}")
        notes = page.field("notes")
        if notes:
            lines.append(f"<i>{_escape(notes)}</i>")
        self.contact_text.setText("<br>".join(lines))
        contact = page.field("emergency_contact") or {}
        if contact:
            rows = [
                f"<b>{_(CONTACT_KEYS.get(key, key))}</b>&nbsp; {_escape(_text(value))}"
                for key, value in contact.items()
            ]
            self.emergency_text.setText("<br>".join(rows))
        else:
            self.emergency_text.setText(_("None recorded."))

    def _show_medical(self, page: PatientPage) -> None:
        if not page.can_see("medical_history"):
            self.medical.hide()
            return
        self.medical.show()
        lines = []
        for key, value in (page.field("medical_history") or {}).items():
            title = _(HISTORY_KEYS[key]) if key in HISTORY_KEYS else key.replace("_", " ").capitalize()
            lines.append(f"<b>{_escape(title)}</b>&nbsp; {_escape(_text(value))}")
        medications = page.field("current_medications") or []
        lines.append(
            f"<b>{_('Current medications')}</b>&nbsp; "
            + (_escape(_text(medications)) if medications else _("None"))
        )
        self.medical_text.setText("<br>".join(lines))

    # -- actions --------------------------------------------------------------------------------

    def _check_in(self) -> None:
        if self.page is not None and self.page.checkable_appointment_id is not None:
            self.check_in.setEnabled(False)
            self.sig_check_in.emit(self.page.checkable_appointment_id)

    def _print_card(self) -> None:
        if self.page is not None:
            printouts.print_document(self.desk, "patient_card", self.page.patient.id, self)

    def _local(self, instant: Any) -> Any:
        return instant.astimezone(self.desk.clinic.tz)

    def _treatment_name(self, item_id: Any) -> str:
        item = self.desk.directory.treatment(item_id)
        return item.name if item is not None else ""

    def sizeHint(self) -> QSize:
        return QSize(760, 700)
