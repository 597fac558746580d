"""The entry point of a program whose issue has not landed yet."""

from __future__ import annotations

import sys
from typing import Final

NOT_BUILT_EXIT: Final = 2


def not_built(program: str, arrives_with: str) -> int:
    print(f"{program}: not built yet: {arrives_with}", file=sys.stderr)
    return NOT_BUILT_EXIT
