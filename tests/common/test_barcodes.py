"""Barcodes: issue, scan (resolve or refuse, always recorded), history, counts and management."""

from __future__ import annotations

import uuid
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from common.audit.models import AuditLog
from common.barcodes import payload
from common.barcodes.errors import (
    REFUSALS,
    BarcodeNotFound,
    CodeAlreadyDeactivated,
    CodeDeactivated,
    CodeExpired,
    CodeFromAnotherClinic,
    CodeMistyped,
    CodeNotIssuedHere,
    CodeTargetNotFound,
    CodeUnknown,
    DeactivationReasonMissing,
    EntityAlreadyHasCode,
    ExpiryInPast,
    ScanRefused,
)
from common.barcodes.history import scan_counts, scan_history
from common.barcodes.models import (
    BarcodeEntityType,
    BarcodeMapping,
    BarcodePurpose,
    BarcodeScanEvent,
    ScanOutcome,
)
from common.barcodes.scanning import ScanAction, ScanResult, resolve_scan, scan
from common.barcodes.service import (
    deactivate,
    generate_code,
    issue_code,
    lookup,
    regenerate,
    set_expiry,
)
from common.catalog.models import TreatmentCatalogItem, TreatmentKind
from common.clock import FrozenClock
from common.context import Actor, ServiceContext
from common.errors import PermissionDenied
from common.ids import new_id
from common.inventory.models import InventoryCategory, InventoryItem
from common.patients.models import Patient
from common.patients.search_keys import fold, search_text
from common.scheduling.models import Appointment, AppointmentStatus, AppointmentType, BookingMode
from tests.conftest import ClinicWorld

E = BarcodeEntityType
# T0 is Monday 2026-11-23 08:00 in the clinic (Asia/Taipei, UTC+8).
TODAY = date(2026, 11, 23)


# --- test data, made with the ORM -------------------------------------------------------------


def add_patient(ctx: ServiceContext, first: str = "Mei", last: str = "Lin") -> Patient:
    patient_id = new_id()
    code = issue_code(ctx, E.PATIENT, patient_id).barcode_value
    patient = Patient(
        id=patient_id,
        barcode_id=code,
        qr_code_data=code,
        first_name=first,
        last_name=last,
        date_of_birth=date(1990, 5, 17),
        first_name_key=fold(first),
        last_name_key=fold(last),
        search_text=search_text(first, last, barcode=code),
    )
    ctx.session.add(patient)
    ctx.session.flush()
    return patient


def add_treatment(ctx: ServiceContext, name: str = "Hydrafacial") -> TreatmentCatalogItem:
    item = TreatmentCatalogItem(
        name=name,
        category=TreatmentKind.COSMETIC,
        duration_minutes=45,
        base_price=Decimal("3200.00"),
        currency="TWD",
        cautions=["Avoid sun for 48 hours"],
    )
    ctx.session.add(item)
    ctx.session.flush()
    return item


def add_stock_item(
    ctx: ServiceContext,
    name: str = "Hyaluronic filler 1 ml",
    *,
    category: InventoryCategory = InventoryCategory.SUPPLY,
    ean: str | None = None,
) -> InventoryItem:
    item = InventoryItem(name=name, category=category, sku=f"SKU-{new_id().hex[-12:]}", barcode_value=ean)
    ctx.session.add(item)
    ctx.session.flush()
    return item


def add_appointment(
    world: ClinicWorld,
    ctx: ServiceContext,
    patient_id: uuid.UUID,
    local_start: datetime,
    *,
    status: AppointmentStatus = AppointmentStatus.CONFIRMED,
    minutes: int = 30,
) -> Appointment:
    starts_at = local_start.replace(tzinfo=ctx.tz)
    ends_at = starts_at + timedelta(minutes=minutes)
    appointment = Appointment(
        patient_id=patient_id,
        doctor_id=world.staff["doctor"],
        reservation_id=f"R{new_id().hex[-8:]}",
        starts_at=starts_at,
        ends_at=ends_at,
        appointment_date=starts_at.date(),
        start_time=starts_at.time(),
        end_time=ends_at.time(),
        duration_minutes=minutes,
        appointment_type=AppointmentType.TREATMENT,
        status=status,
        booking_mode=BookingMode.SPECIFIC_TIME,
    )
    ctx.session.add(appointment)
    ctx.session.flush()
    return appointment


