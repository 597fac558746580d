"""`clinic-desktop`: the front-desk app."""

from __future__ import annotations

from common.not_built import not_built


def main() -> int:
    return not_built("clinic-desktop", "the desktop app arrives with its issue")


if __name__ == "__main__":
    raise SystemExit(main())
