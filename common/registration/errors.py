"""Why a registration link is refused: one message per reason, none naming the clinic."""

from __future__ import annotations

from common.errors import DomainError, NotFound, ValidationFailed
from common.i18n import N_


class RegistrationLinkInvalid(NotFound):
    code = "registration_link_invalid"
    message = N_(
        "This registration link is not valid. Scan the QR code on the clinic's poster again, "
        "or ask the front desk to register you."
    )


class RegistrationLinkRetired(DomainError):
    code = "registration_link_retired"
    http_status = 410
    message = N_(
        "This poster has been replaced by a newer one. Scan the QR code on the clinic's current "
        "poster, or ask the front desk to register you."
    )


class RegistrationBaseUrlInvalid(ValidationFailed):
    code = "registration_base_url_invalid"
    message = N_(
        "The server address must start with https:// (or http:// for a server on this computer), "
        "for example https://clinic.example.com."
    )


class RegistrationKeyNotSynced(DomainError):
    """A desk enrolled with a server has no current key: the server makes keys, the desk only
    receives them (a key made here would be unknown to the server, its poster's link dead)."""

    code = "registration_key_not_synced"
    http_status = 409
    message = N_("The poster's link comes from the clinic's server: sync this PC first, then print again.")
