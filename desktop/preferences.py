"""This PC's desk preferences, in an INI file in the data directory (no secrets here)."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from PySide6.QtCore import QSettings

from common.i18n import SUPPORTED_LOCALES, normalize_locale
from common.scanners.config import SerialConfig, parse_baud, parse_terminator

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

    def serial_scanner(self) -> SerialConfig | None:
        """The serial barcode scanner, if this PC has one: desktop.ini's [scanner] serial_port
        (/dev/ttyACM0, COM3), baud (9600) and terminator (CRLF, TAB, ETX or NONE).
        Raises ConfigError for a setting that cannot be used."""
        port = str(self._settings.value("scanner/serial_port", "")).strip()
        if not port:
            return None
        baud = parse_baud(str(self._settings.value("scanner/baud", "")))
        terminator = parse_terminator(str(self._settings.value("scanner/terminator", "")))
        return SerialConfig(port, baud, terminator)

    def set_serial_scanner(self, port: str, baud: int = 9600, terminator: str = "CRLF") -> None:
        self._settings.setValue("scanner/serial_port", port)
        self._settings.setValue("scanner/baud", baud)
        self._settings.setValue("scanner/terminator", terminator)

    def camera_index(self) -> int:
        """Which webcam "Scan with camera" opens: desktop.ini's [scanner] camera (0: the first)."""
        try:
            return max(0, int(str(self._settings.value("scanner/camera", 0))))
        except ValueError:
            return 0

    def set_camera_index(self, index: int) -> None:
        self._settings.setValue("scanner/camera", index)

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
