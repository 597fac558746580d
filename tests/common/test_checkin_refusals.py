"""Every reason a kiosk cannot check someone in: each its own kind message, none revealing whose
code it is or which clinic issued it, in every language."""

from __future__ import annotations

import secrets
import uuid
from datetime import date, timedelta

import pytest

from common.barcodes import payload
from common.barcodes.models import BarcodeEntityType
from common.barcodes.service import issue_code
from common.checkin.errors import RefusalKind
from common.checkin.flow import Refused
from common.i18n import SUPPORTED_LOCALES
from common.scheduling.models import AppointmentStatus
from tests.common.patients_support import catalog_item
from tests.kiosk.support import NOW, KioskWorld, at


@pytest.fixture
def kiosk(world, clock) -> KioskWorld:
    return KioskWorld.build(world, clock)


def refusal_of(kiosk: KioskWorld, value: str):
    state = kiosk.flow().scan(value)
    assert isinstance(state, Refused), state
    return state.refusal


@pytest.mark.parametrize(
    ("setup", "kind"),
    [
        ("none", RefusalKind.NO_APPOINTMENT_TODAY),
        ("tomorrow", RefusalKind.NO_APPOINTMENT_TODAY),
        ("completed", RefusalKind.NO_APPOINTMENT_TODAY),
        ("early", RefusalKind.TOO_EARLY),
        ("late", RefusalKind.TOO_LATE),
        ("no_show", RefusalKind.NO_APPOINTMENT_TODAY),
        ("checked_in", RefusalKind.ALREADY_CHECKED_IN),
        ("in_progress", RefusalKind.ALREADY_CHECKED_IN),
        ("cancelled", RefusalKind.CANCELLED),
    ],
)
def test_appointment_refusals(kiosk, setup, kind):
    patient = kiosk.patient()
    if setup == "tomorrow":
        kiosk.appointment(patient, at("09:00") + timedelta(days=1))
    elif setup == "completed":
        kiosk.appointment(patient, at("07:00"), status=AppointmentStatus.COMPLETED)
    elif setup == "early":
        kiosk.appointment(patient, at("11:00"))
    elif setup == "late":
        kiosk.appointment(patient, at("08:10"))  # 15 minutes late ended at 08:25
    elif setup == "no_show":
        kiosk.appointment(patient, at("07:00"), status=AppointmentStatus.NO_SHOW)
    elif setup == "checked_in":
        kiosk.appointment(patient, at("09:00"), status=AppointmentStatus.CHECKED_IN)
    elif setup == "in_progress":
        kiosk.appointment(patient, at("08:15"), status=AppointmentStatus.IN_PROGRESS)
    elif setup == "cancelled":
        kiosk.appointment(patient, at("09:00"), status=AppointmentStatus.CANCELLED)
    assert refusal_of(kiosk, kiosk.codes[patient]).kind is kind


def test_too_early_says_when_check_in_opens_in_the_readers_language(kiosk):
    patient = kiosk.patient()
    kiosk.appointment(patient, at("11:00"))
    refusal = refusal_of(kiosk, kiosk.codes[patient])
    assert refusal.message("en").replace("\u202f", " ") == (
        "Your appointment is at 11:00 AM. Check-in opens at 10:00 AM: please take a seat and scan again "
        "then, or see reception."
    )
    assert "11:00" in refusal.message("ja")
    assert "10:00" in refusal.message("zh_TW")


def test_too_late_says_please_see_reception(kiosk):
    patient = kiosk.patient()
    kiosk.appointment(patient, at("08:00"))
    refusal = refusal_of(kiosk, kiosk.codes[patient])
    assert refusal.title("en") == "Please see reception"
    assert "8:00\u202fAM" in refusal.message("en")  # babel's narrow no-break space


def _foreign_code(other_world) -> str:
    with other_world.system() as ctx:
        return issue_code(ctx, BarcodeEntityType.PATIENT, uuid.uuid4()).barcode_value


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("unknown", RefusalKind.CODE_NOT_RECOGNISED),
        ("forged", RefusalKind.CODE_NOT_RECOGNISED),
        ("foreign", RefusalKind.CODE_NOT_RECOGNISED),
        ("not_ours", RefusalKind.CODE_NOT_RECOGNISED),
        ("mistyped", RefusalKind.CODE_UNREADABLE),
        ("expired", RefusalKind.CODE_NO_LONGER_VALID),
        ("deactivated", RefusalKind.CODE_NO_LONGER_VALID),
        ("treatment", RefusalKind.CODE_NOT_RECOGNISED),
    ],
)
def test_code_refusals(kiosk, other_world, code, kind):
    patient = kiosk.patient()
    kiosk.appointment(patient, at("09:00"))
    real = kiosk.codes[patient]
    clinic_secret = None
    with kiosk.world.system() as ctx:
        clinic_secret = ctx.clinic.barcode_secret
    if code == "unknown":
        value = payload.generate(payload.CodeKind.PATIENT, kiosk.clinic_id, clinic_secret).value
    elif code == "forged":
        value = payload.generate(payload.CodeKind.PATIENT, kiosk.clinic_id, secrets.token_bytes(32)).value
    elif code == "foreign":
        value = _foreign_code(other_world)
    elif code == "not_ours":
        value = "4006381333931"
    elif code == "mistyped":
        value = real[:12] + ("X" if real[12] != "X" else "Y") + real[13:]
    elif code == "expired":
        kiosk.set_code(patient, expiry_date=date(2026, 11, 22))
        value = real
    elif code == "deactivated":
        kiosk.set_code(patient, is_active=False, deactivated_reason="lost card")
        value = real
    else:
        item = catalog_item(kiosk.world)
        with kiosk.world.system() as ctx:
            value = issue_code(ctx, BarcodeEntityType.TREATMENT, item).barcode_value
    refusal = refusal_of(kiosk, value)
    assert refusal.kind is kind
    for locale in SUPPORTED_LOCALES:
        text = refusal.title(locale) + refusal.message(locale)
        assert "Harbour" not in text and "Lotus" not in text
        assert "Ana" not in text


def test_every_refusal_reads_differently_in_each_language(kiosk):
    patient = kiosk.patient()
    kiosk.appointment(patient, at("11:00"))
    refusal = refusal_of(kiosk, kiosk.codes[patient])
    texts = {refusal.message(locale) for locale in SUPPORTED_LOCALES}
    assert len(texts) == len(SUPPORTED_LOCALES)


def test_a_refusal_holds_no_exception_or_traceback(kiosk):
    refusal = refusal_of(kiosk, "CQ1P-NOT-A-CODE")
    values = [getattr(refusal, name) for name in refusal.__dataclass_fields__]
    assert not any(isinstance(value, BaseException) for value in values)


def test_a_damaged_database_is_a_kind_message_not_a_traceback(kiosk):
    patient = kiosk.patient()
    kiosk.appointment(patient, at("09:00"))
    backend = kiosk.backend()
    backend.clinic_id = uuid.uuid4()  # a clinic this database does not hold
    outcome = backend.identify_by_code(kiosk.codes[patient])
    assert outcome.kind is RefusalKind.UNAVAILABLE
    assert outcome.title("en") == "Please see reception"


def test_now_is_the_test_clock(kiosk):
    assert kiosk.clock.now() == NOW
