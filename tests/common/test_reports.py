"""Reports equal what the database holds: every figure is computed here again from the raw rows,
on SQLite and PostgreSQL."""

from __future__ import annotations

import statistics
import uuid
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from common.audit.models import AuditLog
from common.catalog.models import TreatmentCatalogItem, TreatmentKind
from common.errors import PermissionDenied
from common.inventory.models import InventoryItem, InventoryMovement, MovementKind
from common.licensing.service import activity_figures
from common.payments import service as payments
from common.payments.models import PaymentKind, PaymentMethod, PaymentRecord
from common.reports.errors import CashUpNeedsOneDay, ReportRangeReversed, ReportRangeTooLong, UnknownReport
from common.reports.model import Granularity, ReportFilters, ReportRange
from common.reports.registry import REPORTS, run_report
from common.scheduling.models import Appointment, AppointmentStatus
from common.treatments.models import TreatmentRecord
from tests.common.commerce_support import make_patient
from tests.common.reports_support import FIRST_DAY, LAST_DAY, MONDAY, History, build_history
from tests.conftest import ClinicWorld

PERIOD = ReportRange(FIRST_DAY, LAST_DAY)
TWO = Decimal("0.01")


@pytest.fixture
def history(world: ClinicWorld, clock) -> History:
    return build_history(world, clock)


def rows(world: ClinicWorld, model):
    with world.db.session(world.clinic_id) as session:
        return list(session.scalars(select(model)))


def run(
    world: ClinicWorld,
    name: str,
    period: ReportRange = PERIOD,
    filters: ReportFilters | None = None,
    who="manager",
):
    with world.ctx(who) as ctx:
        return run_report(ctx, name, period, filters)


def names(world: ClinicWorld) -> dict[str, str]:
    return {"doctor": "Dora Lin", "doctor2": "Ken Wu"}


# ---- revenue ---------------------------------------------------------------------------------------


def test_revenue_equals_the_payment_rows(world, history):
    all_rows = [r for r in rows(world, PaymentRecord) if FIRST_DAY <= r.payment_date <= LAST_DAY]
    paid = [r for r in all_rows if r.kind is PaymentKind.PAYMENT]
    refunds = [r for r in all_rows if r.kind is PaymentKind.REFUND]
    received = sum(r.final_amount for r in paid)
    refunded = -sum(r.final_amount for r in refunds)
    assert refunded == Decimal("1500.45")

    report = run(world, "revenue")
    assert report.figure("received") == received.quantize(TWO)
    assert report.figure("refunded") == refunded.quantize(TWO)
    assert report.figure("net") == (received - refunded).quantize(TWO)
    assert report.figure("payments") == len(paid)
    treatments = [t for t in rows(world, TreatmentRecord) if FIRST_DAY <= t.treatment_date <= LAST_DAY]
    assert report.figure("billed") == sum(t.final_amount for t in treatments).quantize(TWO)
    assert report.figure("discounts") == (
        sum(t.discount_applied for t in treatments) + sum(r.discount_applied for r in all_rows)
    ).quantize(TWO)

    by_period = report.section("by_period").table
    days = {row[0]: row for row in by_period.rows}
    for day in (MONDAY, MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)):
        day_rows = [r for r in all_rows if r.payment_date == day]
        net = sum(r.final_amount for r in day_rows)
        assert days[day][-1] == net.quantize(TWO)
    assert by_period.total[-1] == (received - refunded).quantize(TWO)

    by_method = report.section("by_method").table
    for method in PaymentMethod:
        method_rows = [r for r in all_rows if r.payment_method is method]
        if not method_rows:
            continue
        line = by_method.row_for(method.value)
        assert line["net"] == sum(r.final_amount for r in method_rows).quantize(TWO)
        assert line["payments"] == sum(1 for r in method_rows if r.kind is PaymentKind.PAYMENT)

    treatment_of = {t.id: t for t in rows(world, TreatmentRecord)}
    doctor_names = names(world)
    by_doctor: dict[str, Decimal] = defaultdict(Decimal)
    by_treatment: dict[str, Decimal] = defaultdict(Decimal)
    kinds = {c.id: c.category for c in rows(world, TreatmentCatalogItem)}
    by_kind: dict[str, Decimal] = defaultdict(Decimal)
    for r in all_rows:
        t = treatment_of[r.treatment_id]
        key = next(k for k, v in world.staff.items() if v == t.doctor_id)
        by_doctor[doctor_names[key]] += r.final_amount
        by_treatment[t.treatment_name] += r.final_amount
        by_kind[kinds[t.treatment_type_id].value] += r.final_amount
    for section, expected in (
        ("by_doctor", by_doctor),
        ("by_treatment", by_treatment),
        ("by_category", by_kind),
    ):
        table = report.section(section).table
        assert {row[0]: row[-2] for row in table.rows} == {k: v.quantize(TWO) for k, v in expected.items()}
        assert sum(row[-1] for row in table.rows) == pytest.approx(Decimal(1), abs=Decimal("0.0003"))

    refund_table = report.section("refunds").table
    assert refund_table.total[-1] == refunded.quantize(TWO)
    assert sum(row[2] for row in refund_table.rows) == len(refunds)


