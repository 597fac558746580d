"""Offering a freed time to the waitlist: the first matching entry, first come first served.

An entry matches a time freed for a doctor when it waits for that day, for that doctor or any
doctor, in the period that holds the start (if it named one), and its appointment fits: the
doctor is free and working for its whole length from that start. The patient whose appointment
freed the time is skipped, and so is every entry already offered this freed time (it declined or
let the offer lapse). The offer is only recorded here, as Pending; a relay sends it.

Offers are made by the services on every replica (a desk cancelling, declining or taking a
patient off the list offline makes the next offer in its own replica), never sent as an intent
of their own. So an offer's id is derived from what makes it unique, the freed appointment and
the entry (an entry is offered a freed appointment's time at most once): the desk's offer and
the one the server makes when the desk's change arrives are the same row, and an offer the desk
accepted offline is found on the server.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import or_, select

from common.context import ServiceContext
from common.scheduling.booked import booked_between
from common.scheduling.clinic_rules import BookingRules
from common.scheduling.intervals import covers, merge, subtract
from common.scheduling.models import (
    Appointment,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistOfferStatus,
    WaitlistStatus,
)
from common.scheduling.working_time import DoctorWeeks

_OFFER_NAMESPACE: Final = uuid.UUID("0d3f6c1e-8a4b-5e27-b9c1-6f2a7d4e8b35")


def offer_freed_slot(
    ctx: ServiceContext,
    rules: BookingRules,
    freed: Appointment,
    doctor_id: uuid.UUID,
    slot_start: datetime,
) -> WaitlistOffer | None:
    """Offer the time starting at `slot_start` with `doctor_id` to the first matching entry, if any."""
    now = ctx.now()
    day = rules.local_day(slot_start)
    if slot_start < rules.earliest_start(now) or day > rules.last_bookable_day(now):
        return None
    already_offered = select(WaitlistOffer.entry_id).where(
        WaitlistOffer.clinic_id == ctx.clinic_id, WaitlistOffer.freed_appointment_id == freed.id
    )
    entries = ctx.session.scalars(
        select(WaitlistEntry)
        .where(
            WaitlistEntry.status == WaitlistStatus.WAITING,
            WaitlistEntry.wanted_date == day,
            or_(WaitlistEntry.doctor_id == doctor_id, WaitlistEntry.doctor_id.is_(None)),
            WaitlistEntry.patient_id != freed.patient_id,
            WaitlistEntry.id.not_in(already_offered),
        )
        .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
    ).all()
    if not entries:
        return None
    free = _free_time(ctx, rules, doctor_id, slot_start)
    for entry in entries:
        if entry.period is not None:
            window = rules.period_window(day, entry.period)
            if window is None or not window[0] <= slot_start < window[1]:
                continue
        ends_at = slot_start + timedelta(minutes=entry.duration_minutes)
        if not covers(free, slot_start, ends_at):
            continue
        offer = WaitlistOffer(
            id=offer_id(freed.id, entry.id),
            entry_id=entry.id,
            freed_appointment_id=freed.id,
            doctor_id=doctor_id,
            starts_at=slot_start,
            ends_at=ends_at,
            status=WaitlistOfferStatus.PENDING,
            expires_at=min(now + rules.waitlist_offer_for, slot_start),
        )
        ctx.session.add(offer)
        entry.status = WaitlistStatus.OFFERED
        return offer
    return None


def offer_id(freed_appointment_id: uuid.UUID, entry_id: uuid.UUID) -> uuid.UUID:
    """The id every replica gives the offer of this freed appointment's time to this entry."""
    return uuid.uuid5(_OFFER_NAMESPACE, f"{freed_appointment_id}:{entry_id}")


def _free_time(
    ctx: ServiceContext, rules: BookingRules, doctor_id: uuid.UUID, at: datetime
) -> list[tuple[datetime, datetime]]:
    day = rules.local_day(at)
    windows = DoctorWeeks.load(ctx.session, rules, [doctor_id], day, day).windows(doctor_id, day)
    day_start, day_end = rules.day_bounds(day, day)
    taken = merge(
        (row.starts_at, row.ends_at)
        for row in booked_between(ctx.session, [doctor_id], day_start, day_end)
        if row.time_assigned
    )
    return subtract(windows, taken)
