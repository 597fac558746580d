"""Domain errors carry their user-facing meaning; each app has one handler that shows them.

A message is a gettext msgid with `%(name)s` placeholders, translated in the reader's locale
when shown. Messages never contain personal data: params hold ids, numbers, times, or text the
reader already owns (a doctor's name to staff), never a patient's details.
"""

from __future__ import annotations

from typing import Any, ClassVar

from common.i18n import N_, translate


class DomainError(Exception):
    """A refusal a person can read and act on."""

    code: ClassVar[str] = "error"
    http_status: ClassVar[int] = 400
    message: ClassVar[str] = N_("The request could not be completed.")

    def __init__(self, message: str | None = None, /, **params: Any) -> None:
        self.msgid = message if message is not None else type(self).message
        self.params = params
        super().__init__(self.code)

    def translated(self, locale: str | None = None) -> str:
        return translate(self.msgid, locale, **self.params)

    def __str__(self) -> str:
        return self.translated("en")


class NotFound(DomainError):
    code = "not_found"
    http_status = 404
    message = N_("The record was not found. It may have been removed.")


class PermissionDenied(DomainError):
    code = "permission_denied"
    http_status = 403
    message = N_("Your role does not allow this. Ask a clinic administrator if you need access.")


class ValidationFailed(DomainError):
    code = "validation_failed"
    http_status = 422
    message = N_("Some of the details are not valid. Please check them and try again.")


class Conflict(DomainError):
    code = "conflict"
    http_status = 409
    message = N_("This was changed elsewhere in the meantime. Reload and try again.")


class ClinicReadOnly(DomainError):
    code = "clinic_read_only"
    http_status = 403
    message = N_(
        "This clinic's subscription is suspended, so records can be viewed but not changed. "
        "Please contact your clinic administrator."
    )


class LicenseLimitReached(DomainError):
    code = "license_limit_reached"
    http_status = 403


class AuthenticationFailed(DomainError):
    code = "authentication_failed"
    http_status = 401
    message = N_("The email, password or code is not correct.")