def test_revenue_filters_narrow_to_a_doctor_and_a_method(world, history):
    treatment_doctor = {t.id: t.doctor_id for t in rows(world, TreatmentRecord)}
    all_rows = [r for r in rows(world, PaymentRecord) if FIRST_DAY <= r.payment_date <= LAST_DAY]
    doctor = world.staff["doctor2"]
    report = run(world, "revenue", filters=ReportFilters(doctor_ids=frozenset({doctor})))
    expected = sum(r.final_amount for r in all_rows if treatment_doctor[r.treatment_id] == doctor)
    assert report.figure("net") == expected.quantize(TWO)
    assert report.filter_labels == ("Ken Wu",)

    cash = run(world, "revenue", filters=ReportFilters(payment_methods=frozenset({PaymentMethod.CASH})))
    assert cash.figure("net") == sum(
        r.final_amount for r in all_rows if r.payment_method is PaymentMethod.CASH
    )

    kind = run(
        world, "revenue", filters=ReportFilters(treatment_kinds=frozenset({TreatmentKind.THERAPEUTIC}))
    )
    laser = {t.id for t in rows(world, TreatmentRecord) if t.treatment_type_id == history.laser}
    assert kind.figure("net") == sum(r.final_amount for r in all_rows if r.treatment_id in laser).quantize(
        TWO
    )


def test_revenue_weeks_and_months_fold_the_same_days(world, history):
    by_day = run(world, "revenue", filters=ReportFilters(granularity=Granularity.DAY))
    by_month = run(world, "revenue", filters=ReportFilters(granularity=Granularity.MONTH))
    assert len(by_day.section("by_period").table.rows) == 3
    assert [row[0] for row in by_month.section("by_period").table.rows] == [MONDAY.replace(day=1)]
    assert by_month.section("by_period").table.rows[0][-1] == by_day.figure("net")


def test_cash_up_report_is_the_payments_cash_up(world, history):
    day = MONDAY + timedelta(days=2)
    report = run(world, "cash-up", ReportRange(day, day))
    with world.ctx("manager") as ctx:
        expected = payments.cash_up(ctx, day)
    table = report.section("cash_up").table
    assert report.figure("net") == expected.net_total("TWD")
    for line in expected.lines:
        assert line.method is not None
        row = table.row_for(line.method.value)
        assert (row["received"], row["refunded"], row["net"]) == (
            line.payments_total,
            line.refunds_total,
            line.net_total,
        )
    with pytest.raises(CashUpNeedsOneDay):
        run(world, "cash-up")


# ---- appointments ---------------------------------------------------------------------------------


