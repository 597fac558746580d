"""Printed documents read back: their text holds the database's figures, and every QR code and
barcode on the rendered page decodes to its exact value (a round trip through paper, as far as a
machine can tell). One PNG of each kind of page is kept in artifacts/printing/."""

from __future__ import annotations

import csv
import io
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import select

from common.barcodes.models import BarcodeEntityType, BarcodeMapping
from common.errors import PermissionDenied
from common.i18n import translate
from common.inventory import service as inventory
from common.patients.models import Patient
from common.payments import service as payments
from common.payments.models import PaymentKind, PaymentMethod, PaymentRecord
from common.printing import service as printing
from common.printing.fonts import cjk_font
from common.printing.formatting import figure as key_figure
from common.printing.pages import L7160, SHEETS, Paper
from common.printing.report_csv import report_csv
from common.printing.report_pdf import report_pdf
from common.registration import service as registration
from common.registration.errors import RegistrationLinkInvalid, RegistrationLinkRetired
from common.reports.model import ReportRange, ValueKind
from common.reports.registry import REPORTS, run_report
from common.scheduling.models import AppointmentStatus
from common.treatments import service as treatments
from tests.common.commerce_support import make_appointment
from tests.common.printing_support import (
    decode,
    decode_labels,
    page_size_mm,
    pdf_text,
    reader,
    render,
    save_artifact,
)
from tests.common.reports_support import FIRST_DAY, LAST_DAY, History, build_history
from tests.conftest import ClinicWorld

# Rendering and decoding is the same on both databases: these run on SQLite.
pytestmark = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
PERIOD = ReportRange(FIRST_DAY, LAST_DAY)


@pytest.fixture
def history(world: ClinicWorld, clock) -> History:
    return build_history(world, clock, tax_rate=Decimal("0.05"))


def money(value: Decimal) -> str:
    return f"{value:,.2f}"


def report(world: ClinicWorld, name: str, period: ReportRange = PERIOD):
    with world.ctx("manager") as ctx:
        return run_report(ctx, name, period)


def payment_rows(world: ClinicWorld) -> list[PaymentRecord]:
    with world.db.session(world.clinic_id) as session:
        return [r for r in session.scalars(select(PaymentRecord)) if FIRST_DAY <= r.payment_date <= LAST_DAY]


def test_revenue_pdf_holds_the_figures_of_the_payment_rows(world, history):
    rows = payment_rows(world)
    data = report(world, "revenue")
    pdf = report_pdf(data, locale="en")
    text = pdf_text(pdf)
    received = sum((r.final_amount for r in rows if r.kind is PaymentKind.PAYMENT), Decimal(0))
    refunded = -sum((r.final_amount for r in rows if r.kind is PaymentKind.REFUND), Decimal(0))
    for figure in (received, refunded, received - refunded):
        assert money(figure) in text
    for method in (PaymentMethod.CASH, PaymentMethod.CARD, PaymentMethod.MOBILE):
        net = sum((r.final_amount for r in rows if r.payment_method is method), Decimal(0))
        assert f"{method.value} " in text
        assert money(net) in text
    assert "Revenue report" in text and "Page 1 of" in text
    document = reader(pdf)
    assert document.metadata is not None
    assert document.metadata.title == "Revenue report"
    assert len(document.pages) >= 2
    save_artifact(render(pdf, 0, dpi=110), "report-revenue-page1")


def test_chinese_report_renders_and_extracts_cjk_text(world, history):
    with world.db.session(world.clinic_id) as session, session.begin():
        from common.staff.models import StaffUser

        doctor = session.scalars(select(StaffUser).where(StaffUser.id == world.staff["doctor2"])).one()
        doctor.first_name, doctor.last_name = "大明", "王"
    data = report(world, "revenue")
    pdf = report_pdf(data, locale="zh_TW")
    text = pdf_text(pdf)
    assert "王大明" in text  # a doctor's name, in the by-doctor table and chart
    assert "皮秒雷射" in text  # a treatment's name
    assert translate("Revenue report", "zh_TW") in text
    assert cjk_font().embedded, "a TrueType CJK font is installed by scripts/setup.sh (fonts-wqy-microhei)"
    assert b"/FontFile2" in pdf  # the TrueType font program is embedded (subset)
    save_artifact(render(pdf, 1, dpi=110), "report-revenue-zh_TW-page2")


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_every_report_exports_pdf_and_csv_with_the_same_figures(world, history, name):
    period = ReportRange(LAST_DAY, LAST_DAY) if name == "cash-up" else PERIOD
    data = report(world, name, period)
    pdf = report_pdf(data, locale="en", paper=Paper.LETTER)
    width, height = page_size_mm(pdf)
    assert (round(width), round(height)) == (216, 279)
    text = pdf_text(pdf)
    for section in data.sections:
        assert translate(section.title, "en") in text
    for figure in data.figures:
        assert key_figure(figure.value, figure.kind, "en", "TWD") in text, figure.key
    parsed = list(csv.reader(io.StringIO(report_csv(data, locale="en").lstrip("\ufeff"))))
    flat = {value for row in parsed for value in row}
    for section in data.sections:
        if section.table.total is None:
            continue
        for value, column in zip(section.table.total, section.table.columns, strict=True):
            if column.kind is ValueKind.MONEY and value is not None:
                assert str(value) in flat
    save_artifact(render(pdf, 0, dpi=100), f"report-{name}")


