"""The Staff screen's dialogs: add a person, change a role, set a new password, and show a new
second factor's QR code (once). Each dialog makes its change itself and shows a refusal in place,
so nothing typed is lost when the service says no."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any, Final

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from common.access.permissions import TOTP_REQUIRED_ROLES
from common.errors import DomainError
from common.qt.i18n import _, language
from common.staff.models import Role
from common.staff.password_policy import MIN_LENGTH
from common.staff.service import NewStaff, SeatUsage, StaffResult, TotpEnrollment
from desktop.desk import Desk
from desktop.labels import label as value_label
from desktop.screens.staff.actions import add_staff, change_role, set_password
from desktop.screens.staff.reads import StaffRow
from desktop.widgets.common import Banner, button, label, select_data
from desktop.widgets.qr import QrCode

ROLE_ORDER: Final = (Role.RECEPTIONIST, Role.NURSE, Role.DOCTOR, Role.MANAGER, Role.ADMIN)
# Short, distinct words for suggested passwords (a person reads it out and types it once).
WORDS: Final = (
    "amber",
    "anchor",
    "apple",
    "arrow",
    "autumn",
    "badge",
    "bamboo",
    "basil",
    "beacon",
    "birch",
    "bloom",
    "bridge",
    "cactus",
    "candle",
    "canyon",
    "cedar",
    "cherry",
    "cloud",
    "clover",
    "comet",
    "copper",
    "coral",
    "cotton",
    "crane",
    "delta",
    "desert",
    "dolphin",
    "ember",
    "falcon",
    "fern",
    "field",
    "forest",
    "garden",
    "ginger",
    "glacier",
    "harbor",
    "hazel",
    "island",
    "ivory",
    "jasmine",
    "kettle",
    "lantern",
    "lemon",
    "lotus",
    "maple",
    "marble",
    "meadow",
    "mint",
    "moon",
    "noodle",
    "ocean",
    "olive",
    "orchid",
    "otter",
    "panda",
    "pearl",
    "pepper",
    "pine",
    "planet",
    "plum",
    "pocket",
    "quartz",
    "rain",
    "river",
    "robin",
    "saffron",
    "sail",
    "silver",
    "spruce",
    "stone",
    "summer",
    "thunder",
    "tiger",
    "tulip",
    "valley",
    "velvet",
    "violet",
    "walnut",
    "willow",
    "winter",
)


def suggested_password() -> str:
    """Four random words and a number: about 36 bits, easy to read out and to type."""
    words = [secrets.choice(WORDS) for _ in range(4)]
    return "-".join([*words, str(secrets.randbelow(90) + 10)])


def _role_combo(current: Role | None = None) -> QComboBox:
    combo = QComboBox()
    for role in ROLE_ORDER:
        combo.addItem(value_label(role), role)
    select_data(combo, current or Role.RECEPTIONIST)
    return combo


class PasswordField(QWidget):
    """A password box with Show and Suggest: an administrator hands the password over in person."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit()
        self.edit.setObjectName("staff_password")
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.show_box = QCheckBox()
        self.show_box.setObjectName("staff_password_show")
        self.show_box.toggled.connect(self._show)
        self.suggest = button(flat=True, on_click=self._suggest)
        self.suggest.setObjectName("staff_password_suggest")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)
        row.addWidget(self.edit, 1)
        row.addWidget(self.show_box)
        row.addWidget(self.suggest)
        self.show_box.setText(_("Show"))
        self.suggest.setText(_("Suggest one"))
        self.edit.setAccessibleName(_("Password"))
        self.suggest.setToolTip(_("Fill in a random password of four words"))

    def text(self) -> str:
        return self.edit.text()

    def _show(self, shown: bool) -> None:
        self.edit.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)

    def _suggest(self) -> None:
        self.edit.setText(suggested_password())
        self.show_box.setChecked(True)


