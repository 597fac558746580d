"""`clinic-sync`: a device's sync client from the command line (enrol, push, pull)."""

from __future__ import annotations

from common.not_built import not_built


def main() -> int:
    return not_built("clinic-sync", "the sync client arrives with its issue")


if __name__ == "__main__":
    raise SystemExit(main())