def test_csv_section_is_a_plain_table_of_exact_figures(world, history):
    data = report(world, "revenue")
    rows = list(
        csv.DictReader(io.StringIO(report_csv(data, locale="en", section="by_method").lstrip("\ufeff")))
    )
    table = data.section("by_method").table
    assert [row["Method"] for row in rows] == [*(str(r[0]) for r in table.rows), "Total"]
    assert [Decimal(row["Net (TWD)"]) for row in rows[:-1]] == list(table.column("net"))
    assert Decimal(rows[-1]["Share (%)"]) == Decimal("100.00")


def test_poster_qr_carries_the_signed_link_until_the_key_rotates(world, history):
    with world.ctx("manager") as ctx:
        pdf = printing.registration_poster(ctx, "https://clinic.example.com/", paper=Paper.A4)
    image = render(pdf, 0, dpi=150)
    codes = decode(image)
    assert len(codes) == 1 and codes[0][0] == "QRCODE"
    url = codes[0][1]
    assert url.startswith("https://clinic.example.com/register/")
    token = url.rsplit("/", 1)[1]
    claim = registration.verify_registration_token(world.db, token)
    assert claim.clinic_id == world.clinic_id and claim.version == 1
    assert "Register as a new patient" in pdf_text(pdf)
    save_artifact(image, "poster-a4")

    for paper, size in ((Paper.LETTER, (216, 279)), (Paper.A3, (297, 420))):
        with world.ctx("admin") as ctx:
            other = printing.registration_poster(ctx, "https://clinic.example.com", paper=paper)
        assert tuple(round(v) for v in page_size_mm(other)) == size
        assert decode(render(other, 0, dpi=100)) == codes  # the same link until rotation

    with world.ctx("manager") as ctx:
        assert registration.rotate_registration_key(ctx) == 2
    with pytest.raises(RegistrationLinkRetired):
        registration.verify_registration_token(world.db, token)
    with world.ctx("manager") as ctx:
        fresh = registration.registration_link(ctx, "https://clinic.example.com")
    assert fresh.version == 2 and fresh.token != token
    assert registration.verify_registration_token(world.db, fresh.token).version == 2


def test_registration_tokens_refuse_forgeries(world, other_world, history):
    with world.ctx("manager") as ctx:
        link = registration.registration_link(ctx, "https://clinic.example.com")
    with other_world.ctx("manager") as ctx:
        foreign = registration.registration_link(ctx, "https://clinic.example.com")
    assert registration.verify_registration_token(world.db, foreign.token).clinic_id == other_world.clinic_id
    tampered = link.token[:-2] + ("A" if link.token[-2] != "A" else "B") + link.token[-1]
    import base64

    raw = bytearray(base64.urlsafe_b64decode(link.token + "=="))
    raw[1:17] = other_world.clinic_id.bytes  # this clinic's signature, another clinic's id
    swapped = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    for bad in (tampered, swapped, "", "not a token", link.token + "x", "A" * 47):
        with pytest.raises(RegistrationLinkInvalid):
            registration.verify_registration_token(world.db, bad)
    with pytest.raises(PermissionDenied), world.ctx("receptionist") as ctx:
        printing.registration_poster(ctx, "https://clinic.example.com")


def patient(world: ClinicWorld, patient_id: uuid.UUID) -> Patient:
    with world.db.session(world.clinic_id) as session:
        return session.scalars(select(Patient).where(Patient.id == patient_id)).one()


def test_patient_card_codes_decode_and_the_name_shows_only_when_enabled(world, history):
    chosen = patient(world, history.patients[1])  # 美玲 林
    with world.ctx("receptionist") as ctx:
        card = printing.patient_card(ctx, chosen.id, locale="en")
    assert "林" not in pdf_text(card)
    width, height = page_size_mm(card)
    assert (round(width, 1), round(height, 1)) == (85.6, 54.0)
    image = render(card, 0, dpi=600)
    assert decode(image) == [("CODE128", chosen.barcode_id), ("QRCODE", chosen.barcode_id)]

    with world.ctx("admin") as ctx:
        printing.update_print_preferences(ctx, names_on_patient_cards=True)
    with world.ctx("receptionist") as ctx:
        named = printing.patient_card(ctx, chosen.id, locale="zh_TW")
    assert "林美玲" in pdf_text(named)
    image = render(named, 0, dpi=600)
    assert decode(image) == [("CODE128", chosen.barcode_id), ("QRCODE", chosen.barcode_id)]
    save_artifact(image, "patient-card")


