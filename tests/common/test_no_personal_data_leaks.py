"""SECURITY.md row 18: no personal data in logs, errors or the audit trail.

Fifty canary patients go through every kind of operation, including refusals, with every logger
(SQLAlchemy's too) at DEBUG. Then every log record, every error a person could see (in all four
languages), every audit row and every scan event is scanned for the canaries' details: 0 hits.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from common.audit.models import AuditLog
from common.barcodes.models import BarcodeScanEvent
from common.barcodes.scanning import resolve_scan
from common.catalog.models import TreatmentKind
from common.errors import DomainError
from common.i18n import SUPPORTED_LOCALES
from common.inventory.models import InventoryCategory
from common.inventory.service import create_item, receive_stock
from common.logs import NoResultRows
from common.patients.merge import merge_patients
from common.patients.search import search_patients
from common.patients.service import NewPatient, get_patient, register_patient, update_patient
from common.payments.models import PaymentMethod
from common.payments.service import refund, take_payment
from common.scheduling.booking import BookingRequest, book_appointment
from common.scheduling.schedules import set_weekly_schedule
from common.scheduling.status import check_in
from common.treatments.service import record_treatment
from tests.common.scheduling_fixtures import standard_week, wall

CANARIES = 50


def canary(i: int) -> dict[str, str]:
    return {
        "first": f"Zephyrine{i:02d}",
        "last": f"金絲雀{i:02d}Qx",
        "email": f"canary.{i:02d}@leak-test.example",
        "phone": f"+886 912 70{i:02d} 55",
        "note": f"CANARY-NOTE-{i:02d}",
        "allergy": f"Canarycillin{i:02d}",
        "medication": f"Leakomycin{i:02d}",
    }


def secrets_of(i: int) -> list[str]:
    values = canary(i)
    return [*values.values(), values["phone"].replace(" ", "").lstrip("+")]


@pytest.fixture
def everything_logged(caplog):
    """Every logger at DEBUG, behind the same filter the apps' handlers carry."""
    caplog.set_level(logging.DEBUG)
    caplog.handler.addFilter(NoResultRows())
    for name in ("sqlalchemy.engine", "sqlalchemy.pool", "sqlalchemy.orm"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield caplog
    for name in ("sqlalchemy.engine", "sqlalchemy.pool", "sqlalchemy.orm"):
        logging.getLogger(name).setLevel(logging.WARNING)


def test_canary_patients_leave_no_trace_outside_their_records(world, clock, everything_logged, capsys):
    shown_errors: list[DomainError] = []

    def attempt(who: str, operation) -> Any:
        try:
            with world.ctx(who) as ctx:
                return operation(ctx)
        except DomainError as error:
            shown_errors.append(error)
            return None

    with world.ctx("admin") as ctx:
        set_weekly_schedule(ctx, world.staff["doctor"], standard_week())
        from common.catalog.service import create_treatment

        item = create_item(ctx, name="Syringe", sku="SYR-1", category=InventoryCategory.SUPPLY)
        receive_stock(ctx, item.id, 500, unit_cost=Decimal(3))
        treatment = create_treatment(
            ctx,
            name="Hydrating facial",
            kind=TreatmentKind.COSMETIC,
            duration_minutes=30,
            base_price=Decimal(2000),
            default_inventory_items=[{"item_id": str(item.id), "quantity": 1}],
        )

    patients = []
    for i in range(CANARIES):
        c = canary(i)
        view = attempt(
            "doctor",
            lambda ctx, c=c, i=i: register_patient(
                ctx,
                NewPatient(
                    first_name=c["first"],
                    last_name=c["last"],
                    date_of_birth=date(1985, 1, 1) + timedelta(days=i),
                    contact_email=c["email"],
                    contact_phone=c["phone"],
                    notes=c["note"],
                    allergies=[c["allergy"]],
                    current_medications=[c["medication"]],
                ),
            ),
        )
        assert view is not None
        patients.append(view)

    for i, view in enumerate(patients[:20]):
        c = canary(i)
        attempt("receptionist", lambda ctx, c=c: search_patients(ctx, c["first"]))
        attempt("receptionist", lambda ctx, c=c: search_patients(ctx, c["phone"]))
        attempt("nurse", lambda ctx, view=view: get_patient(ctx, view.id))
        attempt(
            "receptionist",
            lambda ctx, view=view, i=i: update_patient(ctx, view.id, {"notes": f"{canary(i)['note']}-2"}),
        )
        # Refusals: invalid details, a forbidden field, a stale edit.
        attempt(
            "receptionist",
            lambda ctx, view=view: update_patient(ctx, view.id, {"contact_phone": "call me " * 10}),
        )
        attempt(
            "receptionist",
            lambda ctx, view=view, c=c: update_patient(ctx, view.id, {"allergies": [c["allergy"], "x"]}),
        )
        attempt(
            "receptionist",
            lambda ctx, view=view, c=c: update_patient(ctx, view.id, {"contact_email": c["first"]}),
        )
        attempt(
            "doctor", lambda ctx, view=view: update_patient(ctx, view.id, {"notes": "stale"}, base_version=0)
        )
        starts = wall(1, "09:00") + timedelta(minutes=30 * i)
        appointment = attempt(
            "receptionist",
            lambda ctx, view=view, starts=starts: book_appointment(
                ctx,
                BookingRequest(
                    patient_id=view.id, doctor_id=world.staff["doctor"], starts_at=starts, duration_minutes=30
                ),
            ),
        )
        # The same slot again: a conflict whose message names alternatives, never the patient.
        attempt(
            "receptionist",
            lambda ctx, view=view, starts=starts: book_appointment(
                ctx,
                BookingRequest(
                    patient_id=view.id, doctor_id=world.staff["doctor"], starts_at=starts, duration_minutes=30
                ),
            ),
        )
        if appointment is not None and i < 5:
            clock.set(starts - timedelta(minutes=10))
            attempt("receptionist", lambda ctx, appointment=appointment: check_in(ctx, appointment.id))
            recorded = attempt(
                "doctor",
                lambda ctx, view=view, appointment=appointment: record_treatment(
                    ctx, view.id, treatment.id, doctor_id=world.staff["doctor"], appointment_id=appointment.id
                ),
            )
            if recorded is not None:
                payment = attempt(
                    "receptionist",
                    lambda ctx, view=view, recorded=recorded: take_payment(
                        ctx, view.id, Decimal(2000), PaymentMethod.CARD, treatment_id=recorded.record.id
                    ),
                )
                attempt(
                    "admin",
                    lambda ctx, payment=payment, c=c: refund(ctx, payment.id, Decimal(500), reason=c["note"]),
                )
                attempt(
                    "admin",
                    lambda ctx, payment=payment: refund(ctx, payment.id, Decimal(99999), reason="too much"),
                )
        attempt("receptionist", lambda ctx, view=view: resolve_scan(ctx, view["barcode_id"]))
        attempt("receptionist", lambda ctx, c=c: resolve_scan(ctx, c["email"]))
    attempt("manager", lambda ctx: merge_patients(ctx, patients[30].id, patients[31].id))
    attempt("receptionist", lambda ctx: merge_patients(ctx, patients[32].id, patients[33].id))

    # The run must have gone through refusals of several kinds and logged its SQL.
    assert len({type(error) for error in shown_errors}) >= 4
    assert sum("SELECT" in record.getMessage() for record in everything_logged.records) > 100
    haystack = [record.getMessage() for record in everything_logged.records]
    haystack += [str(record.args) for record in everything_logged.records]
    haystack += [error.translated(locale) for error in shown_errors for locale in SUPPORTED_LOCALES]
    haystack += [repr(error.params) for error in shown_errors]
    out = capsys.readouterr()
    haystack += [out.out, out.err]
    with world.db.session(world.clinic_id) as session:
        for row in session.scalars(select(AuditLog)):
            haystack.append(repr({c.name: getattr(row, c.name) for c in AuditLog.__table__.columns}))
        for row in session.scalars(select(BarcodeScanEvent)):
            haystack.append(repr({c.name: getattr(row, c.name) for c in BarcodeScanEvent.__table__.columns}))
    text = "\n".join(haystack).casefold()
    leaks = sorted({s for i in range(CANARIES) for s in secrets_of(i) if s.casefold() in text})
    assert leaks == []
    assert len(haystack) > 100
