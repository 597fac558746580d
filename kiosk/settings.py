"""This kiosk's own settings, in `kiosk.json` in its data directory.

- `device_id`: the kiosk's identity (every scan, look-up and check-in is recorded under it);
- `idle_seconds` / `done_seconds`: when the screen returns to Welcome;
- `camera_index`, `camera_width`, `camera_height`: the webcam;
- `pin_hash`: the staff PIN that leaves kiosk mode (argon2id; `clinic-kiosk --set-pin`). With no
  PIN set, the demo PIN `DEMO_PIN` opens it: set a real one before a kiosk faces patients.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Final

from common.config import load_settings
from common.ids import new_id
from common.staff.passwords import hash_password, verify_password

SETTINGS_FILE: Final = "kiosk.json"
DEMO_PIN: Final = "2468"
MIN_PIN_DIGITS: Final = 4


def default_data_dir() -> Path:
    return load_settings().data_dir / "kiosk"


@dataclass
class KioskSettings:
    device_id: str = field(default_factory=lambda: str(new_id()))
    idle_seconds: float = 30.0
    done_seconds: float = 10.0
    camera_index: int = 0
    camera_width: int = 1280
    camera_height: int = 720
    location: str = "Lobby kiosk"
    pin_hash: str | None = None

    @property
    def device_uuid(self) -> uuid.UUID:
        return uuid.UUID(self.device_id)

    def pin_matches(self, pin: str) -> bool:
        if self.pin_hash is None:
            return pin == DEMO_PIN
        return verify_password(self.pin_hash, pin)

    def set_pin(self, pin: str) -> None:
        if not pin.isdigit() or len(pin) < MIN_PIN_DIGITS:
            raise ValueError(f"a PIN is at least {MIN_PIN_DIGITS} digits")
        self.pin_hash = hash_password(pin)


def load(data_dir: Path) -> KioskSettings:
    """The kiosk's settings; made (with a new device id) and saved on first use."""
    path = data_dir / SETTINGS_FILE
    known = {f.name for f in fields(KioskSettings)}
    values: dict[str, Any] = {}
    if path.exists():
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            loaded = {}
        if isinstance(loaded, dict):
            values = {name: value for name, value in loaded.items() if name in known}
    settings = KioskSettings(**values)
    if not path.exists():
        save(data_dir, settings)
    return settings


def save(data_dir: Path, settings: KioskSettings) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / SETTINGS_FILE
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(asdict(settings), indent=2), encoding="utf-8")
    temporary.replace(path)
