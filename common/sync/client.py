"""The device's HTTP client for the sync endpoints (httpx).

TLS is verified always (the system's trust store, or `CLINIC_SERVER_CA`, a CA bundle file, for a
clinic's private CA); plain http is allowed only to a loopback address (tests, a server on the
same machine). There is no way to turn certificate checks off (SECURITY.md row 13).
"""

from __future__ import annotations

import ipaddress
import os
import ssl
from collections.abc import Iterator
from functools import cache
from typing import Any, Final
from urllib.parse import urlparse

import httpx

from common.sync.audit_upload import AuditUpload, AuditUploadAnswer
from common.sync.protocol import (
    DEVICE_AUTH_SCHEME,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    SCHEMA_HEADER,
    EnrollRequest,
    EnrollResponse,
    PullResponse,
    PushRequest,
    PushResponse,
)

TIMEOUT: Final = httpx.Timeout(30.0, connect=5.0)
# Below the server's keep-alive (sync_server/cli.py KEEP_ALIVE_SECONDS): the desk lets an idle
# connection go before the server would close it under a request on its way.
KEEPALIVE_SECONDS: Final = 20.0


class InsecureServerUrl(ValueError):
    """Plain http to a non-loopback address."""


class ServerRefused(RuntimeError):
    """The server answered with an error a person should see (its message is translated)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.message = message


def check_server_url(url: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme == "https":
        return url.rstrip("/")
    if parsed.scheme == "http" and _is_loopback(parsed.hostname or ""):
        return url.rstrip("/")
    raise InsecureServerUrl(url)


def server_tls() -> ssl.SSLContext:
    """How every client of the clinic's server checks it: the system's trust store or
    `CLINIC_SERVER_CA`, certificate and host name always checked."""
    return _tls_context(os.environ.get("CLINIC_SERVER_CA"))


@cache
def _tls_context(ca_file: str | None) -> ssl.SSLContext:
    """Certificate and host name checks always on; built once (it is costly) and shared."""
    context = ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _across_a_network(server_url: str) -> bool:
    """Pull pages are worth gzip (4-5x smaller; httpx decompresses them) unless the server is on
    this machine, where compressing would only cost both sides CPU."""
    return not _is_loopback(urlparse(server_url).hostname or "")


class SyncClient:
    def __init__(
        self, server_url: str, credential: str | None, schema: str, *, timeout: httpx.Timeout = TIMEOUT
    ) -> None:
        self.server_url = check_server_url(server_url)
        headers = {
            PROTOCOL_HEADER: str(PROTOCOL_VERSION),
            SCHEMA_HEADER: schema,
            "Accept-Encoding": "gzip" if _across_a_network(self.server_url) else "identity",
        }
        if credential:
            headers["Authorization"] = f"{DEVICE_AUTH_SCHEME} {credential}"
        self._http = httpx.Client(
            base_url=self.server_url,
            headers=headers,
            timeout=timeout,
            verify=server_tls(),
            limits=httpx.Limits(keepalive_expiry=KEEPALIVE_SECONDS),
        )

    def close(self) -> None:
        self._http.close()

    def enroll(self, code: str, device_name: str) -> EnrollResponse:
        body = EnrollRequest(code=code, device_name=device_name).model_dump(mode="json")
        return EnrollResponse.model_validate(self._json(self._http.post("/sync/enroll", json=body)))

    def push(self, request: PushRequest) -> PushResponse:
        response = self._again_if_dropped(
            "POST",
            "/sync/push",
            content=request.model_dump_json(),
            headers={"Content-Type": "application/json"},
        )
        return PushResponse.model_validate(self._json(response))

    def pull(
        self, cursor: str, limit: int, *, estimate: bool = False, checksums: bool = False
    ) -> PullResponse:
        params: dict[str, Any] = {"cursor": cursor, "limit": limit}
        if estimate:
            params["estimate"] = "true"
        if checksums:
            params["checksums"] = "true"
        response = self._again_if_dropped("GET", "/sync/pull", params=params)
        if response.status_code >= 400:
            self._json(response)
        # Parsed and validated in one pass (pydantic's JSON parser): a page holds thousands of rows.
        return PullResponse.model_validate_json(response.content)

    def upload_audit(self, upload: AuditUpload) -> AuditUploadAnswer:
        response = self._again_if_dropped(
            "POST",
            "/sync/audit",
            content=upload.model_dump_json(),
            headers={"Content-Type": "application/json"},
        )
        return AuditUploadAnswer.model_validate(self._json(response))

    def events(self, timeout: float = 60.0, *, pages: bool = False) -> Iterator[tuple[str, str]]:
        """(event, data) from the poke stream, until it ends (raises on network errors). `pages`:
        another desk's push comes as a `page` event holding a PokePage (a front desk's stream)."""
        with self._http.stream(
            "GET",
            "/sync/events",
            params={"pages": "true"} if pages else None,
            timeout=httpx.Timeout(timeout, connect=5.0),
        ) as response:
            if response.status_code != 200:
                response.read()
                self._json(response)
            event, data = "", []
            for line in response.iter_lines():
                if line.startswith("event:"):
                    event = line.partition(":")[2].strip()
                elif line.startswith("data:"):
                    data.append(line.partition(":")[2].removeprefix(" "))
                elif not line and event:  # a blank line ends an event
                    yield event, "\n".join(data)
                    event, data = "", []

    def _again_if_dropped(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send once more when the server closed the connection without answering: a kept-alive
        connection closed by a proxy or server as the request left. Only for requests that are
        safe twice (a pull; a push or an audit upload, which the server applies once by number)."""
        try:
            return self._http.request(method, url, **kwargs)
        except httpx.RemoteProtocolError:
            return self._http.request(method, url, **kwargs)

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        return answer_json(response)


def answer_json(response: httpx.Response) -> Any:
    """The server's JSON answer, or ServerRefused with its code and (translated) message."""
    if response.status_code >= 400:
        try:
            error = response.json().get("error", {})
        except ValueError:
            error = {}
        raise ServerRefused(
            response.status_code,
            str(error.get("code", "error")),
            str(error.get("message", response.reason_phrase)),
        )
    return response.json()
