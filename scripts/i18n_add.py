"""Add translations to the four catalogs: re-extract every string, then fill in the given ones.

    .venv/bin/python scripts/i18n_add.py translations.json [more.json ...]

Each file maps a msgid to its translations: {"Save": {"zh_TW": "儲存", "zh_CN": "保存", "ja": "保存"}}.
Plural msgids take a list per language. The catalogs are rewritten under a file lock, so several
people (or helpers) can add their strings at once without losing each other's. Prints the msgids
still untranslated afterwards.
"""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALE_DIR = ROOT / "common" / "i18n" / "locale"
LANGS = ("zh_TW", "zh_CN", "ja")
LOCK = ROOT / ".i18n.lock"


def main(paths: list[str]) -> int:
    wanted: dict[str, dict[str, str | list[str]]] = {}
    for path in paths:
        wanted.update(json.loads(Path(path).read_text(encoding="utf-8")))
    with LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        subprocess.run([str(ROOT / "scripts" / "i18n.sh")], check=True, cwd=ROOT)  # noqa: S603 - our own script
        missing: set[str] = set()
        for lang in LANGS:
            po_path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
            with po_path.open("rb") as handle:
                catalog = read_po(handle, locale=lang)
            for message in catalog:
                if not message.id:
                    continue
                key = message.id if isinstance(message.id, str) else message.id[0]
                given = wanted.get(key, {}).get(lang)
                if given:
                    message.string = tuple(given) if isinstance(message.id, tuple) else given
                    message.flags.discard("fuzzy")
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                if not all(strings):
                    missing.add(key)
            with po_path.open("wb") as handle:
                write_po(handle, catalog, sort_output=True)
    for key in sorted(missing):
        print(f"untranslated: {key!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
