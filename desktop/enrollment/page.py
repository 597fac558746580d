"""The "Connect this PC to the clinic" page, shown in the first-run window's card: the server's
address and the enrollment code (typed, or its QR scanned), then the initial sync's progress with
the rows done, the time left, and Cancel / Resume. It only shows and asks: enrollment/controller.py
does the work."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QLineEdit, QProgressBar, QVBoxLayout, QWidget

from common.i18n import N_
from common.qt.i18n import _, format_number, language
from desktop.enrollment.flow import Problem, read_code, time_left_text
from desktop.widgets.common import button, hbox, label

TITLE = N_("Connect this PC to the clinic")
CONNECTING = N_("Connecting to the clinic's server…")
DOWNLOADING = N_("Downloading the clinic's records…")
CANCELLING = N_("Stopping after the current batch…")
PAUSED = N_("Download paused. What is already on this PC stays: resume now, or later when you open the desk.")
FINISHED = N_("All of the clinic's records are on this PC.")
COUNTS = N_("%(done)s of about %(total)s records")


class EnrollmentPage(QWidget):
    sig_connect = Signal(str, str)  # server address, code (as typed)
    sig_back = Signal()
    sig_camera = Signal()
    sig_cancel = Signal()
    sig_resume = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("enrollment_page")
        # The form or the progress, shown and hidden in a plain layout (so wrapped text fits).
        self.parts = QVBoxLayout(self)
        self.parts.setContentsMargins(0, 0, 0, 0)
        self._error: Problem | None = None
        self._step = CONNECTING
        self._counts: tuple[int, int] | None = None
        self._left: float | None = None
        self._build_form()
        self._build_progress()
        language().sig_language_changed.connect(self._language_changed)
        self.retranslate()

    # -- building --------------------------------------------------------------------------------

    def _build_form(self) -> None:
        self.form = QWidget()
        layout = QVBoxLayout(self.form)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        self.explain = label("", "muted", wrap=True)
        self.server = QLineEdit()
        self.server.setObjectName("enroll_server")
        self.server.setPlaceholderText("https://clinic.example.com")
        self.code = QLineEdit()
        self.code.setObjectName("enroll_code")
        self.code.setPlaceholderText("0f3c…9a1b.ABCD-EFGH-JKLM-NPQR")
        self.server_label = label()
        self.code_label = label()
        fields = QFormLayout()
        fields.setSpacing(10)
        fields.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        fields.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)  # a long code gets the width
        fields.addRow(self.server_label, self.server)
        fields.addRow(self.code_label, self.code)
        self.scan_hint = label("", "muted", wrap=True)
        self.camera = button(icon_name="scan", flat=True, on_click=self.sig_camera.emit)
        self.camera.setObjectName("enroll_camera")
        self.form_error = label("", "danger", wrap=True)
        self.form_error.setObjectName("enroll_error")
        self.form_error.hide()
        self.back = button(flat=True, on_click=self.sig_back.emit)
        self.back.setObjectName("enroll_back")
        self.connect_button = button(primary=True, icon_name="cloud", on_click=self._submit)
        self.connect_button.setObjectName("enroll_connect")
        layout.addWidget(self.explain)
        layout.addLayout(fields)
        layout.addWidget(self.scan_hint)
        layout.addLayout(hbox(self.camera, None))
        layout.addWidget(self.form_error)
        layout.addLayout(hbox(self.back, None, self.connect_button))
        for field in (self.server, self.code):
            field.returnPressed.connect(self._submit)
        self.setTabOrder(self.server, self.code)
        self.setTabOrder(self.code, self.connect_button)
        self.parts.addWidget(self.form)

    def _build_progress(self) -> None:
        self.progress_page = QWidget()
        layout = QVBoxLayout(self.progress_page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self.step = label("", "heading", wrap=True)
        self.step.setObjectName("enroll_step")
        self.bar = QProgressBar()
        self.bar.setObjectName("enroll_progress")
        self.bar.setRange(0, 0)
        self.bar.setTextVisible(True)
        self.bar.setFixedHeight(18)
        self.counts = label("", None)
        self.counts.setObjectName("enroll_counts")
        self.time_left = label("", "muted")
        self.time_left.setObjectName("enroll_time_left")
        self.note = label("", "muted", wrap=True)
        self.sync_error = label("", "danger", wrap=True)
        self.sync_error.setObjectName("enroll_sync_error")
        self.sync_error.hide()
        self.cancel = button(on_click=self._cancel)
        self.cancel.setObjectName("enroll_cancel")
        self.resume = button(primary=True, icon_name="refresh", on_click=self.sig_resume.emit)
        self.resume.setObjectName("enroll_resume")
        self.resume.hide()
        layout.addWidget(self.step)
        layout.addWidget(self.bar)
        layout.addLayout(hbox(self.counts, None, self.time_left))
        layout.addWidget(self.note)
        layout.addWidget(self.sync_error)
        layout.addLayout(hbox(None, self.cancel, self.resume))
        self.parts.addWidget(self.progress_page)
        self.progress_page.hide()

    # -- text ------------------------------------------------------------------------------------

    def title(self) -> str:
        return _(TITLE)

    def _language_changed(self, _locale: str) -> None:
        self.retranslate()

    def retranslate(self) -> None:
        self.explain.setText(
            _(
                "Your administrator gives you the address of the clinic's server and a one-time "
                "enrollment code, as text or as a QR code. This PC then downloads the clinic's "
                "records and keeps them in sync."
            )
        )
        self.server_label.setText(_("Server address"))
        self.code_label.setText(_("Enrollment code"))
        self.server.setAccessibleName(_("Server address"))
        self.code.setAccessibleName(_("Enrollment code"))
        self.scan_hint.setText(
            _("Have the QR code? Scan it with the barcode scanner, or hold it up to this PC's camera.")
        )
        self.camera.setText(_("Scan with the camera…"))
        self.back.setText(_("Back"))
        self.connect_button.setText(_("Connect") if self.connect_button.isEnabled() else _(CONNECTING))
        self.note.setText(
            _("You can cancel and continue later: what is already downloaded stays on this PC.")
        )
        self.cancel.setText(_("Cancel"))
        self.resume.setText(_("Resume"))
        self.bar.setAccessibleName(_("Download progress"))
        self.step.setText(_(self._step))
        self._show_counts()
        for target in (self.form_error, self.sync_error):
            if self._error is not None and target.isVisibleTo(self):
                target.setText(_(self._error.msgid, **self._error.params))

    # -- the form ----------------------------------------------------------------------------------

    def _show_part(self, part: QWidget) -> None:
        self.form.setVisible(part is self.form)
        self.progress_page.setVisible(part is self.progress_page)

    @property
    def showing_form(self) -> bool:
        return not self.form.isHidden()

    def show_form(self) -> None:
        self._show_part(self.form)
        self.set_busy(False)
        (self.code if self.server.text().strip() else self.server).setFocus()

    def set_busy(self, busy: bool) -> None:
        for widget in (self.server, self.code, self.camera, self.back, self.connect_button):
            widget.setEnabled(not busy)
        self.connect_button.setText(_(CONNECTING) if busy else _("Connect"))
        if busy:
            self.form_error.hide()

    def show_form_error(self, problem: Problem) -> None:
        self._error = problem
        self._show_part(self.form)
        self.set_busy(False)
        self.form_error.setText(_(problem.msgid, **problem.params))
        self.form_error.show()

    def take_scan(self, value: str) -> bool:
        """A code scanned (wedge scanner or camera): fill it in, and the server if it names one."""
        scanned = read_code(value)
        if scanned is None or not self.showing_form or not self.code.isEnabled():
            return False
        self.code.setText(scanned.code)
        if scanned.server and not self.server.text().strip():
            self.server.setText(scanned.server)
        self.form_error.hide()
        (self.connect_button if self.server.text().strip() else self.server).setFocus()
        return True

    def _submit(self) -> None:
        if self.connect_button.isEnabled():
            self.sig_connect.emit(self.server.text(), self.code.text())

    # -- the initial sync ----------------------------------------------------------------------------

    def show_syncing(self) -> None:
        self._show_part(self.progress_page)
        self._step = DOWNLOADING
        self.step.setText(_(DOWNLOADING))
        self.sync_error.hide()
        self.resume.hide()
        self.cancel.show()
        self.cancel.setEnabled(True)
        if self._counts is None:
            self.bar.setRange(0, 0)
        self.cancel.setFocus()

    def show_progress(self, done: int, total: int, seconds_left: float | None) -> None:
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
        self._counts = (done, total)
        self._left = seconds_left
        self._show_counts()

    def _show_counts(self) -> None:
        if self._counts is None:
            self.counts.setText("")
            self.time_left.setText("")
            return
        done, total = self._counts
        self.counts.setText(_(COUNTS, done=format_number(done), total=format_number(total)))
        if self._step == DOWNLOADING:
            msgid, params = time_left_text(self._left)
            self.time_left.setText(_(msgid, **params))
        else:
            self.time_left.setText("")

    def _cancel(self) -> None:
        self.cancel.setEnabled(False)
        self._step = CANCELLING
        self.step.setText(_(CANCELLING))
        self._show_counts()
        self.sig_cancel.emit()

    def show_paused(self, problem: Problem | None = None) -> None:
        self._step = PAUSED
        self.step.setText(_(PAUSED))
        self.cancel.hide()
        self.resume.show()
        self.resume.setFocus()
        self._error = problem
        if problem is not None:
            self.sync_error.setText(_(problem.msgid, **problem.params))
            self.sync_error.show()
        else:
            self.sync_error.hide()
        self._show_counts()

    def show_finished(self) -> None:
        self._step = FINISHED
        self.step.setText(_(FINISHED))
        self.bar.setRange(0, max(1, self.bar.maximum()))
        self.bar.setValue(self.bar.maximum())
        self.cancel.hide()
        self.resume.hide()
        self._show_counts()

    @property
    def percent(self) -> int:
        maximum = self.bar.maximum()
        return round(100 * self.bar.value() / maximum) if maximum > 0 else 0
