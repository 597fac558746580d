"""A serial scanner's settings (desktop.ini's [scanner] section), checked; no pyserial needed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

DEFAULT_BAUD: Final = 9600
# The speeds scanners are set to; anything else in desktop.ini is most likely a typo.
BAUD_RATES: Final = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
# A line end of either kind ends a code: CR, LF and CR LF all work without saying which.
LINE_END: Final = b"\r\n"
TERMINATORS: Final = {
    "cr": LINE_END,
    "lf": LINE_END,
    "crlf": LINE_END,
    "tab": b"\t",
    "etx": b"\x03",
    "none": b"",  # the code ends when the scanner falls silent
}


class ConfigError(ValueError):
    """A scanner setting that cannot be used; `setting` names it (as desktop.ini spells it)."""

    def __init__(self, setting: str, problem: str) -> None:
        super().__init__(f"{setting}: {problem}")
        self.setting = setting


@dataclass(frozen=True)
class SerialConfig:
    port: str  # /dev/ttyACM0, /dev/serial/by-id/..., COM3
    baud: int = DEFAULT_BAUD
    terminator: bytes = LINE_END  # any one of these bytes ends a code; b"": a pause ends it


def parse_terminator(text: str) -> bytes:
    """`CR`, `LF`, `CRLF` (each: any line end), `TAB`, `ETX` or `NONE` (a pause ends the code)."""
    key = text.strip().lower() or "crlf"
    try:
        return TERMINATORS[key]
    except KeyError:
        raise ConfigError("terminator", f"{text!r} is not one of {', '.join(TERMINATORS)}") from None


def parse_baud(text: str) -> int:
    try:
        baud = int(text.strip() or DEFAULT_BAUD)
    except ValueError:
        raise ConfigError("baud", f"{text!r} is not a number") from None
    if baud not in BAUD_RATES:
        raise ConfigError("baud", f"{baud} is not one of {', '.join(map(str, BAUD_RATES))}")
    return baud
