"""Switching the language at runtime re-translates what is on screen; a first run opens the demo
clinic offline with progress; controls carry accessible names; Tab moves in a sensible order."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QAbstractButton, QApplication, QLineEdit

from common.clock import FrozenClock
from common.config import Settings
from common.i18n import translate
from common.qt.i18n import FONT_FAMILIES, LanguageManager, language, with_punctuation_for
from common.storage.engine import sqlite_url
from desktop.app import AppConfig, DesktopApp
from tests.desktop.conftest import MOMENT, RECEPTION


def test_switching_the_language_retranslates_the_open_screens(desk, qtbot):
    desk.sign_in(RECEPTION)
    desk.wait_state("desk")
    window = desk.app.window
    window.go("calendar")
    desk.wait_idle()
    picker = window.language_picker
    picker.setCurrentIndex(picker.findData("zh_TW"))
    assert language().locale == "zh_TW"
    assert window.nav.item(0).text() == translate("Today", "zh_TW") != "Today"
    assert window.screens["calendar"].title.text() == translate("Calendar", "zh_TW")
    assert window.screens["today"].title.text() == translate("Today", "zh_TW")
    picker.setCurrentIndex(picker.findData("ja"))
    assert window.screens["calendar"].book_button.text() == translate("New booking", "ja")
    picker.setCurrentIndex(picker.findData("en"))
    assert window.nav.item(0).text() == "Today"


def test_a_first_run_creates_the_demo_clinic_offline_with_progress(qtbot, tmp_path: Path):
    data = tmp_path / "fresh"
    app = DesktopApp(
        AppConfig(
            settings=Settings(data_dir=data, database_url=sqlite_url(data / "clinic.db")),
            clock=FrozenClock(MOMENT),
            locale="en",
            dark=False,
            window_size=(1200, 800),
        )
    )
    try:
        app.start()
        qtbot.waitUntil(lambda: app.state == "first_run", timeout=15_000)
        first_run = app.first_run
        assert first_run is not None
        assert first_run.enroll.isEnabled()  # connecting: tests/desktop/test_enrollment_and_sync.py
        first_run.demo.click()
        assert first_run.progress.isVisible()
        qtbot.waitUntil(lambda: app.state == "login", timeout=120_000)
        assert app.login is not None
        assert app.login.demo_picker is not None  # the demo's published logins, one click away
        assert app.login.demo_picker.itemText(0) == "Choose a role"  # not an empty box
    finally:
        if app.login is not None:
            app.login.close()
        app.shutdown()


def test_every_button_and_field_of_the_desk_has_an_accessible_name_or_text(desk, qtbot):
    desk.sign_in(RECEPTION)
    desk.wait_state("desk")
    window = desk.app.window
    for key in ("today", "calendar", "patients", "check_in", "treatments", "payments"):
        window.go(key)
    desk.wait_idle()
    unnamed = []
    for screen in window.screens.values():
        for widget in screen.findChildren(QAbstractButton):
            if _qt_internal(widget):
                continue
            if widget.isVisibleTo(screen) and not (
                widget.text() or widget.accessibleName() or widget.toolTip()
            ):
                unnamed.append(f"{screen.objectName()}: {widget.objectName() or type(widget).__name__}")
        for field in screen.findChildren(QLineEdit):
            if _qt_internal(field):
                continue
            if field.isVisibleTo(screen) and not (field.accessibleName() or field.placeholderText()):
                unnamed.append(f"{screen.objectName()}: {field.objectName() or 'QLineEdit'}")
    assert unnamed == []


def test_tab_goes_from_the_today_search_to_new_booking_to_the_schedule(desk, qtbot):
    desk.sign_in(RECEPTION)
    desk.wait_state("desk")
    today = desk.app.window.screens["today"]
    assert today.search.nextInFocusChain() is today.book or today.book in _chain(today.search, 3)
    assert today.schedule in _chain(today.book, 4)


def _qt_internal(widget) -> bool:
    """Parts Qt builds inside its own widgets (a line edit's clear button, a spin box's editor)."""
    parent = widget.parentWidget()
    return widget.objectName().startswith("qt_") or isinstance(parent, QLineEdit)


def _chain(widget, steps):
    found = []
    current = widget
    for _ in range(steps):
        current = current.nextInFocusChain()
        found.append(current)
    return found


def test_the_desk_knows_the_demo_clinic_by_the_demo_generators_name():
    from common.demo import DEMO_CLINIC_NAME
    from desktop.reads import directory

    assert directory.DEMO_CLINIC_NAME == DEMO_CLINIC_NAME


def test_english_punctuation_takes_latin_widths_and_cjk_keeps_full_widths(qtbot) -> None:
    """Noto Sans CJK, the face Linux falls back to, draws curly quotes and the ellipsis full
    width; in English they would leave gaps ("tap “No code?”   to check in")."""
    font = QFont()
    font.setFamilies(["Noto Sans CJK TC"])
    font.setPixelSize(40)
    cjk = with_punctuation_for(font, "zh_TW")  # whatever the application's font carries
    quoted = "“No code?”"
    full = QFontMetricsF(cjk).horizontalAdvance(quoted)
    english = QFontMetricsF(with_punctuation_for(cjk, "en")).horizontalAdvance(quoted)
    assert english < full - 30  # two quotes, each about half of 40 px narrower
    japanese = with_punctuation_for(with_punctuation_for(cjk, "en"), "ja")
    assert QFontMetricsF(japanese).horizontalAdvance(quoted) == full


def test_the_first_language_an_app_sets_gives_it_that_languages_fonts(qtbot) -> None:
    manager = LanguageManager("en")
    QApplication.setFont(QFont("DejaVu Sans"))
    manager.set_locale("en")  # the default one: still the app's first
    assert QApplication.font().families()[: len(FONT_FAMILIES["en"])] == list(FONT_FAMILIES["en"])
    QApplication.setFont(QFont("DejaVu Sans"))
    manager.set_locale("en")  # already applied: left alone
    assert QApplication.font().families() == ["DejaVu Sans"]
