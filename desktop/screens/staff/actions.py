"""The Staff screen's changes, as desk intents. A typed password is in the arguments only in
memory: on an enrolled desk the sync intent's `prepare` replaces it by its hash before anything
is recorded (common/sync/intent_sets/staff.py)."""

from __future__ import annotations

import uuid
from dataclasses import replace

from common.ids import new_id
from common.staff.models import Role
from common.staff.service import (
    NewStaff,
    create_staff,
    deactivate_staff,
    reactivate_staff,
    reset_password,
    reset_two_factor,
    update_staff,
)
from desktop.actions import Intent


def add_staff(spec: NewStaff) -> Intent:
    if spec.id is None:
        spec = replace(spec, id=new_id())
    return Intent(
        "create_staff",
        {
            "staff_id": str(spec.id),
            "email": spec.email,
            "first_name": spec.first_name,
            "last_name": spec.last_name,
            "role": spec.role.value,
            "specialization": spec.specialization,
            "calendar_color": spec.calendar_color,
            "preferred_language": spec.preferred_language,
            "two_factor": spec.two_factor,
            "password": spec.password,
        },
        lambda ctx: create_staff(ctx, spec),
    )


def change_role(staff_id: uuid.UUID, role: Role) -> Intent:
    return Intent(
        "change_staff_role",
        {"staff_id": str(staff_id), "role": role.value},
        lambda ctx: update_staff(ctx, staff_id, role=role),
    )


def set_password(staff_id: uuid.UUID, password: str) -> Intent:
    return Intent(
        "reset_staff_password",
        {"staff_id": str(staff_id), "password": password},
        lambda ctx: reset_password(ctx, staff_id, password),
    )


def new_second_factor(staff_id: uuid.UUID) -> Intent:
    return Intent(
        "reset_staff_two_factor",
        {"staff_id": str(staff_id)},
        lambda ctx: reset_two_factor(ctx, staff_id),
    )


def deactivate(staff_id: uuid.UUID) -> Intent:
    return Intent(
        "deactivate_staff", {"staff_id": str(staff_id)}, lambda ctx: deactivate_staff(ctx, staff_id)
    )


def reactivate(staff_id: uuid.UUID) -> Intent:
    return Intent(
        "reactivate_staff", {"staff_id": str(staff_id)}, lambda ctx: reactivate_staff(ctx, staff_id)
    )
