"""Request bodies larger than the limit are refused with 413, in the API's error shape.

A declared `Content-Length` over the limit is refused before the body is read; a body sent
without one (chunked) is counted as it arrives and cut off at the limit. The route then sees a
client that went away, and its answer is replaced with the 413.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common.i18n import translate
from sync_server.errors import PAYLOAD_TOO_LARGE, error_body
from sync_server.locale import scope_locale


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if _declared_length(headers) > self.max_bytes:
            await self._refuse(scope, receive, send, headers)
            return
        seen = 0
        too_large = False
        refused = False

        async def limited_receive() -> Message:
            nonlocal seen, too_large
            if too_large:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    too_large = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal refused
            if not too_large:
                await send(message)
            elif not refused and message["type"] == "http.response.start":
                refused = True
                await self._refuse(scope, receive, send, headers)

        await self.app(scope, limited_receive, guarded_send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, headers: Headers) -> None:
        code, message = PAYLOAD_TOO_LARGE
        body = error_body(code, translate(message, scope_locale(headers)))
        await JSONResponse(body, status_code=413, headers={"Connection": "close"})(scope, receive, send)


def _declared_length(headers: Headers) -> int:
    raw = headers.get("content-length", "")
    return int(raw) if raw.isdigit() else 0
