"""DESIGN.md's arrows: common/ is Qt-free and imports nothing above it; the apps don't import each other."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FORBIDDEN = {
    "common": {"PySide6", "shiboken6", "desktop", "kiosk", "sync_server"},
    "common/qt": {"desktop", "kiosk", "sync_server"},
    "desktop": {"kiosk", "sync_server"},
    "kiosk": {"desktop", "sync_server"},
    "sync_server": {"PySide6", "shiboken6", "desktop", "kiosk", "common.qt"},
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _sources(package: str) -> list[Path]:
    base = ROOT / package
    files = sorted(base.rglob("*.py")) if base.exists() else []
    if package == "common":
        files = [f for f in files if (ROOT / "common" / "qt") not in f.parents]
    return files


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_follow_the_allowed_arrows(package):
    violations = []
    for source in _sources(package):
        for module in imported_modules(source):
            for banned in FORBIDDEN[package]:
                if module == banned or module.startswith(banned + "."):
                    violations.append(f"{source.relative_to(ROOT)} imports {module}")
    assert violations == []