def op(world: ClinicWorld, who: str) -> AbstractContextManager[ServiceContext]:
    """One committed operation as that person (typed: conftest's `world.ctx` is typed as an Iterator)."""
    return world.db.context(world.clinic_id, world.actor(who))


def local(hour: int, minute: int = 0, day: date = TODAY) -> datetime:
    return datetime.combine(day, time(hour, minute))


def scan_events(world: ClinicWorld) -> list[BarcodeScanEvent]:
    with op(world, "admin") as ctx:
        return list(ctx.session.scalars(select(BarcodeScanEvent).order_by(BarcodeScanEvent.scanned_at)))


def audit_rows(world: ClinicWorld, action: str) -> list[AuditLog]:
    with op(world, "admin") as ctx:
        return list(ctx.session.scalars(select(AuditLog).where(AuditLog.action == action)))


def scan_as(world: ClinicWorld, who: str, value: str) -> ScanResult:
    with op(world, who) as ctx:
        return resolve_scan(ctx, value, scanner_type="Patient Check-in", location="Front desk")


def mapping(world: ClinicWorld, barcode_id: uuid.UUID) -> BarcodeMapping:
    with op(world, "admin") as ctx:
        found: BarcodeMapping = ctx.session.scalars(
            select(BarcodeMapping).where(BarcodeMapping.id == barcode_id)
        ).one()
    return found


# --- issuing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entity_type", "kind", "purpose"),
    [
        (E.PATIENT, payload.CodeKind.PATIENT, BarcodePurpose.IDENTIFICATION),
        (E.TREATMENT, payload.CodeKind.TREATMENT, BarcodePurpose.TREATMENT_TRACKING),
        (E.INVENTORY, payload.CodeKind.INVENTORY, BarcodePurpose.INVENTORY_CONTROL),
        (E.MEDICINE, payload.CodeKind.MEDICINE, BarcodePurpose.MEDICATION),
    ],
)
def test_issue_code_makes_a_verified_code_of_the_right_kind_and_purpose(
    world: ClinicWorld, entity_type: E, kind: payload.CodeKind, purpose: BarcodePurpose
) -> None:
    entity_id = new_id()
    with op(world, "receptionist") as ctx:
        issued = issue_code(ctx, entity_type, entity_id, expiry_date=date(2027, 1, 1))
        secret = ctx.clinic.barcode_secret
    code = payload.verify(issued.barcode_value, world.clinic_id, secret)
    assert code.kind is kind
    stored = mapping(world, issued.id)
    assert (stored.entity_type, stored.entity_id, stored.purpose) == (entity_type, entity_id, purpose)
    assert stored.generated_by == world.staff["receptionist"]
    assert stored.generated_at is not None and stored.is_active and stored.scan_count == 0
    assert stored.expiry_date == date(2027, 1, 1)
    assert audit_rows(world, "barcode.generate") == []  # the calling operation audits


def test_issued_codes_are_unique_and_hold_no_personal_data(world: ClinicWorld) -> None:
    with op(world, "receptionist") as ctx:
        patient = add_patient(ctx, "Xiaoming", "Wang")
        values = {issue_code(ctx, E.PATIENT, new_id()).barcode_value for _ in range(50)}
    assert len(values) == 50
    assert "WANG" not in patient.barcode_id and "XIAO" not in patient.barcode_id


# --- resolving each kind to its action ---------------------------------------------------------


def test_patient_with_an_appointment_now_resolves_to_check_in(world: ClinicWorld) -> None:
    with op(world, "receptionist") as ctx:
        patient = add_patient(ctx)
        appointment = add_appointment(world, ctx, patient.id, local(8, 30))
    result = scan_as(world, "receptionist", payload.display(patient.barcode_id).lower())
    assert result.resolved and result.refusal is None
    assert (result.entity_type, result.entity_id) == (E.PATIENT, patient.id)
    assert result.action is ScanAction.CHECK_IN
    assert result.appointment_id == appointment.id
    assert result.entity_data["first_name"] == "Mei"
    assert result.raise_if_refused() is result