def test_appointments_report_counts_statuses_rates_and_lead_times(world, history):
    appointments = [a for a in rows(world, Appointment) if FIRST_DAY <= a.appointment_date <= LAST_DAY]
    counts = Counter(a.status for a in appointments)
    report = run(world, "appointments")
    assert report.figure("appointments") == len(appointments)
    assert report.figure("completed") == counts[AppointmentStatus.COMPLETED]
    reached = sum(
        counts[s]
        for s in (
            AppointmentStatus.CHECKED_IN,
            AppointmentStatus.IN_PROGRESS,
            AppointmentStatus.COMPLETED,
            AppointmentStatus.NO_SHOW,
        )
    )
    assert report.figure("no_show_rate") == (Decimal(counts[AppointmentStatus.NO_SHOW]) / reached).quantize(
        Decimal("0.0001")
    )
    assert report.figure("cancellation_rate") == (
        Decimal(counts[AppointmentStatus.CANCELLED]) / len(appointments)
    ).quantize(Decimal("0.0001"))
    status_table = report.section("by_status").table
    assert {row[0]: row[1] for row in status_table.rows} == {s.value: n for s, n in counts.items()}

    leads = [(a.appointment_date - (a.created_at + timedelta(hours=8)).date()).days for a in appointments]
    assert report.figure("median_lead_days") == Decimal(statistics.median(leads)).quantize(Decimal("0.1"))
    lead_table = report.section("lead_time").table
    assert sum(row[1] for row in lead_table.rows) == len(appointments)

    doctor = report.section("by_doctor").table.row_for("Dora Lin")
    mine = [a for a in appointments if a.doctor_id == world.staff["doctor"]]
    assert doctor["appointments"] == len(mine)
    assert doctor["no_show"] == sum(1 for a in mine if a.status is AppointmentStatus.NO_SHOW)

    checked = [a for a in appointments if a.check_in_time is not None]
    check_in = report.section("check_in").table
    assert check_in.total[1] == len(checked) == 4
    early = sorted(int((a.starts_at - a.check_in_time).total_seconds() // 60) for a in checked)
    assert check_in.total[2] == Decimal(statistics.median(early)).quantize(Decimal("0.1"))
    stays = [
        int((a.check_out_time - a.check_in_time).total_seconds() // 60) for a in checked if a.check_out_time
    ]
    assert check_in.total[4] == Decimal(statistics.median(stays)).quantize(Decimal("0.1"))


def test_appointment_filters(world, history):
    only = run(world, "appointments", filters=ReportFilters(doctor_ids=frozenset({world.staff["doctor2"]})))
    appointments = [
        a
        for a in rows(world, Appointment)
        if a.doctor_id == world.staff["doctor2"] and a.appointment_date >= FIRST_DAY
    ]
    assert only.figure("appointments") == len(appointments)


# ---- treatments -----------------------------------------------------------------------------------


def test_treatments_report_counts_and_follow_ups(world, history):
    records = [t for t in rows(world, TreatmentRecord) if FIRST_DAY <= t.treatment_date <= LAST_DAY]
    report = run(world, "treatments")
    assert report.figure("performed") == len(records)
    assert report.figure("billed") == sum(t.final_amount for t in records).quantize(TWO)
    top = report.section("top").table
    for name, count in Counter(t.treatment_name for t in records).items():
        assert top.row_for(name)["performed"] == count
    assert top.rows[0][2] == max(Counter(t.treatment_name for t in records).values())
    assert report.section("by_doctor").table.row_for("Dora Lin")["performed"] == sum(
        1 for t in records if t.doctor_id == world.staff["doctor"]
    )

    due = [
        t
        for t in rows(world, TreatmentRecord)
        if t.follow_up_required and FIRST_DAY <= t.follow_up_date <= LAST_DAY
    ]
    back = [
        t
        for t in due
        if any(
            o.patient_id == t.patient_id and o.treatment_date > t.treatment_date
            for o in rows(world, TreatmentRecord)
        )
    ]
    follow = report.section("follow_ups").table
    assert report.figure("follow_ups_due") == len(due) == follow.total[1] == 1
    assert follow.total[2] == len(back) == 1


# ---- patients ----------------------------------------------------------------------------------------


def test_patient_growth_new_returning_and_the_licence_count(world, history, clock):
    clock.set(clock.now().replace(hour=12))
    extra = make_patient(world, "Late", "Comer")  # registered inside the period
    assert extra
    report = run(world, "patient-growth")
    assert report.figure("new") == 1
    visits = {(t.patient_id, t.treatment_date) for t in rows(world, TreatmentRecord)}
    visits |= {
        (a.patient_id, a.appointment_date)
        for a in rows(world, Appointment)
        if a.status
        in (AppointmentStatus.CHECKED_IN, AppointmentStatus.IN_PROGRESS, AppointmentStatus.COMPLETED)
    }
    seen = {p for p, day in visits if FIRST_DAY <= day <= LAST_DAY}
    assert report.figure("seen") == len(seen)
    first: dict[uuid.UUID, date] = {}
    for patient, day in sorted(visits, key=lambda pair: pair[1]):
        first.setdefault(patient, day)
    assert report.figure("first_visit") == sum(1 for p in seen if FIRST_DAY <= first[p] <= LAST_DAY)
    with world.ctx("manager") as ctx:
        qau = activity_figures(ctx, LAST_DAY, 90).active_patients
    assert report.figure("qau") == qau
    languages = report.section("languages").table
    assert languages.total[1] == len(history.patients) + 1


# ---- staff --------------------------------------------------------------------------------------------


def test_staff_performance_per_doctor_and_desk(world, history):
    report = run(world, "staff-performance")
    records = [t for t in rows(world, TreatmentRecord) if FIRST_DAY <= t.treatment_date <= LAST_DAY]
    dora = report.section("doctors").table.row_for("Dora Lin")
    mine = [t for t in records if t.doctor_id == world.staff["doctor"]]
    assert dora["treatments"] == len(mine)
    assert dora["billed"] == sum(t.final_amount for t in mine).quantize(TWO)
    treatment_ids = {t.id for t in mine}
    pays = [
        r
        for r in rows(world, PaymentRecord)
        if r.treatment_id in treatment_ids and FIRST_DAY <= r.payment_date <= LAST_DAY
    ]
    assert dora["received"] == sum(r.final_amount for r in pays).quantize(TWO)
    desk = report.section("everyone").table.row_for("Rita Huang")
    taken = [r for r in rows(world, PaymentRecord) if r.received_by == world.staff["receptionist"]]
    assert desk["payments"] == len(taken)
    assert desk["taken"] == sum(r.final_amount for r in taken).quantize(TWO)


# ---- inventory ------------------------------------------------------------------------------------------


def test_inventory_stock_value_usage_and_waste(world, history):
    report = run(world, "inventory")
    items = {i.id: i for i in rows(world, InventoryItem)}
    movements = rows(world, InventoryMovement)
    stock = report.section("stock").table
    total = Decimal(0)
    for item_id, item in items.items():
        on_hand = sum(m.quantity for m in movements if m.item_id == item_id)
        line = stock.row_for(item.name)
        assert line["on_hand"] == on_hand
        assert line["value"] == (item.unit_cost * on_hand).quantize(TWO)
        total += item.unit_cost * on_hand
    assert report.figure("stock_value") == total.quantize(TWO)
    usage = report.section("usage").table
    gloves_used = -sum(
        m.quantity for m in movements if m.item_id == history.gloves and m.kind is MovementKind.USE
    )
    assert usage.row_for("Nitrile gloves")["used"] == gloves_used == 8
    waste = report.section("waste").table
    assert waste.row_for("Cooling gel")["wasted"] == 2
    assert report.figure("waste_value") == Decimal("71.00")
    by_treatment = report.section("by_treatment").table
    assert sum(row[3] for row in by_treatment.rows) == -sum(
        m.quantity for m in movements if m.kind is MovementKind.USE
    )


# ---- rules ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_every_report_needs_report_view_and_is_audited(world, history, name):
    period = ReportRange(LAST_DAY, LAST_DAY)
    with pytest.raises(PermissionDenied), world.ctx("receptionist") as ctx:
        run_report(ctx, name, period)
    before = {a.id for a in rows(world, AuditLog)}
    run(world, name, period, who="admin")
    new = [a for a in rows(world, AuditLog) if a.id not in before]
    assert any(a.action == f"report.{name}" and a.patient_id is None for a in new)


def test_another_clinics_money_is_not_counted(world, other_world, history):
    report = run(other_world, "revenue")
    assert report.figure("net") == 0
    assert report.figure("payments") == 0


def test_ranges_and_names_are_checked(world):
    with pytest.raises(ReportRangeReversed):
        ReportRange(LAST_DAY, FIRST_DAY)
    with pytest.raises(ReportRangeTooLong):
        ReportRange(FIRST_DAY, FIRST_DAY + timedelta(days=4000))
    with pytest.raises(UnknownReport), world.ctx("manager") as ctx:
        run_report(ctx, "profits", PERIOD)
