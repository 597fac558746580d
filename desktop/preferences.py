"""This PC's desk preferences, in an INI file in the data directory (no secrets here)."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from PySide6.QtCore import QSettings

from common.i18n import SUPPORTED_LOCALES, normalize_locale

DEFAULT_IDLE_MINUTES: Final = 10
MIN_IDLE_MINUTES: Final = 1
MAX_IDLE_MINUTES: Final = 60


class Preferences:
    def __init__(self, path: Path) -> None:
        self._settings = QSettings(str(path), QSettings.Format.IniFormat)

    def language(self, default: str) -> str:
        value = self._settings.value("desk/language", "")
        return normalize_locale(str(value)) if value in SUPPORTED_LOCALES else normalize_locale(default)

    def set_language(self, locale: str) -> None:
        self._settings.setValue("desk/language", normalize_locale(locale))

    def idle_minutes(self) -> float:
        """Minutes without use before the desk locks (SECURITY.md row 10), within 1-60."""
        try:
            value = float(str(self._settings.value("desk/idle_minutes", DEFAULT_IDLE_MINUTES)))
        except ValueError:
            value = DEFAULT_IDLE_MINUTES
        return min(max(value, MIN_IDLE_MINUTES), MAX_IDLE_MINUTES)

    def set_idle_minutes(self, minutes: float) -> None:
        self._settings.setValue("desk/idle_minutes", minutes)

    def last_email(self) -> str:
        return str(self._settings.value("desk/last_email", ""))

    def set_last_email(self, email: str) -> None:
        self._settings.setValue("desk/last_email", email)

    def sync(self) -> None:
        self._settings.sync()

    def device_id(self) -> str:
        """This PC's name in the audit log (its audit chain), made once."""
        value = str(self._settings.value("desk/device_id", ""))
        if not value:
            import secrets

            value = secrets.token_hex(6)
            self._settings.setValue("desk/device_id", value)
        return value