@pytest.mark.parametrize(
    ("start", "status"),
    [
        (local(8, 30), AppointmentStatus.CHECKED_IN),  # already checked in
        (local(8, 30), AppointmentStatus.CANCELLED),
        (local(7, 0), AppointmentStatus.NO_SHOW),
        (local(8, 30, TODAY + timedelta(days=1)), AppointmentStatus.SCHEDULED),  # tomorrow
        (local(8, 30, TODAY - timedelta(days=1)), AppointmentStatus.SCHEDULED),  # yesterday
    ],
)
def test_patient_without_an_appointment_to_check_in_opens_the_patient(
    world: ClinicWorld, start: datetime, status: AppointmentStatus
) -> None:
    with op(world, "receptionist") as ctx:
        patient = add_patient(ctx)
        add_appointment(world, ctx, patient.id, start, status=status)
    result = scan_as(world, "receptionist", patient.barcode_id)
    assert result.action is ScanAction.OPEN_PATIENT and result.appointment_id is None


def test_of_several_appointments_today_the_nearest_is_checked_in(
    world: ClinicWorld, clock: FrozenClock
) -> None:
    with op(world, "receptionist") as ctx:
        patient = add_patient(ctx)
        morning = add_appointment(world, ctx, patient.id, local(9, 0))
        afternoon = add_appointment(world, ctx, patient.id, local(15, 0), status=AppointmentStatus.SCHEDULED)
    assert scan_as(world, "receptionist", patient.barcode_id).appointment_id == morning.id
    clock.set(datetime(2026, 11, 23, 5, 0, tzinfo=UTC))  # 13:00: the afternoon visit is nearer
    assert scan_as(world, "receptionist", patient.barcode_id).appointment_id == afternoon.id


def test_check_in_follows_the_clinic_day_not_the_utc_day(world: ClinicWorld, clock: FrozenClock) -> None:
    clock.set(datetime(2026, 11, 23, 16, 30, tzinfo=UTC))  # Tuesday 00:30 in Taipei
    with op(world, "receptionist") as ctx:
        patient = add_patient(ctx)
        tuesday = add_appointment(world, ctx, patient.id, local(1, 0, TODAY + timedelta(days=1)))
    result = scan_as(world, "receptionist", patient.barcode_id)
    assert (result.action, result.appointment_id) == (ScanAction.CHECK_IN, tuesday.id)


def test_scanning_a_patient_code_is_one_audited_read(world: ClinicWorld) -> None:
    with op(world, "nurse") as ctx:
        patient = add_patient(ctx)
    result = scan_as(world, "nurse", patient.barcode_id)
    rows = audit_rows(world, "barcode.scan")
    assert len(rows) == 1
    assert (rows[0].patient_id, rows[0].actor_id) == (patient.id, world.staff["nurse"])
    assert "allergies" in result.entity_data  # a nurse sees allergies on scan


def test_treatment_code_fills_the_treatment_form(world: ClinicWorld) -> None:
    with op(world, "admin") as ctx:
        item = add_treatment(ctx)
        code = issue_code(ctx, E.TREATMENT, item.id)
    result = scan_as(world, "doctor", code.barcode_value)
    assert (result.entity_type, result.entity_id, result.action) == (
        E.TREATMENT,
        item.id,
        ScanAction.FILL_TREATMENT,
    )
    assert result.entity_data["name"] == "Hydrafacial"
    assert result.entity_data["duration_minutes"] == 45
    assert result.entity_data["base_price"] == Decimal("3200.00")
    assert audit_rows(world, "barcode.scan") == []  # no patient data read


@pytest.mark.parametrize(
    ("entity_type", "category"),
    [(E.INVENTORY, InventoryCategory.SUPPLY), (E.MEDICINE, InventoryCategory.MEDICINE)],
)
def test_inventory_and_medicine_codes_adjust_stock(
    world: ClinicWorld, entity_type: E, category: InventoryCategory
) -> None:
    with op(world, "admin") as ctx:
        item = add_stock_item(ctx, category=category)
        code = issue_code(ctx, entity_type, item.id)
    result = scan_as(world, "nurse", code.barcode_value)
    assert (result.entity_type, result.entity_id, result.action) == (
        entity_type,
        item.id,
        ScanAction.ADJUST_STOCK,
    )
    assert result.entity_data["current_quantity"] == 0
    assert not result.manufacturer_code


