"""Staff management, continued: the license's seats as the staff screen shows them, and the sync
intents of staff management (a clear password never reaches the outbox; the server makes the
same account, with the same password and the same second factor, as the desk showed)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from common.clock import FrozenClock
from common.errors import PermissionDenied
from common.ids import new_id
from common.licensing.service import StaffLimitReached
from common.staff import totp
from common.staff.auth import authenticate
from common.staff.models import Role, StaffUser
from common.staff.password_policy import PasswordBreached, PasswordTooShort
from common.staff.passwords import hash_password
from common.staff.service import (
    InvalidPasswordHash,
    InvalidTotpSecret,
    NewStaff,
    create_staff,
    deactivate_staff,
    prepare_password,
    reactivate_staff,
    reset_password,
    reset_two_factor,
    seat_usage,
    update_staff,
)
from common.sync.intents import INTENTS
from common.sync.models import SyncOutbox
from common.sync.outbox import run_intent
from tests.conftest import ClinicWorld

PASSWORD = "lanterns over the harbour"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXQ"


def nurse(**overrides: object) -> NewStaff:
    values: dict[str, object] = {
        "email": "ivy.tsai@lotus.example",
        "password": PASSWORD,
        "first_name": "Ivy",
        "last_name": "Tsai",
        "role": Role.NURSE,
    }
    values.update(overrides)
    return NewStaff(**values)  # type: ignore[arg-type]


def outbox(world: ClinicWorld) -> list[SyncOutbox]:
    """This clinic's queued mutations (the outbox is a device's: it has no clinic column)."""
    mine = SyncOutbox.actor_staff_id.in_(list(world.staff.values()))
    with world.db.session(world.clinic_id) as session:
        return list(session.scalars(select(SyncOutbox).where(mine).order_by(SyncOutbox.n)))


def code_now(secret: str, clock: FrozenClock) -> str:
    clock.advance(timedelta(seconds=30))
    return totp.code_at_step(secret, totp.time_step(clock.now()))


def test_seats_used_and_adding_beyond_them_is_refused_with_the_plan_named(world: ClinicWorld) -> None:
    with world.system() as ctx:
        ctx.clinic.max_users = 7
    with world.ctx("manager") as ctx:  # anyone who sees the staff list sees the seats
        seats = seat_usage(ctx)
    assert (seats.used, seats.limit, seats.free, seats.full, seats.tier) == (6, 7, 1, False, "Tier M")
    with world.ctx("admin") as ctx:
        ivy = create_staff(ctx, nurse()).staff
        assert seat_usage(ctx).full
    with pytest.raises(StaffLimitReached) as refused, world.ctx("admin") as ctx:
        create_staff(ctx, nurse(email="second@lotus.example"))
    assert refused.value.translated("en") == (
        "Your plan (Tier M) allows 7 active staff accounts and all of them are in use. "
        "Upgrade to a larger plan, or deactivate an account that is no longer needed."
    )
    with world.ctx("admin") as ctx:
        deactivate_staff(ctx, ivy.id)
        assert seat_usage(ctx).used == 6
        create_staff(ctx, nurse(email="second@lotus.example"))
    with pytest.raises(StaffLimitReached), world.ctx("admin") as ctx:
        reactivate_staff(ctx, ivy.id)


def test_a_password_checked_and_hashed_at_the_desk_signs_in(world: ClinicWorld) -> None:
    hashed = prepare_password(PASSWORD, email="Ivy.Tsai@lotus.example", first_name="Ivy", last_name="Tsai")
    assert hashed.startswith("$argon2id$") and PASSWORD not in hashed
    with pytest.raises(PasswordBreached):
        prepare_password("password123", email="x@lotus.example", first_name="Ivy", last_name="Tsai")
    with world.ctx("admin") as ctx:
        created = create_staff(ctx, nurse(password="", id=(wanted := new_id())), password_hash=hashed)
    assert created.staff.id == wanted
    authenticate(world.db, world.clinic_id, "ivy.tsai@lotus.example", PASSWORD, None)
    for weak in ("$2b$12$abcdefghijklmnopqrstuv", hash_password("x").replace("m=19456", "m=1024")):
        with pytest.raises(InvalidPasswordHash), world.ctx("admin") as ctx:
            reset_password(ctx, wanted, password_hash=weak)


def test_a_replayed_second_factor_is_the_one_the_desk_showed(world: ClinicWorld, clock: FrozenClock) -> None:
    with world.ctx("admin") as ctx:
        manager = create_staff(ctx, nurse(role=Role.MANAGER), totp_secret=SECRET)
        assert manager.totp is not None and manager.totp.secret == SECRET
        with pytest.raises(InvalidTotpSecret):
            reset_two_factor(ctx, manager.staff.id, secret="not base32!")
    code = code_now(SECRET, clock)
    session = authenticate(world.db, world.clinic_id, "ivy.tsai@lotus.example", PASSWORD, code)
    assert session.role is Role.MANAGER
    # A doctor who had opted in to a second factor is promoted at a desk that enrolled a new one.
    with world.ctx("admin") as ctx:
        doctor = create_staff(ctx, nurse(email="d@lotus.example", role=Role.DOCTOR, two_factor=True)).staff
        promoted = update_staff(ctx, doctor.id, role=Role.MANAGER, totp_secret=SECRET)
    assert promoted.totp is not None and promoted.totp.secret == SECRET


def test_staff_intents_queue_hashes_and_secrets_never_passwords_and_replay_as_the_same_account(
    world: ClinicWorld, other_world: ClinicWorld, clock: FrozenClock
) -> None:
    admin = world.actor("admin")
    staff_id = new_id()
    args = {
        "staff_id": str(staff_id),
        "email": "Ivy.Tsai@lotus.example",
        "first_name": "Ivy",
        "last_name": "Tsai",
        "role": "Manager",
        "password": PASSWORD,
    }
    created = run_intent(world.db, admin, "create_staff", args, clinic_id=world.clinic_id)
    assert created.staff.id == staff_id and created.totp is not None
    [queued] = outbox(world)
    assert queued.intent == "create_staff"
    assert queued.args["password"] is None and PASSWORD not in str(queued.args)
    assert queued.args["password_hash"].startswith("$argon2id$")
    assert queued.args["totp_secret"] == created.totp.secret

    # The server applies what was queued (here: another clinic's database plays the server).
    with other_world.ctx("admin") as ctx:
        intent = INTENTS["create_staff"]
        replayed = intent.apply(ctx, intent.parse(queued.args))
    assert replayed.staff.id == staff_id
    code = code_now(created.totp.secret, clock)
    session = authenticate(other_world.db, other_world.clinic_id, "ivy.tsai@lotus.example", PASSWORD, code)
    assert session.user_id == staff_id

    # A refused password queues nothing.
    with pytest.raises(PasswordTooShort):
        run_intent(
            world.db,
            admin,
            "reset_staff_password",
            {"staff_id": str(staff_id), "password": "short"},
            clinic_id=world.clinic_id,
        )
    assert len(outbox(world)) == 1
    run_intent(
        world.db,
        admin,
        "reset_staff_password",
        {"staff_id": str(staff_id), "password": "a quiet walk by the river"},
        clinic_id=world.clinic_id,
    )
    enrollment = run_intent(
        world.db, admin, "reset_staff_two_factor", {"staff_id": str(staff_id)}, clinic_id=world.clinic_id
    )
    run_intent(
        world.db,
        admin,
        "change_staff_role",
        {"staff_id": str(staff_id), "role": "Nurse"},
        clinic_id=world.clinic_id,
    )
    run_intent(world.db, admin, "deactivate_staff", {"staff_id": str(staff_id)}, clinic_id=world.clinic_id)
    run_intent(world.db, admin, "reactivate_staff", {"staff_id": str(staff_id)}, clinic_id=world.clinic_id)
    queued_all = outbox(world)
    assert [row.intent for row in queued_all] == [
        "create_staff",
        "reset_staff_password",
        "reset_staff_two_factor",
        "change_staff_role",
        "deactivate_staff",
        "reactivate_staff",
    ]
    reset, second_factor = queued_all[1].args, queued_all[2].args
    assert reset["password"] is None and "river" not in str(reset)
    assert second_factor["totp_secret"] == enrollment.secret
    with world.db.session(world.clinic_id) as store:
        row = store.scalars(select(StaffUser).where(StaffUser.id == staff_id)).one()
        assert (row.role, row.is_active, row.totp_secret) == (Role.NURSE, True, enrollment.secret)


def test_only_staff_managers_use_the_staff_intents(world: ClinicWorld) -> None:
    with pytest.raises(PermissionDenied):
        run_intent(
            world.db,
            world.actor("manager"),
            "deactivate_staff",
            {"staff_id": str(world.staff["nurse"])},
            clinic_id=world.clinic_id,
        )
    assert outbox(world) == []
