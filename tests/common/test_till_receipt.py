"""Till receipts: an 80 mm thermal roll, chosen in the clinic's print settings. Read back with
pdfplumber: the figures, the CJK names (in the embedded CJK font), nothing past the printable
width, and a page exactly as long as the receipt."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pdfplumber
import pytest
from sqlalchemy import select

from common.errors import PermissionDenied
from common.payments.models import PaymentKind, PaymentRecord
from common.printing import service as printing
from common.printing.billing import BillingDocument, DocumentKind, LineItem, PaymentLine
from common.printing.fonts import cjk_font
from common.printing.till import SIDE, ReceiptPaper, till_pdf
from tests.common.printing_support import page_size_mm, pdf_text, reader, render, save_artifact
from tests.common.reports_support import History, build_history
from tests.conftest import ClinicWorld

POINTS_PER_MM = 72 / 25.4


@pytest.fixture
def history(world: ClinicWorld, clock) -> History:
    return build_history(world, clock, tax_rate=Decimal("0.05"))


def _paid_by(world: ClinicWorld, patient_id) -> PaymentRecord:
    with world.db.session(world.clinic_id) as session:
        return session.scalars(
            select(PaymentRecord).where(
                PaymentRecord.patient_id == patient_id, PaymentRecord.kind == PaymentKind.PAYMENT
            )
        ).one()


def _inside_the_printable_width(pdf: bytes) -> None:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        page = document.pages[0]
        margin = SIDE - 0.5 * POINTS_PER_MM
        assert page.chars
        for char in page.chars:
            assert char["x0"] >= margin - 0.01, char["text"]
            assert char["x1"] <= float(page.width) - margin + 0.01, char["text"]
            assert 0 < char["top"] < float(page.height)


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)  # rendering is the same on both
def test_the_print_settings_choose_the_till_roll_and_cjk_names_render(world: ClinicWorld, history: History):
    paid = _paid_by(world, history.patients[1])  # 林美玲, the Pico laser with discounts and tax
    with world.ctx("receptionist") as ctx:
        page = printing.receipt(ctx, paid.id, locale="zh_TW")
    assert page_size_mm(page)[0] == pytest.approx(210, abs=0.5)  # A4 until the clinic chooses the roll

    with world.ctx("admin") as ctx:
        chosen = printing.update_print_preferences(ctx, receipt_paper="80mm")
    assert chosen.receipt_paper is ReceiptPaper.ROLL_80
    with world.ctx("receptionist") as ctx:
        assert printing.print_preferences(ctx).receipt_paper is ReceiptPaper.ROLL_80
        roll = printing.receipt(ctx, paid.id, locale="zh_TW")
        english = printing.receipt(ctx, paid.id, locale="en")
        forced_page = printing.receipt(ctx, paid.id, locale="en", receipt_paper=ReceiptPaper.PAGE)

    width, height = page_size_mm(roll)
    assert width == pytest.approx(80, abs=0.1)
    assert 90 < height < 250  # as long as the receipt, no A4 tail of blank paper
    assert len(reader(roll).pages) == 1
    assert page_size_mm(forced_page)[0] == pytest.approx(210, abs=0.5)

    text = pdf_text(roll)
    assert "收據" in text
    assert "林美玲" in text
    assert "皮秒雷射 Pico laser" in text
    for figure in (paid.amount, paid.discount_applied, paid.final_amount, paid.tax_amount):
        assert f"{figure.quantize(Decimal('0.01')).copy_abs():,.2f}" in text
    with pdfplumber.open(io.BytesIO(roll)) as document:
        fonts = {
            char["fontname"].split("+")[-1] for char in document.pages[0].chars if char["text"] in "林美玲"
        }
    if cjk_font("zh_TW").embedded:
        assert all("CJK" in font or "Hei" in font for font in fonts), fonts
    _inside_the_printable_width(roll)

    english_text = pdf_text(english)
    assert "Receipt" in english_text
    assert "Includes tax (5.0%)" in english_text
    assert "Thank you for your visit." in english_text
    save_artifact(render(roll, 0, dpi=203), "receipt-80mm-zh_TW")  # 203 dpi: a thermal head's
    save_artifact(render(english, 0, dpi=203), "receipt-80mm-en")


def test_long_names_wrap_within_the_roll_and_nothing_is_cut():
    description = (
        "玻尿酸填充（蘋果肌與法令紋）Hyaluronic acid filler, cheeks and nasolabial folds, 2 syringes"
    )
    document = BillingDocument(
        kind=DocumentKind.RECEIPT,
        number="R-00000000AB",
        issued=date(2026, 11, 23),
        currency="TWD",
        clinic_name="蓮花美學診所 Lotus Aesthetic Clinic — Xinyi Flagship",
        clinic_lines=("台北市信義區松仁路100號 12樓", "+886 2 2720 0000"),
        bill_to="佐藤花子",
        items=(LineItem(description, 2, Decimal("18000"), Decimal("1500"), Decimal("34500")),),
        payment_discount=Decimal(0),
        total=Decimal("34500"),
        tax_rate=Decimal(0),
        tax_included=Decimal(0),
        payments=(PaymentLine(date(2026, 11, 23), "Card", Decimal("34500"), "AUTH 99812"),),
    )
    pdf = till_pdf(document, locale="ja")
    _inside_the_printable_width(pdf)
    text = pdf_text(pdf)
    flat = text.replace("\n", "").replace(" ", "")
    assert description.replace(" ", "") in flat
    assert "佐藤花子" in text
    assert "36,000.00" in text  # 2 × 18,000 before the discount
    assert "-1,500.00" in text
    assert "34,500.00" in text
    assert "AUTH 99812" in text


def test_only_managers_choose_the_receipt_paper_and_it_must_be_known(world: ClinicWorld):
    with world.ctx("receptionist") as ctx, pytest.raises(PermissionDenied):
        printing.update_print_preferences(ctx, receipt_paper="80mm")
    with world.ctx("admin") as ctx, pytest.raises(printing.UnknownReceiptPaper) as refused:
        printing.update_print_preferences(ctx, receipt_paper="57mm")
    assert "80mm" in refused.value.translated("en")
    with world.ctx("admin") as ctx:
        assert printing.print_preferences(ctx).receipt_paper is ReceiptPaper.PAGE
        printing.update_print_preferences(ctx, receipt_paper="80 MM")
    with world.ctx("manager") as ctx:
        assert printing.print_preferences(ctx).receipt_paper is ReceiptPaper.ROLL_80