@pytest.mark.parametrize(
    ("stored", "scanned"),
    [
        ("4711234567890", "4711234567890"),  # EAN-13 as printed
        ("4711234567890", " 4711234567890\n"),  # a keyboard-wedge scanner's Enter
        ("0123456789012", "123456789012"),  # stored as EAN-13, read as UPC-A
        ("123456789012", "0123456789012"),  # stored as UPC-A, read as EAN-13
        ("ab-1234", "ab-1234"),  # a supplier's own Code 128
    ],
)
def test_a_manufacturer_barcode_on_an_inventory_item_adjusts_stock(
    world: ClinicWorld, stored: str, scanned: str
) -> None:
    with op(world, "admin") as ctx:
        item = add_stock_item(ctx, "Lidocaine cream", category=InventoryCategory.MEDICINE, ean=stored)
    result = scan_as(world, "nurse", scanned)
    assert result.resolved and result.manufacturer_code
    assert (result.entity_type, result.entity_id, result.action) == (
        E.MEDICINE,
        item.id,
        ScanAction.ADJUST_STOCK,
    )
    [event] = scan_events(world)
    assert (event.barcode_id, event.entity_id, event.outcome) == (None, item.id, ScanOutcome.RESOLVED)


def test_a_merged_patients_old_card_finds_the_surviving_record(
    world: ClinicWorld, clock: FrozenClock
) -> None:
    with op(world, "admin") as ctx:
        survivor, duplicate = add_patient(ctx, "Mei", "Lin"), add_patient(ctx, "Mei", "Lin")
        duplicate.merged_into_id = survivor.id
        duplicate.deleted_at = clock.now()
    result = scan_as(world, "receptionist", duplicate.barcode_id)
    assert result.resolved and result.entity_id == survivor.id


# --- refusals: each its own error, each recorded ---------------------------------------------


def _refusal_cases(
    world: ClinicWorld, other_world: ClinicWorld, clock: FrozenClock
) -> dict[type[ScanRefused], str]:
    with op(world, "admin") as ctx:
        patient = add_patient(ctx)
        secret = ctx.clinic.barcode_secret
        expired = issue_code(ctx, E.PATIENT, patient.id, expiry_date=TODAY - timedelta(days=1))
        retired = issue_code(ctx, E.PATIENT, patient.id)
        retired.is_active = False
    with op(other_world, "admin") as ctx:
        foreign = add_patient(ctx).barcode_id
    valid = patient.barcode_id
    typo = valid[:12] + ("0" if valid[12] != "0" else "1") + valid[13:]
    return {
        CodeMistyped: typo,
        CodeFromAnotherClinic: foreign,
        CodeNotIssuedHere: payload.generate(payload.CodeKind.PATIENT, world.clinic_id, b"k" * 32).value,
        CodeUnknown: payload.generate(payload.CodeKind.PATIENT, world.clinic_id, secret).value,
        CodeDeactivated: retired.barcode_value,
        CodeExpired: expired.barcode_value,
    }


def test_every_refusal_has_its_own_error_and_is_recorded(
    world: ClinicWorld, other_world: ClinicWorld, clock: FrozenClock
) -> None:
    cases = _refusal_cases(world, other_world, clock)
    assert set(cases) == set(REFUSALS)
    for refusal, value in cases.items():
        result = scan_as(world, "receptionist", value)
        assert not result.resolved
        assert type(result.refusal) is refusal
        assert result.outcome is refusal.outcome
        assert (result.entity_id, result.action, dict(result.entity_data)) == (None, None, {})
        with pytest.raises(refusal):
            result.raise_if_refused()
    outcomes = [event.outcome for event in scan_events(world)]
    assert outcomes == [refusal.outcome for refusal in cases]
    assert audit_rows(world, "barcode.scan") == []  # a refused card discloses no patient data


