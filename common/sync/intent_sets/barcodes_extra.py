"""The scan log as a sync intent: a code scanned at a desk is an event row the server gets too.

The desk resolves the scan against its replica and records the event (refusals included); the
server resolves the same value against its own rows and records the event under the same id
(`scan_id`, made on the desk), so the clinic's scan log holds every scan once, whichever desk
it was made at, online or not. A refused scan is still a recorded scan: the mutation applies.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import Field
from sqlalchemy import select

from common.access.permissions import Permission
from common.barcodes.models import BarcodeScanEvent
from common.barcodes.scanning import ScanResult, resolve_scan
from common.context import ServiceContext
from common.sync.intents import Args, Intent, register, with_new_id


class ResolveScanArgs(Args):
    # The service keeps what fits its columns; these bounds only keep the payload small.
    value: str = Field(max_length=1_000)
    scanner_type: str | None = Field(default=None, max_length=1_000)
    location: str | None = Field(default=None, max_length=1_000)
    scan_id: uuid.UUID | None = None


def _scan(ctx: ServiceContext, args: ResolveScanArgs) -> Any:
    if args.scan_id is not None:
        ctx.authorize(Permission.BARCODE_SCAN)
        recorded = ctx.session.scalars(
            select(BarcodeScanEvent).where(BarcodeScanEvent.id == args.scan_id)
        ).one_or_none()
        if recorded is not None:  # the same scan sent again under another number
            return ScanResult(scan_id=recorded.id, outcome=recorded.outcome, value=args.value)
    return resolve_scan(
        ctx, args.value, scanner_type=args.scanner_type, location=args.location, scan_id=args.scan_id
    )


register(
    Intent("resolve_scan", ResolveScanArgs, Permission.BARCODE_SCAN, _scan, prepare=with_new_id("scan_id"))
)
