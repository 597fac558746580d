"""The sync protocol's wire shapes and limits, shared by the server and the device engine.

Every request carries `X-Clinic-Sync-Protocol` (this module's `PROTOCOL_VERSION`) and
`X-Clinic-Schema` (the replica's Alembic head). The server refuses a protocol it does not know
with a clear error (426) and keeps accepting the previous version's mutations while devices on
it drain (`SUPPORTED_PROTOCOLS`). Schema changes are expand-then-contract: a row column the
receiver's schema lacks is ignored, one it has and the sender lacks keeps its default.

Cursor: an opaque string the server hands out; the device stores it and sends it back.
Its form is `<seq>` or, inside one very large transaction (a bulk import) that a page had to
split, `<seq>:<table>:<id>`; the empty string means "from the start". A push may hand one out too
(`PushRequest.cursor`): its own changes, when they are all that happened since the device's cursor.

The poke stream (`GET /sync/events`, server-sent events) says `poke` when the clinic changed: pull.
A front desk that asks for pages (`?pages=true`) gets, for a push by another desk, `page` instead:
a `PokePage`, every row stamped after its `after` cursor up to its `cursor` (the push's change
number, or a few). A device whose cursor is the page's `after` applies it as the pull would have;
any other device pulls.
"""

from __future__ import annotations

import uuid
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field

PROTOCOL_VERSION: Final = 1
SUPPORTED_PROTOCOLS: Final = frozenset({1})
PROTOCOL_HEADER: Final = "X-Clinic-Sync-Protocol"
SCHEMA_HEADER: Final = "X-Clinic-Schema"
DEVICE_AUTH_SCHEME: Final = "Device"

MAX_MUTATIONS_PER_PUSH: Final = 500
MAX_TOUCHED_PER_MUTATION: Final = 2_000
DEFAULT_PAGE_ROWS: Final = 5_000
MAX_PAGE_ROWS: Final = 20_000
FROM_START: Final = -1  # `cursor_seq` of a cursor that holds nothing yet


def cursor_seq(cursor: str) -> int:
    """The change number a desk's cursor says it has everything up to (FROM_START: nothing yet).

    `<seq>` is complete through seq; `<seq>:<table>:<id>` is inside seq, so complete through
    seq - 1. A kiosk's cursor means nothing to a desk page (it starts from the beginning)."""
    if cursor in ("", None) or cursor.startswith("k"):
        return FROM_START
    head, _, rest = cursor.partition(":")
    try:
        seq = int(head)
    except ValueError:
        return FROM_START
    return seq - 1 if rest else seq


class Wire(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MutationIn(Wire):
    n: int = Field(ge=1, le=2**62)
    intent: str = Field(min_length=1, max_length=64)
    args: dict[str, Any]
    actor_staff_id: uuid.UUID | None = None
    # The rows the device wrote for this mutation: their server state comes back in the answer.
    touched: list[tuple[str, uuid.UUID]] = Field(default_factory=list, max_length=MAX_TOUCHED_PER_MUTATION)


class PushRequest(Wire):
    mutations: list[MutationIn] = Field(max_length=MAX_MUTATIONS_PER_PUSH)
    # The device's pull cursor. Sent, it asks for the push's own changes as a page: when nothing
    # else committed between the cursor and the push, the answer says where the cursor may move
    # (`PushResponse.cursor`), and the pull that would follow the push has nothing to bring.
    cursor: str | None = Field(default=None, max_length=200)


class TableRows(Wire):
    table: str
    columns: list[str]
    rows: list[list[Any]]


class MutationAnswer(Wire):
    n: int
    status: str  # applied | duplicate | conflict | rejected | gap
    code: str | None = None
    message: str | None = None
    conflict_id: uuid.UUID | None = None
    original_status: str | None = None  # for a duplicate: what the first delivery was answered
    rows: list[TableRows] = Field(default_factory=list)
    absent: list[tuple[str, uuid.UUID]] = Field(default_factory=list)


class PushResponse(Wire):
    answers: list[MutationAnswer]
    last_applied_n: int
    server_time: str
    # Only for a request that sent its cursor (an older device knows neither field): the cursor the
    # device may store once it holds `changes`, every row the push's change numbers stamped, as a
    # pull would bring them; None when another writer committed in between (the device pulls).
    cursor: str | None = None
    changes: list[TableRows] = Field(default_factory=list)


class PokePage(Wire):
    """Rows sent on the poke stream: the page a pull from `after` brings, up to `cursor`."""

    after: str = Field(max_length=200)
    cursor: str = Field(max_length=200)
    changes: list[TableRows]


class TableChecksum(Wire):
    rows: int
    seq_sum: int


class PullResponse(Wire):
    cursor: str
    has_more: bool
    # The device must drop its synced rows (all but those pending in its outbox) before this page:
    # a kiosk's day moved on, or a cursor fell behind the server's tombstone retention.
    reset: bool = False
    tables: list[TableRows]
    rows_in_page: int
    remaining_estimate: int
    checksums: dict[str, TableChecksum] | None = None
    server_time: str


class EnrollRequest(Wire):
    code: str = Field(min_length=8, max_length=200)
    device_name: str = Field(min_length=1, max_length=100)


class EnrollResponse(Wire):
    device_id: uuid.UUID
    clinic_id: uuid.UUID
    credential: str
    kind: str
    server_time: str