@pytest.mark.parametrize("size", ["62x29", "57x32", "62x100"])
def test_patient_labels_decode_on_every_label_size(world, history, size):
    chosen = patient(world, history.patients[0])
    with world.ctx("nurse") as ctx:
        pdf = printing.patient_labels(ctx, chosen.id, size=size, copies=2)
    assert len(reader(pdf).pages) == 2
    width, height = (float(v) for v in size.split("x"))
    assert tuple(round(v) for v in page_size_mm(pdf)) == (round(width), round(height))
    image = render(pdf, 1, dpi=600)
    assert decode(image) == [("CODE128", chosen.barcode_id), ("QRCODE", chosen.barcode_id)]
    save_artifact(image, f"patient-label-{size}")


def active_codes(world: ClinicWorld, kinds: set[BarcodeEntityType]) -> set[str]:
    with world.db.session(world.clinic_id) as session:
        return {
            m.barcode_value
            for m in session.scalars(select(BarcodeMapping).where(BarcodeMapping.is_active.is_(True)))
            if m.entity_type in kinds
        }


@pytest.mark.parametrize("sheet", ["L7160", "5160"])
def test_treatment_sheet_codes_decode(world, history, sheet):
    with world.ctx("receptionist") as ctx:
        pdf = printing.treatment_sheet(ctx, sheet=sheet, outlines=True)
    expected = active_codes(world, {BarcodeEntityType.TREATMENT})
    assert len(expected) == 3
    labels = decode_labels(pdf, SHEETS[sheet])
    filled = [codes for codes in labels if codes]
    assert len(filled) == 3
    for codes in filled:  # each label: its QR code and its Code 128, the same value
        assert [kind for kind, _value in codes] == ["CODE128", "QRCODE"]
        assert codes[0][1] == codes[1][1]
    assert {codes[0][1] for codes in filled} == expected
    assert "Hydrating facial" in pdf_text(pdf)
    save_artifact(render(pdf, 0, dpi=110), f"treatment-sheet-{sheet}")


def test_inventory_labels_decode_and_fill_more_sheets(world, history):
    with world.ctx("admin") as ctx:
        for item in (history.gel, history.gloves):
            inventory.issue_item_code(ctx, item)
        pdf = printing.inventory_sheet(ctx, copies=12, sheet="L7160")
    assert len(reader(pdf).pages) == 2  # 24 labels, 21 a sheet
    expected = active_codes(world, {BarcodeEntityType.INVENTORY, BarcodeEntityType.MEDICINE})
    first, last = decode_labels(pdf, L7160, 0), decode_labels(pdf, L7160, 1)
    assert all(len(codes) == 2 and codes[0][1] == codes[1][1] for codes in first)
    assert {codes[0][1] for codes in first} == expected
    assert sum(1 for codes in last if codes) == 3  # 24 labels: three on the second sheet
    save_artifact(render(pdf, 0, dpi=110), "inventory-sheet-L7160")


def test_receipt_shows_items_discounts_tax_and_the_patient(world, history):
    chosen = patient(world, history.patients[1])
    with world.db.session(world.clinic_id) as session:
        paid = session.scalars(
            select(PaymentRecord).where(
                PaymentRecord.patient_id == chosen.id, PaymentRecord.kind == PaymentKind.PAYMENT
            )
        ).one()
    assert paid.tax_amount > 0 and paid.discount_applied > 0
    with world.ctx("receptionist") as ctx:
        pdf = printing.receipt(ctx, paid.id, locale="en")
    text = pdf_text(pdf)
    assert "林美玲" in text
    assert "皮秒雷射 Pico laser" in text
    for figure in (paid.amount, paid.discount_applied, paid.final_amount, paid.tax_amount):
        assert money(figure.quantize(Decimal("0.01")).copy_abs()) in text
    assert "Includes tax (5.0%)" in text
    save_artifact(render(pdf, 0, dpi=110), "receipt")


def test_invoice_shows_the_balance_due(world, history, clock):
    chosen = history.patients[3]
    appointment = make_appointment(world, chosen, status=AppointmentStatus.CHECKED_IN, starts_at=clock.now())
    with world.ctx("doctor") as ctx:
        first = treatments.record_treatment(
            ctx, chosen, history.facial, doctor_id=world.staff["doctor"], appointment_id=appointment
        )
        treatments.record_treatment(
            ctx, chosen, history.consult, doctor_id=world.staff["doctor"], appointment_id=appointment
        )
    with world.ctx("receptionist") as ctx:
        payments.take_payment(ctx, chosen, Decimal("700"), PaymentMethod.CARD, treatment_id=first.record.id)
        balance = payments.outstanding_balance(ctx, appointment_id=appointment)
        pdf = printing.invoice(ctx, appointment, locale="en")
    text = pdf_text(pdf)
    assert balance.outstanding == Decimal("1300.00")
    assert "Balance due" in text and money(balance.outstanding) in text
    assert money(balance.charged) in text
    save_artifact(render(pdf, 0, dpi=110), "invoice")
