"""What every settings page is: a form loaded on the worker, edited freely, checked by the
services when saved (one Save per page, Ctrl+S), with each refusal shown beside its field.

A page keeps what was typed until it is saved or discarded: a refusal, a change arriving from
another desk, or leaving the page never throws an edit away (the screen asks first).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from PySide6.QtCore import QDate, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QScrollArea,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from common.access.permissions import Permission
from common.clinics.service import SettingInvalid
from common.context import ServiceContext
from common.errors import DomainError
from common.i18n import N_
from common.qt.i18n import _, language
from desktop.actions import Intent
from desktop.desk import Desk
from desktop.widgets.common import Banner, Card, button, hbox, label

ONLY_ADMIN: str = N_("Only a clinic administrator can change these settings. You can see them here.")
ONLY_SCHEDULERS: str = N_(
    "Only an administrator or a manager can change these settings. You can see them here."
)


class FormProblem(Exception):
    """Something typed that cannot be sent as it is (a break written as "noon"), found before saving."""

    def __init__(self, field: str, message: str, **params: Any) -> None:
        super().__init__(field)
        self.field = field
        self.message = message
        self.params = params


def clock_of(value: str) -> QTime:
    """'09:30' -> 09:30; the end of the day ('24:00') shows as 23:59."""
    hours, _sep, minutes = value.partition(":")
    if hours == "24":
        return QTime(23, 59)
    return QTime(int(hours or 0), int(minutes or 0))


def text_of(value: QTime) -> str:
    return f"{value.hour():02d}:{value.minute():02d}"


def time_edit(name: str) -> QTimeEdit:
    edit = QTimeEdit()
    edit.setObjectName(name)
    edit.setDisplayFormat("HH:mm")
    edit.setFixedWidth(92)
    return edit


def dash() -> QLabel:
    """The "–" between two times."""
    widget = label("–", "muted")
    widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
    widget.setMinimumWidth(14)
    return widget


def number_edit(name: str, low: int, high: int, suffix: str = "") -> QSpinBox:
    edit = QSpinBox()
    edit.setObjectName(name)
    edit.setRange(low, high)
    edit.setSuffix(suffix)
    edit.setMinimumWidth(96)
    edit.setAlignment(Qt.AlignmentFlag.AlignRight)
    return edit


def error_label(name: str) -> QLabel:
    widget = label("", "danger", wrap=True)
    widget.setObjectName(f"error_{name}")
    widget.hide()
    return widget


def form_grid() -> QGridLayout:
    grid = QGridLayout()
    grid.setHorizontalSpacing(14)
    grid.setVerticalSpacing(10)
    grid.setColumnStretch(3, 1)
    return grid


class SettingsPage(QWidget):
    """One section of Settings. Subclasses build their form and say how to read, show and save it."""

    sig_dirty_changed = Signal(bool)
    sig_saved = Signal()

    key: ClassVar[str] = ""
    title_msgid: ClassVar[str] = ""
    description_msgid: ClassVar[str] = ""
    icon_name: ClassVar[str] = "settings"
    manage: ClassVar[Permission | None] = Permission.CLINIC_MANAGE
    read_only_msgid: ClassVar[str] = ONLY_ADMIN
    watches: ClassVar[frozenset[str]] = frozenset({"clinics"})

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.setObjectName(f"settings_page_{self.key}")
        self.data: Any = None
        self.dirty = False
        self.saving = False
        self._filling = False
        self._stale = True
        self.errors: dict[str, QLabel] = {}
        self.focus_for: dict[str, QWidget] = {}
        self.cards: dict[str, Card] = {}

        self.heading = label("", "title")
        self.description = label("", "muted", wrap=True)
        self.note = Banner("info")
        self.note.setObjectName("settings_read_only_note")
        self.note.hide()
        self.problem = Banner("danger")
        self.problem.setObjectName("settings_problem")
        self.problem.hide()

        self.content = QWidget()
        self.content.setObjectName("settings_content")
        self.content.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, False)
        self.body = QVBoxLayout(self.content)
        self.body.setContentsMargins(0, 0, 8, 0)
        self.body.setSpacing(14)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.content)
        scroll.viewport().setAutoFillBackground(False)
        self.content.setAutoFillBackground(False)

        self.status = label("", "muted")
        self.status.setObjectName("settings_status")
        self.revert_button = button(on_click=self.revert)
        self.revert_button.setObjectName("settings_revert")
        self.save_button = button(primary=True, on_click=self.save)
        self.save_button.setObjectName("settings_save")
        footer = QWidget()
        footer.setObjectName("settings_footer")
        footer.setLayout(hbox(self.status, None, self.revert_button, self.save_button))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(self.heading)
        layout.addWidget(self.description)
        layout.addWidget(self.note)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.problem)
        layout.addWidget(footer)

        self.build()
        self.body.addStretch(1)
        self.editable = self.manage is None or desk.can(self.manage)
        self._apply_editable()
        self._show_state()

    # -- for subclasses ----------------------------------------------------------------------------

    def build(self) -> None:
        """Make the form's widgets (in `self.body`), watching each with `self.watch`."""

    def read(self, ctx: ServiceContext) -> Any:
        """What the page shows, read on the worker thread (frozen values, no ORM rows)."""
        return None

    def reader(self) -> Callable[[ServiceContext], Any]:
        """The read to run (made on the GUI thread: a page may capture what is picked on it)."""
        return self.read

    def fill(self, data: Any) -> None:
        """Show `data` in the form."""

    def changes(self) -> list[Intent]:
        """The intents that save what was changed (none if nothing was); FormProblem if something
        typed cannot be sent."""
        return []

    def retranslate_page(self) -> None:
        """Set the form's own texts."""

    def after_save(self) -> None:
        """Something else to refresh once saved (the desk's copy of the clinic's rules)."""

    def reload_clinic_info(self) -> None:
        """The calendar lays out days by the clinic's hours, slots and periods: give the desk the
        new ones."""
        from desktop.reads.directory import clinic_info

        def loaded(info: Any) -> None:
            self.desk.clinic = info

        self.desk.read(clinic_info, name="settings.clinic_info", on_success=loaded)

    # -- building helpers --------------------------------------------------------------------------

    def card(self, name: str) -> Card:
        widget = Card()
        widget.setObjectName(name)
        self.body.addWidget(widget)
        self.cards[name] = widget
        return widget

    def title_cards(self, titles: dict[str, str]) -> None:
        for name, title in titles.items():
            self.cards[name].set_title(title)

    def watch(self, *widgets: QWidget) -> None:
        for widget in widgets:
            if isinstance(widget, QLineEdit):
                widget.textEdited.connect(self._edited)
            elif isinstance(widget, QPlainTextEdit):
                widget.textChanged.connect(self._edited)
            elif isinstance(widget, QTimeEdit | QDateEdit):
                widget.dateTimeChanged.connect(self._edited)
            elif isinstance(widget, QSpinBox):
                widget.valueChanged.connect(self._edited)
            elif isinstance(widget, QComboBox):
                widget.currentIndexChanged.connect(self._edited)
                if widget.isEditable():
                    widget.editTextChanged.connect(self._edited)
            elif isinstance(widget, QAbstractButton):
                widget.toggled.connect(self._edited)

    def field(self, name: str, focus: QWidget | None = None) -> QLabel:
        """The error label of field `name` (placed beside it by the caller)."""
        widget = error_label(name.replace(".", "_"))
        self.errors[name] = widget
        if focus is not None:
            self.focus_for[name] = focus
        return widget

    # -- loading ----------------------------------------------------------------------------------

    def load(self, *, force: bool = False) -> None:
        """Read the page's settings; a page with unsaved edits keeps them unless `force`."""
        if self.dirty and not force:
            self._stale = True
            return
        self._stale = False
        self.desk.read(
            self.reader(),
            name=f"settings.{self.key}.load",
            on_success=self._loaded,
            key=f"settings.{self.key}",
        )

    def tables_changed(self, tables: frozenset[str]) -> None:
        if tables & self.watches and not self.saving:
            self.load()

    def _loaded(self, data: Any) -> None:
        if self.dirty or self.saving:
            self._stale = True  # arrived while someone was typing: theirs stays
            return
        self.data = data
        self._filling = True
        try:
            self.fill(data)
        finally:
            self._filling = False
        self._apply_editable()
        self.set_dirty(False)

    def refill(self) -> None:
        if self.data is not None:
            self._filling = True
            try:
                self.fill(self.data)
            finally:
                self._filling = False
            self._apply_editable()

    # -- editing ----------------------------------------------------------------------------------

    def _edited(self, *_args: object) -> None:
        if not self._filling and self.editable:
            self.set_dirty(True)

    def set_dirty(self, dirty: bool) -> None:
        changed = dirty != self.dirty
        self.dirty = dirty
        if dirty:
            self.status_text = ""
        self._show_state()
        if changed:
            self.sig_dirty_changed.emit(dirty)

    def revert(self) -> None:
        """Put back what is saved (from the last load), dropping the edits."""
        self.clear_errors()
        self.set_dirty(False)
        if self._stale:
            self.load(force=True)
        else:
            self.refill()

    # -- saving ----------------------------------------------------------------------------------

    def save(self, on_done: Callable[[], None] | None = None) -> None:
        if not self.editable or self.saving:
            return
        self.clear_errors()
        try:
            intents = self.changes()
        except FormProblem as problem:
            self.show_error(problem.field, _(problem.message, **problem.params))
            return
        if not intents:
            self.set_dirty(False)
            if on_done is not None:
                on_done()
            return
        self.saving = True
        self._show_state()
        self._run(list(intents), on_done)

    def _run(self, intents: Sequence[Intent], on_done: Callable[[], None] | None) -> None:
        first, rest = intents[0], intents[1:]

        def succeeded(_result: object) -> None:
            if rest:
                self._run(rest, on_done)
                return
            self.saving = False
            self.status_text = _("Saved.")
            self.set_dirty(False)
            self.load(force=True)
            self.after_save()
            self.sig_saved.emit()
            if on_done is not None:
                on_done()

        self.desk.write(first, on_success=succeeded, on_failure=self._failed, parent=self)

    def _failed(self, error: BaseException) -> bool:
        self.saving = False
        self._show_state()
        if isinstance(error, SettingInvalid) and error.field in self.errors:
            self.show_error(error.field, error.translated(language().locale))
            return True
        if isinstance(error, DomainError):
            self.problem.set_text(error.translated(language().locale))
            self.problem.show()
            return True
        return False  # the runner says what went wrong, with a reference

    def show_error(self, field: str, message: str) -> None:
        widget = self.errors.get(field)
        if widget is None:
            self.problem.set_text(message)
            self.problem.show()
            return
        widget.setText(message)
        widget.show()
        focus = self.focus_for.get(field)
        if focus is not None:
            focus.setFocus()
            self.ensure_visible(focus)
        self.status_text = ""
        self._show_state()

    def ensure_visible(self, widget: QWidget) -> None:
        scroll = self.content.parentWidget()
        area = scroll.parentWidget() if scroll is not None else None
        if isinstance(area, QScrollArea):
            area.ensureWidgetVisible(widget)

    def clear_errors(self) -> None:
        for widget in self.errors.values():
            widget.hide()
            widget.clear()
        self.problem.hide()

    @property
    def has_errors(self) -> bool:
        return any(widget.isVisibleTo(self) for widget in self.errors.values()) or self.problem.isVisibleTo(
            self
        )

    # -- state shown ---------------------------------------------------------------------------

    status_text = ""

    def _show_state(self) -> None:
        if self.saving:
            text, role = _("Saving…"), "muted"
        elif self.dirty:
            text, role = _("Unsaved changes"), "warning"
        else:
            text, role = self.status_text, "muted"
        self.status.setText(text)
        self.status.setProperty("role", role)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.save_button.setEnabled(self.editable and self.dirty and not self.saving)
        self.revert_button.setEnabled(self.editable and self.dirty and not self.saving)

    def _apply_editable(self) -> None:
        if not self.editable:
            inputs = QLineEdit | QPlainTextEdit | QAbstractSpinBox | QComboBox | QCheckBox | QListWidget
            for widget in self.content.findChildren(QWidget):
                action = isinstance(widget, QAbstractButton) and widget.property("settings_action")
                if isinstance(widget, inputs) or action:
                    widget.setEnabled(False)
        self.note.setVisible(not self.editable)
        self.revert_button.setVisible(self.editable)
        self.save_button.setVisible(self.editable)

    def retranslate(self) -> None:
        self.heading.setText(_(self.title_msgid))
        self.description.setText(_(self.description_msgid))
        self.note.set_text(_(self.read_only_msgid))
        self.save_button.setText(_("Save"))
        self.save_button.setToolTip(_("Save this page (Ctrl+S)"))
        self.revert_button.setText(_("Discard changes"))
        self.retranslate_page()
        self._show_state()


def ask_to_leave(
    parent: QWidget, on_save: Callable[[], None], on_discard: Callable[[], None], on_stay: Callable[[], None]
) -> QMessageBox:
    """A page has unsaved changes: save them, discard them, or stay (the default)."""
    box = QMessageBox(parent.window())
    box.setObjectName("settings_leave_box")
    box.setIcon(QMessageBox.Icon.Question)
    box.setText(_("This page has changes that are not saved yet."))
    box.setInformativeText(_("Save them before you go on, or discard them?"))
    save = box.addButton(_("Save"), QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton(_("Discard changes"), QMessageBox.ButtonRole.DestructiveRole)
    stay = box.addButton(_("Keep editing"), QMessageBox.ButtonRole.RejectRole)
    save.setObjectName("leave_save")
    discard.setObjectName("leave_discard")
    stay.setObjectName("leave_stay")
    box.setDefaultButton(stay)
    box.setEscapeButton(stay)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def clicked(chosen: object) -> None:
        if chosen is save:
            on_save()
        elif chosen is discard:
            on_discard()
        else:
            on_stay()

    box.buttonClicked.connect(clicked)
    box.open()
    return box


def qdate(value: Any) -> QDate:
    return QDate(value.year, value.month, value.day)
