"""One log line per request: method, route template, status and time; never the query string
or the concrete path (a search for a patient's name travels in the query; SECURITY.md row 18)."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("sync_server.access")


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def tracked_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, tracked_send)
        finally:
            route = scope.get("route")
            where = getattr(route, "path", None) or "(no route)"
            elapsed = (time.perf_counter() - started) * 1000
            log.info("%s %s %s %.0f ms", scope.get("method"), where, status, elapsed)
