"""Primary keys: UUIDv7, made on the device that creates the row so offline devices never collide."""

import uuid

from uuid6 import uuid7


def new_id() -> uuid.UUID:
    """A time-ordered UUIDv7 (plain `uuid.UUID`, so it compares and hashes like any other)."""
    return uuid.UUID(bytes=uuid7().bytes)