def test_refusals_read_clearly_in_every_language_and_name_no_one(world: ClinicWorld) -> None:
    codes = {refusal.code for refusal in REFUSALS}
    messages = {refusal.message for refusal in REFUSALS}
    assert len(codes) == len(messages) == len(REFUSALS) == 6
    assert "check the code and scan again" in str(CodeMistyped()).lower()
    assert "ask reception for a new card" in str(CodeDeactivated()).lower()
    assert "2026-11-22" in str(CodeExpired(expiry_date="2026-11-22"))
    for refusal in REFUSALS:
        error = refusal(expiry_date="2026-11-22") if refusal is CodeExpired else refusal()
        for locale in ("en", "zh_TW", "zh_CN", "ja"):
            assert error.translated(locale)
    assert "Harbour" not in str(CodeFromAnotherClinic()) and "%" not in str(CodeFromAnotherClinic())


def test_a_refused_scan_is_kept_even_though_the_refusal_is_raised(world: ClinicWorld) -> None:
    with op(world, "admin") as ctx:
        patient = add_patient(ctx)
        code = issue_code(ctx, E.TREATMENT, add_treatment(ctx).id)
        deactivate(ctx, code.id, "Label damaged")
    with pytest.raises(CodeDeactivated):
        scan(world.db, world.clinic_id, world.actor("nurse"), code.barcode_value, location="Room 2")
    resolved = scan(world.db, world.clinic_id, world.actor("nurse"), patient.barcode_id)
    refused_event, resolved_event = scan_events(world)
    assert (refused_event.outcome, refused_event.barcode_id, refused_event.location) == (
        ScanOutcome.DEACTIVATED,
        code.id,
        "Room 2",
    )
    assert refused_event.scanned_by == world.staff["nurse"]
    assert resolved_event.id == resolved.scan_id and resolved_event.action == "open_patient"
    assert mapping(world, code.id).scan_count == 0  # refusals do not count as uses


def test_nonsense_is_unknown_and_recorded(world: ClinicWorld) -> None:
    result = scan_as(world, "receptionist", "https://example.com/?q=1")
    assert type(result.refusal) is CodeUnknown
    assert [event.outcome for event in scan_events(world)] == [ScanOutcome.UNKNOWN]


def test_a_code_expires_at_the_end_of_its_day_in_the_clinics_zone(
    world: ClinicWorld, clock: FrozenClock
) -> None:
    with op(world, "admin") as ctx:
        code = issue_code(ctx, E.PATIENT, add_patient(ctx).id, expiry_date=TODAY)
    clock.set(datetime(2026, 11, 23, 15, 59, tzinfo=UTC))  # 23:59 in Taipei
    assert scan_as(world, "receptionist", code.barcode_value).resolved
    clock.set(datetime(2026, 11, 23, 16, 0, tzinfo=UTC))  # midnight in Taipei, still the 23rd in UTC
    result = scan_as(world, "receptionist", code.barcode_value)
    assert isinstance(result.refusal, CodeExpired) and result.refusal.params == {"expiry_date": "2026-11-23"}


def test_a_code_of_a_removed_record_is_refused_as_deactivated(world: ClinicWorld, clock: FrozenClock) -> None:
    with op(world, "admin") as ctx:
        item = add_stock_item(ctx)
        code = issue_code(ctx, E.INVENTORY, item.id)
        item.deleted_at = clock.now()
    assert type(scan_as(world, "nurse", code.barcode_value).refusal) is CodeDeactivated


# --- counters, history and counts ---------------------------------------------------------------


def test_resolved_scans_bump_the_counter_and_last_scan(world: ClinicWorld, clock: FrozenClock) -> None:
    with op(world, "admin") as ctx:
        code = issue_code(ctx, E.TREATMENT, add_treatment(ctx).id)
    scan_as(world, "doctor", code.barcode_value)
    clock.advance(timedelta(minutes=5))
    scan_as(world, "nurse", code.barcode_value)
    stored = mapping(world, code.id)
    assert stored.scan_count == 2
    assert (stored.last_scanned_at, stored.last_scanned_by) == (clock.now(), world.staff["nurse"])


