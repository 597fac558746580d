"""One error shape for every refusal: `{"error": {"code", "message"}}`, the message in the reader's language.

- A `DomainError` answers its own `http_status`, with its translated message.
- A request that does not match the schema answers 422 naming the fields, never their values.
- Any other HTTP refusal (unknown route, wrong method, body too large) answers its status with a
  generic, translated message.
- Anything unexpected answers 500 with a generic message; the log gets the exception's type and
  stack, not its text (which may quote a database value).
"""

from __future__ import annotations

import logging
import traceback
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common.errors import AuthenticationFailed, DomainError
from common.i18n import N_, translate
from sync_server.fields import DATE_OUT_OF_RANGE
from sync_server.locale import request_locale, scope_locale

log = logging.getLogger(__name__)

NOT_AUTHENTICATED: Final = N_("Sign in to continue.")
INVALID_REQUEST: Final = N_("Some of the details are not valid. Please check them and try again.")
DATE_RANGE_MESSAGE: Final = N_("Dates must be between 1900-01-01 and 2199-12-31. Check the date.")
SERVER_ERROR: Final = N_(
    "Something went wrong on the server. Please try again; if it keeps happening, contact support."
)
PAYLOAD_TOO_LARGE: Final = ("payload_too_large", N_("The request is too large. Send less at a time."))
_HTTP_REFUSALS: Final[dict[int, tuple[str, str]]] = {
    400: ("bad_request", N_("The request could not be read. Check it and try again.")),
    401: ("not_authenticated", NOT_AUTHENTICATED),
    403: (
        "permission_denied",
        N_("Your role does not allow this. Ask a clinic administrator if you need access."),
    ),
    404: ("not_found", N_("The record was not found. It may have been removed.")),
    405: ("method_not_allowed", N_("This action is not available here.")),
    413: PAYLOAD_TOO_LARGE,
    415: ("unsupported_media_type", N_("The request must be sent as JSON.")),
    429: ("too_many_requests", N_("Too many attempts. Wait a minute and try again.")),
}


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: list[str] | None = None


class ErrorResponse(BaseModel):
    error: ErrorDetail


def _describe(status: int, description: str) -> dict[str, Any]:
    return {"model": ErrorResponse, "description": description}


# Declared on every route, so the OpenAPI document lists what a client can be answered.
ERROR_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    400: _describe(400, "The request could not be read (not JSON, not UTF-8)"),
    401: _describe(401, "Not signed in, or the session has ended"),
    403: _describe(403, "The caller's role does not allow this"),
    404: _describe(404, "Not found (also: another clinic's record)"),
    409: _describe(409, "Conflicts with the current state"),
    413: _describe(413, "The request body is too large"),
    422: _describe(422, "The request is not valid"),
    429: _describe(429, "Too many attempts"),
}


def error_body(code: str, message: str, fields: list[str] | None = None) -> dict[str, Any]:
    detail: dict[str, Any] = {"code": code, "message": message}
    if fields is not None:
        detail["fields"] = fields
    return {"error": detail}


def domain_error_response(error: DomainError, request: Request) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, AuthenticationFailed) else None
    body = error_body(error.code, error.translated(request_locale(request)))
    return JSONResponse(body, status_code=error.http_status, headers=headers)


def _domain_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DomainError)
    return domain_error_response(error, request)


def _validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    issues = error.errors()
    fields = sorted({".".join(str(part) for part in issue.get("loc", ())) for issue in issues})
    code, message = "invalid_request", INVALID_REQUEST
    if issues and all(issue.get("type") == DATE_OUT_OF_RANGE for issue in issues):
        code, message = DATE_OUT_OF_RANGE, DATE_RANGE_MESSAGE
    body = error_body(code, translate(message, request_locale(request)), fields)
    return JSONResponse(body, status_code=422)


def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    status = error.status_code
    code, message = _HTTP_REFUSALS.get(status, ("error", INVALID_REQUEST if status < 500 else SERVER_ERROR))
    headers = dict(error.headers or {})
    if status == 401:
        headers.setdefault("WWW-Authenticate", "Bearer")
    body = error_body(code, translate(message, request_locale(request)))
    return JSONResponse(body, status_code=status, headers=headers or None)


class CatchUnexpectedErrors:
    """Answer 500 with a generic message for any error no handler took, and log it without its
    text. (Starlette's own last-resort handler would re-raise it to the server, which prints the
    exception's message.)"""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked_send)
        except Exception as error:
            route = scope.get("route")
            where = getattr(route, "path", "?")
            # Where, not what: frames without their source lines or the exception's text.
            stack = "\n".join(
                f"  {frame.filename}:{frame.lineno} in {frame.name}"
                for frame in traceback.extract_tb(error.__traceback__)
            )
            log.error("unexpected %s on %s %s\n%s", type(error).__name__, scope.get("method"), where, stack)
            if started:
                raise
            locale = scope_locale(Headers(scope=scope))
            response = JSONResponse(
                error_body("server_error", translate(SERVER_ERROR, locale)), status_code=500
            )
            await response(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_middleware(CatchUnexpectedErrors)
