"""Sync intents for merging duplicate patients and undoing a merge.

The merge record's id is made on the desk (`merge_id`, filled in before the local write), so an
unmerge queued offline after the merge names the same record on the server. The server runs the
merge on its own rows: rows the desk had not seen yet move with the duplicate too, and the answer
brings every row the merge touched back to the desk.
"""

from __future__ import annotations

import uuid
from typing import Any

from common.access.permissions import Permission
from common.context import ServiceContext
from common.patients.merge import merge_patients, unmerge_patients
from common.sync.intents import Args, Intent, register, with_new_id


class MergePatientsArgs(Args):
    survivor_id: uuid.UUID
    duplicate_id: uuid.UUID
    merge_id: uuid.UUID | None = None


class UnmergePatientsArgs(Args):
    merge_id: uuid.UUID


def _merge(ctx: ServiceContext, args: MergePatientsArgs) -> Any:
    return merge_patients(ctx, args.survivor_id, args.duplicate_id, merge_id=args.merge_id)


register(
    Intent(
        "merge_patients",
        MergePatientsArgs,
        Permission.PATIENT_MERGE,
        _merge,
        prepare=with_new_id("merge_id"),
    )
)
register(
    Intent(
        "unmerge_patients",
        UnmergePatientsArgs,
        Permission.PATIENT_MERGE,
        lambda ctx, a: unmerge_patients(ctx, a.merge_id),
    )
)
