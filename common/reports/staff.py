"""Staff performance: what each staff member did in the period.

- Doctors: their appointments (by appointment date) and how they ended, the treatments they
  performed and billed (by treatment date), and the money received for those treatments (by
  payment date, net of refunds).
- Everyone: bookings they made (appointments created in the period), treatments they recorded,
  and payments they took (net of refunds they gave).

Filters: doctors (the doctors' table only).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import and_, func, select

from common.context import ServiceContext
from common.i18n import N_, LazyText
from common.payments.models import PaymentKind, PaymentRecord, PaymentStatus
from common.payments.money import in_currency
from common.reports import periods
from common.reports.base import ZERO, authorize, finish, label, money, rate, staff_label, staff_names
from common.reports.model import (
    Cell,
    Chart,
    ChartKind,
    Column,
    Figure,
    ReportData,
    ReportFilters,
    ReportRange,
    Section,
    Series,
    Table,
    ValueKind,
)
from common.scheduling.models import Appointment, AppointmentStatus
from common.staff.models import Role, StaffUser
from common.treatments.models import TreatmentRecord

A, T, P = Appointment, TreatmentRecord, PaymentRecord
N, M, PCT = ValueKind.COUNT, ValueKind.MONEY, ValueKind.PERCENT
SETTLED: Final = (PaymentStatus.COMPLETED, PaymentStatus.REFUNDED)


@dataclass
class DoctorWork:
    appointments: int = 0
    completed: int = 0
    no_shows: int = 0
    treatments: int = 0
    billed: Decimal = ZERO
    received: Decimal = ZERO


@dataclass
class DeskWork:
    bookings: int = 0
    recorded: int = 0
    payments: int = 0
    taken: Decimal = ZERO

    @property
    def any(self) -> bool:
        return bool(self.bookings or self.recorded or self.payments or self.taken)


def staff_performance_report(ctx: ServiceContext, period: ReportRange, filters: ReportFilters) -> ReportData:
    authorize(ctx, "staff-performance")
    currency = ctx.clinic.currency
    names = staff_names(ctx)
    roles = {
        row.id: row.role
        for row in ctx.session.execute(
            select(StaffUser.id, StaffUser.role).execution_options(include_deleted=True)
        )
    }

    def shown(amount: Decimal) -> Decimal:
        return in_currency(amount, currency)

    doctors: dict[uuid.UUID, DoctorWork] = defaultdict(DoctorWork)
    query = (
        select(A.doctor_id, A.status, func.count())
        .where(A.appointment_date >= period.first, A.appointment_date <= period.last)
        .group_by(A.doctor_id, A.status)
    )
    if filters.doctor_ids:
        query = query.where(A.doctor_id.in_(filters.doctor_ids))
    for doctor, status, count in ctx.session.execute(query):
        work = doctors[doctor]
        work.appointments += int(count)
        if status is AppointmentStatus.COMPLETED:
            work.completed += int(count)
        elif status is AppointmentStatus.NO_SHOW:
            work.no_shows += int(count)
    treatments = (
        select(T.doctor_id, func.count(), func.coalesce(func.sum(T.final_amount), 0))
        .where(T.treatment_date >= period.first, T.treatment_date <= period.last, T.currency == currency)
        .group_by(T.doctor_id)
    )
    if filters.doctor_ids:
        treatments = treatments.where(T.doctor_id.in_(filters.doctor_ids))
    for doctor, count, billed in ctx.session.execute(treatments):
        doctors[doctor].treatments += int(count)
        doctors[doctor].billed += money(billed)
    received = (
        select(T.doctor_id, func.coalesce(func.sum(P.final_amount), 0))
        .select_from(P)
        .join(T, and_(T.clinic_id == P.clinic_id, T.id == P.treatment_id))
        .where(*_payment_window(period, currency))
        .group_by(T.doctor_id)
    )
    if filters.doctor_ids:
        received = received.where(T.doctor_id.in_(filters.doctor_ids))
    for doctor, amount in ctx.session.execute(received):
        doctors[doctor].received += money(amount)

    desk: dict[uuid.UUID | None, DeskWork] = defaultdict(DeskWork)
    start, end = periods.instant_bounds(period, ctx.tz)
    for staff, count in ctx.session.execute(
        select(A.booked_by, func.count())
        .where(A.created_at >= start, A.created_at < end, A.booked_by.is_not(None))
        .group_by(A.booked_by)
    ):
        desk[staff].bookings += int(count)
    for staff, count in ctx.session.execute(
        select(T.recorded_by, func.count())
        .where(T.treatment_date >= period.first, T.treatment_date <= period.last, T.recorded_by.is_not(None))
        .group_by(T.recorded_by)
    ):
        desk[staff].recorded += int(count)
    for staff, kind, count, amount in ctx.session.execute(
        select(P.received_by, P.kind, func.count(), func.coalesce(func.sum(P.final_amount), 0))
        .where(*_payment_window(period, currency), P.received_by.is_not(None))
        .group_by(P.received_by, P.kind)
    ):
        if kind is PaymentKind.PAYMENT:
            desk[staff].payments += int(count)
        desk[staff].taken += money(amount)

    doctor_rows = sorted(
        ((staff_label(names, doctor), work) for doctor, work in doctors.items()),
        key=lambda pair: (-pair[1].received, -pair[1].billed, str(pair[0])),
    )
    whole = DoctorWork()
    for _name, work in doctor_rows:
        whole.appointments += work.appointments
        whole.completed += work.completed
        whole.no_shows += work.no_shows
        whole.treatments += work.treatments
        whole.billed += work.billed
        whole.received += work.received

    def doctor_cells(work: DoctorWork) -> tuple[Cell, ...]:
        return (
            work.appointments,
            work.completed,
            work.no_shows,
            work.treatments,
            shown(work.billed),
            shown(work.received),
            rate(work.received, whole.received),
        )

    doctor_section = Section(
        "doctors",
        N_("Doctors"),
        Table(
            (
                Column("doctor", N_("Doctor")),
                Column("appointments", N_("Appointments"), N),
                Column("completed", N_("Completed"), N),
                Column("no_show", N_("No-show"), N),
                Column("treatments", N_("Treatments"), N),
                Column("billed", N_("Billed"), M),
                Column("received", N_("Received"), M),
                Column("share", N_("Share"), PCT),
            ),
            tuple((name, *doctor_cells(work)) for name, work in doctor_rows),
            (LazyText(N_("Total")), *doctor_cells(whole)),
        ),
        Chart(
            ChartKind.HBAR,
            tuple(name for name, _w in doctor_rows),
            (
                Series(N_("Billed"), tuple(shown(w.billed) for _n, w in doctor_rows)),
                Series(N_("Received"), tuple(shown(w.received) for _n, w in doctor_rows)),
            ),
            M,
        )
        if doctor_rows
        else None,
        N_("Received: payments in the period for treatments the doctor performed, net of refunds."),
    )

    desk_rows = sorted(
        (
            (staff_label(names, staff), label(roles[staff].value) if staff in roles else None, work)
            for staff, work in desk.items()
            if work.any
        ),
        key=lambda row: (_role_order(row[1]), str(row[0])),
    )
    desk_total = DeskWork(
        sum(w.bookings for *_r, w in desk_rows),
        sum(w.recorded for *_r, w in desk_rows),
        sum(w.payments for *_r, w in desk_rows),
        sum((w.taken for *_r, w in desk_rows), ZERO),
    )
    desk_section = Section(
        "everyone",
        N_("Bookings, records and payments by staff member"),
        Table(
            (
                Column("staff", N_("Staff member")),
                Column("role", N_("Role")),
                Column("bookings", N_("Bookings made"), N),
                Column("recorded", N_("Treatments recorded"), N),
                Column("payments", N_("Payments taken"), N),
                Column("taken", N_("Amount taken"), M),
            ),
            tuple(
                (name, role, w.bookings, w.recorded, w.payments, shown(w.taken))
                for name, role, w in desk_rows
            ),
            (
                LazyText(N_("Total")),
                None,
                desk_total.bookings,
                desk_total.recorded,
                desk_total.payments,
                shown(desk_total.taken),
            ),
        ),
        Chart(
            ChartKind.HBAR,
            tuple(name for name, _r, w in desk_rows if w.bookings),
            (Series(N_("Bookings made"), tuple(w.bookings for _n, _r, w in desk_rows if w.bookings)),),
            N,
        )
        if any(w.bookings for *_r, w in desk_rows)
        else None,
        N_("Amount taken: payments the staff member received minus refunds they gave, in the period."),
    )
    figures = [
        Figure("appointments", N_("Appointments"), whole.appointments, N),
        Figure("treatments", N_("Treatments performed"), whole.treatments, N),
        Figure("billed", N_("Treatments billed"), shown(whole.billed), M),
        Figure("received", N_("Received for treatments"), shown(whole.received), M),
        Figure("bookings", N_("Bookings made"), desk_total.bookings, N),
    ]
    return finish(
        ctx,
        "staff-performance",
        N_("Staff performance report"),
        period,
        filters,
        figures,
        [doctor_section, desk_section],
    )


def _payment_window(period: ReportRange, currency: str) -> list[Any]:
    return [
        P.payment_date >= period.first,
        P.payment_date <= period.last,
        P.payment_status.in_(SETTLED),
        P.currency == currency,
    ]


_ROLE_ORDER: Final = {role.value: index for index, role in enumerate(Role)}


def _role_order(role: Cell) -> int:
    return _ROLE_ORDER.get(str(role), len(_ROLE_ORDER))
