"""Sync intent of the self-registration poster: rotating its signing key.

Keys are the server's: applied on the server the rotation retires the current key and makes the
next (a secret only the server chose); run on a desk it only retires the desk's copy, so the desk
stops printing the old link at once, and the new key arrives with the next pull.

The desk's rotation names the newest key it knew (`base_version`, filled in on the desk): when two
desks rotate at about the same time, the rotation that reaches the server second finds that key
already replaced and is applied as it stands, changing nothing, instead of retiring the key the
first rotation made (and the posters printed from it since).
"""

from __future__ import annotations

from pydantic import Field

from common.access.permissions import Permission
from common.context import ServiceContext
from common.registration import service as registration
from common.sync.intents import Args, Intent, register


class RotateRegistrationKeyArgs(Args):
    base_version: int | None = Field(default=None, ge=0)


def _based_on_the_desks_keys(
    ctx: ServiceContext, args: RotateRegistrationKeyArgs
) -> RotateRegistrationKeyArgs:
    if args.base_version is not None:
        return args
    return args.model_copy(update={"base_version": registration.newest_key_version(ctx)})


register(
    Intent(
        "rotate_registration_key",
        RotateRegistrationKeyArgs,
        Permission.REGISTRATION_MANAGE,
        lambda ctx, a: registration.rotate_registration_key(ctx, base_version=a.base_version),
        prepare=_based_on_the_desks_keys,
    )
)
