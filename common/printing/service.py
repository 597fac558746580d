"""What the clinic prints, read from its data: poster, patient card and label, label sheets,
receipts and invoices. Each returns PDF bytes; each checks the reader's permission first, and what
shows a patient (card, label, receipt, invoice) writes one audit row naming the patient."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from sqlalchemy import or_, select

from common.access.permissions import Permission
from common.barcodes.models import BarcodeEntityType, BarcodeMapping
from common.catalog.models import TreatmentCatalogItem
from common.context import ServiceContext
from common.errors import NotFound, ValidationFailed
from common.i18n import L_, N_, normalize_locale, translate
from common.inventory.models import InventoryItem
from common.patients.models import Patient
from common.payments.models import PaymentKind, PaymentRecord, PaymentStatus
from common.payments.money import in_currency
from common.printing import billing, cards, poster, sheets, till
from common.printing.formatting import cell, text
from common.printing.models import MAX_LOGO_BYTES, PrintSettings
from common.printing.pages import L7160, SHEETS, LabelSize, Paper, SheetGrid, paper_for
from common.registration.service import registration_link
from common.reports.base import display_name
from common.reports.model import ValueKind
from common.scheduling.models import Appointment
from common.storage.session import live_row
from common.treatments.models import TreatmentRecord

SETTLED: Final = (PaymentStatus.COMPLETED, PaymentStatus.REFUNDED)
P = Permission


class LogoNotAnImage(ValidationFailed):
    code = "logo_not_an_image"
    message = N_("The logo must be a PNG or JPEG image of at most 512 KB.")


class UnknownLabelSize(ValidationFailed):
    code = "unknown_label_size"
    message = N_("Unknown label size %(size)s. Choose one of: %(sizes)s.")


class UnknownReceiptPaper(ValidationFailed):
    code = "unknown_receipt_paper"
    message = N_("Unknown receipt paper %(paper)s. Choose one of: %(papers)s.")


class NothingToPrint(ValidationFailed):
    code = "nothing_to_print"
    message = N_("None of the chosen records has an active barcode. Issue their codes first.")


class PaymentToPrintNotFound(NotFound):
    code = "payment_not_found"
    message = N_("The payment was not found. It may have been removed.")


@dataclass(frozen=True)
class PrintPreferences:
    names_on_patient_cards: bool
    label_size: LabelSize
    logo: bytes | None
    receipt_paper: till.ReceiptPaper = till.ReceiptPaper.PAGE


# ---- settings ------------------------------------------------------------------------------------


def print_preferences(ctx: ServiceContext) -> PrintPreferences:
    ctx.authorize(P.CLINIC_READ, entity_type="print_settings")
    row = _settings(ctx)
    if row is None:
        return PrintPreferences(False, LabelSize.L62X29, None)
    return _preferences(row)


def update_print_preferences(
    ctx: ServiceContext,
    *,
    names_on_patient_cards: bool | None = None,
    label_size: str | None = None,
    logo: bytes | None = None,
    remove_logo: bool = False,
    receipt_paper: str | None = None,
) -> PrintPreferences:
    ctx.authorize(P.CLINIC_MANAGE, entity_type="print_settings")
    row = _settings(ctx)
    if row is None:
        row = PrintSettings(
            clinic_id=ctx.clinic_id, names_on_patient_cards=False, label_size=LabelSize.L62X29.value
        )
        ctx.session.add(row)
    changed = []
    if names_on_patient_cards is not None and names_on_patient_cards != row.names_on_patient_cards:
        row.names_on_patient_cards = names_on_patient_cards
        changed.append("names_on_patient_cards")
    if label_size is not None:
        row.label_size = _label_size(label_size).value
        changed.append("label_size")
    if logo is not None:
        if len(logo) > MAX_LOGO_BYTES or not logo.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
            raise LogoNotAnImage()
        row.logo = logo
        changed.append("logo")
    elif remove_logo and row.logo is not None:
        row.logo = None
        changed.append("logo")
    if receipt_paper is not None:
        row.receipt_paper = _receipt_paper(receipt_paper).value
        changed.append("receipt_paper")
    ctx.session.flush()
    ctx.audit("print_settings.update", "print_settings", row.id, changed_fields=changed)
    return _preferences(row)


def _preferences(row: PrintSettings) -> PrintPreferences:
    return PrintPreferences(
        row.names_on_patient_cards,
        _label_size(row.label_size),
        row.logo,
        _receipt_paper(row.receipt_paper or till.ReceiptPaper.PAGE.value),
    )


def _receipt_paper(value: str) -> till.ReceiptPaper:
    try:
        return till.ReceiptPaper(value.replace(" ", "").lower())
    except ValueError:
        papers = ", ".join(paper.value for paper in till.ReceiptPaper)
        raise UnknownReceiptPaper(paper=value, papers=papers) from None


def _settings(ctx: ServiceContext) -> PrintSettings | None:
    return ctx.session.scalars(select(PrintSettings)).one_or_none()


def _label_size(value: str) -> LabelSize:
    try:
        return LabelSize(value.replace("×", "x").replace(" ", "").lower())
    except ValueError:
        raise UnknownLabelSize(size=value, sizes=", ".join(size.value for size in LabelSize)) from None


def _locale(ctx: ServiceContext, locale: str | None) -> str:
    return normalize_locale(locale or ctx.clinic.default_language)


# ---- poster ----------------------------------------------------------------------------------------


def registration_poster(
    ctx: ServiceContext, base_url: str, *, paper: Paper | None = None, logo: bytes | None = None
) -> bytes:
    """The self-registration poster with the clinic's current signed link."""
    link = registration_link(ctx, base_url)
    clinic = ctx.clinic
    languages = [clinic.default_language, *clinic.languages]
    content = poster.PosterContent(
        clinic_name=clinic.name,
        url=link.url,
        languages=tuple(languages),
        address=clinic.address,
        phone=clinic.phone,
        email=clinic.email,
        logo=logo if logo is not None else _logo(ctx),
    )
    ctx.audit("print.registration_poster", "registration_key", None)
    return poster.poster_pdf(content, paper or paper_for(clinic.paper_size))


