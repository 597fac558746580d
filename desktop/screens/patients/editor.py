"""Registering a patient, and editing one (only the fields changed are sent, with the version the
edit started from, so a change made meanwhile on another desk is merged or reported, never lost)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QGridLayout,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from common.access.permissions import Permission
from common.errors import DomainError
from common.patients.models import PreferredLanguage
from common.patients.service import NewPatient
from common.qt.i18n import _, language
from desktop.actions import edit_patient, register
from desktop.desk import Desk
from desktop.labels import PREFERRED_LANGUAGES
from desktop.widgets.common import Banner, label, select_data
from desktop.widgets.dialogs import editor_frame


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").replace("、", ",").split(",") if part.strip()]


class PatientEditor(QDialog):
    sig_saved = Signal(object)  # the patient's id

    def __init__(
        self, desk: Desk, patient: Mapping[str, Any] | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("patient_editor")
        self.setModal(True)
        self.setMinimumWidth(640)
        self.desk = desk
        self.original = dict(patient or {})
        self.editing = patient is not None
        self.medical_allowed = desk.can(Permission.PATIENT_WRITE_MEDICAL)

        self.first_name = QLineEdit()
        self.first_name.setObjectName("first_name")
        self.last_name = QLineEdit()
        self.last_name.setObjectName("last_name")
        self.birth = QDateEdit()
        self.birth.setObjectName("date_of_birth")
        self.birth.setDisplayFormat("yyyy-MM-dd")
        self.birth.setCalendarPopup(True)
        today = desk.today()
        self.birth.setMaximumDate(QDate(today.year, today.month, today.day))
        self.birth.setDate(QDate(today.year - 30, 1, 1))
        self.phone = QLineEdit()
        self.phone.setObjectName("contact_phone")
        self.email = QLineEdit()
        self.email.setObjectName("contact_email")
        self.spoken = QComboBox()
        for value, name in PREFERRED_LANGUAGES.items():
            self.spoken.addItem(name, PreferredLanguage(value))
        self.contact_name = QLineEdit()
        self.contact_relationship = QLineEdit()
        self.contact_phone = QLineEdit()
        self.notes = QPlainTextEdit()
        self.notes.setFixedHeight(60)
        self.marketing = QCheckBox()
        self.treatment_names = QCheckBox()
        self.allergies = QLineEdit()
        self.allergies.setObjectName("allergies")
        self.medications = QLineEdit()
        self.conditions = QLineEdit()

        self.heading = label("", "title")
        self.error = Banner("danger")
        self.error.setObjectName("editor_error")
        self.error.hide()
        self.labels: dict[str, Any] = {}
        form = QGridLayout()
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(8)
        rows = [
            ("first_name", self.first_name, "last_name", self.last_name),
            ("date_of_birth", self.birth, "preferred_language", self.spoken),
            ("contact_phone", self.phone, "contact_email", self.email),
            ("contact_name", self.contact_name, "contact_relationship", self.contact_relationship),
            ("contact_phone2", self.contact_phone, None, None),
        ]
        if self.medical_allowed:
            rows.append(("allergies", self.allergies, "conditions", self.conditions))
            rows.append(("medications", self.medications, None, None))
        for number, (left, left_widget, right, right_widget) in enumerate(rows):
            self.labels[left] = label()
            form.addWidget(self.labels[left], number, 0, Qt.AlignmentFlag.AlignRight)
            form.addWidget(left_widget, number, 1)
            if right is not None and right_widget is not None:
                self.labels[right] = label()
                form.addWidget(self.labels[right], number, 2, Qt.AlignmentFlag.AlignRight)
                form.addWidget(right_widget, number, 3)
        notes_form = QFormLayout()
        self.labels["notes"] = label()
        notes_form.addRow(self.labels["notes"], self.notes)
        self.save, self.cancel = editor_frame(
            self,
            "editor_save",
            self.submit,
            (self.heading, form, notes_form, self.marketing, self.treatment_names, self.error),
        )
        if self.editing:
            self._fill(self.original)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(_("Edit patient") if self.editing else _("Register a patient"))
        self.heading.setText(self.windowTitle())
        words = {
            "first_name": _("First name"),
            "last_name": _("Last name"),
            "date_of_birth": _("Date of birth"),
            "preferred_language": _("Preferred language"),
            "contact_phone": _("Phone"),
            "contact_email": _("Email"),
            "contact_name": _("Emergency contact"),
            "contact_relationship": _("Relationship"),
            "contact_phone2": _("Emergency phone"),
            "allergies": _("Allergies"),
            "conditions": _("Conditions"),
            "medications": _("Current medications"),
            "notes": _("Notes"),
        }
        widgets = {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "date_of_birth": self.birth,
            "preferred_language": self.spoken,
            "contact_phone": self.phone,
            "contact_email": self.email,
            "contact_name": self.contact_name,
            "contact_relationship": self.contact_relationship,
            "contact_phone2": self.contact_phone,
            "allergies": self.allergies,
            "conditions": self.conditions,
            "medications": self.medications,
            "notes": self.notes,
        }
        for key, text in words.items():
            if key in self.labels:
                self.labels[key].setText(text)
            widgets[key].setAccessibleName(text)
        self.allergies.setPlaceholderText(_("Separate with commas; leave empty if none"))
        self.marketing.setText(_("The patient agrees to receive marketing messages"))
        self.treatment_names.setText(_("Messages may name the patient's treatments"))
        self.save.setText(_("Save") if self.editing else _("Register"))
        self.cancel.setText(_("Cancel"))

    def _fill(self, patient: Mapping[str, Any]) -> None:
        self.first_name.setText(patient.get("first_name", ""))
        self.last_name.setText(patient.get("last_name", ""))
        born = patient.get("date_of_birth")
        if isinstance(born, date):
            self.birth.setDate(QDate(born.year, born.month, born.day))
        self.phone.setText(patient.get("contact_phone") or "")
        self.email.setText(patient.get("contact_email") or "")
        spoken = patient.get("preferred_language")
        if spoken is not None:
            select_data(self.spoken, spoken)
        contact = patient.get("emergency_contact") or {}
        self.contact_name.setText(str(contact.get("name", "")))
        self.contact_relationship.setText(str(contact.get("relationship", "")))
        self.contact_phone.setText(str(contact.get("phone", "")))
        self.notes.setPlainText(patient.get("notes") or "")
        self.marketing.setChecked(bool(patient.get("marketing_opt_in")))
        self.treatment_names.setChecked(bool(patient.get("treatment_details_opt_in")))
        self.allergies.setText(", ".join(str(a) for a in patient.get("allergies") or []))
        self.medications.setText(", ".join(str(m) for m in patient.get("current_medications") or []))
        history = patient.get("medical_history") or {}
        self.conditions.setText(", ".join(str(c) for c in history.get("conditions") or []))

    def values(self) -> dict[str, Any]:
        value = self.birth.date()
        contact = {
            key: text
            for key, text in (
                ("name", self.contact_name.text().strip()),
                ("relationship", self.contact_relationship.text().strip()),
                ("phone", self.contact_phone.text().strip()),
            )
            if text
        }
        values: dict[str, Any] = {
            "first_name": self.first_name.text().strip(),
            "last_name": self.last_name.text().strip(),
            "date_of_birth": date(value.year(), value.month(), value.day()),
            "contact_phone": self.phone.text().strip() or None,
            "contact_email": self.email.text().strip() or None,
            "preferred_language": PreferredLanguage(self.spoken.currentData()),
            "emergency_contact": contact,
            "notes": self.notes.toPlainText().strip() or None,
            "marketing_opt_in": self.marketing.isChecked(),
            "treatment_details_opt_in": self.treatment_names.isChecked(),
        }
        if self.medical_allowed:
            values["allergies"] = _split(self.allergies.text())
            values["current_medications"] = _split(self.medications.text())
            history = dict(self.original.get("medical_history") or {})
            conditions = _split(self.conditions.text())
            if conditions:
                history["conditions"] = conditions
            else:
                history.pop("conditions", None)
            values["medical_history"] = history
        return values

    def submit(self) -> None:
        values = self.values()
        if not values["first_name"] or not values["last_name"]:
            self._show_error(_("Enter the patient's first name and last name."))
            return
        self.save.setEnabled(False)
        if self.editing:
            patient_id = self.original["id"]
            changes = {
                k: v for k, v in values.items() if self.original.get(k) != v and (self.original.get(k) or v)
            }
            if not changes:
                self.accept()
                return
            intent = edit_patient(patient_id, changes, self.original.get("version"))
        else:
            intent = register(NewPatient(**values))
        self.desk.write(intent, on_success=self._saved, on_failure=self._failed, parent=self)

    def _saved(self, patient_id: uuid.UUID) -> None:
        self.sig_saved.emit(patient_id)
        self.accept()

    def _failed(self, error: BaseException) -> bool:
        self.save.setEnabled(True)
        if isinstance(error, DomainError):
            self._show_error(error.translated(language().locale))
            return True
        return False

    def _show_error(self, message: str) -> None:
        self.error.set_text(message)
        self.error.show()