def test_scan_counts_by_outcome(world: ClinicWorld, other_world: ClinicWorld, clock: FrozenClock) -> None:
    with op(world, "admin") as ctx:
        code = issue_code(ctx, E.TREATMENT, add_treatment(ctx).id)
    scan_as(world, "nurse", code.barcode_value)  # before the window
    clock.advance(timedelta(hours=1))
    since = clock.now()
    for value in (code.barcode_value, code.barcode_value, code.barcode_value[:-1], "junk"):
        scan_as(world, "nurse", value)
    scan_as(other_world, "nurse", code.barcode_value)  # another clinic's scans are not ours
    with op(world, "receptionist") as ctx:
        counts = scan_counts(ctx, since)
        for_code = scan_counts(ctx, since - timedelta(hours=2), barcode_id=code.id)
        none_yet = scan_counts(ctx, since, until=since)
    assert counts == {
        ScanOutcome.RESOLVED: 2,
        ScanOutcome.MISTYPED: 1,
        ScanOutcome.UNKNOWN: 1,
        ScanOutcome.FOREIGN_CLINIC: 0,
        ScanOutcome.FORGED: 0,
        ScanOutcome.EXPIRED: 0,
        ScanOutcome.DEACTIVATED: 0,
    }
    assert for_code[ScanOutcome.RESOLVED] == 3
    assert sum(none_yet.values()) == 0


def test_scan_history_of_a_code_and_of_a_record(world: ClinicWorld, clock: FrozenClock) -> None:
    with op(world, "admin") as ctx:
        item = add_stock_item(ctx, ean="4710000000001")
        first = issue_code(ctx, E.INVENTORY, item.id)
    scan_as(world, "nurse", first.barcode_value)
    clock.advance(timedelta(minutes=1))
    with op(world, "admin") as ctx:
        second = regenerate(ctx, E.INVENTORY, item.id)
    scan_as(world, "nurse", first.barcode_value)  # the retired label: refused, still history
    clock.advance(timedelta(minutes=1))
    scan_as(world, "nurse", second.barcode_value)
    clock.advance(timedelta(minutes=1))
    scan_as(world, "nurse", "4710000000001")  # the product's own barcode
    with op(world, "nurse") as ctx:
        of_first = scan_history(ctx, first.id)
        of_item = scan_history(ctx, (E.INVENTORY, item.id))
        latest_two = scan_history(ctx, (E.INVENTORY, item.id), limit=2)
    assert [e.outcome for e in of_first] == [ScanOutcome.DEACTIVATED, ScanOutcome.RESOLVED]
    assert [e.barcode_id for e in of_item] == [None, second.id, first.id, first.id]
    assert latest_two == of_item[:2]


def test_a_patients_scan_history_needs_patient_access_and_is_audited(world: ClinicWorld) -> None:
    with op(world, "admin") as ctx:
        patient = add_patient(ctx)
    scan_as(world, "receptionist", patient.barcode_id)
    with op(world, "receptionist") as ctx:
        history = scan_history(ctx, (E.PATIENT, patient.id))
    assert len(history) == 1
    [row] = audit_rows(world, "barcode.scan_history")
    assert row.patient_id == patient.id
    kiosk = Actor.kiosk(new_id())
    with pytest.raises(PermissionDenied), world.db.context(world.clinic_id, kiosk) as ctx:
        scan_history(ctx, (E.PATIENT, patient.id))


def test_a_kiosk_scan_sees_only_a_first_name(world: ClinicWorld) -> None:
    device = new_id()
    with op(world, "admin") as ctx:
        patient = add_patient(ctx)
        add_appointment(world, ctx, patient.id, local(8, 15))
    with world.db.context(world.clinic_id, Actor.kiosk(device)) as ctx:
        result = resolve_scan(ctx, patient.barcode_id, scanner_type="Patient Check-in")
    assert result.action is ScanAction.CHECK_IN
    assert dict(result.entity_data) == {"id": patient.id, "first_name": "Mei"}
    [event] = scan_events(world)
    assert (event.scanned_by, event.device_id) == (None, device)
    assert mapping(world, result.barcode_id).last_scanned_by is None  # type: ignore[arg-type]


def test_scanning_needs_the_scan_permission(world: ClinicWorld) -> None:
    denied = Actor(world.actor("nurse").type, world.staff["nurse"], None)  # a staff member with no role
    with pytest.raises(PermissionDenied), world.db.context(world.clinic_id, denied) as ctx:
        resolve_scan(ctx, "anything")
    assert scan_events(world) == []