def _logo(ctx: ServiceContext) -> bytes | None:
    row = _settings(ctx)
    return row.logo if row is not None else None


# ---- patient card and label -------------------------------------------------------------------------


def _patient_code(ctx: ServiceContext, patient_id: uuid.UUID, action: str) -> cards.PatientCode:
    ctx.authorize(P.PATIENT_READ, entity_type="patient", entity_id=patient_id, patient_id=patient_id)
    patient = live_row(ctx.session, Patient, patient_id)
    if patient is None:
        raise NotFound()
    settings = _settings(ctx)
    show_name = settings is not None and settings.names_on_patient_cards
    fields = ["barcode_id", *(["first_name", "last_name"] if show_name else [])]
    ctx.audit(action, "patient", patient.id, patient_id=patient.id, changed_fields=fields)
    name = display_name(patient.first_name, patient.last_name) if show_name else None
    return cards.PatientCode(patient.barcode_id, name)


def patient_card(ctx: ServiceContext, patient_id: uuid.UUID, *, locale: str | None = None) -> bytes:
    code = _patient_code(ctx, patient_id, "print.patient_card")
    return cards.card_pdf(ctx.clinic.name, code, _locale(ctx, locale))


def patient_labels(
    ctx: ServiceContext,
    patient_id: uuid.UUID,
    *,
    size: str | None = None,
    copies: int = 1,
    locale: str | None = None,
) -> bytes:
    code = _patient_code(ctx, patient_id, "print.patient_label")
    chosen = (
        _label_size(size)
        if size
        else _label_size((_settings(ctx) or PrintSettings(label_size="62x29")).label_size)
    )
    return cards.label_pdf(ctx.clinic.name, code, chosen, _locale(ctx, locale), min(max(copies, 1), 100))


# ---- label sheets -----------------------------------------------------------------------------------


def _grid(ctx: ServiceContext, sheet: str | None) -> SheetGrid:
    if sheet is None:
        return SHEETS["5160"] if paper_for(ctx.clinic.paper_size) is Paper.LETTER else L7160
    grid = SHEETS.get(sheet.upper().removeprefix("AVERY").strip(" -"))
    if grid is None:
        raise UnknownLabelSize(size=sheet, sizes=", ".join(SHEETS))
    return grid


def _codes(
    ctx: ServiceContext, types: Iterable[BarcodeEntityType], ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, str]:
    found: dict[uuid.UUID, str] = {}
    rows = ctx.session.scalars(
        select(BarcodeMapping)
        .where(
            BarcodeMapping.entity_type.in_(list(types)),
            BarcodeMapping.entity_id.in_(list(ids)),
            BarcodeMapping.is_active.is_(True),
        )
        .order_by(BarcodeMapping.generated_at)
    )
    for mapping in rows:
        found[mapping.entity_id] = mapping.barcode_value  # the newest active code wins
    return found


