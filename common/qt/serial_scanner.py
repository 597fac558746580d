"""A serial barcode scanner for Qt screens: common/scanners/serial_reader.py's reader, with its
codes and its port's state delivered on the GUI thread as signals.

`sig_scanned(str)` is the keyboard-wedge scanner's signal (common/qt/scanner.py), so whatever
handles wedge scans handles serial scans by connecting the same slot.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal

from common.scanners.config import SerialConfig
from common.scanners.serial_reader import (
    DEFAULT_BACKOFF,
    Backoff,
    Port,
    PortState,
    SerialReader,
    open_serial,
)


class SerialScanner(QObject):
    sig_scanned = Signal(str)
    sig_state = Signal(str)  # a PortState value, when it changes
    # From the reader's thread; queued to this object's (the GUI) thread.
    _sig_code_read = Signal(str)
    _sig_state_seen = Signal(str)

    def __init__(
        self,
        config: SerialConfig,
        parent: QObject | None = None,
        *,
        open_port: Callable[[SerialConfig], Port] = open_serial,
        backoff: Backoff = DEFAULT_BACKOFF,
    ) -> None:
        super().__init__(parent)
        self.config = config
        self._sig_code_read.connect(self.sig_scanned, Qt.ConnectionType.QueuedConnection)
        self._sig_state_seen.connect(self.sig_state, Qt.ConnectionType.QueuedConnection)
        self.reader = SerialReader(
            config,
            self._sig_code_read.emit,
            on_state=lambda state: self._sig_state_seen.emit(state.value),
            open_port=open_port,
            backoff=backoff,
        )

    @property
    def state(self) -> PortState | None:
        return self.reader.state

    def start(self) -> None:
        self.blockSignals(False)
        self.reader.start()

    def stop(self) -> None:
        """Stop reading; what the reader said and the GUI thread has not yet heard is dropped."""
        self.reader.stop()
        self.blockSignals(True)
