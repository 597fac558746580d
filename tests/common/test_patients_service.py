"""Registering, reading, editing, deactivating patients: validation, roles, versions, audit, tenancy."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select, update

from common.audit.models import AuditOutcome
from common.barcodes import payload
from common.barcodes.models import BarcodeEntityType, BarcodeMapping
from common.clinics.models import Clinic, SubscriptionStatus
from common.context import Actor
from common.errors import ClinicReadOnly, LicenseLimitReached, NotFound, PermissionDenied
from common.ids import new_id
from common.patients import errors
from common.patients.models import Patient, PreferredLanguage
from common.patients.search import search_patients
from common.patients.service import (
    NewPatient,
    attach_barcode,
    deactivate_patient,
    get_patient,
    load_patient,
    reactivate_patient,
    register_patient,
    update_patient,
)
from tests.common.patients_support import ROLES, AuditWatch, register
from tests.conftest import ClinicWorld


def stored(world: ClinicWorld, patient_id: Any) -> Patient:
    with world.db.session(world.clinic_id) as session:
        return session.scalars(
            select(Patient).where(Patient.id == patient_id).execution_options(include_deleted=True)
        ).one()


# ---------------------------------------------------------------------------------------------
# Registration


def test_register_issues_a_barcode_normalizes_and_indexes(world):
    watch = AuditWatch(world).start()
    view = register(
        world,
        "receptionist",
        first_name="  José ",
        last_name="Núñez",
        contact_email="  Jose.Nunez@Example.COM ",
        contact_phone="＋886 912-345-678",
        preferred_language=PreferredLanguage.ZH_TW,
    )
    patient = stored(world, view.id)
    assert (patient.first_name, patient.last_name) == ("José", "Núñez")
    assert patient.contact_email == "jose.nunez@example.com"
    assert patient.contact_phone == "+886 912-345-678"
    assert patient.phone_digits == "886912345678"
    assert (patient.first_name_key, patient.last_name_key) == ("jose", "nunez")
    assert "jose nunez" in patient.search_text and "886912345678" in patient.search_text
    assert patient.is_active and patient.version == 1

    # The code is one of this clinic's, mapped to the patient, and shown on the record.
    with world.db.session(world.clinic_id) as session:
        clinic = session.get(Clinic, world.clinic_id)
        assert clinic is not None
        payload.verify(patient.barcode_id, world.clinic_id, clinic.barcode_secret)
        mapping = session.scalars(
            select(BarcodeMapping).where(BarcodeMapping.barcode_value == patient.barcode_id)
        ).one()
    assert mapping.entity_type is BarcodeEntityType.PATIENT and mapping.entity_id == patient.id
    assert patient.qr_code_data == patient.barcode_id == view["barcode_id"]

    [row] = watch.new()
    assert (row.action, row.entity_type, row.entity_id, row.patient_id) == (
        "patient.create",
        "patient",
        patient.id,
        patient.id,
    )
    assert row.actor_id == world.staff["receptionist"]
    assert "first_name" in row.changed_fields and "José" not in str(row.changed_fields)


def test_register_accepts_a_mapping_with_the_device_made_id(world):
    patient_id = new_id()
    with world.ctx("receptionist") as ctx:
        view = register_patient(
            ctx,
            {"id": str(patient_id), "first_name": "小明", "last_name": "王", "date_of_birth": "2001-02-03"},
        )
    assert view.id == patient_id
    assert stored(world, patient_id).date_of_birth == date(2001, 2, 3)


TOMORROW_IN_TAIPEI = date(2026, 11, 24)  # the frozen clock is 2026-11-23 08:00 in Taipei


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"first_name": ""}, errors.PatientNameRequired),
        ({"last_name": "   "}, errors.PatientNameRequired),
        ({"first_name": None}, errors.PatientNameRequired),
        ({"first_name": "A" * 101}, errors.PatientFieldTooLong),
        ({"first_name": "Ana\x00"}, errors.InvalidPatientFieldValue),
        ({"date_of_birth": TOMORROW_IN_TAIPEI}, errors.DateOfBirthInFuture),
        ({"date_of_birth": date(1880, 1, 1)}, errors.DateOfBirthImplausible),
        ({"date_of_birth": "17/05/1990"}, errors.InvalidPatientFieldValue),
        ({"contact_email": "ana.example.com"}, errors.InvalidEmail),
        ({"contact_email": "ana@localhost"}, errors.InvalidEmail),
        ({"contact_email": "ana @x.com"}, errors.InvalidEmail),
        ({"contact_phone": "call me maybe"}, errors.InvalidPhone),
        ({"contact_phone": "12-34"}, errors.InvalidPhone),
        ({"contact_phone": "+1 234 567 890 123 456 7"}, errors.InvalidPhone),
        ({"marketing_opt_in": "yes"}, errors.InvalidPatientFieldValue),
        ({"preferred_language": "klingon"}, errors.InvalidPatientFieldValue),
        ({"allergies": "penicillin"}, errors.InvalidPatientFieldValue),
    ],
)
def test_register_refuses_invalid_details(world, fields, error):
    watch = AuditWatch(world).start()
    with pytest.raises(error) as raised:
        register(world, "doctor", **fields)
    assert str(raised.value)  # a readable message
    assert not any(str(value) in str(raised.value) for value in fields.values() if value)
    assert watch.new() == []


def test_register_refuses_unknown_fields(world):
    with world.ctx("receptionist") as ctx, pytest.raises(errors.UnknownPatientField):
        register_patient(
            ctx, {"first_name": "A", "last_name": "B", "date_of_birth": date(2000, 1, 1), "barcode_id": "X"}
        )


def test_today_in_the_clinic_zone_is_a_valid_birth_date(world):
    assert register(world, date_of_birth=date(2026, 11, 23))["date_of_birth"] == date(2026, 11, 23)


def test_medical_fields_need_the_medical_write_permission(world):
    with pytest.raises(PermissionDenied):
        register(world, "receptionist", allergies=["penicillin"])
    view = register(world, "nurse", allergies=["penicillin"], current_medications=["aspirin"])
    assert view["allergies"] == ["penicillin"]
    with world.ctx("receptionist") as ctx, pytest.raises(PermissionDenied):
        update_patient(ctx, view.id, {"allergies": ["latex"]})
    with world.ctx("doctor") as ctx:
        update_patient(ctx, view.id, {"allergies": ["penicillin", "latex"]})
    assert stored(world, view.id).allergies == ["penicillin", "latex"]


def test_a_manager_cannot_register(world):
    watch = AuditWatch(world).start()
    with pytest.raises(PermissionDenied):
        register(world, "manager")
    [row] = watch.new()
    assert row.outcome is AuditOutcome.DENIED and row.action == "denied:patient.write"


def test_a_kiosk_cannot_register_or_read(world, db):
    patient = register(world)
    kiosk = Actor.kiosk(new_id())
    with pytest.raises(PermissionDenied), db.context(world.clinic_id, kiosk) as ctx:
        register_patient(ctx, NewPatient("A", "B", date(2000, 1, 1)))
    with pytest.raises(PermissionDenied), db.context(world.clinic_id, kiosk) as ctx:
        get_patient(ctx, patient.id)


def test_registration_is_refused_beyond_the_tier_limit(world):
    with world.system() as ctx:
        ctx.session.execute(update(Clinic).where(Clinic.id == world.clinic_id).values(max_patients=1))
    first = register(world)
    with pytest.raises(LicenseLimitReached):
        register(world, first_name="Bo")
    with world.ctx("receptionist") as ctx:
        deactivate_patient(ctx, first.id)
    second = register(world, first_name="Bo")
    with world.ctx("receptionist") as ctx, pytest.raises(LicenseLimitReached):
        reactivate_patient(ctx, first.id)
    assert stored(world, second.id).is_active and not stored(world, first.id).is_active


# ---------------------------------------------------------------------------------------------
# Updates and versions


def test_update_changes_only_what_differs_and_reindexes(world):
    view = register(world, contact_phone="02 2345 6789")
    watch = AuditWatch(world).start()
    with world.ctx("receptionist") as ctx:
        updated = update_patient(ctx, view.id, {"last_name": "Ōtani", "contact_phone": "02 2345 6789"})
    patient = stored(world, view.id)
    assert updated["last_name"] == "Ōtani" and patient.version == 2
    assert patient.last_name_key == "otani" and "ana otani" in patient.search_text
    [row] = watch.new()
    assert row.action == "patient.update" and row.changed_fields == ["last_name"]


def test_an_update_without_changes_is_audited_but_not_versioned(world):
    view = register(world)
    watch = AuditWatch(world).start()
    with world.ctx("receptionist") as ctx:
        update_patient(ctx, view.id, {"first_name": "Ana"}, base_version=1)
    assert stored(world, view.id).version == 1
    [row] = watch.new()
    assert row.changed_fields == []


def test_a_stale_edit_of_other_fields_is_merged(world):
    view = register(world)
    with world.ctx("receptionist") as ctx:
        update_patient(ctx, view.id, {"contact_phone": "0912 345 678"}, base_version=1)
    with world.ctx("doctor") as ctx:
        update_patient(ctx, view.id, {"notes": "prefers mornings", "allergies": ["latex"]}, base_version=1)
    patient = stored(world, view.id)
    assert patient.contact_phone == "0912 345 678" and patient.notes == "prefers mornings"
    assert patient.allergies == ["latex"] and patient.version == 3


def test_a_stale_edit_of_the_same_field_is_refused_naming_it(world):
    view = register(world)
    with world.ctx("receptionist") as ctx:
        update_patient(ctx, view.id, {"contact_phone": "0912 345 678", "notes": "A"}, base_version=1)
    with world.ctx("receptionist") as ctx, pytest.raises(errors.PatientEditConflict) as raised:
        update_patient(ctx, view.id, {"contact_phone": "0987 654 321", "first_name": "Anna"}, base_version=1)
    assert raised.value.fields == ("contact_phone",)
    assert raised.value.current_version == 2
    assert "contact_phone" in str(raised.value) and "0987" not in str(raised.value)
    patient = stored(world, view.id)
    assert (patient.first_name, patient.contact_phone) == ("Ana", "0912 345 678")  # nothing applied
    # The same value typed on both sides is no conflict; the current version is never stale.
    with world.ctx("receptionist") as ctx:
        update_patient(ctx, view.id, {"contact_phone": "0912 345 678", "first_name": "Anna"}, base_version=1)
    with world.ctx("receptionist") as ctx:
        update_patient(ctx, view.id, {"contact_phone": "0987 654 321"}, base_version=3)
    assert stored(world, view.id).contact_phone == "0987 654 321"


def test_a_base_version_from_the_future_is_refused(world):
    view = register(world)
    with world.ctx("receptionist") as ctx, pytest.raises(errors.PatientEditConflict):
        update_patient(ctx, view.id, {"notes": "x"}, base_version=7)


def test_update_validates_like_registration(world):
    view = register(world)
    with world.ctx("receptionist") as ctx, pytest.raises(errors.PatientNameRequired):
        update_patient(ctx, view.id, {"last_name": ""})
    with world.ctx("receptionist") as ctx, pytest.raises(errors.UnknownPatientField):
        update_patient(ctx, view.id, {"search_text": "x"})
    with world.ctx("receptionist") as ctx, pytest.raises(errors.UnknownPatientField):
        update_patient(ctx, view.id, {"is_active": False})


# ---------------------------------------------------------------------------------------------
# Reading: what each role sees

DEMOGRAPHICS = {
    "id",
    "barcode_id",
    "qr_code_data",
    "first_name",
    "last_name",
    "date_of_birth",
    "contact_email",
    "contact_phone",
    "emergency_contact",
    "last_visit_date",
    "next_appointment_date",
    "is_active",
    "preferred_language",
    "notes",
    "marketing_opt_in",
    "treatment_details_opt_in",
    "merged_into_id",
    "version",
    "created_at",
    "updated_at",
}
EXPECTED_FIELDS = {
    "doctor": DEMOGRAPHICS | {"allergies", "medical_history", "current_medications"},
    "nurse": DEMOGRAPHICS | {"allergies", "medical_history", "current_medications"},
    "receptionist": DEMOGRAPHICS | {"allergies"},
    "admin": DEMOGRAPHICS | {"allergies"},
    "manager": DEMOGRAPHICS | {"allergies"},
}


@pytest.mark.parametrize("who", ROLES)
def test_each_role_sees_only_its_fields(world, who):
    view = register(
        world,
        "doctor",
        allergies=["penicillin"],
        medical_history={"asthma": True},
        current_medications=["salbutamol"],
    )
    watch = AuditWatch(world).start()
    with world.ctx(who) as ctx:
        seen = get_patient(ctx, view.id)
    assert set(seen) == EXPECTED_FIELDS[who]
    assert "search_text" not in seen and "field_versions" not in seen
    assert seen["first_name"] == "Ana" and seen.id == view.id
    [row] = watch.new()
    assert (row.action, row.entity_id, row.patient_id, row.actor_id) == (
        "patient.read",
        view.id,
        view.id,
        world.staff[who],
    )


def test_views_are_copies(world):
    view = register(world, "doctor", allergies=["penicillin"])
    view["allergies"].append("latex")
    with world.ctx("doctor") as ctx:
        assert get_patient(ctx, view.id)["allergies"] == ["penicillin"]


def test_unknown_and_foreign_patients_are_not_found(world, other_world):
    theirs = register(other_world)
    for patient_id in (theirs.id, new_id()):
        with world.ctx("doctor") as ctx, pytest.raises(NotFound):
            get_patient(ctx, patient_id)
        with world.ctx("doctor") as ctx, pytest.raises(NotFound):
            update_patient(ctx, patient_id, {"notes": "x"})
        with world.ctx("admin") as ctx, pytest.raises(NotFound):
            deactivate_patient(ctx, patient_id)
    assert stored(other_world, theirs.id).notes is None


# ---------------------------------------------------------------------------------------------
# Active status


def test_deactivate_and_reactivate(world):
    view = register(world)
    watch = AuditWatch(world).start()
    with world.ctx("receptionist") as ctx:
        assert deactivate_patient(ctx, view.id)["is_active"] is False
    with world.ctx("receptionist") as ctx:
        deactivate_patient(ctx, view.id)  # again: nothing changes
    with world.ctx("admin") as ctx:
        assert reactivate_patient(ctx, view.id)["is_active"] is True
    rows = watch.new()
    assert [(row.action, row.changed_fields) for row in rows] == [
        ("patient.deactivate", ["is_active"]),
        ("patient.deactivate", []),
        ("patient.reactivate", ["is_active"]),
    ]
    with world.ctx("manager") as ctx, pytest.raises(PermissionDenied):
        deactivate_patient(ctx, view.id)


def test_a_suspended_clinic_reads_but_does_not_register(world):
    view = register(world)
    with world.system() as ctx:
        ctx.session.execute(
            update(Clinic)
            .where(Clinic.id == world.clinic_id)
            .values(subscription_status=SubscriptionStatus.SUSPENDED)
        )
    with pytest.raises(ClinicReadOnly):
        register(world, first_name="Bo")
    with world.ctx("receptionist") as ctx, pytest.raises(ClinicReadOnly):
        update_patient(ctx, view.id, {"notes": "x"})
    with world.ctx("receptionist") as ctx:
        assert get_patient(ctx, view.id)["first_name"] == "Ana"
        assert [v.id for v in search_patients(ctx, "ana")] == [view.id]


def test_a_new_card_code_replaces_the_old_one_in_search(world):
    view = register(world)
    old = view["barcode_id"]
    with world.system() as ctx:
        clinic = ctx.clinic
        new = payload.generate(payload.CodeKind.PATIENT, clinic.id, clinic.barcode_secret).value
        attach_barcode(load_patient(ctx, view.id), new)
    patient = stored(world, view.id)
    assert patient.barcode_id == patient.qr_code_data == new
    assert patient.field_versions["barcode_id"] == patient.version == 2
    with world.ctx("receptionist") as ctx:
        assert [v.id for v in search_patients(ctx, new)] == [view.id]
        assert search_patients(ctx, old[4:20]) == []
