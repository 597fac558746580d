"""The look: a calm light and dark palette that follows the system, status colours that read in
both, and one style sheet for the whole app.

Colours live here and nowhere else, so a custom-painted view (the calendar) and a style sheet agree.
`ThemeManager.sig_theme_changed` fires when the system switches between light and dark.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory


@dataclass(frozen=True)
class Theme:
    dark: bool
    window: str  # the app's background
    surface: str  # cards, tables, inputs
    surface_alt: str  # alternate rows, headers, the navigation
    border: str
    text: str
    text_muted: str
    accent: str
    accent_text: str  # text on the accent colour
    accent_soft: str  # selection, hover
    danger: str
    danger_soft: str
    warning: str
    warning_soft: str
    success: str
    success_soft: str
    info_soft: str
    grid_off_hours: str  # calendar time when a doctor does not work
    grid_line: str
    now_line: str

    def color(self, name: str) -> QColor:
        return QColor(getattr(self, name))


LIGHT: Final = Theme(
    dark=False,
    window="#F4F6F8",
    surface="#FFFFFF",
    surface_alt="#EEF1F4",
    border="#DDE2E8",
    text="#1E2A36",
    text_muted="#5F6C7B",
    accent="#0E7C86",
    accent_text="#FFFFFF",
    accent_soft="#D7EFF0",
    danger="#C62828",
    danger_soft="#FDECEC",
    warning="#B45309",
    warning_soft="#FEF3E2",
    success="#2E7D32",
    success_soft="#E8F5E9",
    info_soft="#E8F0FE",
    grid_off_hours="#EEF1F4",
    grid_line="#E6E9EE",
    now_line="#E53935",
)

DARK: Final = Theme(
    dark=True,
    window="#15181C",
    surface="#1D2126",
    surface_alt="#252A30",
    border="#343A42",
    text="#E4E8EC",
    text_muted="#9AA5B1",
    accent="#3DB8C1",
    accent_text="#0B1F22",
    accent_soft="#1F3B3F",
    danger="#EF6B6B",
    danger_soft="#3A2226",
    warning="#F0A54A",
    warning_soft="#3A2E1E",
    success="#6CC070",
    success_soft="#203325",
    info_soft="#1E2A3D",
    grid_off_hours="#1A1E23",
    grid_line="#2A3037",
    now_line="#FF6B6B",
)

# Appointment statuses (the stored values) -> (light, dark) fill colours.
STATUS_COLORS: Final = {
    "Scheduled": ("#DCE7F7", "#243650"),
    "Confirmed": ("#C9DDF8", "#27406A"),
    "Checked-in": ("#FCE6C4", "#53401F"),
    "In-progress": ("#E4D9F7", "#3F3160"),
    "Completed": ("#D6EED8", "#22402A"),
    "Cancelled": ("#ECEEF1", "#2B2F35"),
    "No-show": ("#F8D7D7", "#552A2E"),
}
# Appointment statuses -> a strong colour (dots, outlines, text), readable in both palettes.
STATUS_STRONG: Final = {
    "Scheduled": "#5C7CFA",
    "Confirmed": "#1C7ED6",
    "Checked-in": "#E8890C",
    "In-progress": "#7950F2",
    "Completed": "#2F9E44",
    "Cancelled": "#868E96",
    "No-show": "#E03131",
}
# Appointment types -> the stripe on the left of a calendar block.
TYPE_COLORS: Final = {
    "Consultation": "#0E7C86",
    "Treatment": "#5B4FC4",
    "Follow-up": "#2E86C1",
    "Emergency": "#D32F2F",
}


def status_color(status: str, theme: Theme) -> QColor:
    light, dark = STATUS_COLORS.get(status, ("#E0E0E0", "#333333"))
    return QColor(dark if theme.dark else light)


def status_strong(status: str) -> QColor:
    return QColor(STATUS_STRONG.get(status, "#868E96"))


def type_color(appointment_type: str) -> QColor:
    return QColor(TYPE_COLORS.get(appointment_type, "#78909C"))


def system_prefers_dark() -> bool:
    app = QGuiApplication.instance()
    if not isinstance(app, QGuiApplication):
        return False
    return bool(QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark)


class ThemeManager(QObject):
    """Applies the theme to the application and follows the system's light/dark switch."""

    sig_theme_changed = Signal(object)  # Theme

    def __init__(self, dark: bool | None = None) -> None:
        super().__init__()
        self._forced = dark
        self._theme = DARK if (dark if dark is not None else system_prefers_dark()) else LIGHT

    @property
    def theme(self) -> Theme:
        return self._theme

    def install(self, app: QApplication) -> None:
        app.setStyle(QStyleFactory.create("Fusion"))
        self._apply(app)
        if self._forced is None:
            QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _scheme: self._follow(app))

    def _follow(self, app: QApplication) -> None:
        wanted = DARK if system_prefers_dark() else LIGHT
        if wanted != self._theme:
            self._theme = wanted
            self._apply(app)
            self.sig_theme_changed.emit(wanted)

    def _apply(self, app: QApplication) -> None:
        app.setPalette(palette_for(self._theme))
        app.setStyleSheet(style_sheet(self._theme, arrow_images(self._theme)))


