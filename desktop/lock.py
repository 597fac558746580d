"""The lock page: covers the desk after idle time or on Ctrl+L; the password resumes the session."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QLineEdit, QVBoxLayout, QWidget

from common.qt.i18n import _, language
from common.qt.icons import icon
from common.qt.theme import current_theme
from desktop.widgets.common import button, label


class LockScreen(QWidget):
    sig_unlock = Signal(str)  # the password typed
    sig_sign_out = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lock_screen")
        outer = QVBoxLayout(self)
        outer.addStretch(2)
        card = QFrame()
        card.setProperty("card", True)
        card.setFixedWidth(420)
        layout = QVBoxLayout(card)
        layout.setContentsMargins(28, 26, 28, 24)
        layout.setSpacing(12)
        self.picture = label()
        self.picture.setPixmap(icon("lock", current_theme().accent).pixmap(44, 44))
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.heading = label("", "title")
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.explain = label("", "muted", wrap=True)
        self.explain.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.password = QLineEdit()
        self.password.setObjectName("unlock_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.returnPressed.connect(self._submit)
        self.error = label("", "danger", wrap=True)
        self.error.hide()
        self.unlock = button(primary=True, on_click=self._submit)
        self.unlock.setObjectName("unlock_button")
        self.sign_out = button(flat=True, on_click=self.sig_sign_out.emit)
        self.sign_out.setObjectName("lock_sign_out")
        for widget in (self.picture, self.heading, self.explain, self.password, self.error, self.unlock):
            layout.addWidget(widget)
        layout.addWidget(self.sign_out, 0, Qt.AlignmentFlag.AlignCenter)
        outer.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(3)
        self._name = ""
        language().sig_language_changed.connect(self._language_changed)
        self.retranslate()

    def prepare(self, name: str) -> None:
        self._name = name
        self.password.clear()
        self.error.hide()
        self.unlock.setEnabled(True)
        self.retranslate()

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        self.unlock.setEnabled(True)
        self.password.selectAll()
        self.password.setFocus()

    def _language_changed(self, _locale: str) -> None:
        self.retranslate()

    def retranslate(self) -> None:
        self.heading.setText(_("The desk is locked"))
        if self._name:
            self.explain.setText(
                _(
                    "Signed in as %(name)s. Enter your password to continue where you left off.",
                    name=self._name,
                )
            )
        else:
            self.explain.setText(_("Enter your password to continue where you left off."))
        self.password.setPlaceholderText(_("Password"))
        self.password.setAccessibleName(_("Password"))
        self.unlock.setText(_("Unlock"))
        self.sign_out.setText(_("Sign out instead"))

    def _submit(self) -> None:
        if not self.password.text():
            return
        self.unlock.setEnabled(False)
        self.sig_unlock.emit(self.password.text())