def treatment_sheet(
    ctx: ServiceContext,
    treatment_ids: Iterable[uuid.UUID] | None = None,
    *,
    sheet: str | None = None,
    locale: str | None = None,
    outlines: bool = False,
) -> bytes:
    """Barcode labels of catalog treatments (all active ones by default), one label each."""
    ctx.authorize(P.CATALOG_READ, entity_type="treatment_catalog")
    query = select(TreatmentCatalogItem).order_by(TreatmentCatalogItem.name)
    wanted = list(treatment_ids or [])
    query = (
        query.where(TreatmentCatalogItem.id.in_(wanted))
        if wanted
        else query.where(TreatmentCatalogItem.is_active.is_(True))
    )
    items = list(ctx.session.scalars(query))
    codes = _codes(ctx, [BarcodeEntityType.TREATMENT], [item.id for item in items])
    where = _locale(ctx, locale)
    labels = [
        sheets.SheetLabel(item.name, _price_line(item, where), codes[item.id])
        for item in items
        if item.id in codes
    ]
    if not labels:
        raise NothingToPrint()

    return sheets.sheet_pdf(
        labels, _grid(ctx, sheet), where, title=translate(N_("Treatment barcodes"), where), outlines=outlines
    )


def _price_line(item: TreatmentCatalogItem, locale: str) -> str:
    price = cell(in_currency(item.base_price, item.currency), ValueKind.MONEY, locale, item.currency)
    minutes = translate(N_("%(minutes)s min"), locale, minutes=item.duration_minutes)
    return f"{item.currency} {price} · {minutes}"


def inventory_sheet(
    ctx: ServiceContext,
    item_ids: Iterable[uuid.UUID] | None = None,
    *,
    copies: int = 1,
    sheet: str | None = None,
    locale: str | None = None,
    outlines: bool = False,
) -> bytes:
    """Labels for stock items (all by default), `copies` of each, for shelves and boxes."""
    ctx.authorize(P.INVENTORY_READ, entity_type="inventory_item")
    query = select(InventoryItem).order_by(InventoryItem.name)
    wanted = list(item_ids or [])
    if wanted:
        query = query.where(InventoryItem.id.in_(wanted))
    items = list(ctx.session.scalars(query))
    mapped = _codes(
        ctx, [BarcodeEntityType.INVENTORY, BarcodeEntityType.MEDICINE], [item.id for item in items]
    )
    labels = []
    for item in items:
        code = mapped.get(item.id) or item.barcode_value
        if not code:
            continue
        detail = " · ".join(part for part in (item.sku, item.location) if part)
        readable = None if code in mapped.values() else code
        labels.extend([sheets.SheetLabel(item.name, detail, code, readable)] * min(max(copies, 1), 100))
    if not labels:
        raise NothingToPrint()
    where = _locale(ctx, locale)

    return sheets.sheet_pdf(
        labels, _grid(ctx, sheet), where, title=translate(N_("Inventory labels"), where), outlines=outlines
    )


# ---- receipts and invoices ------------------------------------------------------------------------


def _clinic_lines(ctx: ServiceContext) -> tuple[str, ...]:
    clinic = ctx.clinic
    return tuple(line for line in (clinic.address, clinic.phone, clinic.email) if line)


def receipt(
    ctx: ServiceContext,
    payment_id: uuid.UUID,
    *,
    locale: str | None = None,
    paper: Paper | None = None,
    receipt_paper: till.ReceiptPaper | None = None,
) -> bytes:
    """The receipt of one payment: what it paid for, discounts, tax inside the total, refunds since.

    On the clinic's page size, or on a till roll when the print settings (or `receipt_paper`) say so."""
    payment = ctx.session.scalars(
        select(PaymentRecord).where(PaymentRecord.id == payment_id, PaymentRecord.kind == PaymentKind.PAYMENT)
    ).one_or_none()
    ctx.authorize(
        P.PAYMENT_READ,
        entity_type="payment",
        entity_id=payment_id,
        patient_id=payment.patient_id if payment else None,
    )
    if payment is None:
        raise PaymentToPrintNotFound()
    patient = ctx.session.scalars(select(Patient).where(Patient.id == payment.patient_id)).one()
    currency = payment.currency
    items: list[billing.LineItem] = []
    treatment = None
    if payment.treatment_id is not None:
        treatment = ctx.session.scalars(
            select(TreatmentRecord).where(TreatmentRecord.id == payment.treatment_id)
        ).one_or_none()
    if treatment is not None and payment.amount == treatment.final_amount:
        items.append(
            billing.LineItem(
                treatment.treatment_name,
                1,
                in_currency(treatment.cost, currency),
                in_currency(treatment.discount_applied, currency),
                in_currency(payment.amount, currency),
            )
        )
    else:
        description = treatment.treatment_name if treatment is not None else L_("Payment on account")
        items.append(
            billing.LineItem(
                text(description, _locale(ctx, locale)),
                1,
                in_currency(payment.amount, currency),
                Decimal(0),
                in_currency(payment.amount, currency),
            )
        )
    refunds = list(
        ctx.session.scalars(
            select(PaymentRecord)
            .where(PaymentRecord.refund_of_id == payment.id, PaymentRecord.payment_status.in_(SETTLED))
            .order_by(PaymentRecord.paid_at)
        )
    )
    lines = [_payment_line(payment)] + [_payment_line(row) for row in refunds]
    document = billing.BillingDocument(
        kind=billing.DocumentKind.RECEIPT,
        number=f"R-{payment.id.hex[-10:].upper()}",
        issued=payment.payment_date,
        currency=currency,
        clinic_name=ctx.clinic.name,
        clinic_lines=_clinic_lines(ctx),
        bill_to=display_name(patient.first_name, patient.last_name),
        items=tuple(items),
        payment_discount=in_currency(payment.discount_applied, currency),
        total=in_currency(payment.final_amount, currency),
        tax_rate=ctx.clinic.tax_rate or Decimal(0),
        tax_included=in_currency(payment.tax_amount, currency),
        payments=tuple(lines),
        logo=_logo(ctx),
    )
    ctx.audit(
        "print.receipt",
        "payment",
        payment.id,
        patient_id=payment.patient_id,
        changed_fields=["first_name", "last_name"],
    )
    settings = _settings(ctx)
    chosen = receipt_paper or _receipt_paper(settings.receipt_paper if settings else "page")
    if chosen is till.ReceiptPaper.ROLL_80:
        return till.till_pdf(document, locale=_locale(ctx, locale))
    return billing.billing_pdf(
        document, locale=_locale(ctx, locale), paper=paper or paper_for(ctx.clinic.paper_size)
    )


