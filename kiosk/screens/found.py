"""Found: the first name, the time and the doctor; “Check in” or “This is not me”."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QWidget

from common.checkin.flow import Found
from common.checkin.outcomes import FoundAppointment
from common.checkin.presentation import clock_time
from common.i18n import translate
from kiosk import strings
from kiosk.screens.base import Screen, blank
from kiosk.theme import Metrics
from kiosk.widgets import button, card, label


def appointment_time(appointment: FoundAppointment, locale: str) -> str:
    start = clock_time(appointment.starts_at, appointment.timezone, locale)
    if appointment.time_assigned:
        return start
    end = clock_time(appointment.ends_at, appointment.timezone, locale)
    return translate(strings.TIME_RANGE, locale, start=start, end=end)


def doctor(appointment: FoundAppointment, locale: str) -> str:
    return (
        translate(strings.DOCTOR_NAME, locale, name=appointment.doctor_name)
        if appointment.doctor_name
        else ""
    )


class AppointmentCard(QWidget):
    """Time and doctor, in a card: shared by Found and Done."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.frame = card()
        grid = QGridLayout(self.frame)
        self._grid = grid
        self.time_label, self.time = label("factLabel", wrap=False), label("fact", wrap=False)
        self.doctor_label, self.doctor = label("factLabel", wrap=False), label("fact", wrap=False)
        self.time.setObjectName("appointment-time")
        self.doctor.setObjectName("appointment-doctor")
        grid.addWidget(self.time_label, 0, 0)
        grid.addWidget(self.time, 1, 0)
        grid.addWidget(self.doctor_label, 0, 1)
        grid.addWidget(self.doctor, 1, 1)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 3)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.frame)

    def show_appointment(self, appointment: FoundAppointment, locale: str) -> None:
        self.time_label.setText(translate(strings.APPOINTMENT_TIME, locale))
        self.doctor_label.setText(translate(strings.APPOINTMENT_DOCTOR, locale))
        self.time.setText(appointment_time(appointment, locale))
        self.doctor.setText(doctor(appointment, locale))

    def clear(self) -> None:
        blank(self.time, self.doctor)

    def apply_metrics(self, metrics: Metrics) -> None:
        px = metrics.px
        self._grid.setContentsMargins(px(48), px(36), px(48), px(40))
        self._grid.setHorizontalSpacing(px(48))
        self._grid.setVerticalSpacing(px(8))


class FoundScreen(Screen):
    sig_confirm = Signal()
    sig_not_me = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.greeting = label("title")
        self.greeting.setObjectName("greeting")
        self.lead = label("lead")
        self.card = AppointmentCard()
        self.confirm = button("primary")
        self.confirm.setObjectName("check-in")
        self.confirm.clicked.connect(self.sig_confirm.emit)
        self.not_me = button("secondary")
        self.not_me.setObjectName("not-me")
        self.not_me.clicked.connect(self.sig_not_me.emit)
        self.buttons = QHBoxLayout()
        self.apply_metrics(self.metrics)

    def present(self, state: Any, locale: str) -> None:
        super().present(state, locale)
        assert isinstance(state, Found)
        appointment = state.appointment
        self.greeting.setText(translate(strings.FOUND_GREETING, locale, name=appointment.first_name))
        self.lead.setText(translate(strings.FOUND_LEAD, locale))
        self.card.show_appointment(appointment, locale)
        self.confirm.setText(translate(strings.CHECK_IN, locale))
        self.not_me.setText(translate(strings.NOT_ME, locale))

    def clear(self) -> None:
        super().clear()
        blank(self.greeting)
        self.card.clear()

    def apply_metrics(self, metrics: Metrics) -> None:
        super().apply_metrics(metrics)
        self.reset_grid()
        px, grid = metrics.px, self.grid
        self.card.apply_metrics(metrics)
        self.confirm.setMinimumWidth(px(560))
        self.not_me.setMinimumWidth(px(420))
        for item in (self.confirm, self.not_me):
            self.buttons.removeWidget(item)
        while self.buttons.count():  # spacers and stretches
            self.buttons.takeAt(0)
        grid.addWidget(self.greeting, 1, 0)
        grid.addWidget(self.lead, 2, 0)
        grid.addWidget(self.card, 3, 0)
        if metrics.portrait:
            self.buttons.setDirection(QHBoxLayout.Direction.TopToBottom)
            self.buttons.addWidget(self.confirm)
            self.buttons.addWidget(self.not_me)
            self.buttons.setSpacing(px(32))
            grid.addLayout(self.buttons, 5, 0)
            grid.setRowStretch(0, 2)
            grid.setRowStretch(4, 3)
        else:
            self.buttons.setDirection(QHBoxLayout.Direction.LeftToRight)
            self.buttons.addWidget(self.confirm)
            self.buttons.addSpacing(px(40))
            self.buttons.addWidget(self.not_me)
            self.buttons.addStretch(1)
            grid.addLayout(self.buttons, 5, 0)
            grid.setRowStretch(0, 1)
            grid.setRowStretch(4, 1)
        grid.setRowStretch(6, 1)
