"""Payments: taking money, tax, refunds (append-only), balances and the day's cash-up; on both
databases."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from common.context import ServiceContext
from common.errors import ClinicReadOnly, PermissionDenied
from common.payments import service as payments
from common.payments.errors import (
    AlreadyFullyRefunded,
    BalanceTargetRequired,
    DiscountExceedsAmount,
    InvalidPaymentMethod,
    PaymentExceedsBalance,
    PaymentNotFound,
    RefundExceedsPayment,
    RefundOfRefund,
    RefundReasonRequired,
    TaxRateInvalid,
    TreatmentAppointmentMismatch,
    TreatmentOfAnotherPatient,
)
from common.payments.models import PaymentKind, PaymentMethod, PaymentRecord, PaymentStatus
from common.payments.money import AmountNotPositive, AmountTooPrecise
from common.treatments import service as treatments
from common.treatments.models import TreatmentRecord
from tests.common.commerce_support import (
    audit_ids,
    make_appointment,
    make_patient,
    make_treatment,
    new_audit_rows,
    set_clinic,
    sql_statements,
    suspend,
)
from tests.conftest import ClinicWorld

CASH, CARD = PaymentMethod.CASH, PaymentMethod.CARD
TODAY = date(2026, 11, 23)
Op = Callable[[ServiceContext], Any]


@pytest.fixture
def patient(world):
    return make_patient(world)


def pay(
    world: ClinicWorld,
    patient_id: uuid.UUID,
    amount: Any,
    method: Any = CASH,
    who: str = "receptionist",
    **fields: Any,
) -> PaymentRecord:
    with world.ctx(who) as ctx:
        return payments.take_payment(ctx, patient_id, amount, method, **fields)


def refund(
    world: ClinicWorld,
    payment_id: uuid.UUID,
    amount: Any = None,
    who: str = "manager",
    reason: str = "Changed plan",
    **fields: Any,
) -> PaymentRecord:
    with world.ctx(who) as ctx:
        return payments.refund(ctx, payment_id, amount, reason=reason, **fields)


def treated(
    world: ClinicWorld,
    patient_id: uuid.UUID,
    price: str = "3000",
    discount: str = "0",
    appointment_id: uuid.UUID | None = None,
) -> TreatmentRecord:
    catalog_id = make_treatment(
        world, name=f"Treatment {price} {discount} {appointment_id}", base_price=price
    )
    with world.ctx("doctor") as ctx:
        return treatments.record_treatment(
            ctx,
            patient_id,
            catalog_id,
            doctor_id=world.staff["doctor"],
            discount=discount,
            appointment_id=appointment_id,
        ).record


# ---- taking payments ---------------------------------------------------------------------------


def test_take_payment(world, patient, clock):
    payment = pay(world, patient, "1500", discount="100.50", notes="Walk-in", transaction_id="POS-1")
    assert payment.kind is PaymentKind.PAYMENT and payment.payment_status is PaymentStatus.COMPLETED
    assert (payment.amount, payment.discount_applied, payment.final_amount, payment.tax_amount) == (
        Decimal("1500.00"),
        Decimal("100.50"),
        Decimal("1399.50"),
        Decimal("0.00"),
    )
    assert (payment.currency, payment.payment_method, payment.payment_date) == ("TWD", CASH, TODAY)
    assert (payment.paid_at, payment.received_by) == (clock.now(), world.staff["receptionist"])


def test_prices_are_tax_inclusive(world, patient):
    set_clinic(world, tax_rate=Decimal("0.05"))
    payment = pay(world, patient, "1050")
    assert (payment.final_amount, payment.tax_amount) == (Decimal("1050.00"), Decimal("50.00"))
    odd = pay(world, patient, "999", discount="99")
    assert (odd.final_amount, odd.tax_amount) == (Decimal("900.00"), Decimal("42.86"))  # 900 * 0.05 / 1.05


def test_a_misconfigured_tax_rate_is_refused(world, patient):
    set_clinic(world, tax_rate=Decimal("5"))
    with pytest.raises(TaxRateInvalid):
        pay(world, patient, "100")


def test_payment_date_is_the_clinic_local_day(world, patient, clock):
    clock.set(datetime(2026, 11, 23, 16, 30, tzinfo=UTC))  # 00:30 on the 24th in Taipei
    assert pay(world, patient, "10").payment_date == date(2026, 11, 24)


def test_a_payment_taken_offline_keeps_its_own_day_and_time(world, patient, clock):
    yesterday_evening = clock.now() - timedelta(hours=14)  # 18:00 on the 22nd in Taipei
    payment = pay(world, patient, "800", paid_at=yesterday_evening)
    assert (payment.paid_at, payment.payment_date) == (yesterday_evening, date(2026, 11, 22))
    with world.ctx("receptionist") as ctx:
        assert payments.cash_up(ctx, date(2026, 11, 22)).lines[0].payments_total == Decimal("800.00")
    back = refund(world, payment.id, "300", paid_at=yesterday_evening - timedelta(hours=1))
    assert back.paid_at == yesterday_evening  # never before the payment it gives back


def test_a_device_time_is_kept_within_now_and_a_month_back(world, patient, clock):
    assert pay(world, patient, "10", paid_at=clock.now() + timedelta(hours=3)).paid_at == clock.now()
    long_ago = pay(world, patient, "10", paid_at=clock.now() - timedelta(days=90))
    assert long_ago.paid_at == clock.now() - payments.OFFLINE_PAYMENT_DAYS


@pytest.mark.parametrize(
    ("amount", "fields", "error"),
    [
        ("0", {}, AmountNotPositive),
        ("10.001", {}, AmountTooPrecise),
        ("10", {"discount": "10.01"}, DiscountExceedsAmount),
        ("10", {"method": "Bitcoin"}, InvalidPaymentMethod),
    ],
)
def test_payment_validation(world, patient, amount, fields, error):
    fields = dict(fields)
    method = fields.pop("method", CASH)
    with pytest.raises(error):
        pay(world, patient, amount, method, **fields)


def test_payment_against_a_treatment(world, patient):
    appointment = make_appointment(world, patient)
    treatment = treated(world, patient, price="3000", discount="500", appointment_id=appointment)
    first = pay(world, patient, "1000", treatment_id=treatment.id)
    assert first.appointment_id == appointment  # taken from the treatment
    with world.ctx("doctor") as ctx:
        balance = payments.outstanding_balance(ctx, treatment_id=treatment.id)
    assert (balance.charged, balance.settled, balance.outstanding) == (
        Decimal("2500"),
        Decimal("1000"),
        Decimal("1500"),
    )
    with pytest.raises(PaymentExceedsBalance):
        pay(world, patient, "1500.01", treatment_id=treatment.id)
    pay(world, patient, "1500", CARD, treatment_id=treatment.id, discount="100")  # settles with a discount
    with world.ctx("doctor") as ctx:
        balance = payments.outstanding_balance(ctx, treatment_id=treatment.id)
    assert (balance.settled, balance.received, balance.outstanding) == (
        Decimal("2500"),
        Decimal("2400"),
        Decimal("0"),
    )


def test_treatment_and_appointment_must_match_the_patient(world, patient):
    other = make_patient(world, "Ken", "Lee")
    theirs = treated(world, other)
    with pytest.raises(TreatmentOfAnotherPatient):
        pay(world, patient, "10", treatment_id=theirs.id)
    appointment = make_appointment(world, patient)
    another_appointment = make_appointment(world, patient)
    mine = treated(world, patient, appointment_id=appointment)
    with pytest.raises(TreatmentAppointmentMismatch):
        pay(world, patient, "10", treatment_id=mine.id, appointment_id=another_appointment)


def test_appointment_balance_allows_deposits(world, patient):
    appointment = make_appointment(world, patient)
    deposit = pay(world, patient, "500", appointment_id=appointment)
    with world.ctx("receptionist") as ctx:
        assert payments.outstanding_balance(ctx, appointment_id=appointment).outstanding == Decimal("-500")
    treatment = treated(world, patient, price="2000", appointment_id=appointment)
    pay(world, patient, "1000", treatment_id=treatment.id)
    with world.ctx("receptionist") as ctx:
        balance = payments.outstanding_balance(ctx, appointment_id=appointment)
    assert (balance.charged, balance.settled, balance.outstanding) == (
        Decimal("2000"),
        Decimal("1500"),
        Decimal("500"),
    )
    refund(world, deposit.id)
    with world.ctx("receptionist") as ctx:
        assert payments.outstanding_balance(ctx, appointment_id=appointment).outstanding == Decimal("1000")
    with pytest.raises(BalanceTargetRequired), world.ctx("receptionist") as ctx:
        payments.outstanding_balance(ctx)


# ---- refunds -----------------------------------------------------------------------------------


def test_full_refund_marks_the_payment_refunded_and_nets_to_zero(world, patient):
    set_clinic(world, tax_rate=Decimal("0.05"))
    payment = pay(world, patient, "2100", CARD, discount="100")
    back = refund(world, payment.id)
    assert (back.kind, back.refund_of_id, back.payment_method) == (PaymentKind.REFUND, payment.id, CARD)
    assert back.final_amount == Decimal("-2000.00") and back.notes == "Changed plan"
    with world.ctx("manager") as ctx:
        original = payments.get_payment(ctx, payment.id)
        rows = ctx.session.scalars(select(PaymentRecord).where(PaymentRecord.patient_id == patient)).all()
    assert original.payment_status is PaymentStatus.REFUNDED
    for column in ("amount", "discount_applied", "tax_amount", "final_amount"):
        assert sum(getattr(row, column) for row in rows) == 0, column
    # The payment's money columns were never edited: only its status.
    assert (original.amount, original.final_amount, original.version) == (Decimal("2100"), Decimal("2000"), 2)


def test_partial_refunds_never_exceed_the_payment(world, patient):
    payment = pay(world, patient, "1000")
    refund(world, payment.id, "300")
    refund(world, payment.id, "300")
    with pytest.raises(RefundExceedsPayment) as refused:
        refund(world, payment.id, "400.01")
    assert refused.value.params == {"remaining": "400.00", "currency": "TWD"}
    with world.ctx("manager") as ctx:
        assert payments.refundable_amount(ctx, payment.id) == Decimal("400")
        assert payments.get_payment(ctx, payment.id).payment_status is PaymentStatus.COMPLETED
    last = refund(world, payment.id)  # the rest
    assert last.final_amount == Decimal("-400")
    with pytest.raises(AlreadyFullyRefunded):
        refund(world, payment.id, "1")


def test_refund_rules(world, patient):
    payment = pay(world, patient, "100")
    back = refund(world, payment.id, "10")
    with pytest.raises(RefundOfRefund):
        refund(world, back.id)
    with pytest.raises(RefundReasonRequired):
        refund(world, payment.id, reason="  ")
    with pytest.raises(AmountNotPositive):
        refund(world, payment.id, "0")
    cash_back = refund(world, payment.id, "5", method=PaymentMethod.BANK_TRANSFER)
    assert cash_back.payment_method is PaymentMethod.BANK_TRANSFER


def test_a_refund_reopens_a_treatment_balance(world, patient):
    treatment = treated(world, patient, price="1000")
    payment = pay(world, patient, "1000", treatment_id=treatment.id)
    refund(world, payment.id, "250")
    with world.ctx("receptionist") as ctx:
        balance = payments.outstanding_balance(ctx, treatment_id=treatment.id)
    assert (balance.received, balance.outstanding) == (Decimal("750"), Decimal("250"))
    pay(world, patient, "250", treatment_id=treatment.id)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    paid=st.integers(1, 100_000).map(lambda cents: Decimal(cents).scaleb(-2)),
    discount_share=st.integers(0, 100),
    refunds=st.lists(
        st.one_of(st.none(), st.integers(1, 120_000).map(lambda c: Decimal(c).scaleb(-2))), max_size=6
    ),
)
def test_refunds_can_never_exceed_the_payment(world, paid, discount_share, refunds):
    set_clinic(world, tax_rate=Decimal("0.05"))
    patient_id = make_patient(world)
    discount = (paid * discount_share / 100).quantize(Decimal("0.01"))
    if discount == paid:
        discount = Decimal(0)
    payment = pay(world, patient_id, paid, discount=discount)
    given_back = Decimal(0)
    for wanted in refunds:
        remaining = payment.final_amount - given_back
        try:
            row = refund(world, payment.id, wanted)
        except RefundExceedsPayment:
            assert wanted is not None and wanted > remaining
            continue
        except AlreadyFullyRefunded:
            assert remaining == 0
            continue
        given_back -= row.final_amount
        assert wanted is None or -row.final_amount == wanted
    with world.ctx("manager") as ctx:
        rows = ctx.session.scalars(select(PaymentRecord).where(PaymentRecord.patient_id == patient_id)).all()
        status = payments.get_payment(ctx, payment.id).payment_status
    refunded = -sum((r.final_amount for r in rows if r.kind is PaymentKind.REFUND), Decimal(0))
    assert refunded == given_back <= payment.final_amount
    assert (status is PaymentStatus.REFUNDED) == (refunded == payment.final_amount)
    for column in ("discount_applied", "tax_amount"):
        returned = -sum((getattr(r, column) for r in rows if r.kind is PaymentKind.REFUND), Decimal(0))
        assert 0 <= returned <= getattr(payment, column)
        if status is PaymentStatus.REFUNDED:
            assert returned == getattr(payment, column)


# ---- cash-up -----------------------------------------------------------------------------------


def test_cash_up_by_method_in_one_grouped_query(world, other_world, patient, clock, engine):
    yesterday_card = pay(world, patient, "700", CARD)
    clock.advance(timedelta(days=1))
    pay(world, patient, "1000", CASH, discount="100")
    cash = pay(world, patient, "500", CASH)
    card = pay(world, patient, "2000", CARD)
    refund(world, cash.id, "200")
    refund(world, yesterday_card.id)  # refunded today: counts today
    refund(world, card.id, "50", method=CASH)
    pay(other_world, make_patient(other_world), "9999", CASH)
    day = TODAY + timedelta(days=1)
    with world.ctx("receptionist") as ctx, sql_statements(engine) as statements:
        result = payments.cash_up(ctx, day)
    assert len([s for s in statements if "payment_records" in s]) == 1
    by_method = {line.method: line for line in result.lines}
    assert set(by_method) == {CASH, CARD}
    cash_line, card_line = by_method[CASH], by_method[CARD]
    assert (cash_line.payments_total, cash_line.payment_count) == (Decimal("1400"), 2)
    assert (cash_line.refunds_total, cash_line.refund_count) == (Decimal("250"), 2)
    assert (cash_line.net_total, cash_line.discount_total) == (Decimal("1150"), Decimal("100"))
    assert (card_line.payments_total, card_line.refunds_total, card_line.net_total) == (
        Decimal("2000"),
        Decimal("700"),
        Decimal("1300"),
    )
    assert result.net_total("TWD") == Decimal("2450")

    # The same figures computed in Python from the rows.
    with world.ctx("manager") as ctx:
        rows = ctx.session.scalars(select(PaymentRecord).where(PaymentRecord.payment_date == day)).all()
    for method, line in by_method.items():
        mine = [r for r in rows if r.payment_method is method]
        assert line.net_total == sum(r.final_amount for r in mine)
        assert line.payments_total == sum(r.final_amount for r in mine if r.kind is PaymentKind.PAYMENT)
        assert line.refunds_total == -sum(r.final_amount for r in mine if r.kind is PaymentKind.REFUND)
        assert line.payment_count == len([r for r in mine if r.kind is PaymentKind.PAYMENT])
        assert line.refund_count == len([r for r in mine if r.kind is PaymentKind.REFUND])
        assert line.discount_total == sum(r.discount_applied for r in mine)
        assert line.tax_total == sum(r.tax_amount for r in mine)


def test_cash_up_of_an_empty_day(world):
    with world.ctx("manager") as ctx:
        result = payments.cash_up(ctx, TODAY)
    assert result.lines == () and result.net_total("TWD") == 0


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    entries=st.lists(
        st.tuples(
            st.sampled_from(list(PaymentMethod)),
            st.integers(2, 50_000).map(lambda c: Decimal(c).scaleb(-2)),
            st.integers(0, 2),  # hour offset: crosses the local midnight
            st.booleans(),  # refund half of it
        ),
        min_size=1,
        max_size=6,
    )
)
def test_cash_up_equals_the_rows_summed_in_python(world, clock, entries):
    patient_id = make_patient(world)
    for method, amount, hours, half_back in entries:
        clock.set(datetime(2026, 11, 30, 15, 0, tzinfo=UTC) + timedelta(hours=hours))  # 23:00-01:00 Taipei
        payment = pay(world, patient_id, amount, method)
        if half_back:
            refund(world, payment.id, (amount / 2).quantize(Decimal("0.01")))
    for day in (date(2026, 11, 30), date(2026, 12, 1)):
        with world.ctx("manager") as ctx:
            result = payments.cash_up(ctx, day)
            rows = ctx.session.scalars(select(PaymentRecord).where(PaymentRecord.payment_date == day)).all()
        expected: dict[PaymentMethod | None, Decimal] = {}
        for row in rows:
            expected[row.payment_method] = expected.get(row.payment_method, Decimal(0)) + row.final_amount
        assert {line.method: line.net_total for line in result.lines} == expected
        assert sum(line.payment_count + line.refund_count for line in result.lines) == len(rows)


# ---- reading, audit, permissions, suspension ---------------------------------------------------


def test_each_operation_writes_exactly_one_audit_row(world, patient):
    treatment = treated(world, patient)
    state: dict[str, Any] = {}
    operations: list[tuple[str, str, Op]] = [
        (
            "receptionist",
            "payment.take",
            lambda ctx: payments.take_payment(ctx, patient, "100", CASH, treatment_id=treatment.id),
        ),
        (
            "manager",
            "payment.refund",
            lambda ctx: payments.refund(ctx, state["id"], "10", reason="Overcharged"),
        ),
        ("doctor", "payment.read", lambda ctx: payments.get_payment(ctx, state["id"])),
        ("doctor", "payment.list", lambda ctx: payments.list_patient_payments(ctx, patient)),
        (
            "nurse",
            "payment.balance",
            lambda ctx: payments.outstanding_balance(ctx, treatment_id=treatment.id),
        ),
    ]
    for who, action, operation in operations:
        before = audit_ids(world)
        with world.ctx(who) as ctx:
            result = operation(ctx)
        state.setdefault("id", getattr(result, "id", None))
        rows = new_audit_rows(world, before)
        assert [(r.action, r.patient_id, r.actor_id) for r in rows] == [(action, patient, world.staff[who])]
    before = audit_ids(world)
    with world.ctx("manager") as ctx:
        payments.cash_up(ctx, TODAY)
    assert [(r.action, r.patient_id) for r in new_audit_rows(world, before)] == [("payment.cash_up", None)]


def test_list_patient_payments_newest_first(world, patient, clock):
    first = pay(world, patient, "10")
    clock.advance(timedelta(minutes=5))
    back = refund(world, first.id, "5")
    with world.ctx("receptionist") as ctx:
        assert [p.id for p in payments.list_patient_payments(ctx, patient)] == [back.id, first.id]


def test_permissions(world, patient):
    payment = pay(world, patient, "100")
    refusals: list[tuple[str, Op]] = [
        ("manager", lambda ctx: payments.take_payment(ctx, patient, "1", CASH)),
        ("doctor", lambda ctx: payments.take_payment(ctx, patient, "1", CASH)),
        ("receptionist", lambda ctx: payments.refund(ctx, payment.id, reason="x")),
        ("nurse", lambda ctx: payments.refund(ctx, payment.id, reason="x")),
        ("nurse", lambda ctx: payments.cash_up(ctx, TODAY)),
        ("doctor", lambda ctx: payments.cash_up(ctx, TODAY)),
    ]
    for who, action in refusals:
        with pytest.raises(PermissionDenied), world.ctx(who) as ctx:
            action(ctx)
    refund(world, payment.id, "1", who="admin")
    pay(world, patient, "1", who="admin")


def test_another_clinics_payment_is_not_found(world, other_world, patient):
    payment = pay(world, patient, "100")
    with pytest.raises(PaymentNotFound), other_world.ctx("manager") as ctx:
        payments.refund(ctx, payment.id, reason="x")
    with pytest.raises(PaymentNotFound), other_world.ctx("manager") as ctx:
        payments.get_payment(ctx, payment.id)


def test_suspended_clinic_refuses_writes_but_reads(world, patient):
    payment = pay(world, patient, "100")
    suspend(world)
    with pytest.raises(ClinicReadOnly):
        pay(world, patient, "1")
    with pytest.raises(ClinicReadOnly):
        refund(world, payment.id)
    with world.ctx("manager") as ctx:
        assert payments.cash_up(ctx, TODAY).net_total("TWD") == Decimal("100")
        assert [p.id for p in payments.list_patient_payments(ctx, patient)] == [payment.id]
        assert payments.refundable_amount(ctx, payment.id) == Decimal("100")
