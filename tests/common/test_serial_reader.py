"""The serial scanner reader against a real serial device: a pseudo-terminal pair, pyserial on the
slave's path, the test writing to the master as a scanner would. Unplugging closes the pair; the
port's path is a symlink (as /dev/serial/by-id/ is), re-pointed at a new pair on replugging."""

from __future__ import annotations

import os
import queue
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial

from common.scanners.config import LINE_END, ConfigError, SerialConfig, parse_baud, parse_terminator
from common.scanners.serial_reader import (
    MAX_CODE_BYTES,
    Backoff,
    PortState,
    SerialReader,
    open_serial,
    state_for,
)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")

FAST = Backoff(first=0.02, longest=0.1)
WAIT = 5.0


class Scanner:
    """A serial scanner on a pseudo-terminal, reachable at a stable path."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.master: int | None = None
        self.slave: int | None = None

    def plug(self) -> None:
        self.master, self.slave = os.openpty()
        link = self.path.with_suffix(".new")
        link.unlink(missing_ok=True)
        link.symlink_to(os.ttyname(self.slave))
        os.replace(link, self.path)

    def unplug(self) -> None:
        for fd in (self.master, self.slave):
            if fd is not None:
                os.close(fd)
        self.master = self.slave = None
        self.path.unlink(missing_ok=True)

    def send(self, data: bytes) -> None:
        assert self.master is not None
        os.write(self.master, data)


class Reading:
    """A reader and what it handed on, as queues a test can wait on."""

    def __init__(self, config: SerialConfig, **kwargs) -> None:
        self.codes: queue.Queue[str] = queue.Queue()
        self.states: queue.Queue[PortState] = queue.Queue()
        self.reader = SerialReader(config, self.codes.put, on_state=self.states.put, backoff=FAST, **kwargs)

    def wait_state(self, state: PortState) -> None:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                if self.states.get(timeout=0.1) is state:
                    return
            except queue.Empty:
                continue
        raise AssertionError(f"the port never became {state}")

    def take(self, count: int) -> list[str]:
        return [self.codes.get(timeout=WAIT) for _ in range(count)]

    def nothing_more(self, wait: float = 0.2) -> bool:
        time.sleep(wait)
        return self.codes.empty()


@pytest.fixture
def scanner(tmp_path: Path) -> Iterator[Scanner]:
    device = Scanner(tmp_path / "ttyScanner")
    device.plug()
    yield device
    if device.master is not None:
        device.unplug()


@pytest.fixture
def reading(scanner: Scanner) -> Iterator[Reading]:
    handle = Reading(SerialConfig(str(scanner.path), 9600))
    handle.reader.start()
    handle.wait_state(PortState.CONNECTED)
    yield handle
    handle.reader.stop()


def test_codes_end_at_any_line_end_and_framing_is_dropped(scanner, reading):
    scanner.send(b"CQ1AAAA-BBBB\r\nCQ1CCCC\rCQ1DDDD\n\x02CQ1EEEE\x03\r\n\r\n")
    assert reading.take(4) == ["CQ1AAAA-BBBB", "CQ1CCCC", "CQ1DDDD", "CQ1EEEE"]
    assert reading.nothing_more()


def test_a_code_split_across_reads_is_one_code(scanner, reading):
    scanner.send(b"CQ1ABC")
    time.sleep(0.15)  # several read timeouts pass: a line end, not a pause, ends a code
    assert reading.codes.empty()
    scanner.send(b"DEF\r\n")
    assert reading.take(1) == ["CQ1ABCDEF"]


def test_a_burst_of_codes_arrives_whole_and_in_order(scanner, reading):
    codes = [f"CQ1{n:06d}" for n in range(200)]
    scanner.send(b"".join(code.encode() + b"\r\n" for code in codes))
    assert reading.take(len(codes)) == codes
    assert reading.nothing_more()


def test_noise_without_a_terminator_is_dropped_and_reading_goes_on(scanner, reading):
    scanner.send(b"\xfe" * (MAX_CODE_BYTES + 10))  # a wrong baud rate looks like this
    scanner.send(b"\xff\xfe\r\n")  # an unreadable code
    scanner.send(b"CQ1GOOD\r\n")
    assert reading.take(1) == ["CQ1GOOD"]
    assert reading.nothing_more()


def test_unplugged_then_plugged_back_in_it_reconnects(scanner, reading):
    scanner.send(b"CQ1BEFORE\r\n")
    assert reading.take(1) == ["CQ1BEFORE"]
    scanner.unplug()
    reading.wait_state(PortState.MISSING)
    time.sleep(0.3)  # a few attempts to reopen fail while it is away
    scanner.plug()
    reading.wait_state(PortState.CONNECTED)
    scanner.send(b"CQ1AFTER\r\n")
    assert reading.take(1) == ["CQ1AFTER"]
    assert reading.reader.connections == 2


def test_a_scanner_plugged_in_after_the_desk_started_is_found(tmp_path):
    device = Scanner(tmp_path / "ttyLate")
    handle = Reading(SerialConfig(str(device.path)))
    handle.reader.start()
    try:
        handle.wait_state(PortState.MISSING)
        device.plug()
        handle.wait_state(PortState.CONNECTED)
        device.send(b"CQ1LATE\r")
        assert handle.take(1) == ["CQ1LATE"]
    finally:
        handle.reader.stop()
        device.unplug()


def test_stop_is_prompt_and_releases_the_port(scanner, reading):
    started = time.monotonic()
    reading.reader.stop()
    assert time.monotonic() - started < 0.5
    assert not reading.reader.running
    # The port was closed: another program can take it exclusively now.
    port = open_serial(SerialConfig(str(scanner.path)))
    port.close()


def test_a_port_another_program_holds_is_busy(scanner, reading):
    other = Reading(SerialConfig(str(scanner.path)))
    other.reader.start()
    try:
        other.wait_state(PortState.BUSY)
    finally:
        other.reader.stop()


def test_without_a_terminator_a_pause_ends_the_code(scanner):
    handle = Reading(SerialConfig(str(scanner.path), terminator=parse_terminator("none")))
    handle.reader.start()
    try:
        handle.wait_state(PortState.CONNECTED)
        scanner.send(b"CQ1FIRST")
        assert handle.take(1) == ["CQ1FIRST"]
        scanner.send(b"CQ1SECOND")
        assert handle.take(1) == ["CQ1SECOND"]
    finally:
        handle.reader.stop()


def test_a_failing_callback_does_not_stop_the_reader(scanner):
    seen: list[str] = []

    def fussy(code: str) -> None:
        seen.append(code)
        if code == "CQ1BAD":
            raise RuntimeError("the screen could not take it")

    reader = SerialReader(SerialConfig(str(scanner.path)), fussy, backoff=FAST)
    reader.start()
    try:
        deadline = time.monotonic() + WAIT
        while reader.state is not PortState.CONNECTED and time.monotonic() < deadline:
            time.sleep(0.01)
        scanner.send(b"CQ1BAD\r\nCQ1NEXT\r\n")
        while len(seen) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert seen == ["CQ1BAD", "CQ1NEXT"]
        assert reader.running
    finally:
        reader.stop()


def test_settings_are_checked():
    assert parse_terminator("CRLF") == parse_terminator("cr") == parse_terminator("") == LINE_END
    assert parse_terminator("Tab") == b"\t"
    assert parse_baud("115200") == 115200
    assert parse_baud("") == 9600
    with pytest.raises(ConfigError, match="terminator"):
        parse_terminator("semicolon")
    with pytest.raises(ConfigError, match="baud"):
        parse_baud("9601")
    with pytest.raises(ConfigError, match="baud") as error:
        parse_baud("fast")
    assert error.value.setting == "baud"


def test_open_errors_say_what_is_wrong(tmp_path):
    with pytest.raises(serial.SerialException) as missing:
        open_serial(SerialConfig(str(tmp_path / "nothing")))
    assert state_for(missing.value) is PortState.MISSING
    denied = tmp_path / "denied"
    denied.touch(mode=0o000)
    if os.geteuid() != 0:  # root opens anything
        with pytest.raises(serial.SerialException) as refused:
            open_serial(SerialConfig(str(denied)))
        assert state_for(refused.value) is PortState.DENIED
    assert state_for(serial.SerialException(13, "Permission denied")) is PortState.DENIED
    assert (
        state_for(serial.SerialException("could not open port 'COM3': Access is denied.")) is PortState.BUSY
    )