# --- tenant isolation --------------------------------------------------------------------------


def test_another_clinics_codes_and_data_are_out_of_reach(
    world: ClinicWorld, other_world: ClinicWorld
) -> None:
    with op(other_world, "admin") as ctx:
        their_patient = add_patient(ctx)
        their_item = add_stock_item(ctx, ean="4719999999999")
        their_code = issue_code(ctx, E.INVENTORY, their_item.id)
    result = scan_as(world, "receptionist", their_patient.barcode_id)
    assert type(result.refusal) is CodeFromAnotherClinic
    assert result.barcode_id is None and dict(result.entity_data) == {}
    assert type(scan_as(world, "receptionist", "4719999999999").refusal) is CodeUnknown
    with op(world, "receptionist") as ctx:
        with pytest.raises(CodeFromAnotherClinic):
            lookup(ctx, their_code.barcode_value)
        with pytest.raises(BarcodeNotFound):
            scan_history(ctx, their_code.id)
        with pytest.raises(BarcodeNotFound):
            deactivate(ctx, their_code.id, "not ours")
        with pytest.raises(CodeTargetNotFound):
            regenerate(ctx, E.PATIENT, their_patient.id)
    assert [e.outcome for e in scan_events(world)] == [ScanOutcome.FOREIGN_CLINIC, ScanOutcome.UNKNOWN]
    assert scan_events(other_world) == []
    assert mapping(other_world, their_code.id).is_active


# --- management: generate, deactivate, regenerate, expiry, lookup ---------------------------------


def test_regenerating_a_patients_card(world: ClinicWorld) -> None:
    with op(world, "admin") as ctx:
        patient = add_patient(ctx)
    old_value = patient.barcode_id
    with op(world, "receptionist") as ctx:
        new = regenerate(ctx, E.PATIENT, patient.id, reason="Card lost")
    with op(world, "admin") as ctx:
        stored = ctx.session.scalars(select(Patient).where(Patient.id == patient.id)).one()
        old = ctx.session.scalars(
            select(BarcodeMapping).where(BarcodeMapping.barcode_value == old_value)
        ).one()
    assert stored.barcode_id == stored.qr_code_data == new.barcode_value != old_value
    assert (
        new.barcode_value.casefold() in stored.search_text and old_value.casefold() not in stored.search_text
    )
    assert (old.is_active, old.deactivated_reason) == (False, "Card lost")
    assert type(scan_as(world, "receptionist", old_value).refusal) is CodeDeactivated
    assert scan_as(world, "receptionist", new.barcode_value).entity_id == patient.id
    [row] = audit_rows(world, "barcode.regenerate")
    assert (row.patient_id, row.entity_id) == (patient.id, new.id)
    assert {"barcode_id", "qr_code_data", "is_active"} <= set(row.changed_fields)


def test_regenerating_an_item_label_leaves_its_manufacturer_barcode(world: ClinicWorld) -> None:
    with op(world, "admin") as ctx:
        item = add_stock_item(ctx, "Gauze", ean="4710000000002")
        first = generate_code(ctx, E.INVENTORY, item.id)
    with op(world, "manager") as ctx:
        second = regenerate(ctx, E.INVENTORY, item.id)
        stored = ctx.session.scalars(select(InventoryItem).where(InventoryItem.id == item.id)).one()
    assert stored.barcode_value == "4710000000002"
    assert type(scan_as(world, "nurse", first.barcode_value).refusal) is CodeDeactivated
    for value in (second.barcode_value, "4710000000002"):
        assert scan_as(world, "nurse", value).entity_id == item.id


def test_generate_refuses_a_second_active_code_and_missing_records(world: ClinicWorld) -> None:
    with op(world, "admin") as ctx:
        item = add_treatment(ctx)
        code = generate_code(ctx, E.TREATMENT, item.id)
    with pytest.raises(EntityAlreadyHasCode), op(world, "admin") as ctx:
        generate_code(ctx, E.TREATMENT, item.id)
    with pytest.raises(CodeTargetNotFound), op(world, "admin") as ctx:
        generate_code(ctx, E.PATIENT, item.id)  # the id is not a patient's
    [row] = audit_rows(world, "barcode.generate")
    assert row.entity_id == code.id and row.patient_id is None


