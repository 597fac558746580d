"""Settings › Devices: the clinic's front desks and kiosks, for its administrator.

The devices are the server's (it enrolls them and lets them sync), so the page works online only,
through `/api/devices` (common/sync/device_admin.py). The administrator first signs in to the
server with their password and the code from their authenticator app: a second check for a step
that lets a new machine into the clinic or cuts one off. The sign-in ends when the page is left or
the desk is locked. Server calls run on a thread of their own (common/qt/network.py), never on the
desk's database worker.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Final

import httpx
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication, QHideEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from common.access.permissions import Permission
from common.context import ServiceContext
from common.i18n import N_
from common.qt.i18n import _, format_datetime, format_time, language
from common.qt.network import call_server
from common.qt.operations import failure_message
from common.staff.service import get_staff
from common.sync.client import ServerRefused
from common.sync.device_admin import DeviceAdmin
from common.sync.devices import ClinicDevice, EnrollmentCode
from common.sync.models import DeviceKind
from desktop.screens.settings.page import SettingsPage, error_label, form_grid
from desktop.widgets.common import Banner, button, hbox, label
from desktop.widgets.dialogs import confirm
from desktop.widgets.qr import QrCode

UNREACHABLE: Final = N_(
    "The clinic's server cannot be reached. Check this computer's connection and try again."
)
SIGNED_OUT: Final = N_("Your sign-in to the clinic's server has ended. Sign in again to go on.")
KIND_NAMES: Final = {DeviceKind.FRONT_DESK: N_("Front desk"), DeviceKind.KIOSK: N_("Kiosk")}
COLUMNS: Final = (N_("Device"), N_("Kind"), N_("Enrolled"), N_("Last seen"), N_("Status"))


@dataclass(frozen=True)
class DeskServer:
    """Where this desk syncs, and who is signed in on it."""

    server_url: str
    clinic_id: uuid.UUID
    device_id: uuid.UUID
    email: str


class DevicesPage(SettingsPage):
    key = "devices"
    title_msgid = N_("Devices")
    description_msgid = N_(
        "The front desks and kiosks that sync with the clinic's server. Add one with a one-time "
        "code; withdraw one that is lost or stolen, and it stops syncing at once."
    )
    icon_name = "cloud"
    manage = Permission.DEVICE_MANAGE
    read_only_msgid = N_("Only an administrator can manage the clinic's devices.")
    watches = frozenset()

    def build(self) -> None:
        self.admin: DeviceAdmin | None = None
        self.known = False  # whether this desk syncs with a server is read (the first load)
        self.busy = False
        self.devices: list[ClinicDevice] = []

        self.alone = Banner("info")
        self.alone.setObjectName("devices_alone")
        self.alone.hide()
        self.body.addWidget(self.alone)

        self.sign_in_card = self.card("devices_sign_in")
        self.sign_in_explain = label("", None, wrap=True)
        self.email = label("", "heading")
        self.email.setObjectName("devices_email")
        self.password = QLineEdit()
        self.password.setObjectName("devices_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.code = QLineEdit()
        self.code.setObjectName("devices_totp")
        self.code.setMaxLength(8)
        self.code.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
        self.code.returnPressed.connect(self.sign_in)
        self.password.returnPressed.connect(self.code.setFocus)
        self.email_label, self.password_label, self.code_label = label(), label(), label()
        grid = form_grid()
        for row, (caption, field) in enumerate(
            (
                (self.email_label, self.email),
                (self.password_label, self.password),
                (self.code_label, self.code),
            )
        ):
            grid.addWidget(caption, row, 0, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(field, row, 1, 1, 2)
        self.sign_in_button = button(primary=True, on_click=self.sign_in)
        self.sign_in_button.setObjectName("devices_sign_in_button")
        self.sign_in_button.setProperty("settings_action", True)
        self.sign_in_error = error_label("devices_sign_in")
        self.sign_in_card.body.addWidget(self.sign_in_explain)
        self.sign_in_card.body.addLayout(grid)
        self.sign_in_card.body.addWidget(self.sign_in_error)
        self.sign_in_card.body.addLayout(hbox(None, self.sign_in_button))

        self.list_card = self.card("devices_list")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("devices_table")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(220)
        self.table.itemSelectionChanged.connect(self._show_actions)
        self.new_desk = button(icon_name="plus", on_click=lambda: self.new_code(DeviceKind.FRONT_DESK))
        self.new_desk.setObjectName("devices_new_front_desk")
        self.new_kiosk = button(icon_name="plus", on_click=lambda: self.new_code(DeviceKind.KIOSK))
        self.new_kiosk.setObjectName("devices_new_kiosk")
        self.withdraw_button = button(danger=True, on_click=self.ask_to_withdraw)
        self.withdraw_button.setObjectName("devices_withdraw")
        self.refresh_button = button(icon_name="refresh", on_click=self.refresh_list)
        self.refresh_button.setObjectName("devices_refresh")
        self.sign_out_button = button(flat=True, icon_name="logout", on_click=self.sign_out)
        self.sign_out_button.setObjectName("devices_sign_out")
        self.list_error = error_label("devices_list")
        self.list_card.body.addLayout(
            hbox(self.new_desk, self.new_kiosk, None, self.refresh_button, self.sign_out_button)
        )
        self.list_card.body.addWidget(self.table)
        self.list_card.body.addWidget(self.list_error)
        self.list_card.body.addLayout(hbox(None, self.withdraw_button))

    # -- what the page shows ----------------------------------------------------------------------

    def reader(self) -> Any:
        db = self.desk.db

        def read(ctx: ServiceContext) -> DeskServer | None:
            from common.sync.enrollment import enrolled_device

            info = enrolled_device(db)
            if info is None or ctx.actor.id is None:
                return None
            email = get_staff(ctx, ctx.actor.id).email
            return DeskServer(info.server_url, info.clinic_id, info.device_id, email)

        return read

    @property
    def server(self) -> DeskServer | None:
        """Where this desk syncs (None: it works on its own, or that is not read yet)."""
        return self.data if isinstance(self.data, DeskServer) else None

    def fill(self, data: Any) -> None:
        self.known = True
        self.email.setText(self.server.email if self.server is not None else "")
        self._show_where()

    def _apply_editable(self) -> None:
        super()._apply_editable()
        self.save_button.hide()  # nothing here waits to be saved: each step is done at once
        self.revert_button.hide()
        self._show_where()
        self._show_actions()

    def _show_where(self) -> None:
        alone = self.known and self.data is None
        self.alone.setVisible(self.editable and alone)
        signed_in = self.admin is not None
        self.sign_in_card.setVisible(self.editable and self.known and not alone and not signed_in)
        self.list_card.setVisible(self.editable and signed_in)

    def retranslate_page(self) -> None:
        self.alone.set_text(
            _("This desk works on its own, without a clinic server: there are no other devices to manage.")
        )
        self.sign_in_card.set_title(_("Sign in to the clinic's server"))
        self.sign_in_explain.setText(
            _(
                "Adding or withdrawing a device lets a computer into the clinic's records or shuts "
                "one out, so the server asks for your password and the code from your "
                "authenticator app first. You stay signed in until you leave this page."
            )
        )
        self.email_label.setText(_("Signed in as"))
        self.password_label.setText(_("Password"))
        self.code_label.setText(_("Authenticator code"))
        self.code.setPlaceholderText(_("6 digits"))
        self.sign_in_button.setText(_("Sign in"))
        self.list_card.set_title(_("Enrolled devices"))
        self.table.setHorizontalHeaderLabels([_(column) for column in COLUMNS])
        self.new_desk.setText(_("New front desk code"))
        self.new_kiosk.setText(_("New kiosk code"))
        self.withdraw_button.setText(_("Withdraw…"))
        self.refresh_button.setText(_("Refresh"))
        self.sign_out_button.setText(_("Sign out of the server"))
        self._fill_table()

    # -- signing in and out -----------------------------------------------------------------------

    def sign_in(self) -> None:
        server = self.server
        if self.busy or server is None:
            return
        password, code = self.password.text(), self.code.text().strip().replace(" ", "")
        if not password:
            self._problem(self.sign_in_error, _("Type your password."), self.password)
            return
        if not (code.isdigit() and len(code) == 6):
            self._problem(
                self.sign_in_error, _("Type the 6-digit code from your authenticator app."), self.code
            )
            return
        admin = DeviceAdmin(server.server_url, server.clinic_id, language().locale)

        def signed_in() -> list[ClinicDevice]:
            try:
                admin.sign_in(server.email, password, code)
                return admin.devices()
            except Exception:
                admin.close()  # here, off the GUI thread: it may tell the server the sign-in ended
                raise

        def succeeded(devices: list[ClinicDevice]) -> None:
            self.admin = admin
            self.password.clear()
            self.code.clear()
            self.sign_in_error.hide()
            self._listed(devices)
            self._show_signed_in(True)

        def failed(error: BaseException) -> None:
            self.code.clear()
            self._problem(self.sign_in_error, self._message(error), self.code)

        self._call("sign_in", signed_in, succeeded, failed, _("Signing in…"))

    def sign_out(self) -> None:
        admin, self.admin = self.admin, None
        self.devices = []
        self._fill_table()
        self._show_signed_in(False)
        if admin is not None:
            call_server(self, admin.close, lambda _none: None, lambda _error: None, name="devices_sign_out")

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        if self.admin is not None and not self.busy:
            self.sign_out()

    def _show_signed_in(self, signed_in: bool) -> None:
        self._show_where()
        self._show_actions()
        if not signed_in:
            self.list_error.hide()

    # -- the devices ------------------------------------------------------------------------------

    def refresh_list(self) -> None:
        admin = self.admin
        if admin is None or self.busy:
            return
        self._call("list", admin.devices, self._listed, self._list_failed, _("Loading the devices…"))

    def new_code(self, kind: DeviceKind) -> None:
        admin = self.admin
        if admin is None or self.busy:
            return

        server = self.server.server_url if self.server is not None else ""

        def made(code: EnrollmentCode) -> None:
            dialog = EnrollmentCodeDialog(code, server, self)
            dialog.finished.connect(lambda _result: self.refresh_list())  # the device enrolled meanwhile
            dialog.open()

        self._call("new_code", lambda: admin.new_code(kind), made, self._list_failed, _("Making a code…"))

    def ask_to_withdraw(self) -> None:
        device = self.selected()
        if device is None or self.admin is None:
            return
        confirm(
            self,
            _("Withdraw “%(name)s”?", name=device.name),
            _("Withdraw"),
            lambda: self.withdraw(device.id),
            details=_(
                "It stops syncing at once and cannot sync again; a replacement needs a new code. "
                "What is already stored on that computer stays there: wipe or lock it too."
            ),
        )

    def withdraw(self, device_id: uuid.UUID) -> None:
        admin = self.admin
        if admin is None or self.busy:
            return
        self._call(
            "withdraw",
            lambda: admin.withdraw(device_id),
            lambda _d: self.refresh_list(),
            self._list_failed,
            _("Withdrawing…"),
        )

    def selected(self) -> ClinicDevice | None:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        return self.devices[min(rows)] if rows and min(rows) < len(self.devices) else None

    def _listed(self, devices: list[ClinicDevice]) -> None:
        self.devices = devices
        self.list_error.hide()
        self._fill_table()

    @property
    def here(self) -> uuid.UUID | None:
        """This desk's device id."""
        return self.server.device_id if self.server is not None else None

    def _fill_table(self) -> None:
        here = self.here
        self.table.setRowCount(len(self.devices))
        for row, device in enumerate(self.devices):
            if device.withdrawn_at is not None:
                status = _("Withdrawn %(when)s", when=format_datetime(device.withdrawn_at))
            elif device.id == here:
                status = _("This desk")
            else:
                status = _("Active")
            cells = (
                device.name,
                _(KIND_NAMES[device.kind]),
                format_datetime(device.enrolled_at),
                format_datetime(device.last_seen_at) if device.last_seen_at else _("Never"),
                status,
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if device.withdrawn_at is not None:
                    item.setForeground(self.palette().placeholderText())
                self.table.setItem(row, column, item)
        self._show_actions()

    def _show_actions(self) -> None:
        device = self.selected()
        here = self.here
        can_withdraw = device is not None and device.withdrawn_at is None and device.id != here
        signed_in = self.admin is not None
        self.withdraw_button.setEnabled(signed_in and can_withdraw and not self.busy)
        self.withdraw_button.setToolTip(
            _("This desk cannot withdraw itself: do it from another desk.")
            if device is not None and device.id == here
            else ""
        )
        for action in (self.new_desk, self.new_kiosk, self.refresh_button, self.sign_out_button):
            action.setEnabled(signed_in and not self.busy)

    def _list_failed(self, error: BaseException) -> None:
        if isinstance(error, ServerRefused) and error.status == 401:
            self.sign_out()
            self._problem(self.sign_in_error, _(SIGNED_OUT), self.password)
            return
        self._problem(self.list_error, self._message(error), None)

    # -- helpers ----------------------------------------------------------------------------------

    def _call(self, name: str, fn: Any, on_success: Any, on_failure: Any, doing: str) -> None:
        self.busy = True
        self.sign_in_button.setEnabled(False)
        self.status.setText(doing)
        self._show_actions()

        def done(handler: Any) -> Any:
            def handle(outcome: Any) -> None:
                self.busy = False
                self.sign_in_button.setEnabled(True)
                self.status.clear()
                handler(outcome)
                self._show_actions()
                if self.admin is not None and not self.isVisible():
                    self.sign_out()  # the page was left while the server was answering

            return handle

        call_server(self, fn, done(on_success), done(on_failure), name=f"devices_{name}")

    def _message(self, error: BaseException) -> str:
        if isinstance(error, ServerRefused):
            return error.message
        if isinstance(error, httpx.TransportError):
            return _(UNREACHABLE)
        return failure_message(error, language().locale, name="devices")

    @staticmethod
    def _problem(where: Any, message: str, focus: QWidget | None) -> None:
        where.setText(message)
        where.show()
        if focus is not None:
            focus.setFocus()


class EnrollmentCodeDialog(QDialog):
    """A new one-time code, shown once: as a QR code for the new device's camera and as text."""

    def __init__(self, code: EnrollmentCode, server_url: str, parent: QWidget) -> None:
        super().__init__(parent.window())
        self.setObjectName("enrollment_code_dialog")
        self.setModal(True)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setMinimumWidth(520)
        kiosk = code.kind is DeviceKind.KIOSK
        self.setWindowTitle(_("Enrollment code"))
        heading = label(_("A code for a new kiosk") if kiosk else _("A code for a new front desk"), "title")
        how = (
            _(
                "On the new kiosk computer, enroll the kiosk app (clinic-kiosk --enroll) with this "
                "server address, then scan this QR code or type the code."
            )
            if kiosk
            else _(
                "On the new computer, open the front desk app, choose “Connect this PC to the "
                "clinic”, type this server address, then scan this QR code or type the code."
            )
        )
        until = _("The code enrolls one device, until %(time)s.", time=format_time(code.expires_at))
        explain = label(f"{how} {until}", None, wrap=True)
        explain.setObjectName("enrollment_code_how")
        self.server = label(server_url, "heading")
        self.server.setObjectName("enrollment_code_server")
        self.qr = QrCode(232)
        self.qr.setObjectName("enrollment_code_qr")
        self.qr.set_value(code.code)
        self.text = label(code.code, "heading")
        self.text.setObjectName("enrollment_code_text")
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(max(mono.pointSizeF(), 11))
        mono.setWeight(QFont.Weight.DemiBold)
        self.text.setFont(mono)
        copy = button(_("Copy the code"), on_click=lambda: QGuiApplication.clipboard().setText(code.code))
        copy.setObjectName("enrollment_code_copy")
        done = button(_("Done"), primary=True, on_click=self.accept)
        done.setDefault(True)
        qr_row = QHBoxLayout()
        qr_row.addStretch(1)
        qr_row.addWidget(self.qr)
        qr_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(12)
        layout.addWidget(heading)
        layout.addWidget(explain)
        layout.addWidget(self.server, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addLayout(qr_row)
        layout.addWidget(self.text, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addLayout(hbox(None, copy, done))
