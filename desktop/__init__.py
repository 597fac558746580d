"""The front-desk desktop app (PySide6) for receptionists, nurses, doctors and managers."""