class _StaffDialog(QDialog):
    """A dialog with a heading, an explanation, a form, a refusal banner and two buttons."""

    def __init__(self, desk: Desk, name: str, parent: QWidget | None) -> None:
        super().__init__(parent.window() if parent is not None else None)
        self.setObjectName(name)
        self.setModal(True)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setMinimumWidth(500)
        self.desk = desk
        self.heading = label("", "title")
        self.explain = label("", "muted", wrap=True)
        self.form = QFormLayout()
        self.form.setSpacing(10)
        # Wrapped notes go below the form: a form row does not give a wrapped label its height.
        self.notes = QVBoxLayout()
        self.notes.setSpacing(6)
        self.error = Banner("danger")
        self.error.setObjectName("staff_dialog_error")
        self.error.hide()
        self.confirm = button(primary=True, on_click=self.accept)
        self.confirm.setObjectName("staff_dialog_confirm")
        self.confirm.setDefault(True)
        self.cancel = button(on_click=self.reject)
        self.cancel.setObjectName("staff_dialog_cancel")
        self.cancel.setText(_("Cancel"))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel)
        buttons.addWidget(self.confirm)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(12)
        layout.addWidget(self.heading)
        layout.addWidget(self.explain)
        layout.addLayout(self.form)
        layout.addLayout(self.notes)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addLayout(buttons)

    def row(self, text: str, widget: QWidget) -> None:
        widget.setAccessibleName(text)
        self.form.addRow(label(text), widget)

    def failed(self, error: BaseException) -> bool:
        self.confirm.setEnabled(True)
        if isinstance(error, DomainError):
            self.error.set_text(error.translated(language().locale))
            self.error.show()
            self.fit()
            return True
        return False

    def fit(self) -> None:
        """Grow to what is shown (a refusal, a note) so no field is squeezed."""
        layout = self.layout()
        if layout is not None:
            layout.activate()
        self.resize(self.width(), max(self.height(), self.sizeHint().height()))

    def busy(self) -> None:
        self.confirm.setEnabled(False)
        self.error.hide()


class AddStaffDialog(_StaffDialog):
    def __init__(
        self, desk: Desk, seats: SeatUsage, on_added: Callable[[StaffResult], Any], parent: QWidget | None
    ) -> None:
        super().__init__(desk, "add_staff_dialog", parent)
        self._on_added = on_added
        self.first_name = QLineEdit()
        self.first_name.setObjectName("staff_first_name")
        self.last_name = QLineEdit()
        self.last_name.setObjectName("staff_last_name")
        self.email = QLineEdit()
        self.email.setObjectName("staff_email")
        self.email.setPlaceholderText("name@clinic.example")
        self.role = _role_combo()
        self.role.setObjectName("staff_role")
        self.role.currentIndexChanged.connect(lambda _index: self._role_changed())
        self.specialization = QLineEdit()
        self.specialization.setObjectName("staff_specialization")
        self.password = PasswordField()
        self.rules = label(
            _(
                "At least %(minimum)s characters; a short phrase is best. Not a common leaked "
                "password, and not the person's name or email.",
                minimum=MIN_LENGTH,
            ),
            "muted",
            wrap=True,
        )
        self.second_factor = label("", "muted", wrap=True)
        self.row(_("First name"), self.first_name)
        self.row(_("Last name"), self.last_name)
        self.row(_("Email (their sign-in)"), self.email)
        self.row(_("Role"), self.role)
        self.row(_("Specialization"), self.specialization)
        self.row(_("Initial password"), self.password)
        self.notes.addWidget(self.rules)
        self.notes.addWidget(self.second_factor)
        self.setWindowTitle(_("Add staff"))
        self.heading.setText(_("Add a staff member"))
        self.explain.setText(
            _(
                "They sign in with their email and this password. This uses one of your plan's "
                "seats: %(used)s of %(limit)s are in use.",
                used=seats.used,
                limit=seats.limit,
            )
        )
        self.password.edit.setAccessibleName(_("Initial password"))
        self.confirm.setText(_("Add staff"))
        self._role_changed()
        self.first_name.setFocus()

    def _role_changed(self) -> None:
        role = Role(self.role.currentData())
        doctor = role is Role.DOCTOR
        self.specialization.setEnabled(doctor)
        self.second_factor.setVisible(role in TOTP_REQUIRED_ROLES)
        self.fit()
        self.second_factor.setText(
            _(
                "Administrators and managers also sign in with a code from an authenticator app: "
                "a QR code to scan is shown once, right after adding."
            )
        )

    def accept(self) -> None:
        role = Role(self.role.currentData())
        spec = NewStaff(
            email=self.email.text(),
            password=self.password.text(),
            first_name=self.first_name.text(),
            last_name=self.last_name.text(),
            role=role,
            specialization=self.specialization.text() if role is Role.DOCTOR else None,
            preferred_language=language().locale,
        )
        self.busy()
        self.desk.write(add_staff(spec), on_success=self._added, on_failure=self.failed, parent=self)

    def _added(self, result: StaffResult) -> None:
        super().accept()
        self._on_added(result)


