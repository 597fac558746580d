"""License tiers: seats for staff and patients, usage figures, read-only suspended clinics."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from common.access.permissions import ROLE_PERMISSIONS, WRITES
from common.audit.models import AuditLog
from common.catalog.models import TreatmentCatalogItem, TreatmentKind
from common.clinics.models import Clinic, LicenseTier, SubscriptionStatus
from common.clock import FrozenClock
from common.context import ServiceContext
from common.errors import ClinicReadOnly, LicenseLimitReached, PermissionDenied
from common.ids import new_id
from common.licensing.models import LicenseUsage, MetricType
from common.licensing.service import (
    PatientLimitReached,
    StaffLimitReached,
    UsagePeriod,
    ensure_patient_capacity,
    record_daily_usage,
    set_license_tier,
    set_subscription_status,
    usage,
)
from common.licensing.tiers import TIERS
from common.patients.models import Patient
from common.payments.models import PaymentRecord, PaymentStatus
from common.scheduling.models import Appointment, AppointmentStatus, AppointmentType, BookingMode
from common.staff.auth import authenticate
from common.staff.models import Role, StaffUser
from common.staff.service import (
    NewStaff,
    create_staff,
    deactivate_staff,
    get_staff,
    list_staff,
    reactivate_staff,
    reset_password,
    update_staff,
)
from common.treatments.models import TreatmentRecord
from tests.conftest import CLINIC_TZ, STAFF_PASSWORD, ClinicWorld

TAIPEI = ZoneInfo(CLINIC_TZ)
DAY = date(2026, 11, 23)  # the clinic's date at T0


def set_clinic(world: ClinicWorld, **values: object) -> None:
    with world.db.session(world.clinic_id) as session, session.begin():
        clinic = session.scalars(select(Clinic)).one()
        for name, value in values.items():
            setattr(clinic, name, value)


def clinic_row(world: ClinicWorld) -> Clinic:
    with world.db.session(world.clinic_id) as session:
        return session.scalars(select(Clinic)).one()


def staff_spec(n: int) -> NewStaff:
    return NewStaff(f"nurse{n}@lotus.example", "saffron lantern quietly", "Nina", f"Nurse{n}", Role.NURSE)


def local(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=TAIPEI).astimezone(UTC)


def add_patients(world: ClinicWorld, count: int, **values: object) -> list[uuid.UUID]:
    ids = []
    with world.db.session(world.clinic_id) as session, session.begin():
        for _ in range(count):
            patient = Patient(
                id=new_id(),
                barcode_id=uuid.uuid4().hex,
                qr_code_data="x",
                first_name="Test",
                last_name="Patient",
                date_of_birth=date(1990, 1, 1),
                **values,
            )
            session.add(patient)
            ids.append(patient.id)
    return ids


# --- tiers --------------------------------------------------------------------------------------


def test_the_tier_table_grows_with_the_tier() -> None:
    limits = [TIERS[tier] for tier in (LicenseTier.S, LicenseTier.M, LicenseTier.L, LicenseTier.XL)]
    assert [t.max_users for t in limits] == sorted(t.max_users for t in limits)
    assert [t.max_patients for t in limits] == sorted(t.max_patients for t in limits)


def test_a_new_clinic_takes_its_limits_from_the_tier(world: ClinicWorld) -> None:
    clinic = clinic_row(world)
    assert (clinic.max_users, clinic.max_patients) == (
        TIERS[LicenseTier.M].max_users,
        TIERS[LicenseTier.M].max_patients,
    )
    with world.system() as ctx:
        set_license_tier(ctx, LicenseTier.S)
    clinic = clinic_row(world)
    assert (clinic.license_tier, clinic.max_users) == (LicenseTier.S, TIERS[LicenseTier.S].max_users)
    with pytest.raises(PermissionDenied), world.ctx("admin") as ctx:
        set_license_tier(ctx, LicenseTier.XL)


# --- staff seats ----------------------------------------------------------------------------------


def test_staff_up_to_the_limit_then_refused(world: ClinicWorld) -> None:
    set_clinic(world, max_users=8)  # the world has 6 active staff
    for n in (1, 2):
        with world.ctx("admin") as ctx:
            create_staff(ctx, staff_spec(n))
    assert clinic_row(world).current_user_count == 8

    with pytest.raises(StaffLimitReached) as refused, world.ctx("admin") as ctx:
        create_staff(ctx, staff_spec(3))
    message = str(refused.value)
    assert "Tier M" in message and "8" in message and "Upgrade" in message
    assert isinstance(refused.value, LicenseLimitReached) and refused.value.http_status == 403
    assert refused.value.translated("zh_TW")  # a catalog entry or the English text, never an error
    with world.ctx("admin") as ctx:
        assert len(list_staff(ctx)) == 8

    # A deactivated account frees its seat; reactivating takes one.
    with world.ctx("admin") as ctx:
        deactivate_staff(ctx, world.staff["doctor2"])
    assert clinic_row(world).current_user_count == 7
    with world.ctx("admin") as ctx:
        reactivate_staff(ctx, world.staff["doctor2"])
    with world.ctx("admin") as ctx:
        deactivate_staff(ctx, world.staff["nurse"])
    set_clinic(world, max_users=6)  # a downgrade below current use keeps what exists
    with pytest.raises(StaffLimitReached), world.ctx("admin") as ctx:
        reactivate_staff(ctx, world.staff["nurse"])


# --- patient seats --------------------------------------------------------------------------------


def test_patients_up_to_the_limit_then_refused(world: ClinicWorld, other_world: ClinicWorld) -> None:
    set_clinic(world, max_patients=3)
    [survivor] = add_patients(world, 1)
    add_patients(world, 1)
    add_patients(world, 1, is_active=False)
    add_patients(world, 1, merged_into_id=survivor)
    add_patients(world, 1, deleted_at=datetime(2026, 1, 1, tzinfo=UTC))
    add_patients(other_world, 3)  # another clinic's patients count for it, not here

    with world.ctx("receptionist") as ctx:
        ensure_patient_capacity(ctx)  # 2 active of 3: room for one more
    assert clinic_row(world).current_patient_count == 3
    add_patients(world, 1)
    with pytest.raises(PatientLimitReached) as refused, world.ctx("receptionist") as ctx:
        ensure_patient_capacity(ctx)
    assert "Tier M" in str(refused.value) and "3" in str(refused.value)


def test_registering_a_patient_beyond_the_tier_is_refused(world: ClinicWorld) -> None:
    from common.patients.service import NewPatient, register_patient

    set_clinic(world, max_patients=1)
    with world.ctx("receptionist") as ctx:
        register_patient(ctx, NewPatient("Mei", "Lin", date(1990, 5, 1)))
    with pytest.raises(PatientLimitReached), world.ctx("receptionist") as ctx:
        register_patient(ctx, NewPatient("Ken", "Wu", date(1985, 3, 2)))
    with world.db.session(world.clinic_id) as session:
        assert len(session.scalars(select(Patient.id)).all()) == 1


# --- usage ----------------------------------------------------------------------------------------------


def test_usage_figures(world: ClinicWorld) -> None:
    add_patients(world, 3)
    with world.ctx("manager") as ctx:
        report = usage(ctx)
    assert report.clinic_id == str(world.clinic_id)
    assert (report.current_tier, report.max_users, report.current_users) == ("Tier M", 15, 6)
    assert (report.max_patients, report.current_patients) == (5_000, 3)
    assert report.usage_percentage == 40.0
    assert not report.threshold_warning
    assert report.exceeded_metrics == ()
    assert report.period is UsagePeriod.MONTHLY

    set_clinic(world, max_users=7)
    with world.ctx("admin") as ctx:
        report = usage(ctx, UsagePeriod.DAILY)
    assert (report.usage_percentage, report.threshold_warning, report.exceeded_metrics) == (85.7, True, ())
    set_clinic(world, max_users=6, max_patients=2)
    with world.ctx("admin") as ctx:
        report = usage(ctx)
    assert (report.usage_percentage, report.threshold_warning, report.exceeded_metrics) == (
        150.0,
        True,
        ("patients",),
    )

    with pytest.raises(PermissionDenied), world.ctx("receptionist") as ctx:
        usage(ctx)


def _appointment(
    world: ClinicWorld, patient: uuid.UUID, day: date, status: AppointmentStatus, n: int
) -> Appointment:
    starts = local(day)
    return Appointment(
        patient_id=patient,
        doctor_id=world.staff["doctor"],
        reservation_id=f"R{n:05d}",
        starts_at=starts,
        ends_at=starts + timedelta(minutes=30),
        appointment_date=day,
        start_time=time(10),
        end_time=time(10, 30),
        duration_minutes=30,
        appointment_type=AppointmentType.CONSULTATION,
        booking_mode=BookingMode.SPECIFIC_TIME,
        status=status,
    )


def test_record_daily_usage(world: ClinicWorld, clock: FrozenClock) -> None:
    # Staff activity. The receptionist's login 20 days ago is only in the audit log: their
    # `last_login` has since moved past the measured day.
    clock.set(local(DAY - timedelta(days=20)))
    authenticate(
        world.db, world.clinic_id, f"receptionist@{world.clinic_id.hex[:8]}.example", STAFF_PASSWORD, None
    )
    clock.set(local(DAY, 9))
    logins = {
        "doctor": DAY,
        "nurse": DAY - timedelta(days=5),
        "receptionist": DAY + timedelta(days=1),
        "admin": DAY - timedelta(days=60),
    }
    p1, p2, p3, p4, p5 = add_patients(world, 5)
    with world.db.session(world.clinic_id) as session, session.begin():
        for who, day in logins.items():
            user = session.scalars(select(StaffUser).where(StaffUser.id == world.staff[who])).one()
            user.last_login = local(day, 8)
        item = TreatmentCatalogItem(
            name="Peel", category=TreatmentKind.COSMETIC, duration_minutes=30, base_price=Decimal(1000)
        )
        session.add(item)
        session.flush()
        session.add_all(
            [
                _appointment(world, p1, DAY, AppointmentStatus.CHECKED_IN, 1),
                _appointment(world, p2, DAY - timedelta(days=3), AppointmentStatus.COMPLETED, 2),
                _appointment(world, p3, DAY - timedelta(days=3), AppointmentStatus.CANCELLED, 3),
                _appointment(world, p4, DAY - timedelta(days=2), AppointmentStatus.NO_SHOW, 4),
                _appointment(world, p1, DAY + timedelta(days=1), AppointmentStatus.SCHEDULED, 5),
            ]
        )
        session.add(
            TreatmentRecord(
                patient_id=p5,
                doctor_id=world.staff["doctor"],
                treatment_date=DAY - timedelta(days=45),
                treatment_type_id=item.id,
                treatment_name="Peel",
                duration_minutes=30,
                cost=Decimal(1000),
                final_amount=Decimal(900),
            )
        )
        session.add_all(
            [
                PaymentRecord(
                    patient_id=p2,
                    amount=Decimal("1500.50"),
                    final_amount=Decimal("1500.50"),
                    payment_status=PaymentStatus.COMPLETED,
                    payment_date=DAY - timedelta(days=3),
                    paid_at=local(DAY - timedelta(days=3)),
                ),
                PaymentRecord(
                    patient_id=p2,
                    amount=Decimal(99),
                    final_amount=Decimal(99),
                    payment_status=PaymentStatus.PENDING,
                    payment_date=DAY,
                    paid_at=local(DAY),
                ),
            ]
        )
    set_clinic(world, max_users=2)

    with world.system() as ctx:
        record_daily_usage(ctx, DAY)
    with world.system() as ctx:
        record_daily_usage(ctx, DAY)  # again: the same rows are rewritten

    with world.db.session(world.clinic_id) as session:
        rows = {
            r.metric_type: r
            for r in session.scalars(select(LicenseUsage).where(LicenseUsage.metric_date == DAY))
        }
    assert len(rows) == 4
    figures = {
        metric: (
            r.active_user_count,
            r.active_patient_count,
            r.appointment_count,
            r.treatment_count,
            r.revenue_amount,
            r.exceeded_metric,
        )
        for metric, r in rows.items()
    }
    assert figures == {
        MetricType.DAU: (1, 1, 1, 0, Decimal(0), None),
        MetricType.WAU: (2, 2, 3, 0, Decimal("1500.50"), None),
        MetricType.MAU: (3, 2, 3, 0, Decimal("1500.50"), "users"),
        MetricType.QAU: (4, 3, 3, 1, Decimal("1500.50"), "users"),
    }
    assert [rows[m].tier_threshold_exceeded for m in MetricType] == [False, False, True, True]
    with pytest.raises(PermissionDenied), world.ctx("admin") as ctx:
        record_daily_usage(ctx, DAY)


# --- a suspended clinic is read-only ---------------------------------------------------------------


def test_a_suspended_clinic_can_be_read_but_not_changed(world: ClinicWorld) -> None:
    from common.patients.service import NewPatient, register_patient

    with pytest.raises(PermissionDenied), world.ctx("admin") as ctx:
        set_subscription_status(ctx, SubscriptionStatus.SUSPENDED)  # not a clinic role's decision
    with world.system() as ctx:
        set_subscription_status(ctx, SubscriptionStatus.SUSPENDED)

    writes: list[tuple[str, Callable[[ServiceContext], object]]] = [
        ("admin", lambda ctx: create_staff(ctx, staff_spec(1))),
        ("admin", lambda ctx: update_staff(ctx, world.staff["doctor"], first_name="Dorothy")),
        ("admin", lambda ctx: reset_password(ctx, world.staff["doctor"], "plum blossoms in the rain")),
        ("admin", lambda ctx: deactivate_staff(ctx, world.staff["doctor"])),
        ("receptionist", lambda ctx: register_patient(ctx, NewPatient("Mei", "Lin", date(1990, 5, 1)))),
    ]
    for who, write in writes:
        with pytest.raises(ClinicReadOnly), world.ctx(who) as ctx:
            write(ctx)
    for who in ("admin", "manager", "doctor", "nurse", "receptionist"):
        for permission in ROLE_PERMISSIONS[world.actor(who).role] & WRITES:  # type: ignore[index]
            with pytest.raises(ClinicReadOnly), world.ctx(who) as ctx:
                ctx.authorize(permission)

    with world.ctx("admin") as ctx:  # reads still work
        assert len(list_staff(ctx)) == 6
        assert get_staff(ctx, world.staff["doctor"]).first_name == "Dora"
        assert usage(ctx).current_users == 6
    with world.system() as ctx:
        record_daily_usage(ctx, DAY)  # monitoring goes on
    assert clinic_row(world).subscription_status is SubscriptionStatus.SUSPENDED

    with world.system() as ctx:
        set_subscription_status(ctx, SubscriptionStatus.PAST_DUE)  # past due still works
    with world.ctx("admin") as ctx:
        update_staff(ctx, world.staff["doctor"], first_name="Dorothy")
    with world.db.session(world.clinic_id) as session:
        changes = session.scalars(
            select(AuditLog.changed_fields).where(AuditLog.action == "license.subscription_status")
        ).all()
    assert changes == [["subscription_status"], ["subscription_status"]]


def test_a_cancelled_clinic_is_read_only_too(world: ClinicWorld) -> None:
    with world.system() as ctx:
        set_subscription_status(ctx, SubscriptionStatus.CANCELLED)
    with pytest.raises(ClinicReadOnly), world.ctx("admin") as ctx:
        update_staff(ctx, world.staff["doctor"], first_name="Dorothy")