_themes = ThemeManager(dark=False)


def theme_manager() -> ThemeManager:
    return _themes


def set_theme_manager(manager: ThemeManager) -> None:
    global _themes
    _themes = manager


def current_theme() -> Theme:
    return _themes.theme


def palette_for(theme: Theme) -> QPalette:
    palette = QPalette()
    role = QPalette.ColorRole
    colors = {
        role.Window: theme.window,
        role.WindowText: theme.text,
        role.Base: theme.surface,
        role.AlternateBase: theme.surface_alt,
        role.Text: theme.text,
        role.Button: theme.surface,
        role.ButtonText: theme.text,
        role.Highlight: theme.accent,
        role.HighlightedText: theme.accent_text,
        role.ToolTipBase: theme.surface,
        role.ToolTipText: theme.text,
        role.PlaceholderText: theme.text_muted,
        role.Link: theme.accent,
        role.Mid: theme.border,
        role.Midlight: theme.surface_alt,
    }
    for color_role, value in colors.items():
        palette.setColor(color_role, QColor(value))
    disabled = QPalette.ColorGroup.Disabled
    for color_role in (role.Text, role.ButtonText, role.WindowText):
        palette.setColor(disabled, color_role, QColor(theme.text_muted))
    return palette


def arrow_images(theme: Theme) -> dict[str, str]:
    """The drop-down and spin arrows as PNG files (style sheets take images, not icons)."""
    from common.qt.icons import save_png

    folder = Path(tempfile.gettempdir()) / f"clinic-desk-style-{os.getuid() if hasattr(os, 'getuid') else 0}"
    folder.mkdir(exist_ok=True)
    paths = {}
    for name in ("down", "up"):
        path = folder / f"{name}-{theme.text_muted.lstrip('#')}.png"
        if not path.exists():
            save_png(name, theme.text_muted, str(path))
        paths[name] = path.as_posix()
    return paths


