"""Dialogs that never block the event loop: they open, and call back when answered.

Every destructive action goes through `confirm` (or a reason dialog, which is its confirmation).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from common.qt.i18n import _
from desktop.widgets.common import button


def confirm(
    parent: QWidget | None,
    text: str,
    confirm_text: str,
    on_yes: Callable[[], object],
    *,
    details: str = "",
    danger: bool = True,
) -> QMessageBox:
    """Ask before doing something that cannot be taken back; `on_yes` runs only on confirmation."""
    box = QMessageBox(parent.window() if parent is not None else None)
    box.setObjectName("confirm_box")
    box.setIcon(QMessageBox.Icon.Warning if danger else QMessageBox.Icon.Question)
    box.setText(text)
    if details:
        box.setInformativeText(details)
    yes = box.addButton(confirm_text, QMessageBox.ButtonRole.AcceptRole)
    no = box.addButton(_("Keep as it is"), QMessageBox.ButtonRole.RejectRole)
    yes.setObjectName("confirm_yes")
    no.setObjectName("confirm_no")
    if danger:
        yes.setProperty("danger", True)
    box.setDefaultButton(no)
    box.setEscapeButton(no)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def clicked(button: object) -> None:
        if button is yes:
            on_yes()

    box.buttonClicked.connect(clicked)
    box.open()
    return box


class ReasonDialog(QDialog):
    """Asks for a reason (required) from common ones or typed; the OK button stays off until given."""

    def __init__(
        self,
        parent: QWidget | None,
        title: str,
        prompt: str,
        confirm_text: str,
        reasons: Sequence[str],
        on_reason: Callable[[str], object],
    ) -> None:
        super().__init__(parent.window() if parent is not None else None)
        self.setObjectName("reason_dialog")
        self.setWindowTitle(title)
        self.setModal(True)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(10)
        text = QLabel(prompt)
        text.setWordWrap(True)
        layout.addWidget(text)
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.addItems(["", *reasons])
        self.reason.setCurrentIndex(0)
        self.reason.setAccessibleName(prompt)
        self.reason.setMinimumWidth(360)
        layout.addWidget(self.reason)
        buttons = QDialogButtonBox()
        self.ok = buttons.addButton(confirm_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setObjectName("reason_ok")
        self.ok.setProperty("danger", True)
        back = buttons.addButton(_("Keep as it is"), QDialogButtonBox.ButtonRole.RejectRole)
        back.setObjectName("reason_back")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.reason.currentTextChanged.connect(lambda text: self.ok.setEnabled(bool(text.strip())))
        self.ok.setEnabled(False)
        self._on_reason = on_reason

    def accept(self) -> None:
        text = self.reason.currentText().strip()
        if not text:
            return
        super().accept()
        self._on_reason(text)


def ask_reason(
    parent: QWidget | None,
    title: str,
    prompt: str,
    confirm_text: str,
    reasons: Sequence[str],
    on_reason: Callable[[str], object],
) -> ReasonDialog:
    dialog = ReasonDialog(parent, title, prompt, confirm_text, reasons, on_reason)
    dialog.open()
    return dialog


def editor_frame(
    dialog: QDialog,
    save_name: str,
    on_save: Callable[[], object],
    parts: Sequence[QWidget | QLayout],
) -> tuple[QPushButton, QPushButton]:
    """An editor dialog's frame: `parts` stacked top to bottom, then Cancel and Save (the default
    button, so Enter saves) at the bottom right. Returns (save, cancel) for their texts."""
    save = button(primary=True, on_click=on_save)
    save.setObjectName(save_name)
    save.setDefault(True)
    cancel = button(on_click=dialog.reject)
    buttons = QHBoxLayout()
    buttons.addStretch(1)
    buttons.addWidget(cancel)
    buttons.addWidget(save)
    layout = QVBoxLayout(dialog)
    layout.setContentsMargins(24, 20, 24, 18)
    layout.setSpacing(12)
    for part in parts:
        if isinstance(part, QLayout):
            layout.addLayout(part)
        else:
            layout.addWidget(part)
    layout.addLayout(buttons)
    return save, cancel
