"""`/register/{token}`: the page a patient's phone opens from the clinic's QR poster.

GET shows the form for a valid link; POST registers the patient. A forged or unknown link answers
404 and a retired one (the poster was replaced) 410, each with a kind page that names no clinic.
HTML pages, not part of the REST API (left out of /openapi.json).
"""

from __future__ import annotations

import threading
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from common.errors import DomainError
from common.i18n import DEFAULT_LOCALE, N_, SUPPORTED_LOCALES, translate
from common.registration.errors import RegistrationLinkInvalid, RegistrationLinkRetired
from sync_server.locale import preferred_locale
from sync_server.registration import pages
from sync_server.registration.service import (
    ClinicFacts,
    RegistrationForm,
    RegistrationRefused,
    RegistrationThrottle,
    check_link,
    register,
)
from sync_server.runtime import server_of

router = APIRouter(tags=["registration"], include_in_schema=False)

MAX_FIELDS = 30
LINK_NOT_WORKING = N_("This registration link does not work")
POSTER_REPLACED = N_("This poster has been replaced")
TOO_MANY = N_(
    "Too many registrations were sent from this network just now. Wait a minute, then send the form "
    "again: what you typed is kept below."
)
UNAVAILABLE = N_(
    "The clinic cannot take registrations online right now. Please register at the front desk; "
    "nothing was saved."
)
_throttle_lock = threading.Lock()


def _html(content: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(content, status_code=status, headers=pages.HEADERS)


def _throttle(request: Request) -> RegistrationThrottle:
    state = request.app.state
    with _throttle_lock:
        throttle = getattr(state, "registration_throttle", None)
        if not isinstance(throttle, RegistrationThrottle):
            throttle = RegistrationThrottle(server_of(request).db.clock)
            state.registration_throttle = throttle
    return throttle


def _reader_locale(request: Request, chosen: str | None) -> str | None:
    """The language asked for (a link on the page, or the browser's); None: no preference."""
    if chosen in SUPPORTED_LOCALES:
        return chosen
    header = request.headers.get("accept-language")
    if not header:
        return None
    locale = preferred_locale(header)
    if locale == DEFAULT_LOCALE and "en" not in header.lower():
        return None
    return locale


def _refusal(error: DomainError, locale: str) -> HTMLResponse:
    title = POSTER_REPLACED if isinstance(error, RegistrationLinkRetired) else LINK_NOT_WORKING
    return _html(
        pages.refusal_page(locale, translate(title, locale), error.translated(locale)), error.http_status
    )


def _linked_clinic(request: Request, token: str, locale: str | None) -> ClinicFacts | HTMLResponse:
    try:
        return check_link(server_of(request).db, token)
    except (RegistrationLinkInvalid, RegistrationLinkRetired) as error:
        return _refusal(error, locale or DEFAULT_LOCALE)


@router.get("/register/{token}", response_class=HTMLResponse)
def show_form(request: Request, token: str, lang: str | None = None) -> HTMLResponse:
    asked = _reader_locale(request, lang)
    clinic = _linked_clinic(request, token, asked)
    if isinstance(clinic, HTMLResponse):
        return clinic
    locale = asked or clinic.default_language
    return _html(pages.form_page(request.url.path, clinic, RegistrationForm.blank(locale), locale))


@router.post("/register/{token}", response_class=HTMLResponse)
async def submit_form(request: Request, token: str) -> HTMLResponse:
    body = await request.body()
    try:
        fields = parse_qs(
            body.decode("utf-8", errors="replace"), keep_blank_values=True, max_num_fields=MAX_FIELDS
        )
    except ValueError:
        fields = {}
    chosen = (fields.get("lang") or [request.query_params.get("lang") or ""])[0]
    return await run_in_threadpool(_submit, request, token, fields, chosen)


def _submit(request: Request, token: str, fields: dict[str, list[str]], chosen: str) -> HTMLResponse:
    asked = _reader_locale(request, chosen)
    allowed = _throttle(request).allow(request.client.host if request.client else "unknown")
    clinic = _linked_clinic(request, token, asked)
    if isinstance(clinic, HTMLResponse):
        return clinic
    locale = asked or clinic.default_language
    form = RegistrationForm.parse(fields, locale)
    path = request.url.path
    if not allowed:
        return _html(pages.form_page(path, clinic, form, locale, notice=translate(TOO_MANY, locale)), 429)
    try:
        registered = register(server_of(request).db, clinic, form, locale)
    except RegistrationRefused as refused:
        return _html(pages.form_page(path, clinic, form, locale, errors=refused.errors), 422)
    except (RegistrationLinkInvalid, RegistrationLinkRetired) as error:
        return _refusal(error, locale)
    except DomainError:
        notice = translate(UNAVAILABLE, locale)
        return _html(pages.form_page(path, clinic, form, locale, notice=notice), 503)
    return _html(pages.done_page(clinic, registered, locale), 201)
