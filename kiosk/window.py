"""The kiosk's one window: a header with the clinic's name and the languages, the screen for the
flow's state, and a footer. Full screen without window controls unless `windowed`.

Leaving kiosk mode: five taps on the clinic's name within three seconds open the staff screen,
which asks for the staff PIN. Closing the window any other way is refused.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Final

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QImage, QMouseEvent, QResizeEvent
from PySide6.QtWidgets import QApplication, QGridLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from common.checkin.flow import Done, EnterDetails, EnterPhoneDigits, Found, Question, Refused, State, Welcome
from common.i18n import translate
from common.qt.i18n import with_punctuation_for
from kiosk import strings
from kiosk.screens.base import Screen
from kiosk.screens.details import DetailsScreen
from kiosk.screens.done import DoneScreen
from kiosk.screens.found import FoundScreen
from kiosk.screens.phone import PhoneScreen
from kiosk.screens.question import QuestionScreen
from kiosk.screens.refused import RefusedScreen
from kiosk.screens.staff import StaffScreen
from kiosk.screens.starting import StartingScreen
from kiosk.screens.welcome import WelcomeScreen
from kiosk.theme import Metrics, stylesheet
from kiosk.widgets import LanguageBar, label

# The screens that show a patient's details, by the state they show.
PERSONAL: Final[dict[type, type[Screen]]] = {
    Found: FoundScreen,
    Question: QuestionScreen,
    Done: DoneScreen,
    Refused: RefusedScreen,
}
STAFF_TAPS: Final = 5
STAFF_TAP_WINDOW: Final = 3.0
PIN_ATTEMPTS: Final = 5
PIN_LOCKOUT: Final = 60.0
TOUCHES: Final = frozenset(
    {QEvent.Type.MouseButtonPress, QEvent.Type.KeyPress, QEvent.Type.TouchBegin, QEvent.Type.TabletPress}
)


class _ClinicName(QLabel):
    sig_tapped = Signal()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.sig_tapped.emit()
        super().mousePressEvent(event)


class KioskWindow(QWidget):
    """The screens come and go (a screen that showed a patient is replaced by a fresh one when
    the patient is done with it), so the patient's actions are the window's signals."""

    sig_language = Signal(str)
    sig_touched = Signal()
    sig_exit = Signal()
    sig_no_code = Signal()
    sig_submit_details = Signal(str, object)
    sig_submit_phone = Signal(str)
    sig_confirm = Signal()
    sig_answer = Signal(str)
    sig_back = Signal()
    sig_done = Signal()

    def __init__(
        self,
        clinic_name: str = "",
        *,
        pin_matches: Callable[[str], bool] = lambda _pin: False,
        windowed: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.setObjectName("KioskRoot")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setWindowTitle(clinic_name or "Check-in")
        self._pin_matches = pin_matches
        self._windowed = windowed
        self._clock = clock
        self._may_close = windowed
        self._taps: list[float] = []
        self._wrong_pins: list[float] = []
        self.language = "en"
        self.state: State | None = None
        self.metrics = Metrics(1920, 1080)

        self.header = QWidget()
        self.header.setObjectName("Header")
        self.header.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.clinic_name = _ClinicName(clinic_name)
        self.clinic_name.setObjectName("ClinicName")
        self.clinic_name.sig_tapped.connect(self._tapped)
        self.languages = LanguageBar()
        self.languages.sig_chosen.connect(self.sig_language.emit)
        self._header_layout = QGridLayout(self.header)

        self.stack = QStackedWidget()
        self.welcome = WelcomeScreen()
        self.details = DetailsScreen()
        self.phone = PhoneScreen()
        self.starting = StartingScreen()
        self.staff = StaffScreen()
        self.welcome.sig_no_code.connect(self.sig_no_code.emit)
        self.details.sig_submit.connect(self.sig_submit_details.emit)
        self.details.sig_back.connect(self.sig_back.emit)
        self.phone.sig_submit.connect(self.sig_submit_phone.emit)
        self.phone.sig_back.connect(self.sig_back.emit)
        self.screens: dict[type, Screen] = {
            Welcome: self.welcome,
            EnterDetails: self.details,
            EnterPhoneDigits: self.phone,
        }
        for screen in (self.welcome, self.details, self.phone, self.starting, self.staff):
            self.stack.addWidget(screen)
        for state_type in PERSONAL:
            self._renew(state_type)
        self.stack.setCurrentWidget(self.starting)
        self.footer = label("small", align=Qt.AlignmentFlag.AlignCenter)
        self.footer.setObjectName("footer")
        layout = QVBoxLayout(self)
        # The screen's size decides the type size, never the other way round: a layout asking
        # for more room must not grow the window (and with it the type, and so on).
        layout.setSizeConstraint(QVBoxLayout.SizeConstraint.SetNoConstraint)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.footer)
        self._footer_layout = layout

        self.staff.sig_cancel.connect(self._leave_staff)
        self.staff.sig_pin.connect(self._check_pin)
        self._busy = False
        self._apply_metrics(Metrics(1920, 1080))
        self.set_locale("en")

    # -- showing -----------------------------------------------------------------------------
    def open(self) -> None:
        if self._windowed:
            self.show()
            return
        self.setWindowFlags(
            Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint
        )
        self.showFullScreen()

    def set_locale(self, locale: str) -> None:
        changed = locale != self.language or not self.styleSheet()
        self.language = locale
        self.languages.set_current(locale)
        if changed:
            self._restyle()
        self.footer.setText(translate(strings.ONE_MOMENT if self._busy else strings.HELP_FOOTER, locale))
        self.starting.retranslate(locale)
        self.staff.retranslate(locale)

    def show_state(self, state: State, locale: str) -> None:
        """Show the flow's state. A screen that showed a patient and is left is replaced by a
        fresh one: no label, field or layout of it keeps anything of theirs."""
        self.set_locale(locale)
        previous, self.state = self.state, state
        if previous is not None and type(previous) is not type(state) and type(previous) in PERSONAL:
            self._renew(type(previous))
        for state_type, screen in self.screens.items():
            if state_type is not type(state) and state_type not in PERSONAL:
                screen.clear()
        target = self.screens[type(state)]
        target.present(state, locale)
        closing_staff = self.stack.currentWidget() is self.staff and isinstance(state, Welcome)
        if closing_staff:
            self.staff.clear()  # an idle reset closes the staff screen too
        if closing_staff or self.stack.currentWidget() is not self.staff:
            self.stack.setCurrentWidget(target)
        target.relayout()

    def forget(self) -> None:
        """Replace every screen that can show a patient (an idle reset)."""
        for state_type in PERSONAL:
            self._renew(state_type)
        for screen in self.screens.values():
            screen.clear()

    def _renew(self, state_type: type) -> None:
        old = self.screens.get(state_type)
        screen = PERSONAL[state_type]()
        if isinstance(screen, FoundScreen):
            screen.sig_confirm.connect(self.sig_confirm.emit)
            screen.sig_not_me.connect(self.sig_back.emit)
        elif isinstance(screen, QuestionScreen):
            screen.sig_answer.connect(self.sig_answer.emit)
        elif isinstance(screen, DoneScreen):
            screen.sig_done.connect(self.sig_done.emit)
        elif isinstance(screen, RefusedScreen):
            screen.sig_back.connect(self.sig_back.emit)
            screen.sig_no_code.connect(self.sig_no_code.emit)
        screen.apply_metrics(self.metrics)
        was_current = old is not None and self.stack.currentWidget() is old
        self.stack.addWidget(screen)
        self.screens[state_type] = screen
        if old is not None:
            if was_current:
                self.stack.setCurrentWidget(screen)
            self.stack.removeWidget(old)
            old.hide()
            old.setParent(None)
            old.deleteLater()

    def settle(self) -> None:
        """Let every pending layout and style change land (before a screenshot)."""
        app = QApplication.instance()
        for _ in range(3):
            if app is not None:
                app.processEvents()
            current = self.stack.currentWidget()
            if isinstance(current, Screen):
                current.relayout()

    def show_frame(self, image: QImage | None) -> None:
        if self.stack.currentWidget() is self.welcome:
            self.welcome.show_frame(image)

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.footer.setText(translate(strings.ONE_MOMENT if busy else strings.HELP_FOOTER, self.language))

    def set_progress(self, step: str, fraction: float) -> None:
        self.starting.set_progress(step, fraction)

    # -- layout ------------------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        metrics = Metrics(event.size().width(), event.size().height())
        if metrics != self.metrics:
            self._apply_metrics(metrics)

    def _apply_metrics(self, metrics: Metrics) -> None:
        self.metrics = metrics
        px = metrics.px
        header = self._header_layout
        header.removeWidget(self.clinic_name)
        header.removeWidget(self.languages)
        if metrics.portrait:  # too narrow for both on one line: the languages get their own
            header.addWidget(self.clinic_name, 0, 0, Qt.AlignmentFlag.AlignHCenter)
            header.addWidget(self.languages, 1, 0, Qt.AlignmentFlag.AlignHCenter)
            header.setColumnStretch(0, 1)
            header.setColumnStretch(1, 0)
            self.clinic_name.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        else:
            header.addWidget(self.clinic_name, 0, 0)
            header.addWidget(self.languages, 0, 1)
            header.setColumnStretch(0, 1)
            self.clinic_name.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setContentsMargins(px(48), px(22), px(40), px(22))
        header.setHorizontalSpacing(px(24))
        header.setVerticalSpacing(px(18))
        self.languages.set_spacing(px(14))
        self.footer.setContentsMargins(px(24), px(14), px(24), px(24))
        for index in range(self.stack.count()):
            screen = self.stack.widget(index)
            if isinstance(screen, Screen):
                screen.apply_metrics(metrics)
        self._restyle()

    def _restyle(self) -> None:
        # Under the stylesheet's families: the application's font is what a stylesheet font keeps.
        QApplication.setFont(with_punctuation_for(QApplication.font(), self.language))
        self.setStyleSheet(stylesheet(self.metrics, self.language))
        # A label's cached height-for-width survives a new font from a stylesheet: drop it, or a
        # wrapped line measured in one language's font is laid out in another's.
        for item in self.findChildren(QLabel):
            item.updateGeometry()

    # -- staff exit --------------------------------------------------------------------------
    def _tapped(self) -> None:
        now = self._clock()
        self._taps = [tap for tap in self._taps if now - tap <= STAFF_TAP_WINDOW] + [now]
        if len(self._taps) >= STAFF_TAPS:
            self._taps.clear()
            self.open_staff()

    def open_staff(self) -> None:
        self.staff.clear()
        self.staff.retranslate(self.language)
        self.stack.setCurrentWidget(self.staff)
        self.staff.pin.setFocus()

    def _leave_staff(self) -> None:
        self.staff.clear()
        if self.state is not None:
            screen = self.screens[type(self.state)]
            self.stack.setCurrentWidget(screen)
            screen.relayout()
        else:
            self.stack.setCurrentWidget(self.starting)

    def _check_pin(self, pin: str) -> None:
        now = self._clock()
        self._wrong_pins = [at for at in self._wrong_pins if now - at < PIN_LOCKOUT]
        if len(self._wrong_pins) >= PIN_ATTEMPTS:
            self.staff.show_error(strings.STAFF_LOCKED)
            return
        if not self._pin_matches(pin):
            self._wrong_pins.append(now)
            self.staff.show_error(strings.STAFF_WRONG)
            return
        self._may_close = True
        self.sig_exit.emit()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._may_close:
            event.accept()
        else:
            event.ignore()

    # -- touches anywhere keep the patient's session alive -----------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in TOUCHES:
            self.sig_touched.emit()
        return False

    def watch_touches(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def later(self, milliseconds: int, action: Callable[[], Any]) -> None:
        QTimer.singleShot(milliseconds, self, action)
