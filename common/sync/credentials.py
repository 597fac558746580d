"""Where a device keeps its sync credential: the OS keyring, or an encrypted file on headless Linux.

`CLINIC_KEYRING` chooses: `os` (the platform keyring: Windows Credential Manager, macOS Keychain,
Secret Service), `file` (keyrings.cryptfile: an encrypted file `keyring.cfg` in the device's data
directory), or `auto` (default: the OS keyring where a desktop session provides one, else the
file). The file's password comes from `CLINIC_KEYRING_PASSWORD`, else from the machine-local key
file `CLINIC_KEYRING_KEY_FILE` (default `<data dir>/keyring.key`, created once with 256 random
bits, mode 0600). Keep that key file off backups that also hold the keyring file, or use the
environment variable from the machine's service manager.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import Any, Final

import keyring
from keyring.backend import KeyringBackend

SERVICE: Final = "clinic-front-desk-sync"
KEYRING_FILE: Final = "keyring.cfg"
KEY_FILE: Final = "keyring.key"


def credential_store(data_dir: Path) -> KeyringBackend:
    mode = os.environ.get("CLINIC_KEYRING", "auto").lower()
    if mode == "os" or (mode == "auto" and _desktop_session()):
        return keyring.get_keyring()
    return _file_keyring(data_dir)


def save_credential(data_dir: Path, device_id: str, credential: str) -> None:
    credential_store(data_dir).set_password(SERVICE, device_id, credential)


def load_credential(data_dir: Path, device_id: str) -> str | None:
    value = credential_store(data_dir).get_password(SERVICE, device_id)
    return value if isinstance(value, str) else None


def _desktop_session() -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DBUS_SESSION_BUS_ADDRESS"))


def _file_keyring(data_dir: Path) -> KeyringBackend:
    from keyrings.cryptfile.cryptfile import CryptFileKeyring

    store: Any = CryptFileKeyring()
    store.file_path = str(data_dir / KEYRING_FILE)
    store.keyring_key = _file_password(data_dir)
    assert isinstance(store, KeyringBackend)
    return store


def _file_password(data_dir: Path) -> str:
    given = os.environ.get("CLINIC_KEYRING_PASSWORD")
    if given:
        return given
    key_file = Path(os.environ.get("CLINIC_KEYRING_KEY_FILE") or data_dir / KEY_FILE)
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(32))
    return key_file.read_text().strip()
