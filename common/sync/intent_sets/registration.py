"""Sync intent of the self-registration poster: rotating its signing key.

Keys are the server's: applied on the server the rotation retires the current key and makes the
next (a secret only the server chose); run on a desk it only retires the desk's copy, so the desk
stops printing the old link at once, and the new key arrives with the next pull.
"""

from __future__ import annotations

from common.access.permissions import Permission
from common.registration import service as registration
from common.sync.intents import Args, Intent, register


class RotateRegistrationKeyArgs(Args):
    pass


register(
    Intent(
        "rotate_registration_key",
        RotateRegistrationKeyArgs,
        Permission.REGISTRATION_MANAGE,
        lambda ctx, _a: registration.rotate_registration_key(ctx),
    )
)