def invoice(
    ctx: ServiceContext, appointment_id: uuid.UUID, *, locale: str | None = None, paper: Paper | None = None
) -> bytes:
    """The invoice of a visit: every treatment of the appointment, the payments so far, what is due."""
    appointment = ctx.session.scalars(
        select(Appointment).where(Appointment.id == appointment_id)
    ).one_or_none()
    ctx.authorize(
        P.PAYMENT_READ,
        entity_type="appointment",
        entity_id=appointment_id,
        patient_id=appointment.patient_id if appointment else None,
    )
    if appointment is None:
        raise NotFound()
    patient = ctx.session.scalars(select(Patient).where(Patient.id == appointment.patient_id)).one()
    treatments = list(
        ctx.session.scalars(
            select(TreatmentRecord)
            .where(TreatmentRecord.appointment_id == appointment.id)
            .order_by(TreatmentRecord.created_at)
        )
    )
    currency = treatments[0].currency if treatments else ctx.clinic.currency
    items = tuple(
        billing.LineItem(
            t.treatment_name,
            1,
            in_currency(t.cost, currency),
            in_currency(t.discount_applied, currency),
            in_currency(t.final_amount, currency),
        )
        for t in treatments
    )
    condition = PaymentRecord.appointment_id == appointment.id
    if treatments:
        condition = or_(condition, PaymentRecord.treatment_id.in_([t.id for t in treatments]))
    payments = list(
        ctx.session.scalars(
            select(PaymentRecord)
            .where(condition, PaymentRecord.payment_status.in_(SETTLED))
            .order_by(PaymentRecord.paid_at)
        )
    )
    charged = sum((t.final_amount for t in treatments), Decimal(0))
    settled = sum((p.amount for p in payments), Decimal(0))
    payment_discount = sum((p.discount_applied for p in payments), Decimal(0))
    rate = ctx.clinic.tax_rate or Decimal(0)
    # Prices include tax: the tax inside the invoice's total, as the payments service computes it.
    tax = (charged - payment_discount) * rate / (1 + rate)
    document = billing.BillingDocument(
        kind=billing.DocumentKind.INVOICE,
        number=f"INV-{appointment.reservation_id}",
        issued=appointment.appointment_date,
        currency=currency,
        clinic_name=ctx.clinic.name,
        clinic_lines=_clinic_lines(ctx),
        bill_to=display_name(patient.first_name, patient.last_name),
        items=items,
        payment_discount=in_currency(payment_discount, currency),
        total=in_currency(charged - payment_discount, currency),
        tax_rate=rate,
        tax_included=in_currency(tax, currency),
        payments=tuple(_payment_line(p) for p in payments),
        balance_due=in_currency(charged - settled, currency),
        logo=_logo(ctx),
    )
    ctx.audit(
        "print.invoice",
        "appointment",
        appointment.id,
        patient_id=appointment.patient_id,
        changed_fields=["first_name", "last_name"],
    )
    return billing.billing_pdf(
        document, locale=_locale(ctx, locale), paper=paper or paper_for(ctx.clinic.paper_size)
    )


def _payment_line(row: PaymentRecord) -> billing.PaymentLine:
    method = L_(row.payment_method.value) if row.payment_method else L_("Not recorded")
    return billing.PaymentLine(
        row.payment_date, method, in_currency(row.final_amount, row.currency), row.transaction_id
    )