class ChangeRoleDialog(_StaffDialog):
    def __init__(
        self, desk: Desk, person: StaffRow, on_done: Callable[[StaffResult], Any], parent: QWidget | None
    ):
        super().__init__(desk, "change_role_dialog", parent)
        self._on_done = on_done
        self.person = person
        self.role = _role_combo(person.role)
        self.role.setObjectName("staff_new_role")
        self.role.currentIndexChanged.connect(lambda _index: self._update())
        self.note = label("", "muted", wrap=True)
        self.row(_("New role"), self.role)
        self.notes.addWidget(self.note)
        self.setWindowTitle(_("Change role"))
        self.heading.setText(_("Change the role of %(name)s", name=person.name))
        self.explain.setText(
            _(
                "The role decides what %(name)s may see and do. They are signed out everywhere and "
                "sign in again with the new role.",
                name=person.name,
            )
        )
        self.confirm.setText(_("Change role"))
        self._update()

    def _update(self) -> None:
        role = Role(self.role.currentData())
        self.confirm.setEnabled(role is not self.person.role)
        needs_code = role in TOTP_REQUIRED_ROLES and not self.person.two_factor
        self.note.setVisible(needs_code)
        self.note.setText(
            _("This role signs in with an authenticator app: a QR code to scan is shown once, next.")
        )

    def accept(self) -> None:
        self.busy()
        self.desk.write(
            change_role(self.person.id, Role(self.role.currentData())),
            on_success=self._done,
            on_failure=self.failed,
            parent=self,
        )

    def _done(self, result: StaffResult) -> None:
        super().accept()
        self._on_done(result)


class PasswordDialog(_StaffDialog):
    def __init__(
        self, desk: Desk, person: StaffRow, on_done: Callable[[object], Any], parent: QWidget | None
    ):
        super().__init__(desk, "reset_password_dialog", parent)
        self._on_done = on_done
        self.person = person
        self.password = PasswordField()
        self.rules = label(
            _(
                "At least %(minimum)s characters; a short phrase is best. Not a common leaked "
                "password, and not the person's name or email.",
                minimum=MIN_LENGTH,
            ),
            "muted",
            wrap=True,
        )
        self.row(_("New password"), self.password)
        self.notes.addWidget(self.rules)
        self.setWindowTitle(_("Reset password"))
        self.heading.setText(_("A new password for %(name)s", name=person.name))
        self.explain.setText(
            _(
                "Use this when %(name)s has forgotten their password. They are signed out everywhere; "
                "give them the new password in person.",
                name=person.name,
            )
        )
        self.password.edit.setAccessibleName(_("New password"))
        self.confirm.setText(_("Reset password"))
        self.password.edit.setFocus()

    def accept(self) -> None:
        self.busy()
        self.desk.write(
            set_password(self.person.id, self.password.text()),
            on_success=self._done,
            on_failure=self.failed,
            parent=self,
        )

    def _done(self, result: object) -> None:
        super().accept()
        self._on_done(result)


class TotpDialog(QDialog):
    """A new second factor, shown once: the QR code and the secret for typing in by hand."""

    def __init__(self, name: str, enrollment: TotpEnrollment, parent: QWidget | None) -> None:
        super().__init__(parent.window() if parent is not None else None)
        self.setObjectName("totp_dialog")
        self.setModal(True)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setMinimumWidth(520)
        heading = label(_("Two-factor sign-in for %(name)s", name=name), "title")
        explain = label(
            _(
                "Ask %(name)s to scan this code now with an authenticator app (such as Google "
                "Authenticator, Microsoft Authenticator or 1Password). It is shown only this once: "
                "if it is lost, reset two-factor again.",
                name=name,
            ),
            None,
            wrap=True,
        )
        self.qr = QrCode(232)
        self.qr.setObjectName("totp_qr")
        self.qr.set_value(enrollment.provisioning_uri)
        self.qr.setAccessibleName(_("QR code for the authenticator app"))
        grouped = " ".join(enrollment.secret[i : i + 4] for i in range(0, len(enrollment.secret), 4))
        self.secret = label(grouped, "heading")
        self.secret.setObjectName("totp_secret")
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(max(mono.pointSizeF(), 11))
        mono.setWeight(QFont.Weight.DemiBold)
        self.secret.setFont(mono)
        self.secret.setAccessibleName(_("Secret for typing in by hand"))
        manual = label(_("No camera? Type this key into the app instead:"), "muted", wrap=True)
        done = button(primary=True, on_click=self.accept)
        done.setObjectName("totp_done")
        done.setText(_("Done, it is scanned"))
        done.setDefault(True)
        qr_row = QHBoxLayout()
        qr_row.addStretch(1)
        qr_row.addWidget(self.qr)
        qr_row.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(done)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(12)
        layout.addWidget(heading)
        layout.addWidget(explain)
        layout.addLayout(qr_row)
        layout.addWidget(manual)
        layout.addWidget(self.secret, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addLayout(buttons)
        self.setWindowTitle(_("Two-factor sign-in"))
