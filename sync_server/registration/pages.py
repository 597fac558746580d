"""The self-registration pages as HTML: the form, the thank-you, and the kind refusals.

Small, self-contained pages for a phone held up to a poster: no scripts, no outside fonts or
images (the QR of the patient's code is inline SVG), every value escaped. The language is the
reader's (links switch it); names are asked family name first where that is the custom.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from html import escape
from typing import Final
from urllib.parse import quote

import qrcode
import qrcode.image.svg

from common.barcodes.payload import display
from common.i18n import LANGUAGE_NATIVE_NAMES, N_, SUPPORTED_LOCALES, translate
from common.patients.models import PreferredLanguage
from sync_server.registration.service import ClinicFacts, Registered, RegistrationForm

FAMILY_NAME_FIRST: Final = frozenset({"zh_TW", "zh_CN", "ja"})
HTML_LANG: Final = {"en": "en", "zh_TW": "zh-Hant-TW", "zh_CN": "zh-Hans-CN", "ja": "ja"}
PREFERRED_NAMES: Final = {
    PreferredLanguage.EN: "English",
    PreferredLanguage.ZH_TW: "繁體中文",
    PreferredLanguage.ZH_CN: "简体中文",
    PreferredLanguage.JA: "日本語",
}
# Content-Security-Policy and friends: nothing loads from anywhere, the page posts only to itself,
# and the token in the address is never sent on as a referrer.
HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}

LABELS: Final = {
    "first_name": N_("First name"),
    "last_name": N_("Last name"),
    "date_of_birth": N_("Date of birth"),
    "contact_phone": N_("Mobile phone"),
    "contact_email": N_("Email"),
}
AUTOCOMPLETE: Final = {
    "first_name": ("text", "given-name"),
    "last_name": ("text", "family-name"),
    "date_of_birth": ("date", "bday"),
    "contact_phone": ("tel", "tel"),
    "contact_email": ("email", "email"),
}

STYLE: Final = """
:root { color-scheme: light dark; --brand: #0f766e; --ink: #1f2933; --muted: #64748b;
  --line: #cbd5e1; --bg: #f3f6f8; --card: #ffffff; --danger: #b42318; --danger-bg: #fef3f2; }
@media (prefers-color-scheme: dark) { :root { --ink: #e5e7eb; --muted: #9ca3af; --line: #374151;
  --bg: #111827; --card: #1f2937; --danger: #fda29b; --danger-bg: #3b1d1b; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); line-height: 1.5;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", "Noto Sans", "PingFang TC", "Microsoft JhengHei",
  "Hiragino Sans", sans-serif; }
main { max-width: 34rem; margin: 0 auto; padding: 1.25rem 1rem 3rem; }
header { border-top: 6px solid var(--brand); background: var(--card); border-radius: 0 0 12px 12px;
  padding: 1.25rem 1.25rem 1rem; margin-bottom: 1rem; }
.clinic { color: var(--brand); font-weight: 700; margin: 0 0 .25rem; }
h1 { font-size: 1.45rem; line-height: 1.25; margin: 0 0 .5rem; }
p { margin: .25rem 0 .75rem; }
.muted { color: var(--muted); font-size: .92rem; }
nav { font-size: .9rem; margin: .25rem 0 0; }
nav a, nav strong { margin-right: .75rem; white-space: nowrap; }
a { color: var(--brand); }
form, .card { background: var(--card); border-radius: 12px; padding: 1.25rem; }
.field { margin-bottom: 1rem; }
label { display: block; font-weight: 600; margin-bottom: .3rem; }
.optional { font-weight: 400; color: var(--muted); font-size: .88rem; }
input[type=text], input[type=date], input[type=tel], input[type=email], select {
  width: 100%; font: inherit; padding: .7rem .75rem; border: 1px solid var(--line); border-radius: 8px;
  background: var(--card); color: var(--ink); }
input:focus, select:focus { outline: 3px solid color-mix(in srgb, var(--brand) 35%, transparent);
  border-color: var(--brand); }
[aria-invalid=true] { border-color: var(--danger) !important; }
.error { color: var(--danger); font-size: .92rem; margin-top: .3rem; }
.summary { background: var(--danger-bg); color: var(--danger); border-radius: 8px; padding: .75rem 1rem;
  margin-bottom: 1rem; font-weight: 600; }
.check { display: flex; gap: .6rem; align-items: flex-start; font-weight: 400; }
.check input { width: 1.3rem; height: 1.3rem; margin-top: .1rem; flex: none; }
button { width: 100%; font: inherit; font-weight: 700; color: #fff; background: var(--brand); border: 0;
  border-radius: 10px; padding: .9rem; margin-top: .5rem; cursor: pointer; }
.code { text-align: center; }
.code svg { width: 14rem; height: 14rem; background: #fff; padding: .5rem; border-radius: 8px; }
.code .value { font: 600 .95rem ui-monospace, monospace; overflow-wrap: anywhere; }
"""


def _t(message: str, locale: str, **params: object) -> str:
    return escape(translate(message, locale, **params))


def _page(
    locale: str,
    title: str,
    body: str,
    *,
    clinic: str | None = None,
    languages: str = "",
    heading: str | None = None,
) -> str:
    """`title` names the browser tab; `heading` (default: the title) tops the page."""
    brand = f'<p class="clinic">{escape(clinic)}</p>' if clinic else ""
    return (
        f'<!doctype html><html lang="{HTML_LANG.get(locale, "en")}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex, nofollow">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body><main>"
        f"<header>{brand}<h1>{escape(heading or title)}</h1>{languages}</header>{body}</main></body></html>"
    )


def _language_links(path: str, locale: str, offered: Iterable[str]) -> str:
    links = []
    for choice in offered:
        name = escape(LANGUAGE_NATIVE_NAMES[choice])
        if choice == locale:
            links.append(f'<strong aria-current="true">{name}</strong>')
        else:
            links.append(
                f'<a href="{escape(path)}?lang={quote(choice)}" hreflang="{HTML_LANG[choice]}">{name}</a>'
            )
    label = _t(N_("Language"), locale)
    return f'<nav aria-label="{label}">{"".join(links)}</nav>'


def offered_languages(clinic: ClinicFacts) -> list[str]:
    """The clinic's languages first, then the others the product speaks."""
    ordered = [clinic.default_language, *clinic.languages, *SUPPORTED_LOCALES]
    return list(dict.fromkeys(language for language in ordered if language in SUPPORTED_LOCALES))


def form_page(
    path: str,
    clinic: ClinicFacts,
    form: RegistrationForm,
    locale: str,
    *,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
) -> str:
    errors = errors or {}
    title = translate(N_("Register with %(clinic)s"), locale, clinic=clinic.name)
    parts = [f'<form method="post" action="{escape(path)}" novalidate>']
    if notice:
        parts.append(f'<div class="summary" role="alert">{escape(notice)}</div>')
    elif errors:
        summary = _t(N_("Please check the fields marked below. Everything you typed is kept."), locale)
        parts.append(f'<div class="summary" role="alert">{summary}</div>')
    parts.append(f'<input type="hidden" name="form_id" value="{escape(str(form.form_id))}">')
    parts.append(f'<input type="hidden" name="lang" value="{escape(locale)}">')
    names = ("last_name", "first_name") if locale in FAMILY_NAME_FIRST else ("first_name", "last_name")
    for name in (*names, "date_of_birth", "contact_phone", "contact_email"):
        parts.append(_input(name, form.value(name), errors.get(name), locale))
    parts.append(_language_select(form.preferred_language, locale))
    marketing = _t(N_("Send me news and offers from the clinic."), locale)
    checked = " checked" if form.marketing_opt_in else ""
    parts.append(
        '<div class="field"><label class="check"><input type="checkbox" name="marketing_opt_in" value="yes"'
        f"{checked}> <span>{marketing}</span></label></div>"
    )
    consent = _t(
        N_("I agree that %(clinic)s keeps these details to arrange and provide my care."),
        locale,
        clinic=clinic.name,
    )
    consent_error = errors.get("consent")
    invalid = ' aria-invalid="true" aria-describedby="consent-error"' if consent_error else ""
    checked = " checked" if form.consent else ""
    parts.append(
        '<div class="field"><label class="check"><input type="checkbox" name="consent" value="yes" required'
        f"{checked}{invalid}> <span>{consent}</span></label>"
        + (f'<div class="error" id="consent-error">{escape(consent_error)}</div>' if consent_error else "")
        + "</div>"
    )
    register = _t(N_("Register"), locale)
    private = _t(N_("Only the clinic sees these details."), locale)
    parts.append(f'<button type="submit">{register}</button><p class="muted">{private}</p></form>')
    intro = _t(N_("Fill in your details once. The front desk will have them ready when you arrive."), locale)
    languages = _language_links(path, locale, offered_languages(clinic))
    body = f'<p class="muted">{intro}</p>' + "".join(parts)
    heading = translate(N_("New patient registration"), locale)
    return _page(locale, title, body, clinic=clinic.name, languages=languages, heading=heading)


def _input(name: str, value: str, error: str | None, locale: str) -> str:
    kind, autocomplete = AUTOCOMPLETE[name]
    label = _t(LABELS[name], locale)
    optional = ""
    if name in ("contact_phone", "contact_email"):
        hint = _t(N_("(optional)"), locale)
        optional = f' <span class="optional">{hint}</span>'
    invalid = f' aria-invalid="true" aria-describedby="{name}-error"' if error else ""
    required = "" if optional else " required"
    shown = (
        f'<div class="field"><label for="{name}">{label}{optional}</label>'
        f'<input type="{kind}" id="{name}" name="{name}" value="{escape(value)}"'
        f' autocomplete="{autocomplete}" maxlength="254"{required}{invalid}>'
    )
    if error:
        shown += f'<div class="error" id="{name}-error">{escape(error)}</div>'
    return shown + "</div>"


def _language_select(chosen: str, locale: str) -> str:
    options = "".join(
        f'<option value="{escape(member.value)}"{" selected" if member.value == chosen else ""}>'
        f"{escape(PREFERRED_NAMES[member])}</option>"
        for member in PreferredLanguage
    )
    label = _t(N_("Language for messages from the clinic"), locale)
    return (
        f'<div class="field"><label for="preferred_language">{label}</label>'
        f'<select id="preferred_language" name="preferred_language">{options}</select></div>'
    )


def done_page(clinic: ClinicFacts, registered: Registered, locale: str) -> str:
    title = translate(N_("Thank you, %(name)s. You are registered."), locale, name=registered.first_name)
    hint = _t(
        N_("Show this code at the front desk, or scan it at the check-in kiosk when you arrive."), locale
    )
    close = _t(N_("You can close this page."), locale)
    body = (
        f'<div class="card code"><p>{hint}</p>{_qr_svg(registered.barcode)}'
        f'<p class="value">{escape(display(registered.barcode))}</p>'
        f'<p class="muted">{close}</p></div>'
    )
    return _page(locale, title, body, clinic=clinic.name)


def refusal_page(locale: str, title: str, message: str) -> str:
    """A link that does not work: says what to do, and nothing about any clinic."""
    return _page(locale, title, f'<div class="card"><p>{escape(message)}</p></div>')


def _qr_svg(value: str) -> str:
    image = qrcode.make(value, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode("utf-8")
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else ""
