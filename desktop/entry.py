"""The windows before the desk: first run (open the demo clinic, or connect to a clinic) and sign-in."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from common.i18n import N_
from common.qt.i18n import _, language, language_choices
from common.qt.icons import icon
from common.qt.theme import current_theme
from desktop.labels import label as value_label
from desktop.widgets.common import button, label

APP_NAME = N_("Clinic Front Desk")


class EntryWindow(QWidget):
    """A calm page with one card in the middle and the language picker in the corner."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(QSize(900, 640))
        self.setAutoFillBackground(True)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 16, 24, 24)
        top = QHBoxLayout()
        top.addStretch(1)
        self.language_picker = QComboBox()
        self.language_picker.setObjectName("language_picker")
        for locale, name in language_choices():
            self.language_picker.addItem(name, locale)
        self.language_picker.setCurrentIndex(max(0, self.language_picker.findData(language().locale)))
        self.language_picker.currentIndexChanged.connect(
            lambda index: language().set_locale(str(self.language_picker.itemData(index)))
        )
        top.addWidget(self.language_picker)
        outer.addLayout(top)
        outer.addStretch(2)
        self.card = QFrame()
        self.card.setProperty("card", True)
        self.card.setFixedWidth(460)
        self.form = QVBoxLayout(self.card)
        self.form.setContentsMargins(32, 28, 32, 28)
        self.form.setSpacing(12)
        self.logo = label()
        self.logo.setPixmap(icon("treatment", current_theme().accent).pixmap(40, 40))
        self.app_name = label("", "muted")
        self.heading = label("", "title", wrap=True)
        self.form.addWidget(self.logo)
        self.form.addWidget(self.app_name)
        self.form.addWidget(self.heading)
        # Centred by stretches, not an alignment flag: an aligned item is sized by its size hint,
        # which ignores how much height wrapped text needs at the card's width.
        middle = QHBoxLayout()
        middle.addStretch(1)
        middle.addWidget(self.card)
        middle.addStretch(1)
        outer.addLayout(middle)
        outer.addStretch(3)
        language().sig_language_changed.connect(self._language_changed)

    def _language_changed(self, locale: str) -> None:
        index = self.language_picker.findData(locale)
        if index != self.language_picker.currentIndex():
            self.language_picker.blockSignals(True)
            self.language_picker.setCurrentIndex(index)
            self.language_picker.blockSignals(False)
        self.retranslate()

    def retranslate(self) -> None:
        self.app_name.setText(_(APP_NAME))
        self.language_picker.setAccessibleName(_("Language"))


