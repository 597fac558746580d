"""Patient growth: new and returning patients, patients active per month (as the licence counts
them), retention of new patients, and patients by language. Counts only, never a patient.

- New patient: registered in the period (merged duplicates do not count).
- A visit: an attended appointment (Checked-in, In-progress or Completed) or a treatment record,
  on its clinic-local date. A patient seen in a period is "first visit" if their first visit ever
  falls in that period, else "returning".
- Active patients (QAU): the licence's own count (common.licensing.service.activity_figures) over
  the 90 days ending on the period's last day.
- Retention: of the patients whose first visit was in a month, those with another visit within 90
  days of it.

Filters: granularity.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import Any, Final

from sqlalchemy import func, select, union_all

from common.context import ServiceContext
from common.i18n import LANGUAGE_NATIVE_NAMES, N_, LazyText, normalize_locale
from common.licensing.service import activity_figures
from common.patients.models import Patient
from common.reports import periods
from common.reports.base import authorize, finish, rate
from common.reports.model import (
    Chart,
    ChartKind,
    Column,
    Figure,
    Granularity,
    ReportData,
    ReportFilters,
    ReportRange,
    Section,
    Series,
    Table,
    ValueKind,
)
from common.scheduling.models import Appointment, AppointmentStatus
from common.treatments.models import TreatmentRecord

N, PCT = ValueKind.COUNT, ValueKind.PERCENT
ATTENDED: Final = (AppointmentStatus.CHECKED_IN, AppointmentStatus.IN_PROGRESS, AppointmentStatus.COMPLETED)
QAU_DAYS: Final = 90
RETURN_DAYS: Final = 90


def patient_growth_report(ctx: ServiceContext, period: ReportRange, filters: ReportFilters) -> ReportData:
    authorize(ctx, "patient-growth")
    zone = ctx.tz
    granularity = filters.period_granularity(period)
    starts = periods.buckets(period, granularity)
    kind = periods.PERIOD_KIND[granularity]
    today = ctx.now().astimezone(zone).date()

    start, end = periods.instant_bounds(period, zone)
    registered = ctx.session.execute(
        select(Patient.created_at, Patient.preferred_language).where(
            Patient.created_at >= start, Patient.created_at < end, Patient.merged_into_id.is_(None)
        )
    ).all()
    new_by_period: Counter[date] = Counter()
    new_by_language: Counter[str] = Counter()
    for created_at, language in registered:
        new_by_period[periods.bucket(periods.local_date(created_at, zone), granularity)] += 1
        new_by_language[language.value] += 1

    first_visit = _first_visits(ctx, period.last)
    visits = _visits(
        ctx, period.first, min(period.last + timedelta(days=RETURN_DAYS), max(period.last, today))
    )
    seen: dict[date, set[uuid.UUID]] = {bucket: set() for bucket in starts}
    for patient, day in visits:
        if period.first <= day <= period.last:
            seen[periods.bucket(day, granularity)].add(patient)
    first_in: dict[date, int] = {}
    for bucket, patients in seen.items():
        first_in[bucket] = sum(1 for p in patients if periods.bucket(first_visit[p], granularity) == bucket)

    all_seen = set().union(*seen.values()) if seen else set()
    first_time_patients = {p for p in all_seen if period.first <= first_visit[p] <= period.last}
    growth_rows = tuple(
        (
            bucket,
            new_by_period[bucket],
            len(seen[bucket]),
            first_in[bucket],
            len(seen[bucket]) - first_in[bucket],
        )
        for bucket in starts
    )
    growth = Section(
        "growth",
        N_("New and returning patients"),
        Table(
            (
                Column("period", N_("Period"), kind),
                Column("registered", N_("Newly registered"), N),
                Column("seen", N_("Patients seen"), N),
                Column("first_visit", N_("First visit"), N),
                Column("returning", N_("Returning"), N),
            ),
            growth_rows,
            (
                LazyText(N_("Total")),
                sum(new_by_period.values()),
                len(all_seen),
                len(first_time_patients),
                len(all_seen) - len(first_time_patients),
            ),
        ),
        Chart(
            ChartKind.BAR,
            tuple(starts),
            (
                Series(N_("First visit"), tuple(row[3] for row in growth_rows)),
                Series(N_("Returning"), tuple(row[4] for row in growth_rows)),
            ),
            N,
            kind,
            stacked=True,
        ),
        N_(
            "A visit is an attended appointment or a treatment. In the total line, each patient is counted "
            "once for the whole period."
        ),
    )

    months = periods.buckets(period, Granularity.MONTH)
    by_month: dict[date, set[uuid.UUID]] = defaultdict(set)
    for patient, day in visits:
        if period.first <= day <= period.last:
            by_month[day.replace(day=1)].add(patient)
    active_rows = []
    for month in months:
        last_day = min(periods.month_end(month), period.last)
        qau = activity_figures(ctx, last_day, QAU_DAYS).active_patients
        active_rows.append((month, len(by_month[month]), qau))
    active = Section(
        "active",
        N_("Active patients per month"),
        Table(
            (
                Column("month", N_("Month"), ValueKind.MONTH),
                Column("visited", N_("Patients with a visit"), N),
                Column("qau", N_("Active in 90 days (QAU)"), N),
            ),
            tuple(active_rows),
        ),
        Chart(
            ChartKind.LINE,
            tuple(months),
            (
                Series(N_("Patients with a visit"), tuple(row[1] for row in active_rows)),
                Series(N_("Active in 90 days (QAU)"), tuple(row[2] for row in active_rows)),
            ),
            N,
            ValueKind.MONTH,
        ),
        N_(
            "QAU as the licence counts it: patients with an appointment that was not cancelled or missed, "
            "or a treatment, in the 90 days up to the month's last day (or the period's last day)."
        ),
    )

    retention = _retention(months, period, first_visit, visits, today)
    languages = _languages(ctx, new_by_language)
    qau_now = active_rows[-1][2] if active_rows else 0
    returned = sum(row[2] for row in retention.table.rows if isinstance(row[2], int))
    cohort = sum(row[1] for row in retention.table.rows if isinstance(row[1], int))
    figures = [
        Figure("new", N_("Newly registered"), sum(new_by_period.values()), N),
        Figure("seen", N_("Patients seen"), len(all_seen), N),
        Figure("first_visit", N_("First visits"), len(first_time_patients), N),
        Figure("returning", N_("Returning patients"), len(all_seen) - len(first_time_patients), N),
        Figure("qau", N_("Active in 90 days (QAU)"), qau_now, N),
        Figure("retention", N_("Came back within 90 days"), rate(returned, cohort), PCT),
    ]
    return finish(
        ctx,
        "patient-growth",
        N_("Patient growth report"),
        period,
        filters,
        figures,
        [growth, active, retention, languages],
    )


def _visit_days(first: date | None, last: date) -> Any:
    A, T = Appointment, TreatmentRecord
    appointments = select(A.patient_id.label("patient_id"), A.appointment_date.label("day")).where(
        A.status.in_(ATTENDED), A.appointment_date <= last
    )
    treatments = select(T.patient_id.label("patient_id"), T.treatment_date.label("day")).where(
        T.treatment_date <= last
    )
    if first is not None:
        appointments = appointments.where(A.appointment_date >= first)
        treatments = treatments.where(T.treatment_date >= first)
    return union_all(appointments, treatments).subquery()


def _first_visits(ctx: ServiceContext, last: date) -> dict[uuid.UUID, date]:
    visits = _visit_days(None, last)
    query = select(visits.c.patient_id, func.min(visits.c.day)).group_by(visits.c.patient_id)
    return {patient: day for patient, day in ctx.session.execute(query)}


def _visits(ctx: ServiceContext, first: date, last: date) -> set[tuple[uuid.UUID, date]]:
    visits = _visit_days(first, last)
    query = select(visits.c.patient_id, visits.c.day).distinct()
    return {(patient, day) for patient, day in ctx.session.execute(query)}


def _retention(
    months: list[date],
    period: ReportRange,
    first_visit: dict[uuid.UUID, date],
    visits: set[tuple[uuid.UUID, date]],
    today: date,
) -> Section:
    later: dict[uuid.UUID, list[date]] = defaultdict(list)
    for patient, day in visits:
        later[patient].append(day)
    cohorts: dict[date, list[uuid.UUID]] = defaultdict(list)
    for patient, day in first_visit.items():
        if period.first <= day <= period.last:
            cohorts[day.replace(day=1)].append(patient)
    rows = []
    for month in months:
        cohort = cohorts[month]
        back = sum(
            1
            for p in cohort
            if any(first_visit[p] < day <= first_visit[p] + timedelta(days=RETURN_DAYS) for day in later[p])
        )
        still_open = sum(1 for p in cohort if first_visit[p] + timedelta(days=RETURN_DAYS) > today)
        rows.append((month, len(cohort), back, rate(back, len(cohort)), still_open))
    return Section(
        "retention",
        N_("Retention of new patients"),
        Table(
            (
                Column("month", N_("First visit in"), ValueKind.MONTH),
                Column("new", N_("New patients"), N),
                Column("back", N_("Came back within 90 days"), N),
                Column("rate", N_("Retention"), PCT),
                Column("open", N_("Still within 90 days"), N),
            ),
            tuple(rows),
        ),
        note=N_(
            "Patients whose first visit ever was in the month, and how many had another visit within "
            "90 days. Patients still within their 90 days may yet come back."
        ),
    )


def _languages(ctx: ServiceContext, new_by_language: Counter[str]) -> Section:
    registered = Counter(
        {
            language.value: int(count)
            for language, count in ctx.session.execute(
                select(Patient.preferred_language, func.count())
                .where(Patient.is_active.is_(True), Patient.merged_into_id.is_(None))
                .group_by(Patient.preferred_language)
            )
        }
    )
    total = sum(registered.values())
    codes = sorted(set(registered) | set(new_by_language), key=lambda code: (-registered[code], code))
    rows = tuple(
        (
            LANGUAGE_NATIVE_NAMES.get(normalize_locale(code), code),
            registered[code],
            rate(registered[code], total),
            new_by_language[code],
        )
        for code in codes
    )
    return Section(
        "languages",
        N_("Patients by preferred language"),
        Table(
            (
                Column("language", N_("Language")),
                Column("patients", N_("Active patients"), N),
                Column("share", N_("Share"), PCT),
                Column("new", N_("Newly registered"), N),
            ),
            rows,
            (LazyText(N_("Total")), total, rate(total, total), sum(new_by_language.values())),
        ),
        Chart(
            ChartKind.PIE,
            tuple(row[0] for row in rows),
            (Series(N_("Active patients"), tuple(row[1] for row in rows)),),
        )
        if rows
        else None,
    )
