"""A serial barcode scanner (RS-232, or USB in CDC-ACM "virtual COM port" mode), Qt-free.

`SerialReader` opens the configured port on a background thread, reads what the scanner sends,
cuts it into codes at the terminator and hands each code to a callback (on that thread). When the
device goes away (unplugged, powered off, the port taken by another program) it closes the port
and opens it again with a growing delay, so plugging the scanner back in is all a person does.
`stop()` ends the thread promptly: a blocked read is cancelled, not waited out.

Codes are never logged: a patient's card number is theirs.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Protocol

import serial

from common.scanners.config import SerialConfig

log = logging.getLogger(__name__)

READ_TIMEOUT: Final = 0.05  # seconds a read waits: how soon a silence ends a code
SILENCE_ENDS_CODE: Final = 0.08  # with no terminator: the pause after which a code is complete
MAX_CODE_BYTES: Final = 512  # more than this without a terminator is noise (a wrong baud rate)
FRAMING: Final = " \t\x00\x02\x03"  # spaces and STX/ETX framing some scanners put around a code


class PortState(StrEnum):
    CONNECTED = "connected"
    MISSING = "missing"  # no such port (unplugged) or it went away
    DENIED = "denied"  # this user may not open it (Linux: not in the dialout group)
    BUSY = "busy"  # another program has it open
    FAILED = "failed"  # anything else: a wrong setting, a driver error


def state_for(error: BaseException) -> PortState:
    code = getattr(error, "errno", None)
    if code in (errno.ENOENT, errno.ENODEV, errno.ENXIO, errno.EIO):
        return PortState.MISSING
    if code in (errno.EACCES, errno.EPERM):
        return PortState.DENIED
    if code in (errno.EBUSY, errno.EWOULDBLOCK):
        return PortState.BUSY
    text = str(error).lower()
    if "access is denied" in text:  # Windows: a COM port another program holds
        return PortState.BUSY
    if "filenotfound" in text or "cannot find" in text or "disconnected" in text:
        return PortState.MISSING
    return PortState.FAILED


class Port(Protocol):
    """What the reader needs of a pyserial port."""

    @property
    def in_waiting(self) -> int: ...

    def read(self, size: int = 1) -> bytes: ...

    def cancel_read(self) -> None: ...

    def close(self) -> None: ...


def open_serial(config: SerialConfig) -> Port:
    # exclusive: two programs reading one scanner would each get half the codes.
    return serial.Serial(config.port, config.baud, timeout=READ_TIMEOUT, exclusive=True)


@dataclass(frozen=True)
class Backoff:
    """Delays between attempts to open the port: `first`, doubling up to `longest`."""

    first: float = 0.25
    longest: float = 5.0

    def after(self, delay: float | None) -> float:
        return self.first if delay is None else min(delay * 2, self.longest)


DEFAULT_BACKOFF: Final = Backoff()


class SerialReader:
    """Reads codes from a serial scanner on a thread of its own until `stop()`."""

    def __init__(
        self,
        config: SerialConfig,
        on_code: Callable[[str], None],
        *,
        on_state: Callable[[PortState], None] | None = None,
        open_port: Callable[[SerialConfig], Port] = open_serial,
        backoff: Backoff = DEFAULT_BACKOFF,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self._on_code = on_code
        self._on_state = on_state
        self._open_port = open_port
        self._backoff = backoff
        self._clock = clock
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._port: Port | None = None
        self._thread: threading.Thread | None = None
        self.state: PortState | None = None
        self.connections = 0  # how many times the port was opened (a reconnect counts)

    # -- control ---------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="serial-scanner", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stopping.set()
        with self._lock:
            port = self._port
        if port is not None:
            # Failing that, the read ends within READ_TIMEOUT anyway.
            with contextlib.suppress(serial.SerialException, OSError):
                port.cancel_read()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- the thread ------------------------------------------------------------------------------
    def _run(self) -> None:
        delay: float | None = None
        while not self._stopping.is_set():
            try:
                port = self._open_port(self.config)
            except (serial.SerialException, OSError, ValueError) as error:
                self._set_state(state_for(error), error)
                delay = self._backoff.after(delay)
                self._stopping.wait(delay)
                continue
            delay = None
            with self._lock:
                self._port = port
            try:
                if self._stopping.is_set():
                    break
                self.connections += 1
                self._set_state(PortState.CONNECTED)
                self._read_codes(port)
            except (serial.SerialException, OSError) as error:
                self._set_state(PortState.MISSING, error)
            finally:
                with self._lock:
                    self._port = None
                _close(port)

    def _read_codes(self, port: Port) -> None:
        ends = self.config.terminator
        buffer = bytearray()
        last_byte_at = 0.0
        while not self._stopping.is_set():
            chunk = port.read(max(1, port.in_waiting))
            now = self._clock()
            if chunk:
                buffer.extend(chunk)
                last_byte_at = now
                if ends:
                    self._take_terminated(buffer, ends)
                if len(buffer) > MAX_CODE_BYTES:
                    log.warning(
                        "serial scanner on %s: %d bytes without a terminator, dropped "
                        "(check the baud rate and terminator in desktop.ini)",
                        self.config.port,
                        len(buffer),
                    )
                    buffer.clear()
            elif buffer and not ends and now - last_byte_at >= SILENCE_ENDS_CODE:
                self._deliver(bytes(buffer))
                buffer.clear()

    def _take_terminated(self, buffer: bytearray, ends: bytes) -> None:
        start = 0
        for index, byte in enumerate(buffer):
            if byte in ends:
                self._deliver(bytes(buffer[start:index]))
                start = index + 1
        del buffer[:start]

    def _deliver(self, raw: bytes) -> None:
        code = readable(raw)
        if code is None:
            log.warning(
                "serial scanner on %s sent an unreadable code (check the baud rate)", self.config.port
            )
            return
        if not code:
            return  # the LF after a CR
        try:
            self._on_code(code)
        except Exception:
            log.exception("serial scanner: handing a code on failed")

    def _set_state(self, state: PortState, error: BaseException | None = None) -> None:
        if state is self.state:
            return
        self.state = state
        if error is not None:
            log.warning("serial scanner on %s: %s (%s)", self.config.port, state.value, error)
        else:
            log.info("serial scanner on %s: %s", self.config.port, state.value)
        if self._on_state is not None:
            try:
                self._on_state(state)
            except Exception:
                log.exception("serial scanner: reporting the port's state failed")


def readable(raw: bytes) -> str | None:
    """The code in what the scanner sent ("" for nothing); None for noise (a wrong baud rate)."""
    if len(raw) > MAX_CODE_BYTES:
        return None
    try:
        code = raw.decode("utf-8").strip(FRAMING)
    except UnicodeDecodeError:
        return None
    return code if code.isprintable() else None


def _close(port: Port) -> None:
    try:
        port.close()
    except (serial.SerialException, OSError):
        log.debug("closing the serial port failed", exc_info=True)
