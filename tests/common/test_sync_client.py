"""The device's sync client over a real socket: a request the server dropped unanswered is sent again."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import httpx
import pytest

from common.sync.client import SyncClient

PAGE = (
    b'{"tables":[],"cursor":"7","has_more":false,"rows_in_page":0,"remaining_estimate":0,'
    b'"server_time":"2026-11-26T09:00:00+00:00"}'
)


class DroppingServer:
    """Answers HTTP requests on 127.0.0.1, but closes the connection of the first `drops` requests
    without a word, as a server does with a kept-alive connection it times out as a request arrives."""

    def __init__(self, drops: int) -> None:
        self.drops = drops
        self.requests: list[bytes] = []
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return
            with connection:
                while True:
                    request = _read_request(connection)
                    if request is None:
                        break
                    self.requests.append(request.split(b"\r\n", 1)[0])
                    if len(self.requests) <= self.drops:
                        break  # closed, unanswered
                    connection.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        + f"Content-Length: {len(PAGE)}\r\n\r\n".encode()
                        + PAGE
                    )

    def close(self) -> None:
        self._socket.close()


def _read_request(connection: socket.socket) -> bytes | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        ),
        0,
    )
    while len(body) < length:
        body += connection.recv(65536)
    return head


@pytest.fixture
def dropping() -> Iterator[DroppingServer]:
    server = DroppingServer(drops=1)
    yield server
    server.close()


def test_a_pull_the_server_dropped_unanswered_is_sent_again(dropping: DroppingServer) -> None:
    client = SyncClient(f"http://127.0.0.1:{dropping.port}", "credential", "schema")
    try:
        page = client.pull("0", 100)
    finally:
        client.close()
    assert page.cursor == "7"
    assert [line.split(b"?")[0] for line in dropping.requests] == [b"GET /sync/pull", b"GET /sync/pull"]


def test_a_second_drop_is_the_network_failing_and_reaches_the_engine() -> None:
    server = DroppingServer(drops=2)
    client = SyncClient(f"http://127.0.0.1:{server.port}", "credential", "schema")
    try:
        with pytest.raises(httpx.RemoteProtocolError):
            client.pull("0", 100)
    finally:
        client.close()
        server.close()
    assert len(server.requests) == 2
