"""Column specs shared by the screens that list appointments."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Final

from PySide6.QtGui import QColor, QIcon
from PySide6.QtWidgets import QTableView

from common.i18n import N_
from common.qt.i18n import _, format_time
from common.qt.icons import dot, icon
from common.qt.models import RIGHT, Column, RowTableModel
from common.qt.theme import current_theme, status_strong, type_color
from desktop.labels import label
from desktop.reads.rows import AppointmentRow, Directory
from desktop.widgets.common import shorten_column, table_view


def time_text(row: AppointmentRow) -> str:
    if not row.time_assigned and row.period is not None:
        return f"{label(row.period)} · {_('time to assign')}"
    return f"{format_time(row.starts_at)}–{format_time(row.ends_at)}"


def allergy_mark(row: AppointmentRow) -> QIcon | None:
    return icon("warning", current_theme().danger) if row.has_allergies else None


def status_swatch(row: AppointmentRow) -> QIcon:
    return dot(status_strong(row.status.value))


def waiting_minutes(row: AppointmentRow, now: datetime) -> int:
    since = row.check_in_time or row.starts_at
    return max(0, int((now - since).total_seconds() // 60))


def time_column() -> Column[AppointmentRow]:
    return Column(N_("Time"), time_text, sort_key=lambda r: r.starts_at)


def patient_column() -> Column[AppointmentRow]:
    return Column(
        N_("Patient"),
        lambda r: r.patient_name,
        decoration=allergy_mark,
        tooltip=_patient_tooltip,
        bold=lambda r: True,
    )


def _patient_tooltip(row: AppointmentRow) -> str:
    """The whole name (a narrow card shortens it), and the allergy warning its mark stands for."""
    if not row.has_allergies:
        return row.patient_name
    warning = _("Allergies recorded: see the patient's page")
    return f"{row.patient_name}\n{warning}"


def doctor_column(directory: Callable[[], Directory]) -> Column[AppointmentRow]:
    return Column(
        N_("Doctor"),
        lambda r: directory().staff_name(r.doctor_id),
        decoration=lambda r: _doctor_color(directory(), r),
    )


def treatment_column(directory: Callable[[], Directory]) -> Column[AppointmentRow]:
    def text(row: AppointmentRow) -> str:
        item = directory().treatment(row.treatment_type_id)
        return item.name if item is not None else label(row.appointment_type)

    return Column(
        N_("Treatment"), text, decoration=lambda r: dot(type_color(r.appointment_type.value)), tooltip=text
    )


def status_column() -> Column[AppointmentRow]:
    return Column(N_("Status"), lambda r: label(r.status), decoration=status_swatch)


def waiting_column(now: Callable[[], datetime]) -> Column[AppointmentRow]:
    return Column(
        N_("Waiting"),
        lambda r: _("%(minutes)s min", minutes=waiting_minutes(r, now())),
        sort_key=lambda r: -waiting_minutes(r, now()),
        align=RIGHT,
        foreground=lambda r: QColor(current_theme().danger) if waiting_minutes(r, now()) >= 30 else None,
    )


def _doctor_color(directory: Directory, row: AppointmentRow) -> QIcon | None:
    entry = directory.staff.get(row.doctor_id)
    return dot(entry.color) if entry is not None and entry.color else None


# The waiting column of `in_clinic_table`, refreshed as the minutes pass.
WAITING: Final = 2


def in_clinic_table(
    directory: Callable[[], Directory], now: Callable[[], datetime]
) -> tuple[RowTableModel[AppointmentRow], QTableView]:
    """The patients in the clinic (today's waiting room, check-in's "In the clinic"): who, with
    whom, how long, and where they are. The card is narrow: a long name is shortened rather than
    the status going out of view."""
    model: RowTableModel[AppointmentRow] = RowTableModel(
        [patient_column(), doctor_column(directory), waiting_column(now), status_column()]
    )
    view = table_view(model)
    shorten_column(view, 0)
    return model, view
