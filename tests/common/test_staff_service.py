"""Staff management: accounts, roles, passwords, second factor; sessions end when they should."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from common.audit.models import AuditLog, AuditOutcome
from common.clock import FrozenClock
from common.context import Actor
from common.errors import AuthenticationFailed, NotFound, PermissionDenied
from common.ids import new_id
from common.staff import totp
from common.staff.auth import SessionExpired, StaffSession, authenticate, resume_session
from common.staff.models import Role, StaffUser
from common.staff.password_policy import PasswordBreached, PasswordPersonal
from common.staff.service import (
    CurrentPasswordIncorrect,
    EmailTaken,
    InvalidColor,
    InvalidEmail,
    LastAdministrator,
    NewStaff,
    change_password,
    create_staff,
    deactivate_staff,
    end_all_sessions,
    get_staff,
    list_doctors,
    list_staff,
    reactivate_staff,
    reset_password,
    reset_two_factor,
    unlock_staff,
    update_staff,
)
from tests.conftest import STAFF_PASSWORD, ClinicWorld

NEW_PASSWORD = "plum blossoms in the rain"


def new_doctor(**overrides: object) -> NewStaff:
    values: dict[str, object] = {
        "email": "  Mei.Chang@Lotus.Example ",
        "password": "saffron lantern quietly",
        "first_name": "Mei",
        "last_name": "Chang",
        "role": Role.DOCTOR,
        "specialization": "Dermatology",
        "calendar_color": "#3366cc",
    }
    values.update(overrides)
    return NewStaff(**values)  # type: ignore[arg-type]


def login(world: ClinicWorld, who: str, password: str = STAFF_PASSWORD) -> StaffSession:
    return authenticate(world.db, world.clinic_id, f"{who}@{world.clinic_id.hex[:8]}.example", password, None)


def row(world: ClinicWorld, user_id: object) -> StaffUser:
    with world.db.session(world.clinic_id) as session:
        return session.scalars(select(StaffUser).where(StaffUser.id == user_id)).one()


def audit_actions(world: ClinicWorld, entity_id: object) -> list[tuple[str, AuditOutcome, list[str]]]:
    with world.db.session(world.clinic_id) as session:
        rows = session.scalars(
            select(AuditLog).where(AuditLog.entity_id == entity_id).order_by(AuditLog.chain_seq)
        )
        return [(r.action, r.outcome, r.changed_fields) for r in rows]


def test_create_a_doctor(world: ClinicWorld) -> None:
    with world.ctx("admin") as ctx:
        created = create_staff(ctx, new_doctor())
    staff = created.staff
    assert created.totp is None
    assert (staff.email, staff.role, staff.specialization, staff.is_active) == (
        "mei.chang@lotus.example",
        Role.DOCTOR,
        "Dermatology",
        True,
    )
    stored = row(world, staff.id).password_hash
    algorithm, version, params = stored.split("$")[1:4]
    parsed = dict(pair.split("=") for pair in params.split(","))
    assert (algorithm, version) == ("argon2id", "v=19")
    assert int(parsed["m"]) >= 19_456 and int(parsed["t"]) >= 2 and int(parsed["p"]) == 1
    assert not hasattr(staff, "password_hash") and not hasattr(staff, "totp_secret")
    [(action, outcome, changed)] = audit_actions(world, staff.id)
    assert (action, outcome) == ("staff.create", AuditOutcome.SUCCESS)
    assert "role" in changed
    with world.ctx("receptionist") as ctx:
        assert staff.id in [d.id for d in list_doctors(ctx)]


def test_a_manager_is_enrolled_in_totp_and_can_sign_in_with_it(
    world: ClinicWorld, clock: FrozenClock
) -> None:
    with world.ctx("admin") as ctx:
        created = create_staff(ctx, new_doctor(role=Role.MANAGER, specialization=None))
    assert created.totp is not None
    assert created.staff.two_factor_enabled
    assert created.totp.provisioning_uri.startswith("otpauth://totp/")
    assert "issuer=Lotus%20Aesthetic%20Clinic" in created.totp.provisioning_uri
    code = totp.code_at_step(created.totp.secret, totp.time_step(clock.now()))
    session = authenticate(
        world.db, world.clinic_id, "mei.chang@lotus.example", "saffron lantern quietly", code
    )
    assert session.role is Role.MANAGER


def test_refusals_before_any_hashing(world: ClinicWorld) -> None:
    with world.ctx("admin") as ctx:
        with pytest.raises(EmailTaken):
            create_staff(ctx, new_doctor(email="DOCTOR@" + world.clinic_id.hex[:8] + ".example"))
        with pytest.raises(InvalidEmail):
            create_staff(ctx, new_doctor(email="not-an-email"))
        with pytest.raises(InvalidColor):
            create_staff(ctx, new_doctor(calendar_color="blue"))
        with pytest.raises(PasswordBreached):
            create_staff(ctx, new_doctor(password="iloveyou"))
        with pytest.raises(PasswordPersonal):
            create_staff(ctx, new_doctor(password="mei.chang-2026"))


@pytest.mark.parametrize("who", ["manager", "doctor", "receptionist"])
def test_only_staff_managers_create_staff(world: ClinicWorld, who: str) -> None:
    with pytest.raises(PermissionDenied), world.ctx(who) as ctx:
        create_staff(ctx, new_doctor())
    with world.db.session(world.clinic_id) as session:
        denied = session.scalars(
            select(AuditLog).where(
                AuditLog.actor_id == world.staff[who], AuditLog.outcome == AuditOutcome.DENIED
            )
        ).all()
    assert [r.action for r in denied] == ["denied:staff.manage"]


def test_update_and_role_change(world: ClinicWorld) -> None:
    doctor = world.staff["doctor"]
    with world.ctx("admin") as ctx:
        result = update_staff(
            ctx, doctor, first_name="  Dora  May ", calendar_color="#00aa66", specialization=None
        )
        assert result.staff.first_name == "Dora May"
        unchanged = update_staff(ctx, doctor, first_name="Dora May")
        assert unchanged.staff.version == result.staff.version
    assert row(world, doctor).session_epoch == 0  # no role change: sessions live on

    with world.ctx("admin") as ctx:
        promoted = update_staff(ctx, doctor, role=Role.MANAGER)
    assert promoted.totp is not None and promoted.staff.two_factor_enabled
    assert row(world, doctor).session_epoch == 1
    actions = [a for a, _, _ in audit_actions(world, doctor)]
    assert actions == ["staff.update", "staff.role_change"]
    assert "role" in audit_actions(world, doctor)[-1][2]


def test_the_last_active_admin_stays(world: ClinicWorld) -> None:
    admin = world.staff["admin"]
    with world.ctx("admin") as ctx:
        with pytest.raises(LastAdministrator):
            update_staff(ctx, admin, role=Role.MANAGER)
        with pytest.raises(LastAdministrator):
            deactivate_staff(ctx, admin)
    with world.ctx("admin") as ctx:
        update_staff(ctx, world.staff["manager"], role=Role.ADMIN)
        update_staff(ctx, admin, role=Role.MANAGER)
    assert row(world, admin).role is Role.MANAGER


def test_deactivation_ends_sessions_and_logins(world: ClinicWorld) -> None:
    session = login(world, "nurse")
    with world.ctx("admin") as ctx:
        deactivate_staff(ctx, world.staff["nurse"])
        assert world.staff["nurse"] not in [s.id for s in list_staff(ctx)]
        assert world.staff["nurse"] in [s.id for s in list_staff(ctx, include_inactive=True)]
    with pytest.raises(SessionExpired):
        resume_session(world.db, session)
    with pytest.raises(AuthenticationFailed):
        login(world, "nurse")
    with world.ctx("admin") as ctx:
        reactivate_staff(ctx, world.staff["nurse"])
    login(world, "nurse")


def test_changing_ones_password(world: ClinicWorld) -> None:
    session = login(world, "receptionist")
    with pytest.raises(CurrentPasswordIncorrect), world.ctx("receptionist") as ctx:
        change_password(ctx, "not my password", NEW_PASSWORD)
    with world.ctx("receptionist") as ctx:
        with pytest.raises(PasswordBreached):
            change_password(ctx, STAFF_PASSWORD, "password123")
        view = change_password(ctx, STAFF_PASSWORD, NEW_PASSWORD)
    with pytest.raises(SessionExpired):
        resume_session(world.db, session)
    user = row(world, view.id)
    assert user.password_changed_at is not None and user.session_epoch == 1
    with pytest.raises(AuthenticationFailed):
        login(world, "receptionist")
    login(world, "receptionist", NEW_PASSWORD)
    outcomes = [(a, o) for a, o, _ in audit_actions(world, view.id) if a.startswith("staff.")]
    assert outcomes == [
        ("staff.change_password", AuditOutcome.DENIED),
        ("staff.change_password", AuditOutcome.SUCCESS),
    ]


def test_a_kiosk_has_no_password_to_change(world: ClinicWorld) -> None:
    with pytest.raises(PermissionDenied), world.db.context(world.clinic_id, Actor.kiosk(new_id())) as ctx:
        change_password(ctx, "whatever it is", NEW_PASSWORD)


def test_admin_reset_unlocks_and_ends_sessions(world: ClinicWorld, clock: FrozenClock) -> None:
    doctor2 = world.staff["doctor2"]
    with world.db.session(world.clinic_id) as s, s.begin():
        user = s.scalars(select(StaffUser).where(StaffUser.id == doctor2)).one()
        user.failed_login_count, user.locked_until = 5, clock.now() + timedelta(minutes=15)
    with world.ctx("admin") as ctx:
        reset_password(ctx, doctor2, NEW_PASSWORD)
    user = row(world, doctor2)
    assert (user.failed_login_count, user.locked_until, user.session_epoch) == (0, None, 1)
    login(world, "doctor2", NEW_PASSWORD)


def test_unlock(world: ClinicWorld, clock: FrozenClock) -> None:
    with world.db.session(world.clinic_id) as s, s.begin():
        user = s.scalars(select(StaffUser).where(StaffUser.id == world.staff["nurse"])).one()
        user.failed_login_count, user.locked_until = 5, clock.now() + timedelta(minutes=15)
    with world.ctx("admin") as ctx:
        assert unlock_staff(ctx, world.staff["nurse"]).locked_until is None


def test_reset_two_factor(world: ClinicWorld) -> None:
    manager = world.staff["manager"]
    with world.ctx("admin") as ctx:
        enrollment = reset_two_factor(ctx, manager)
    user = row(world, manager)
    assert user.totp_secret == enrollment.secret != "JBSWY3DPEHPK3PXP"
    assert (user.totp_last_used_step, user.session_epoch) == (None, 1)


def test_ending_sessions(world: ClinicWorld) -> None:
    with world.ctx("nurse") as ctx:
        end_all_sessions(ctx, world.staff["nurse"])
    with pytest.raises(PermissionDenied), world.ctx("nurse") as ctx:
        end_all_sessions(ctx, world.staff["doctor"])
    with world.ctx("admin") as ctx:
        end_all_sessions(ctx, world.staff["doctor"])
    assert row(world, world.staff["nurse"]).session_epoch == 1
    assert row(world, world.staff["doctor"]).session_epoch == 1


def test_staff_of_another_clinic_is_not_found(world: ClinicWorld, other_world: ClinicWorld) -> None:
    foreign = other_world.staff["doctor"]
    with world.ctx("admin") as ctx:
        assert foreign not in [s.id for s in list_staff(ctx, include_inactive=True)]
        with pytest.raises(NotFound):
            get_staff(ctx, foreign)
        with pytest.raises(NotFound):
            deactivate_staff(ctx, foreign)
    assert row(other_world, foreign).is_active
