"""The screens of the desk, in navigation order: one list, so adding a screen is one entry.

A screen is registered by key with its title (a msgid), icon, factory and the permission it needs
(a screen the signed-in role may not use is not shown). Screens not built yet are registered as
placeholders by name and replaced with `registry.register(...)` when they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from common.access.permissions import Permission
from desktop.desk import Desk
from desktop.screens.base import Screen

ScreenFactory = Callable[[Desk], Screen]


@dataclass(frozen=True)
class ScreenSpec:
    key: str
    title: str  # msgid
    icon: str  # a name in common.qt.icons
    factory: ScreenFactory
    permission: Permission | None = None
    placeholder: bool = False


class ScreenRegistry:
    def __init__(self) -> None:
        self._specs: dict[str, ScreenSpec] = {}

    def register(self, spec: ScreenSpec) -> None:
        """Add a screen at the end, or replace the one with the same key where it stands."""
        self._specs[spec.key] = spec

    def get(self, key: str) -> ScreenSpec | None:
        return self._specs.get(key)

    def specs(self) -> list[ScreenSpec]:
        return list(self._specs.values())

    def visible_to(self, desk: Desk) -> list[ScreenSpec]:
        return [spec for spec in self._specs.values() if spec.permission is None or desk.can(spec.permission)]