def test_deactivate_needs_a_reason_permission_and_an_active_code(world: ClinicWorld) -> None:
    with op(world, "admin") as ctx:
        patient = add_patient(ctx)
        code_id = ctx.session.scalars(select(BarcodeMapping.id)).one()
    with pytest.raises(DeactivationReasonMissing), op(world, "receptionist") as ctx:
        deactivate(ctx, code_id, "   ")
    with pytest.raises(PermissionDenied), op(world, "nurse") as ctx:
        deactivate(ctx, code_id, "Card lost")
    with op(world, "receptionist") as ctx:
        deactivate(ctx, code_id, "Card lost")
    with pytest.raises(CodeAlreadyDeactivated), op(world, "receptionist") as ctx:
        deactivate(ctx, code_id, "again")
    with pytest.raises(BarcodeNotFound), op(world, "receptionist") as ctx:
        deactivate(ctx, new_id(), "Card lost")
    [row] = audit_rows(world, "barcode.deactivate")
    assert (row.patient_id, set(row.changed_fields)) == (patient.id, {"is_active", "deactivated_reason"})
    assert audit_rows(world, "denied:barcode.manage")[0].actor_id == world.staff["nurse"]


def test_set_expiry(world: ClinicWorld, clock: FrozenClock) -> None:
    with op(world, "admin") as ctx:
        code = issue_code(ctx, E.MEDICINE, add_stock_item(ctx, category=InventoryCategory.MEDICINE).id)
    with pytest.raises(ExpiryInPast), op(world, "manager") as ctx:
        set_expiry(ctx, code.id, TODAY - timedelta(days=1))
    with op(world, "manager") as ctx:
        set_expiry(ctx, code.id, TODAY + timedelta(days=30))
    clock.advance(timedelta(days=31))
    assert type(scan_as(world, "nurse", code.barcode_value).refusal) is CodeExpired
    with op(world, "manager") as ctx:
        set_expiry(ctx, code.id, None)
    assert scan_as(world, "nurse", code.barcode_value).resolved
    assert len(audit_rows(world, "barcode.set_expiry")) == 2


def test_lookup_describes_a_code_without_scanning_it(world: ClinicWorld, clock: FrozenClock) -> None:
    with op(world, "admin") as ctx:
        patient = add_patient(ctx)
        item = add_stock_item(ctx, ean="4710000000003")
        code_id = ctx.session.scalars(select(BarcodeMapping.id)).one()
        deactivate(ctx, code_id, "Card lost")
    with op(world, "receptionist") as ctx:
        info = lookup(ctx, payload.display(patient.barcode_id))
        product = lookup(ctx, "4710000000003")
        with pytest.raises(CodeMistyped):
            lookup(ctx, patient.barcode_id[:-1] + ("0" if patient.barcode_id[-1] != "0" else "1"))
        with pytest.raises(CodeUnknown):
            lookup(ctx, "4710000000004")
    assert (info.barcode_id, info.entity_type, info.entity_id) == (code_id, E.PATIENT, patient.id)
    assert not info.is_active and not info.usable and info.deactivated_reason == "Card lost"
    assert info.display_value == payload.display(patient.barcode_id)
    assert (product.entity_id, product.manufacturer_code, product.barcode_id) == (item.id, True, None)
    assert scan_events(world) == []
    assert len(audit_rows(world, "barcode.lookup")) == 1


# --- whatever a scanner sends --------------------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.text(max_size=80), label=st.text(max_size=120))
@example(raw="4710\x00123", label="Front desk\x00")  # PostgreSQL refuses NUL in text
def test_any_scanned_text_is_recorded_as_an_outcome_never_an_error(
    world: ClinicWorld, raw: str, label: str
) -> None:
    with op(world, "receptionist") as ctx:
        result = resolve_scan(ctx, raw, scanner_type=label, location=label)
    assert result.outcome is not ScanOutcome.RESOLVED or result.manufacturer_code
    assert result.resolved == (result.refusal is None)
