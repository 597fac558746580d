"""`clinic-kiosk`: the lobby self check-in."""

from __future__ import annotations

from common.not_built import not_built


def main() -> int:
    return not_built("clinic-kiosk", "the kiosk arrives with its issue")


if __name__ == "__main__":
    raise SystemExit(main())
