"""The calendar's model: a fortnight's appointments (a table model, so lists, tests and
accessibility can read it like any other) plus what the painted view needs beside them: the
days, the doctors in their columns and when each of them works."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from common.i18n import N_
from common.qt.models import Column, RowTableModel
from desktop.labels import label
from desktop.reads.calendar import CalendarData
from desktop.reads.rows import AppointmentRow, StaffEntry
from desktop.screens.columns import time_text


class CalendarModel(RowTableModel[AppointmentRow]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(
            [
                Column(N_("Day"), lambda r: r.day.isoformat(), sort_key=lambda r: r.starts_at),
                Column(N_("Time"), time_text, sort_key=lambda r: r.starts_at),
                Column(N_("Patient"), lambda r: r.patient_name),
                Column(N_("Status"), lambda r: label(r.status)),
            ],
            parent,
        )
        self.first_day = date(2000, 1, 3)  # replaced by the first load
        self.days = 14
        self.doctors: tuple[StaffEntry, ...] = ()
        self.working: dict[tuple[uuid.UUID, date], tuple[tuple[int, int], ...]] = {}
        self._by_lane: dict[tuple[uuid.UUID, date], list[int]] = {}

    def set_data(self, data: CalendarData, doctors: Sequence[StaffEntry]) -> None:
        self.first_day = data.first_day
        self.days = data.days
        self.doctors = tuple(doctors)
        self.working = dict(data.working)
        lanes: dict[tuple[uuid.UUID, date], list[int]] = defaultdict(list)
        for number, row in enumerate(data.appointments):
            lanes[(row.doctor_id, row.day)].append(number)
        self._by_lane = dict(lanes)
        self.set_rows(data.appointments)

    def set_doctors(self, doctors: Sequence[StaffEntry]) -> None:
        self.beginResetModel()
        self.doctors = tuple(doctors)
        self.endResetModel()

    @property
    def dates(self) -> list[date]:
        return [self.first_day + timedelta(days=n) for n in range(self.days)]

    def in_lane(self, doctor_id: uuid.UUID, day: date) -> list[AppointmentRow]:
        rows = self.rows_ref()
        return [rows[n] for n in self._by_lane.get((doctor_id, day), ())]

    def rows_ref(self) -> list[AppointmentRow]:
        return self._rows

    def working_spans(self, doctor_id: uuid.UUID, day: date) -> tuple[tuple[int, int], ...]:
        return self.working.get((doctor_id, day), ())

    def day_is_open(self, day: date) -> bool:
        return any(self.working.get((doctor.id, day)) for doctor in self.doctors)

    def index_of(self, appointment_id: uuid.UUID) -> QModelIndex:
        number = self.find(lambda row: row.id == appointment_id)
        return self.index(number, 0) if number >= 0 else QModelIndex()

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
