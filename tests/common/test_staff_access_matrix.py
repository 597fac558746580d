"""SECURITY.md rows 4, 5, 16: the role matrix in common/access/permissions.py drives this test.

For every permission and every actor (each role, a kiosk, the system), `ctx.authorize` allows
exactly what the matrix says; every refusal writes one audit row with outcome=denied, and that
row survives the rollback of the refused operation.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from common.access.permissions import (
    KIOSK_PERMISSIONS,
    ROLE_PERMISSIONS,
    TOTP_REQUIRED_ROLES,
    WRITES,
    Permission,
)
from common.audit.models import ActorType, AuditLog, AuditOutcome
from common.context import Actor
from common.errors import PermissionDenied
from common.ids import new_id
from common.staff.models import Role, StaffUser
from tests.conftest import ClinicWorld

WORLD_KEY = {
    Role.ADMIN: "admin",
    Role.MANAGER: "manager",
    Role.DOCTOR: "doctor",
    Role.NURSE: "nurse",
    Role.RECEPTIONIST: "receptionist",
}


def test_the_matrix_is_coherent() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)
    assert frozenset(Permission) >= KIOSK_PERMISSIONS
    assert frozenset(Permission) >= WRITES
    assert {Role.ADMIN, Role.MANAGER} == TOTP_REQUIRED_ROLES
    # A kiosk can check in and nothing that changes records beyond that.
    assert {Permission.APPOINTMENT_CHECK_IN} == KIOSK_PERMISSIONS & WRITES
    # Only one role manages staff, and nobody but the system manages the license.
    assert [r for r, granted in ROLE_PERMISSIONS.items() if Permission.STAFF_MANAGE in granted] == [
        Role.ADMIN
    ]
    assert not any(Permission.LICENSE_MANAGE in granted for granted in ROLE_PERMISSIONS.values())


def _actor(world: ClinicWorld, who: str) -> tuple[Actor, frozenset[Permission]]:
    if who == "kiosk":
        return Actor.kiosk(new_id()), KIOSK_PERMISSIONS
    if who == "system":
        return Actor.system(), frozenset(Permission)
    actor = world.actor(who)
    assert actor.role is not None
    return actor, ROLE_PERMISSIONS[actor.role]


@pytest.mark.parametrize("who", [*WORLD_KEY.values(), "kiosk", "system"])
def test_every_permission_for_every_actor(world: ClinicWorld, who: str) -> None:
    actor, allowed = _actor(world, who)
    outcomes: dict[Permission, bool] = {}
    for permission in Permission:
        try:
            with world.db.context(world.clinic_id, actor) as ctx:
                ctx.authorize(permission)
            outcomes[permission] = True
        except PermissionDenied:
            outcomes[permission] = False
    assert {p for p, ok in outcomes.items() if ok} == allowed

    with world.db.session(world.clinic_id) as session:
        denied = session.execute(
            select(AuditLog.action, AuditLog.actor_type, AuditLog.device_id, func.count())
            .where(AuditLog.actor_id == actor.id if actor.id else AuditLog.actor_id.is_(None))
            .where(AuditLog.outcome == AuditOutcome.DENIED)
            .group_by(AuditLog.action, AuditLog.actor_type, AuditLog.device_id)
        ).all()
    expected_type = {"kiosk": ActorType.DEVICE, "system": ActorType.SYSTEM}.get(who, ActorType.STAFF)
    assert sorted(denied) == sorted(
        (f"denied:{p}", expected_type, actor.device_id, 1) for p in Permission if p not in allowed
    )


def test_a_refusal_is_audited_though_the_operation_rolls_back(world: ClinicWorld) -> None:
    nurse = world.staff["nurse"]
    with pytest.raises(PermissionDenied), world.ctx("nurse") as ctx:
        me = ctx.session.scalars(select(StaffUser).where(StaffUser.id == nurse)).one()
        me.first_name = "Changed"
        ctx.session.flush()
        ctx.authorize(Permission.STAFF_MANAGE, entity_type="staff_user", entity_id=nurse)
    with world.db.session(world.clinic_id) as session:
        assert session.scalars(select(StaffUser.first_name).where(StaffUser.id == nurse)).one() == "Nia"
        [row] = session.scalars(select(AuditLog).where(AuditLog.outcome == AuditOutcome.DENIED)).all()
    assert (row.actor_id, row.action, row.entity_type, row.entity_id) == (
        nurse,
        "denied:staff.manage",
        "staff_user",
        nurse,
    )


def test_extra_grants_add_to_the_role(world: ClinicWorld) -> None:
    actor = Actor(
        ActorType.STAFF,
        world.staff["nurse"],
        Role.NURSE,
        extra_permissions=frozenset({Permission.REPORT_VIEW}),
    )
    with world.db.context(world.clinic_id, actor) as ctx:
        ctx.authorize(Permission.REPORT_VIEW)
