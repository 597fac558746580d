"""“No code?”: last name and date of birth, typed on the screen's own keys (or a keyboard)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QStackedWidget, QVBoxLayout, QWidget

from common.checkin.flow import EnterDetails
from common.i18n import translate
from kiosk import strings
from kiosk.screens.base import Screen
from kiosk.theme import Metrics
from kiosk.widgets import Keypad, LetterKeyboard, Notice, button, button_row, digits_field, label

MIN_YEAR = 1900


class DetailsScreen(Screen):
    sig_submit = Signal(str, object)  # last name, date of birth
    sig_back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = label("headline")
        self.error = Notice()
        self.error.hide()
        self.last_name_label = label("fieldLabel")
        self.last_name = QLineEdit()
        self.last_name.setObjectName("last-name")
        self.last_name.setMaxLength(100)
        self.dob_label = label("fieldLabel")
        self.year, self.month, self.day = digits_field(4), digits_field(2), digits_field(2)
        for field, top in ((self.year, 2100), (self.month, 12), (self.day, 31)):
            field.setValidator(QIntValidator(0, top, field))
        self.year.setObjectName("year")
        self.month.setObjectName("month")
        self.day.setObjectName("day")
        self.letters = LetterKeyboard()
        self.keypad = Keypad()
        self.keys = QStackedWidget()
        self.keys.addWidget(self.letters)
        self.keys.addWidget(self.keypad)
        self.back = button("secondary")
        self.back.clicked.connect(self.sig_back.emit)
        self.submit = button("primary")
        self.submit.setObjectName("submit")
        self.submit.clicked.connect(self._submit)
        self.last_name.returnPressed.connect(self._submit)
        self._active: QLineEdit = self.last_name
        for field in (self.last_name, self.year, self.month, self.day):
            field.installEventFilter(self)
        self.letters.sig_text.connect(self._type)
        self.letters.sig_replace.connect(self._replace)
        self.letters.sig_backspace.connect(lambda: self._active.backspace())
        self.letters.sig_clear.connect(lambda: self._active.clear())
        self.keypad.sig_digit.connect(self._type)
        self.keypad.sig_backspace.connect(self._backspace_digit)
        self.keypad.sig_clear.connect(lambda: self._active.clear())
        self.year.textEdited.connect(lambda text: self._advance(self.year, text, 4, self.month))
        self.month.textEdited.connect(lambda text: self._advance(self.month, text, 2, self.day))
        self.form = self._form()
        self.buttons = button_row(self.back, self.submit)
        self.apply_metrics(self.metrics)

    def _form(self) -> QWidget:
        form = QWidget()
        column = QVBoxLayout(form)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.last_name_label)
        column.addWidget(self.last_name)
        column.addWidget(self.dob_label)
        parts = QHBoxLayout()
        for field in (self.year, self.month, self.day):
            parts.addWidget(field, 1)
        self._parts = parts
        column.addLayout(parts)
        self._form_column = column
        return form

    # -- the keys ----------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusIn and isinstance(watched, QLineEdit):
            self._active = watched
            self.keys.setCurrentWidget(self.letters if watched is self.last_name else self.keypad)
        return False

    def _type(self, text: str) -> None:
        field = self._active
        if field is not self.last_name and not text.isdigit():
            return
        field.insert(text)
        if field is self.year:
            self._advance(self.year, field.text(), 4, self.month)
        elif field is self.month:
            self._advance(self.month, field.text(), 2, self.day)

    def _replace(self, text: str) -> None:
        self.last_name.setText(text)
        self.year.setFocus()

    def _backspace_digit(self) -> None:
        field = self._active
        if not field.text() and field is self.day:
            self.month.setFocus()
        elif not field.text() and field is self.month:
            self.year.setFocus()
        else:
            field.backspace()

    @staticmethod
    def _advance(field: QLineEdit, text: str, length: int, following: QLineEdit) -> None:
        month_done = length == 2 and text.isdigit() and int(text[0]) > 1
        if len(text) >= length or month_done:
            following.setFocus()

    # -- submit ------------------------------------------------------------------------------
    def entered_date(self) -> date | None:
        try:
            value = date(int(self.year.text()), int(self.month.text()), int(self.day.text()))
        except ValueError:
            return None
        this_year = datetime.now().astimezone().year  # the kiosk's own clock: a sanity bound
        return value if MIN_YEAR <= value.year <= this_year else None

    def _submit(self) -> None:
        last_name = " ".join(self.last_name.text().split())
        born = self.entered_date()
        if not last_name or born is None:
            self._show_error(translate(strings.FILL_BOTH, self.language))
            return
        self.sig_submit.emit(last_name, born)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    # -- Screen ------------------------------------------------------------------------------
    def present(self, state: Any, locale: str) -> None:
        self.retranslate(locale)
        if isinstance(state, EnterDetails) and state.error is not None:
            self._show_error(state.error.title(locale) + "\n" + state.error.message(locale))
        else:
            self._show_error("")
        if not any(field.hasFocus() for field in (self.last_name, self.year, self.month, self.day)):
            self.last_name.setFocus()

    def retranslate(self, locale: str) -> None:
        super().retranslate(locale)
        self.title.setText(translate(strings.DETAILS_TITLE, locale))
        self.last_name_label.setText(translate(strings.LAST_NAME, locale))
        self.dob_label.setText(translate(strings.DATE_OF_BIRTH, locale))
        # Which box is which, in the box itself until something is typed in it.
        for field, msgid in ((self.year, strings.YEAR), (self.month, strings.MONTH), (self.day, strings.DAY)):
            field.setPlaceholderText(translate(msgid, locale))
        self.back.setText(translate(strings.BACK, locale))
        self.submit.setText(translate(strings.CONTINUE, locale))
        self.letters.retranslate(locale)
        self.keypad.retranslate(locale)

    def clear(self) -> None:
        super().clear()
        self.error.clear()
        self.error.hide()
        self._active = self.last_name
        self.keys.setCurrentWidget(self.letters)

    def apply_metrics(self, metrics: Metrics) -> None:
        super().apply_metrics(metrics)
        self.reset_grid()
        self.error.set_padding(metrics.px(14), metrics.px(24))
        px, grid = metrics.px, self.grid
        self.letters.set_spacing(px(12))
        self.keypad.set_spacing(px(14))
        self._form_column.setSpacing(px(12))
        self._parts.setSpacing(px(18))
        self.submit.setMinimumWidth(px(360))
        self.back.setMinimumWidth(px(240))
        if metrics.portrait:
            grid.addWidget(self.title, 0, 0)
            grid.addWidget(self.error, 1, 0)
            grid.addWidget(self.form, 2, 0)
            grid.addWidget(self.keys, 3, 0)
            grid.addLayout(self.buttons, 5, 0)
            grid.setRowStretch(4, 1)
            self.keypad.setFixedWidth(px(760))
        else:
            grid.addWidget(self.title, 0, 0, 1, 2)
            grid.addWidget(self.error, 1, 0, 1, 2)
            grid.addWidget(self.form, 2, 0)
            grid.addLayout(self.buttons, 4, 0)
            grid.addWidget(self.keys, 2, 1, 3, 1, Qt.AlignmentFlag.AlignTop)
            grid.setRowStretch(3, 1)
            grid.setColumnStretch(0, 4)
            grid.setColumnStretch(1, 6)
            self.keypad.setFixedWidth(px(620))