def style_sheet(t: Theme, arrows: dict[str, str] | None = None) -> str:
    """Object names and dynamic properties the widgets use: #nav, #card, [role=...], [kind=...]."""
    arrows = arrows or {}
    return (
        _ARROWS.format(down=arrows.get("down", ""), up=arrows.get("up", "")) * bool(arrows)
        + f"""
QWidget {{ color: {t.text}; }}
QMainWindow, QDialog {{ background: {t.window}; }}
QToolTip {{ background: {t.surface}; color: {t.text}; border: 1px solid {t.border}; padding: 4px 6px; }}

QFrame[card="true"] QLabel {{ background: transparent; }}
QListWidget#nav {{
    background: {t.surface_alt}; border: none; border-right: 1px solid {t.border};
    padding: 10px 8px; outline: 0;
}}
QListWidget#nav::item {{ padding: 9px 10px; margin: 1px 0; border-radius: 8px; color: {t.text}; }}
QListWidget#nav::item:hover {{ background: {t.accent_soft}; }}
QListWidget#nav::item:selected {{ background: {t.accent}; color: {t.accent_text}; }}
QLabel#navBrand {{ font-weight: 600; font-size: 11pt; padding: 4px 6px 10px 6px; }}
QWidget#navPanel {{ background: {t.surface_alt}; border-right: 1px solid {t.border}; }}

QFrame[card="true"] {{ background: {t.surface}; border: 1px solid {t.border}; border-radius: 10px; }}
QFrame[kind="danger"] {{ background: {t.danger_soft}; border: 1px solid {t.danger}; border-radius: 10px; }}
QFrame[kind="warning"] {{ background: {t.warning_soft}; border: 1px solid {t.warning}; border-radius: 10px; }}
QFrame[kind="info"] {{ background: {t.info_soft}; border: 1px solid {t.border}; border-radius: 10px; }}
QFrame[kind="success"] {{ background: {t.success_soft}; border: 1px solid {t.success}; border-radius: 10px; }}

QLabel[role="title"] {{ font-size: 17pt; font-weight: 600; }}
QLabel[role="heading"] {{ font-size: 11.5pt; font-weight: 600; }}
QLabel[role="muted"] {{ color: {t.text_muted}; }}
QLabel[role="figure"] {{ font-size: 20pt; font-weight: 600; }}
QLabel[role="danger"] {{ color: {t.danger}; font-weight: 600; }}
QLabel[role="warning"] {{ color: {t.warning}; font-weight: 600; }}
QLabel[role="pill"] {{
    background: {t.surface_alt}; border: 1px solid {t.border}; border-radius: 9px; padding: 1px 8px;
}}

QPushButton {{
    background: {t.surface}; border: 1px solid {t.border}; border-radius: 7px; padding: 6px 14px;
}}
QPushButton:hover {{ border-color: {t.accent}; }}
QPushButton:pressed {{ background: {t.accent_soft}; }}
QPushButton:disabled {{ color: {t.text_muted}; background: {t.surface_alt}; }}
QPushButton:focus {{ border: 2px solid {t.accent}; padding: 5px 13px; }}
QPushButton[primary="true"] {{
    background: {t.accent}; color: {t.accent_text}; border: 1px solid {t.accent}; font-weight: 600;
}}
QPushButton[primary="true"]:disabled {{ background: {t.border}; border-color: {t.border}; }}
QPushButton[danger="true"] {{ color: {t.danger}; border-color: {t.danger}; }}
QPushButton[danger="true"]:disabled {{ color: {t.text_muted}; border-color: {t.border}; }}
QPushButton[flat="true"] {{ border: none; background: transparent; color: {t.accent}; padding: 4px 6px; }}
QPushButton[choice="true"] {{ text-align: left; padding: 8px 12px; }}
QPushButton[chip="true"] {{ padding: 4px 12px; border-radius: 13px; }}
QPushButton[chip="true"]:focus {{ padding: 3px 11px; }}
QToolButton {{ border: 1px solid transparent; border-radius: 6px; padding: 4px; }}
QToolButton:hover {{ border-color: {t.border}; background: {t.surface_alt}; }}
QToolButton:checked {{ background: {t.accent_soft}; border-color: {t.accent}; }}
QToolButton[more="true"] {{
    border: 1px solid {t.border}; border-radius: 7px; padding: 4px 12px; font-weight: 600;
}}
QToolButton[more="true"]::menu-indicator {{ image: none; width: 0; }}

QLineEdit, QComboBox, QDateEdit, QTimeEdit, QSpinBox, QDoubleSpinBox, QPlainTextEdit, QTextEdit {{
    background: {t.surface}; border: 1px solid {t.border}; border-radius: 7px; padding: 5px 8px;
    selection-background-color: {t.accent}; selection-color: {t.accent_text};
}}
QLineEdit:focus, QComboBox:focus, QDateEdit:focus, QTimeEdit:focus, QSpinBox:focus,
QDoubleSpinBox:focus, QPlainTextEdit:focus, QTextEdit:focus {{
    border: 2px solid {t.accent}; padding: 4px 7px;
}}
QLineEdit#search {{ border-radius: 16px; padding: 6px 14px; font-size: 10.5pt; }}
QLineEdit#search:focus {{ padding: 5px 13px; }}

QTableView, QTreeView, QListView {{
    background: {t.surface}; alternate-background-color: {t.surface_alt}; border: 1px solid {t.border};
    border-radius: 8px; gridline-color: {t.grid_line}; outline: 0;
    selection-background-color: {t.accent_soft}; selection-color: {t.text};
}}
QTableView::item, QTreeView::item {{ padding: 4px 6px; }}
QHeaderView::section {{
    background: {t.surface_alt}; color: {t.text_muted}; border: none; border-bottom: 1px solid {t.border};
    padding: 6px 8px; font-weight: 600;
}}
QTabWidget::pane {{ border: 1px solid {t.border}; border-radius: 8px; background: {t.surface}; top: -1px; }}
QTabBar::tab {{ padding: 7px 14px; border: none; color: {t.text_muted}; }}
QTabBar::tab:selected {{ color: {t.text}; border-bottom: 2px solid {t.accent}; font-weight: 600; }}
QStatusBar {{ background: {t.surface_alt}; border-top: 1px solid {t.border}; color: {t.text_muted}; }}
QStatusBar QLabel {{ color: {t.text_muted}; padding: 0 8px; }}
QProgressBar {{
    border: 1px solid {t.border}; border-radius: 6px; background: {t.surface_alt}; text-align: center;
}}
QProgressBar::chunk {{ background: {t.accent}; border-radius: 5px; }}
QScrollArea {{ border: none; background: transparent; }}
QSplitter::handle {{ background: {t.window}; }}
QMenu {{ background: {t.surface}; border: 1px solid {t.border}; padding: 4px; }}
QMenu::item {{ padding: 6px 18px; border-radius: 5px; }}
QMenu::item:selected {{ background: {t.accent_soft}; color: {t.text}; }}
"""
    )


_ARROWS: Final = """
QComboBox::drop-down, QDateEdit::drop-down {{
    subcontrol-origin: padding; subcontrol-position: center right; width: 24px; border: none;
}}
QComboBox::down-arrow, QDateEdit::down-arrow {{ image: url({down}); width: 12px; height: 12px; }}
QSpinBox::up-button, QDoubleSpinBox::up-button, QTimeEdit::up-button, QDateEdit::up-button {{
    subcontrol-origin: border; subcontrol-position: top right; width: 20px; border: none;
}}
QSpinBox::down-button, QDoubleSpinBox::down-button, QTimeEdit::down-button, QDateEdit::down-button {{
    subcontrol-origin: border; subcontrol-position: bottom right; width: 20px; border: none;
}}
QSpinBox::up-arrow, QDoubleSpinBox::up-arrow, QTimeEdit::up-arrow, QDateEdit::up-arrow {{
    image: url({up}); width: 10px; height: 10px;
}}
QSpinBox::down-arrow, QDoubleSpinBox::down-arrow, QTimeEdit::down-arrow, QDateEdit::down-arrow {{
    image: url({down}); width: 10px; height: 10px;
}}
QComboBox QAbstractItemView {{ border: 1px solid #C9D0D8; padding: 4px; outline: 0; }}
"""
