"""The booking form, in both modes of the seed: a Specific Time, or a Time Period (morning,
afternoon, evening) whose exact time is assigned later. A refusal shows the service's message and
its free alternatives as buttons: one click books the alternative."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from PySide6.QtCore import QDate, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QRadioButton,
    QSizePolicy,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from common.errors import DomainError
from common.qt.i18n import _, format_day, format_time, language
from common.scheduling.booking import BookingRequest
from common.scheduling.errors import PeriodFull, SlotUnavailable
from common.scheduling.models import AppointmentType, DayPeriod
from common.scheduling.slots import FreeSlot, PeriodCapacity
from desktop.actions import Booked, book, join_waitlist
from desktop.desk import Desk
from desktop.labels import label as value_label
from desktop.reads.calendar import DayChoices, day_choices
from desktop.reads.rows import PatientRow
from desktop.widgets.common import Banner, button, choice_buttons, clear_layout, label, select_data
from desktop.widgets.patient_picker import PatientPicker

MAX_QUICK_TIMES = 7


@dataclass(frozen=True)
class BookingDraft:
    """What the form opens with (a clicked slot, a waitlist entry, a patient's page)."""

    patient: PatientRow | None = None
    doctor_id: uuid.UUID | None = None
    starts_at: datetime | None = None  # local
    day: date | None = None
    period: DayPeriod | None = None
    treatment_id: uuid.UUID | None = None
    time_period: bool = False


class BookingDialog(QDialog):
    sig_booked = Signal(object)  # Booked

    def __init__(self, desk: Desk, draft: BookingDraft, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("booking_dialog")
        self.setModal(True)
        self.setMinimumWidth(620)
        self.desk = desk
        self._choices: DayChoices | None = None
        self._booking = False

        self.patient = PatientPicker(desk)
        self.doctor = QComboBox()
        self.doctor.setObjectName("booking_doctor")
        for doctor in desk.directory.doctors:
            self.doctor.addItem(doctor.name, doctor.id)
        self.treatment = QComboBox()
        self.treatment.setObjectName("booking_treatment")
        self.treatment.addItem("", None)
        for item in desk.directory.catalog:
            self.treatment.addItem(f"{item.name} · {item.duration_minutes} min", item.id)
        self.duration = QSpinBox()
        self.duration.setRange(5, 480)
        self.duration.setSingleStep(15)
        self.duration.setValue(30)
        self.kind = QComboBox()
        for kind in AppointmentType:
            self.kind.addItem(value_label(kind), kind)

        self.specific = QRadioButton()
        self.specific.setObjectName("mode_specific")
        self.period_mode = QRadioButton()
        self.period_mode.setObjectName("mode_period")
        self.modes = QButtonGroup(self)
        self.modes.addButton(self.specific)
        self.modes.addButton(self.period_mode)
        self.day = QDateEdit()
        self.day.setObjectName("booking_day")
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.time = QTimeEdit()
        self.time.setObjectName("booking_time")
        self.time.setDisplayFormat("HH:mm")
        self.period = QComboBox()
        self.period.setObjectName("booking_period")
        self.quick_times = QHBoxLayout()
        self.quick_times.setSpacing(6)
        self.quick_box = QWidget()
        self.quick_box.setLayout(self.quick_times)
        self.quick_times.setContentsMargins(0, 0, 0, 0)
        self.reason = QLineEdit()
        self.reason.setObjectName("booking_reason")

        self.refusal = Banner("danger")
        self.refusal.setObjectName("booking_refusal")
        self.refusal.hide()
        self.alternatives = QVBoxLayout()
        self.alternatives.setSpacing(4)

        self.heading = label("", "title")
        self.form = QFormLayout()
        self.form.setSpacing(10)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.labels = {
            name: label()
            for name in (
                "patient",
                "doctor",
                "treatment",
                "length",
                "type",
                "mode",
                "day",
                "time",
                "period",
                "reason",
            )
        }
        mode_row = QHBoxLayout()
        mode_row.addWidget(self.specific)
        mode_row.addWidget(self.period_mode)
        mode_row.addStretch(1)
        self.form.addRow(self.labels["patient"], self.patient)
        self.form.addRow(self.labels["doctor"], self.doctor)
        self.form.addRow(self.labels["treatment"], self.treatment)
        self.form.addRow(self.labels["length"], self.duration)
        self.form.addRow(self.labels["type"], self.kind)
        self.form.addRow(self.labels["mode"], mode_row)
        self.form.addRow(self.labels["day"], self.day)
        self.form.addRow(self.labels["time"], self.time)
        self.labels["free"] = label()
        self.form.addRow(self.labels["free"], self.quick_box)
        self.form.addRow(self.labels["period"], self.period)
        self.form.addRow(self.labels["reason"], self.reason)

        self.book_button = button(primary=True, on_click=self.submit)
        self.book_button.setObjectName("booking_submit")
        self.book_button.setDefault(True)
        self.waitlist_button = button(flat=True, on_click=self.add_to_waitlist)
        self.waitlist_button.setObjectName("booking_waitlist")
        self.cancel_button = button(on_click=self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.waitlist_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.book_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(12)
        layout.addWidget(self.heading)
        layout.addLayout(self.form)
        layout.addWidget(self.refusal)
        layout.addLayout(self.alternatives)
        layout.addLayout(buttons)

        self._apply_draft(draft)
        self.treatment.currentIndexChanged.connect(self._treatment_changed)
        self.modes.buttonToggled.connect(lambda _button, _checked: self._mode_changed())
        for signal in (self.doctor.currentIndexChanged, self.day.dateChanged, self.duration.valueChanged):
            signal.connect(lambda *_args: self._load_choices())
        self.retranslate()
        self._mode_changed()
        self._treatment_changed()

    # -- the form ---------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(_("New booking"))
        self.heading.setText(_("New booking"))
        words = {
            "patient": _("Patient"),
            "doctor": _("Doctor"),
            "treatment": _("Treatment"),
            "length": _("Length (minutes)"),
            "type": _("Type"),
            "mode": _("Booking"),
            "day": _("Day"),
            "time": _("Time"),
            "period": _("Period"),
            "reason": _("Reason for the visit"),
            "free": _("Free times"),
        }
        for name, text in words.items():
            self.labels[name].setText(text)
        self.doctor.setAccessibleName(words["doctor"])
        self.treatment.setAccessibleName(words["treatment"])
        self.treatment.setItemText(0, _("No treatment (set the length)"))
        self.duration.setAccessibleName(words["length"])
        self.kind.setAccessibleName(words["type"])
        self.day.setAccessibleName(words["day"])
        self.time.setAccessibleName(words["time"])
        self.period.setAccessibleName(words["period"])
        self.reason.setAccessibleName(words["reason"])
        self.specific.setText(_("Specific time"))
        self.period_mode.setText(_("Time period (assign the time later)"))
        self.book_button.setText(_("Book"))
        self.cancel_button.setText(_("Cancel"))
        self.waitlist_button.setText(_("Add to the waitlist instead"))

    def _apply_draft(self, draft: BookingDraft) -> None:
        if draft.patient is not None:
            self.patient.set_patient(draft.patient)
        if draft.doctor_id is not None:
            select_data(self.doctor, draft.doctor_id)
        if draft.treatment_id is not None:
            select_data(self.treatment, draft.treatment_id)
        now = self.desk.now()
        day = draft.day or (draft.starts_at.date() if draft.starts_at else now.date())
        self.day.setDate(QDate(day.year, day.month, day.day))
        start = draft.starts_at or (now + timedelta(minutes=30))
        minute = (start.hour * 60 + start.minute) // 15 * 15
        self.time.setTime(QTime(minute // 60, minute % 60))
        self.day.setMinimumDate(QDate(now.year, now.month, now.day))
        (self.period_mode if draft.time_period or draft.period else self.specific).setChecked(True)
        self._draft_period = draft.period

    def _treatment_changed(self) -> None:
        item = self.desk.directory.treatment(self.treatment.currentData())
        if item is not None:
            self.duration.setValue(item.duration_minutes)
            select_data(self.kind, AppointmentType.TREATMENT)
        self.duration.setEnabled(item is None)
        self._load_choices()

    def _mode_changed(self) -> None:
        specific = self.specific.isChecked()
        for widget in (self.time, self.quick_box, self.labels["time"], self.labels["free"]):
            widget.setVisible(specific)
        for widget in (self.period, self.labels["period"]):
            widget.setVisible(not specific)
        self._load_choices()

    # Qt keeps a str-based enum as a plain string: item data is turned back into the enum here.
    def appointment_type(self) -> AppointmentType:
        return AppointmentType(self.kind.currentData())

    def selected_period(self) -> DayPeriod | None:
        value = self.period.currentData()
        return DayPeriod(value) if value else None

    def selected_day(self) -> date:
        value = self.day.date()
        return date(value.year(), value.month(), value.day())

    def selected_start(self) -> datetime:
        value = self.time.time()
        return datetime.combine(
            self.selected_day(), time(value.hour(), value.minute()), tzinfo=self.desk.clinic.tz
        )

    def _load_choices(self) -> None:
        doctor_id = self.doctor.currentData()
        if doctor_id is None:
            return
        day, length = self.selected_day(), self.duration.value()
        self.desk.read(
            lambda ctx: day_choices(ctx, doctor_id, day, length),
            name="booking.choices",
            on_success=self._show_choices,
            key=f"booking-choices-{id(self)}",
            parent=self,
        )

    def _show_choices(self, choices: DayChoices) -> None:
        self._choices = choices
        clear_layout(self.quick_times)
        starts = [slot for slot in choices.slots][:MAX_QUICK_TIMES]
        if not starts:
            self.quick_times.addWidget(label(_("No free time left for this doctor on this day."), "muted"))
        for slot in starts:
            local = slot.local_start
            chip = button(format_time(local))
            chip.setProperty("chip", True)
            chip.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            chip.setAccessibleName(_("Free at %(time)s", time=format_time(local)))
            chip.clicked.connect(
                lambda _checked=False, moment=local: self.time.setTime(QTime(moment.hour, moment.minute))
            )
            self.quick_times.addWidget(chip)
        self.quick_times.addStretch(1)
        selected = self.period.currentData() or self._draft_period
        self.period.clear()
        for capacity in choices.periods:
            self.period.addItem(self._period_text(capacity), capacity.period)
        if selected is not None:
            select_data(self.period, selected)

    def _period_text(self, capacity: PeriodCapacity) -> str:
        tz = self.desk.clinic.tz
        window = (
            f"{format_time(capacity.starts_at.astimezone(tz))}–{format_time(capacity.ends_at.astimezone(tz))}"
        )
        if not capacity.open:
            room = _("closed")
        else:
            room = _(
                "%(left)s of %(capacity)s places left", left=capacity.remaining, capacity=capacity.capacity
            )
        return f"{value_label(capacity.period)} · {window} · {room}"

    # -- booking ----------------------------------------------------------------------------------

    def request(self) -> BookingRequest | None:
        patient, doctor_id = self.patient.chosen, self.doctor.currentData()
        if patient is None:
            self._refuse(_("Choose the patient first."))
            self.patient.search.setFocus()
            return None
        if doctor_id is None:
            return None
        treatment_id = self.treatment.currentData()
        common = {
            "patient_id": patient.id,
            "doctor_id": doctor_id,
            "appointment_type": self.appointment_type(),
            "treatment_type_id": treatment_id,
            "duration_minutes": None if treatment_id else self.duration.value(),
            "reason_for_visit": self.reason.text().strip() or None,
        }
        if self.specific.isChecked():
            return BookingRequest(starts_at=self.selected_start(), **common)
        period = self.selected_period()
        if period is None:
            self._refuse(_("Choose a period."))
            return None
        return BookingRequest(day=self.selected_day(), period=period, **common)

    def submit(self) -> None:
        request = self.request()
        if request is None or self._booking:
            return
        self._booking = True
        self.book_button.setEnabled(False)
        self.desk.write(book(request), on_success=self._booked, on_failure=self._refused, parent=self)

    def _booked(self, booked: Booked) -> None:
        self._booking = False
        self.sig_booked.emit(booked)
        self.accept()

    def _refused(self, error: BaseException) -> bool:
        self._booking = False
        self.book_button.setEnabled(True)
        if not isinstance(error, DomainError):
            return False
        self._refuse(error.translated(language().locale))
        if isinstance(error, SlotUnavailable):
            self._offer(
                [(self._slot_text(slot), slot) for slot in error.alternatives],
            )
        elif isinstance(error, PeriodFull):
            self._offer([(self._capacity_text(option), option) for option in error.alternatives])
        return True

    def _refuse(self, message: str) -> None:
        clear_layout(self.alternatives)
        self.refusal.set_text(message)
        self.refusal.show()

    def _offer(self, choices: list[tuple[str, object]]) -> None:
        if not choices:
            return
        self.alternatives.addWidget(label(_("Free alternatives: click one to book it."), "muted"))
        for widget in choice_buttons(choices, self._book_alternative):
            widget.setObjectName("booking_alternative")
            self.alternatives.addWidget(widget)

    def _slot_text(self, slot: FreeSlot) -> str:
        doctor = self.desk.directory.staff_name(slot.doctor_id)
        local = slot.local_start
        return f"{format_day(local.date())} {format_time(local)} · {doctor}"

    def _capacity_text(self, option: PeriodCapacity) -> str:
        doctor = self.desk.directory.staff_name(option.doctor_id)
        return f"{format_day(option.date)} · {value_label(option.period)} · {doctor} · " + _(
            "%(left)s of %(capacity)s places left", left=option.remaining, capacity=option.capacity
        )

    def _book_alternative(self, choice: object) -> None:
        if isinstance(choice, FreeSlot):
            select_data(self.doctor, choice.doctor_id)
            local = choice.local_start
            self.day.setDate(QDate(local.year, local.month, local.day))
            self.time.setTime(QTime(local.hour, local.minute))
            self.specific.setChecked(True)
        elif isinstance(choice, PeriodCapacity):
            select_data(self.doctor, choice.doctor_id)
            self.day.setDate(QDate(choice.date.year, choice.date.month, choice.date.day))
            self._draft_period = choice.period
            self.period_mode.setChecked(True)
            self.period.clear()
            self.period.addItem(value_label(choice.period), choice.period)
        self.submit()

    def add_to_waitlist(self) -> None:
        patient = self.patient.chosen
        if patient is None:
            self._refuse(_("Choose the patient first."))
            return
        treatment_id = self.treatment.currentData()
        intent = join_waitlist(
            patient.id,
            self.selected_day(),
            doctor_id=self.doctor.currentData(),
            period=self.selected_period() if self.period_mode.isChecked() else None,
            treatment_type_id=treatment_id,
            duration_minutes=None if treatment_id else self.duration.value(),
            appointment_type=self.appointment_type(),
            notes=self.reason.text().strip() or None,
        )
        self.desk.write(intent, on_success=lambda _id: self.accept(), on_failure=self._refused, parent=self)
