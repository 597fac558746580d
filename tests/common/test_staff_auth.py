"""SECURITY.md rows 6, 8, 9, 10: login, second factor, lockout, sessions."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from common.audit.models import ActorType, AuditLog, AuditOutcome
from common.clock import FrozenClock
from common.errors import AuthenticationFailed
from common.staff import totp
from common.staff.auth import (
    LOCKOUT,
    MAX_FAILED_LOGINS,
    SessionExpired,
    StaffSession,
    authenticate,
    resume_session,
    validate_session,
)
from common.staff.models import Role, StaffUser
from common.staff.passwords import needs_rehash, verify_password
from tests.conftest import STAFF_PASSWORD, ClinicWorld

# 160 bits. (The world's own secret, JBSWY3DPEHPK3PXP, is 80 bits: below the 112 that pyotp
# and NIST SP 800-63B require, so pyotp refuses it; each test installs this one.)
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


@pytest.fixture
def world_2fa(world: ClinicWorld) -> ClinicWorld:
    """The world, its Admin and Manager enrolled with `SECRET`."""
    for who in ("admin", "manager"):
        edit_staff(world, who, totp_secret=SECRET)
    return world


def email_of(world: ClinicWorld, who: str) -> str:
    return f"{who}@{world.clinic_id.hex[:8]}.example"


def code(clock: FrozenClock, drift: int = 0) -> str:
    return totp.code_at_step(SECRET, totp.time_step(clock.now()) + drift)


def login(
    world: ClinicWorld, who: str, password: str = STAFF_PASSWORD, otp: str | None = None
) -> StaffSession:
    return authenticate(world.db, world.clinic_id, email_of(world, who), password, otp)


def refused(world: ClinicWorld, who: str, password: str = STAFF_PASSWORD, otp: str | None = None) -> str:
    with pytest.raises(AuthenticationFailed) as caught:
        authenticate(world.db, world.clinic_id, email_of(world, who), password, otp)
    assert type(caught.value) is AuthenticationFailed
    return str(caught.value)


def staff_row(world: ClinicWorld, who: str) -> StaffUser:
    with world.db.session(world.clinic_id) as session:
        return session.scalars(select(StaffUser).where(StaffUser.id == world.staff[who])).one()


def edit_staff(world: ClinicWorld, who: str, **values: object) -> None:
    with world.db.session(world.clinic_id) as session, session.begin():
        user = session.scalars(select(StaffUser).where(StaffUser.id == world.staff[who])).one()
        for name, value in values.items():
            setattr(user, name, value)


def audit_rows(world: ClinicWorld, action: str = "auth.login") -> list[AuditLog]:
    with world.db.session(world.clinic_id) as session:
        query = select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.chain_seq)
        return list(session.scalars(query))


# --- RFC 6238 ---------------------------------------------------------------------------------

RFC_VECTORS = [  # Appendix B, SHA1, 8 digits
    (59, "94287082"),
    (1_111_111_109, "07081804"),
    (1_111_111_111, "14050471"),
    (1_234_567_890, "89005924"),
    (2_000_000_000, "69279037"),
    (20_000_000_000, "65353130"),
]


@pytest.mark.parametrize(("unix_time", "expected"), RFC_VECTORS)
def test_rfc6238_sha1_vectors(unix_time: int, expected: str) -> None:
    at = datetime.fromtimestamp(unix_time, UTC)
    step = unix_time // 30
    assert totp.code_at_step(RFC_SECRET, step, digits=8) == expected
    assert totp.matching_step(RFC_SECRET, expected, at, digits=8) == step
    # The 6-digit code is the same HOTP value truncated to 6 digits.
    assert totp.matching_step(RFC_SECRET, expected[-6:], at) == step


def test_totp_drift_is_one_step_either_side() -> None:
    at = datetime.fromtimestamp(1_234_567_890, UTC)
    now = totp.time_step(at)
    for drift in (-1, 0, 1):
        assert totp.matching_step(RFC_SECRET, totp.code_at_step(RFC_SECRET, now + drift), at) == now + drift
    for drift in (-2, 2):
        assert totp.matching_step(RFC_SECRET, totp.code_at_step(RFC_SECRET, now + drift), at) is None
    assert totp.matching_step(RFC_SECRET, "12a456", at) is None
    assert totp.matching_step(RFC_SECRET, "", at) is None


# --- password logins ------------------------------------------------------------------------------


def test_a_doctor_signs_in_and_the_login_is_audited(world: ClinicWorld, clock: FrozenClock) -> None:
    device = uuid.uuid4()
    started = authenticate(
        world.db,
        world.clinic_id,
        " Doctor@" + email_of(world, "doctor").split("@")[1].upper(),
        STAFF_PASSWORD,
        None,
        device_id=device,
    )
    assert started == StaffSession(
        world.staff["doctor"], world.clinic_id, Role.DOCTOR, 0, clock.now(), clock.now(), device
    )
    assert started.actor().id == world.staff["doctor"]
    assert staff_row(world, "doctor").last_login == clock.now()
    [row] = audit_rows(world)
    assert (row.actor_type, row.actor_id, row.device_id, row.outcome) == (
        ActorType.STAFF,
        world.staff["doctor"],
        device,
        AuditOutcome.SUCCESS,
    )


def test_unknown_email_and_wrong_password_look_the_same(world: ClinicWorld) -> None:
    wrong_password = refused(world, "doctor", "not the password at all")
    unknown_email = refused(world, "nobody")
    edit_staff(world, "nurse", is_active=False)
    disabled = refused(world, "nurse")
    assert wrong_password == unknown_email == disabled
    assert "email" in wrong_password  # the one generic message: "email, password or code"

    rows = audit_rows(world)
    assert [r.outcome for r in rows] == [AuditOutcome.DENIED] * 3
    assert [(r.actor_type, r.actor_id) for r in rows] == [
        (ActorType.STAFF, world.staff["doctor"]),
        (ActorType.SYSTEM, None),
        (ActorType.STAFF, world.staff["nurse"]),
    ]


def test_signing_in_through_a_session_commits_it(world: ClinicWorld) -> None:
    with world.db.session(world.clinic_id) as session:
        with pytest.raises(AuthenticationFailed):
            authenticate(
                session, world.clinic_id, email_of(world, "nurse"), "wrong horse battery staple", None
            )
        started = authenticate(session, world.clinic_id, email_of(world, "nurse"), STAFF_PASSWORD, None)
    assert started.user_id == world.staff["nurse"]
    assert [row.outcome for row in audit_rows(world)] == [AuditOutcome.DENIED, AuditOutcome.SUCCESS]
    with world.db.session(world.clinic_id) as session, pytest.raises(ValueError, match="another clinic"):
        authenticate(session, uuid.uuid4(), email_of(world, "nurse"), STAFF_PASSWORD, None)


def test_a_weak_hash_is_upgraded_at_login(world: ClinicWorld) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8_192, parallelism=1).hash(STAFF_PASSWORD)
    edit_staff(world, "nurse", password_hash=weak)
    login(world, "nurse")
    upgraded = staff_row(world, "nurse").password_hash
    assert upgraded != weak
    assert not needs_rehash(upgraded)
    assert verify_password(upgraded, STAFF_PASSWORD)


# --- lockout -------------------------------------------------------------------------------------


def test_five_failures_lock_the_account_for_fifteen_minutes(world: ClinicWorld, clock: FrozenClock) -> None:
    for _ in range(MAX_FAILED_LOGINS):
        refused(world, "receptionist", "wrong horse battery staple")
    assert staff_row(world, "receptionist").locked_until == clock.now() + LOCKOUT
    [lock] = audit_rows(world, "auth.lockout")
    assert lock.actor_id == world.staff["receptionist"]

    # Locked: the right password is refused, with the same answer as any failure.
    assert refused(world, "receptionist") == refused(world, "nobody")
    clock.advance(LOCKOUT - timedelta(seconds=1))
    refused(world, "receptionist")

    clock.advance(timedelta(seconds=1))
    login(world, "receptionist")
    user = staff_row(world, "receptionist")
    assert (user.failed_login_count, user.locked_until) == (0, None)
    # Other accounts were never throttled by it (throttling is per account).
    login(world, "doctor")
    # Every attempt was audited, refused or not.
    outcomes = [row.outcome for row in audit_rows(world)]
    assert outcomes == [AuditOutcome.DENIED] * 8 + [AuditOutcome.SUCCESS] * 2


def test_failures_after_the_lock_expires_start_counting_again(world: ClinicWorld, clock: FrozenClock) -> None:
    for _ in range(MAX_FAILED_LOGINS):
        refused(world, "doctor2", "wrong horse battery staple")
    clock.advance(LOCKOUT)
    refused(world, "doctor2", "wrong horse battery staple")
    user = staff_row(world, "doctor2")
    assert (user.failed_login_count, user.locked_until) == (1, None)


def test_a_success_resets_the_failure_count(world: ClinicWorld) -> None:
    for _ in range(MAX_FAILED_LOGINS - 1):
        refused(world, "doctor", "wrong horse battery staple")
    login(world, "doctor")
    refused(world, "doctor", "wrong horse battery staple")
    assert staff_row(world, "doctor").locked_until is None


# --- second factor ------------------------------------------------------------------------------------


def test_admin_needs_a_current_code_once(world_2fa: ClinicWorld, clock: FrozenClock) -> None:
    world = world_2fa
    refused(world, "admin")  # no code
    refused(world, "admin", otp="000000" if code(clock) != "000000" else "111111")
    refused(world, "admin", "wrong horse battery staple", otp=code(clock))

    login(world, "admin", otp=code(clock, -1))  # one step of drift back
    clock.advance(timedelta(seconds=60))
    login(world, "admin", otp=code(clock))
    refused(world, "admin", otp=code(clock))  # the same code again
    refused(world, "admin", otp=code(clock, -1))  # an older code
    clock.advance(timedelta(seconds=60))
    login(world, "admin", otp=code(clock, +1))  # one step ahead
    assert staff_row(world, "admin").totp_last_used_step == totp.time_step(clock.now()) + 1


def test_two_steps_of_drift_are_refused(world_2fa: ClinicWorld, clock: FrozenClock) -> None:
    world = world_2fa
    refused(world, "manager", otp=code(clock, -2))
    refused(world, "manager", otp=code(clock, +2))
    assert staff_row(world, "manager").failed_login_count == 2


def test_an_unusable_secret_refuses_instead_of_crashing(world: ClinicWorld) -> None:
    edit_staff(world, "manager", totp_secret="JBSWY3DPEHPK3PXP")  # 80 bits
    refused(world, "manager", otp="123456")
    assert staff_row(world, "manager").failed_login_count == 1


def test_staff_who_opted_in_need_a_code(world: ClinicWorld, clock: FrozenClock) -> None:
    edit_staff(world, "doctor", two_factor_enabled=True, totp_secret=SECRET)
    refused(world, "doctor")
    login(world, "doctor", otp=code(clock))


# --- sessions -----------------------------------------------------------------------------------------


def _user(epoch: int = 0, *, active: bool = True) -> StaffUser:
    return StaffUser(id=USER, clinic_id=CLINIC, role=Role.NURSE, is_active=active, session_epoch=epoch)


USER, CLINIC = uuid.uuid4(), uuid.uuid4()
T = datetime(2026, 11, 23, tzinfo=UTC)
SESSION = StaffSession(USER, CLINIC, Role.NURSE, 0, T, T)


def test_a_session_ends_when_idle_for_fifteen_minutes() -> None:
    touched = validate_session(SESSION, _user(), T + timedelta(minutes=14, seconds=59))
    assert touched.last_seen_at == T + timedelta(minutes=14, seconds=59)
    with pytest.raises(SessionExpired):
        validate_session(touched, _user(), touched.last_seen_at + timedelta(minutes=15))


def test_a_session_ends_after_twelve_hours_however_active() -> None:
    current = SESSION
    for _ in range(12 * 6 - 1):
        current = validate_session(current, _user(), current.last_seen_at + timedelta(minutes=10))
    with pytest.raises(SessionExpired):
        validate_session(current, _user(), current.last_seen_at + timedelta(minutes=10))


def test_a_session_ends_with_its_epoch_its_user_or_its_role() -> None:
    now = T + timedelta(minutes=1)
    for user in (_user(epoch=1), _user(active=False), None):
        with pytest.raises(SessionExpired):
            validate_session(SESSION, user, now)
    demoted = _user()
    demoted.role = Role.RECEPTIONIST
    with pytest.raises(SessionExpired):
        validate_session(SESSION, demoted, now)
    with pytest.raises(AuthenticationFailed):  # a 401 like every failed authentication
        validate_session(SESSION, _user(), now, idle_timeout=timedelta(seconds=30))


def test_resume_session_reads_the_current_row(world: ClinicWorld, clock: FrozenClock) -> None:
    started = login(world, "nurse")
    clock.advance(timedelta(minutes=5))
    assert resume_session(world.db, started).last_seen_at == clock.now()
    edit_staff(world, "nurse", session_epoch=1)
    with pytest.raises(SessionExpired):
        resume_session(world.db, started)


def test_a_code_the_server_checked_counts_only_where_the_secret_is_not_held(
    world: ClinicWorld, clock: FrozenClock
) -> None:
    edit_staff(world, "admin", totp_secret=None)  # as on a desk's replica: the secret never arrives
    refused(world, "admin", otp="123456")  # the desk cannot check the code itself

    def checked_by_server(password: str = STAFF_PASSWORD) -> StaffSession:
        return authenticate(
            world.db, world.clinic_id, email_of(world, "admin"), password, "123456", server_checked_code=True
        )

    assert checked_by_server().role is Role.ADMIN
    with pytest.raises(AuthenticationFailed):
        checked_by_server("wrong horse battery staple")  # the password is still checked here

    edit_staff(world, "admin", totp_secret=SECRET)  # where the secret is held (the server)
    wrong = "000000" if code(clock) != "000000" else "111111"
    with pytest.raises(AuthenticationFailed):
        authenticate(
            world.db,
            world.clinic_id,
            email_of(world, "admin"),
            STAFF_PASSWORD,
            wrong,
            server_checked_code=True,
        )
