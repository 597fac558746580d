"""Starting a conversation (Ctrl+N): choose the patient and the department, then write."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialog, QFormLayout, QHBoxLayout, QVBoxLayout, QWidget

from common.chat.models import Department
from common.qt.i18n import _
from desktop.desk import Desk
from desktop.reads.rows import PatientRow
from desktop.screens.chat.views import department_name
from desktop.widgets.common import button, label, select_data
from desktop.widgets.patient_picker import PatientPicker

Chosen = Callable[[PatientRow, Department], object]


class NewConversationDialog(QDialog):
    def __init__(
        self, desk: Desk, department: Department | None, on_chosen: Chosen, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent.window() if parent is not None else None)
        self.setObjectName("new_conversation_dialog")
        self.setModal(True)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setMinimumWidth(480)
        self._on_chosen = on_chosen
        self.picker = PatientPicker(desk)
        self.picker.sig_chosen.connect(lambda _row: self._update())
        self.department = QComboBox()
        self.department.setObjectName("new_conversation_department")
        for value in Department:
            self.department.addItem(department_name(value), value)
        select_data(self.department, department or Department.GENERAL)
        self.open_button = button(primary=True, on_click=self.accept)
        self.open_button.setObjectName("new_conversation_open")
        self.open_button.setDefault(True)
        self.cancel = button(on_click=self.reject)
        heading = label(_("New message"), "title")
        explain = label(
            _("Find the patient and choose the department the message comes from."), "muted", wrap=True
        )
        form = QFormLayout()
        form.setSpacing(10)
        patient_label, department_label = label(_("Patient")), label(_("Department"))
        form.addRow(patient_label, self.picker)
        form.addRow(department_label, self.department)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel)
        buttons.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(12)
        layout.addWidget(heading)
        layout.addWidget(explain)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.setWindowTitle(_("New message"))
        self.department.setAccessibleName(_("Department"))
        self.open_button.setText(_("Write the message"))
        self.cancel.setText(_("Cancel"))
        self._update()
        self.picker.search.setFocus()

    def _update(self) -> None:
        self.open_button.setEnabled(self.picker.chosen is not None)

    def accept(self) -> None:
        chosen = self.picker.chosen
        if chosen is None:
            return
        department = Department(self.department.currentData())
        super().accept()
        self._on_chosen(chosen, department)
