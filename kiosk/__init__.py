"""The lobby kiosk (PySide6): patients check themselves in."""