class FirstRunWindow(EntryWindow):
    """This PC holds no clinic yet: connect it to one, or open the demo clinic offline.

    The card shows the welcome page, or a page put in it with `show_page` (the enrollment page of
    desktop/enrollment, which says its own title)."""

    sig_open_demo = Signal()
    sig_enroll = Signal()

    def __init__(self, can_enroll: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("first_run")
        # Pages are shown and hidden in a plain layout (a QStackedWidget would cut wrapped text).
        self.pages = QWidget()
        self._pages = QVBoxLayout(self.pages)
        self._pages.setContentsMargins(0, 0, 0, 0)
        self.page: QWidget | None = None
        self.welcome = QWidget()
        welcome = QVBoxLayout(self.welcome)
        welcome.setContentsMargins(0, 0, 0, 0)
        welcome.setSpacing(12)
        self.explain = label("", "muted", wrap=True)
        self.enroll = button(icon_name="cloud", on_click=self.sig_enroll.emit)
        self.enroll.setObjectName("enroll_button")
        # Enrolling needs the replica in a local SQLite file (DATABASE_URL may name a shared server).
        self._can_enroll = can_enroll
        self.enroll.setEnabled(can_enroll)
        self.demo = button(primary=True, on_click=self._start_demo)
        self.demo.setObjectName("demo_button")
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(8)
        self.progress.hide()
        self.step = label("", "muted", wrap=True)
        self.step.hide()
        for widget in (self.explain, self.enroll, self.demo, self.progress, self.step):
            welcome.addWidget(widget)
        self._pages.addWidget(self.welcome)
        self.form.addWidget(self.pages)
        self._step_msgid = ""
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.setWindowTitle(_(APP_NAME))
        title = getattr(getattr(self, "page", None), "title", None)
        self.heading.setText(title() if callable(title) else _("Welcome"))
        self.explain.setText(
            _(
                "This PC does not hold a clinic's records yet. Connect it to your clinic with the "
                "enrollment code or QR code your administrator gives you, or try the demo clinic, "
                "which works entirely offline."
            )
        )
        self.enroll.setText(_("Connect to my clinic…"))
        self.enroll.setToolTip(
            ""
            if self.enroll.isEnabled()
            else _(
                "This desk keeps its records in a shared database, not on this PC, so it cannot be "
                "connected to a clinic's server."
            )
        )
        self.demo.setText(_("Open the demo clinic"))
        if self._step_msgid:
            self.step.setText(_(self._step_msgid))

    def show_page(self, page: QWidget) -> None:
        """Show `page` in the card in place of the welcome page."""
        if self._pages.indexOf(page) < 0:
            self._pages.addWidget(page)
        self.welcome.hide()
        page.show()
        self.page = page
        self.retranslate()

    def show_welcome(self) -> None:
        if self.page is not None:
            self.page.hide()
        self.page = None
        self.welcome.show()
        self.retranslate()
        self.enroll.setFocus()

    def _start_demo(self) -> None:
        self.demo.setEnabled(False)
        self.enroll.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.step.show()
        self.sig_open_demo.emit()

    def show_progress(self, done: int, total: int, message: str) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        if message:
            self._step_msgid = message
            self.step.setText(_(message))

    def failed(self) -> None:
        self.demo.setEnabled(True)
        self.enroll.setEnabled(self._can_enroll)
        self.progress.hide()
        self.step.hide()


class LoginWindow(EntryWindow):
    """Staff email and password; the authenticator code for Admin and Manager."""

    sig_submit = Signal(str, str, str)  # email, password, code
    sig_demo_picked = Signal(str)  # a demo login's email

    def __init__(self, clinic_name: str, demo_logins: list[tuple[str, str]] | None = None) -> None:
        super().__init__()
        self.setObjectName("login")
        self.clinic_name = clinic_name
        self.email = QLineEdit()
        self.email.setObjectName("login_email")
        self.password = QLineEdit()
        self.password.setObjectName("login_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.code = QLineEdit()
        self.code.setObjectName("login_code")
        self.code.setMaxLength(8)
        self.code.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
        self.code_hint = label("", "muted", wrap=True)
        fields = QFormLayout()
        fields.setSpacing(10)
        fields.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        self.email_label = label()
        self.password_label = label()
        self.code_label = label()
        fields.addRow(self.email_label, self.email)
        fields.addRow(self.password_label, self.password)
        fields.addRow(self.code_label, self.code)
        self.form.addLayout(fields)
        self.form.addWidget(self.code_hint)
        self.error = label("", "danger", wrap=True)
        self.error.setObjectName("login_error")
        self.error.hide()
        self.form.addWidget(self.error)
        self.submit = button(primary=True, on_click=self._submit)
        self.submit.setObjectName("login_submit")
        self.form.addWidget(self.submit)
        self.demo_picker: QComboBox | None = None
        if demo_logins:
            self.demo_picker = QComboBox()
            self.demo_picker.setObjectName("demo_picker")
            self.demo_picker.addItem("", "")
            for email, role in demo_logins:
                self.demo_picker.addItem(f"{role} · {email}", email)
            self.demo_picker.currentIndexChanged.connect(self._demo_picked)
            self.demo_label = label("", "muted")
            self.form.addSpacing(6)
            self.form.addWidget(self.demo_label)
            self.form.addWidget(self.demo_picker)
        for field in (self.email, self.password, self.code):
            field.returnPressed.connect(self._submit)
        self.setTabOrder(self.email, self.password)
        self.setTabOrder(self.password, self.code)
        self.setTabOrder(self.code, self.submit)
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.setWindowTitle(_("%(clinic)s · Sign in", clinic=self.clinic_name))
        self.heading.setText(self.clinic_name)
        self.email_label.setText(_("Email"))
        self.password_label.setText(_("Password"))
        self.code_label.setText(_("Authenticator code"))
        for field, name in (
            (self.email, "Email"),
            (self.password, "Password"),
            (self.code, "Authenticator code"),
        ):
            field.setAccessibleName(_(name))
        self.code.setPlaceholderText("123 456")
        self.code_hint.setText(
            _("Administrators and managers also enter the 6-digit code from their authenticator app.")
        )
        self.submit.setText(_("Sign in"))
        if self.demo_picker is not None:
            self.demo_label.setText(_("Demo clinic: sign in as…"))
            self.demo_picker.setAccessibleName(_("Demo clinic: sign in as…"))
            self.demo_picker.setItemText(0, _("Choose a role"))

    def set_busy(self, busy: bool) -> None:
        self.submit.setEnabled(not busy)
        if busy:
            self.error.hide()

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        self.submit.setEnabled(True)
        self.password.selectAll()
        self.password.setFocus()

    def reset(self) -> None:
        self.password.clear()
        self.code.clear()
        self.error.hide()
        self.submit.setEnabled(True)
        (self.password if self.email.text() else self.email).setFocus()

    def _submit(self) -> None:
        if not self.email.text().strip() or not self.password.text():
            self.show_error(_("Enter your email and password."))
            return
        self.set_busy(True)
        self.sig_submit.emit(self.email.text().strip(), self.password.text(), self.code.text())

    def _demo_picked(self, index: int) -> None:
        if self.demo_picker is None:
            return
        email = str(self.demo_picker.itemData(index) or "")
        if email:
            self.sig_demo_picked.emit(email)

    def fill(self, email: str, password: str, code: str) -> None:
        self.email.setText(email)
        self.password.setText(password)
        self.code.setText(code)
        self.submit.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._submit()
            return
        super().keyPressEvent(event)


def demo_choices() -> list[tuple[str, str]]:
    """(email, role name) of the demo clinic's published logins."""
    from common.demo import demo_logins

    return [(login.email, value_label(login.role)) for login in demo_logins()]
