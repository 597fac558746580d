"""The waitlist: patients waiting for a doctor (or any doctor) on a day, and the offers of freed times.

A cancellation or a reschedule offers the freed time to the first matching entry (see
waitlist_offers). The offer is answered here: accepting books the appointment under the normal
rules; declining, or letting it expire, passes the time on to the next match.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from common.access.permissions import Permission
from common.context import ServiceContext
from common.i18n import L_
from common.ids import new_id
from common.scheduling.booking import (
    BookingRequest,
    booking_length,
    place_new_appointment,
    require_bookable_patient,
)
from common.scheduling.clinic_rules import BookingRules
from common.scheduling.doctors import require_doctor
from common.scheduling.errors import (
    OfferClosed,
    OfferExpired,
    TimeInPast,
    TooFarAhead,
    UnknownPeriod,
    WaitlistEntryClosed,
    WaitlistEntryNotFound,
    WaitlistOfferNotFound,
)
from common.scheduling.models import (
    Appointment,
    AppointmentType,
    DayPeriod,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistOfferStatus,
    WaitlistStatus,
)
from common.scheduling.waitlist_offers import offer_freed_slot
from common.scheduling.writes import serialize_clinic_writes
from common.storage.session import live_row

OPEN_OFFERS = (WaitlistOfferStatus.PENDING, WaitlistOfferStatus.SENT)
OPEN_ENTRIES = (WaitlistStatus.WAITING, WaitlistStatus.OFFERED)


@dataclass(frozen=True)
class WaitlistSweep:
    offers_expired: int
    entries_expired: int
    offers_made: int


def add_to_waitlist(
    ctx: ServiceContext,
    patient_id: uuid.UUID,
    wanted_date: date,
    *,
    doctor_id: uuid.UUID | None = None,
    period: DayPeriod | None = None,
    duration_minutes: int | None = None,
    treatment_type_id: uuid.UUID | None = None,
    appointment_type: AppointmentType = AppointmentType.CONSULTATION,
    notes: str | None = None,
    entry_id: uuid.UUID | None = None,
) -> WaitlistEntry:
    ctx.authorize(Permission.WAITLIST_MANAGE, entity_type="waitlist_entry", patient_id=patient_id)
    serialize_clinic_writes(ctx)
    rules = BookingRules.of(ctx.clinic)
    require_bookable_patient(ctx, patient_id)
    if doctor_id is not None:
        require_doctor(ctx.session, doctor_id)
    if period is not None and period not in rules.periods:
        raise UnknownPeriod(period=L_(period.value))
    if wanted_date < rules.local_day(ctx.now()):
        raise TimeInPast()
    if wanted_date > rules.last_bookable_day(ctx.now()):
        raise TooFarAhead(days=rules.max_advance_days)
    length = booking_length(ctx, duration_minutes, treatment_type_id)
    entry = WaitlistEntry(
        id=entry_id or new_id(),
        patient_id=patient_id,
        doctor_id=doctor_id,
        wanted_date=wanted_date,
        period=period,
        duration_minutes=int(length.total_seconds() // 60),
        appointment_type=appointment_type,
        treatment_type_id=treatment_type_id,
        status=WaitlistStatus.WAITING,
        notes=(notes or "").strip() or None,
    )
    ctx.session.add(entry)
    fields = ["patient_id", "wanted_date", "duration_minutes", "appointment_type", "status"]
    fields += [name for name in ("doctor_id", "period", "treatment_type_id", "notes") if getattr(entry, name)]
    ctx.audit("waitlist.add", "waitlist_entry", entry.id, patient_id=patient_id, changed_fields=fields)
    return entry


def cancel_waitlist_entry(ctx: ServiceContext, entry_id: uuid.UUID) -> WaitlistEntry:
    """Take the patient off the waitlist; an open offer to them passes to the next match."""
    ctx.authorize(Permission.WAITLIST_MANAGE, entity_type="waitlist_entry", entity_id=entry_id)
    serialize_clinic_writes(ctx)
    entry = _load_entry(ctx, entry_id)
    if entry.status not in OPEN_ENTRIES:
        raise WaitlistEntryClosed()
    entry.status = WaitlistStatus.CANCELLED
    rules = BookingRules.of(ctx.clinic)
    open_offers = ctx.session.scalars(
        select(WaitlistOffer).where(WaitlistOffer.entry_id == entry.id, WaitlistOffer.status.in_(OPEN_OFFERS))
    ).all()
    for offer in open_offers:
        offer.status = WaitlistOfferStatus.DECLINED
        _pass_on(ctx, rules, offer)
    ctx.audit(
        "waitlist.cancel", "waitlist_entry", entry.id, patient_id=entry.patient_id, changed_fields=["status"]
    )
    return entry


def waitlist(
    ctx: ServiceContext, wanted_date: date | None = None, *, include_closed: bool = False
) -> list[WaitlistEntry]:
    """Entries in first-come order, for one day or all days."""
    ctx.authorize(Permission.APPOINTMENT_READ, entity_type="waitlist_entry")
    statement = select(WaitlistEntry).order_by(
        WaitlistEntry.wanted_date, WaitlistEntry.created_at, WaitlistEntry.id
    )
    if wanted_date is not None:
        statement = statement.where(WaitlistEntry.wanted_date == wanted_date)
    if not include_closed:
        statement = statement.where(WaitlistEntry.status.in_(OPEN_ENTRIES))
    entries = list(ctx.session.scalars(statement))
    ctx.audit("waitlist.list", "waitlist_entry")
    return entries


def offers_for_entry(ctx: ServiceContext, entry_id: uuid.UUID) -> list[WaitlistOffer]:
    ctx.authorize(Permission.APPOINTMENT_READ, entity_type="waitlist_entry", entity_id=entry_id)
    entry = _load_entry(ctx, entry_id)
    offers = list(
        ctx.session.scalars(
            select(WaitlistOffer).where(WaitlistOffer.entry_id == entry.id).order_by(WaitlistOffer.created_at)
        )
    )
    ctx.audit("waitlist.offers", "waitlist_entry", entry.id, patient_id=entry.patient_id)
    return offers


def accept_offer(
    ctx: ServiceContext, offer_id: uuid.UUID, *, appointment_id: uuid.UUID | None = None
) -> Appointment:
    """The patient takes the offered time: book it under the normal rules. `appointment_id`: the
    new appointment's id when the caller made it (a desk accepting offline)."""
    ctx.authorize(Permission.WAITLIST_MANAGE, entity_type="waitlist_offer", entity_id=offer_id)
    ctx.authorize(Permission.APPOINTMENT_BOOK, entity_type="waitlist_offer", entity_id=offer_id)
    serialize_clinic_writes(ctx)
    offer = _load_offer(ctx, offer_id)
    if offer.status not in OPEN_OFFERS:
        raise OfferClosed()
    if offer.expires_at <= ctx.now():
        raise OfferExpired()
    entry = _load_entry(ctx, offer.entry_id)
    appointment = place_new_appointment(
        ctx,
        BookingRequest(
            appointment_id=appointment_id,
            patient_id=entry.patient_id,
            doctor_id=offer.doctor_id,
            starts_at=offer.starts_at,
            appointment_type=entry.appointment_type,
            # The length offered, even if the catalog item has changed since the patient joined.
            duration_minutes=int((offer.ends_at - offer.starts_at).total_seconds() // 60),
            notes=entry.notes,
        ),
    )
    appointment.treatment_type_id = entry.treatment_type_id
    offer.status = WaitlistOfferStatus.ACCEPTED
    offer.booked_appointment_id = appointment.id
    entry.status = WaitlistStatus.BOOKED
    ctx.audit(
        "waitlist.accept_offer",
        "appointment",
        appointment.id,
        patient_id=appointment.patient_id,
        changed_fields=["appointment", "waitlist_offer.status", "waitlist_entry.status"],
    )
    return appointment


def decline_offer(ctx: ServiceContext, offer_id: uuid.UUID) -> WaitlistOffer | None:
    """The patient turns the time down: they keep waiting, and the time goes to the next match
    (returned, or None)."""
    ctx.authorize(Permission.WAITLIST_MANAGE, entity_type="waitlist_offer", entity_id=offer_id)
    serialize_clinic_writes(ctx)
    offer = _load_offer(ctx, offer_id)
    if offer.status not in OPEN_OFFERS:
        raise OfferClosed()
    entry = _load_entry(ctx, offer.entry_id)
    offer.status = WaitlistOfferStatus.DECLINED
    if entry.status is WaitlistStatus.OFFERED:
        entry.status = WaitlistStatus.WAITING
    next_offer = _pass_on(ctx, BookingRules.of(ctx.clinic), offer)
    ctx.audit(
        "waitlist.decline_offer",
        "waitlist_offer",
        offer.id,
        patient_id=entry.patient_id,
        changed_fields=["status"],
    )
    return next_offer


def expire_waitlist(ctx: ServiceContext) -> WaitlistSweep:
    """Periodic sweep: lapsed offers expire (the entry waits on, the time passes to the next
    match); entries for days already gone expire."""
    ctx.authorize(Permission.WAITLIST_MANAGE, entity_type="waitlist_offer")
    serialize_clinic_writes(ctx)
    rules = BookingRules.of(ctx.clinic)
    now = ctx.now()
    lapsed = ctx.session.scalars(
        select(WaitlistOffer)
        .where(WaitlistOffer.status.in_(OPEN_OFFERS), WaitlistOffer.expires_at <= now)
        .order_by(WaitlistOffer.expires_at, WaitlistOffer.id)
    ).all()
    offers_made = 0
    for offer in lapsed:
        entry = _load_entry(ctx, offer.entry_id)
        offer.status = WaitlistOfferStatus.EXPIRED
        if entry.status is WaitlistStatus.OFFERED:
            entry.status = WaitlistStatus.WAITING
        offers_made += _pass_on(ctx, rules, offer) is not None
        ctx.audit(
            "waitlist.expire_offer",
            "waitlist_offer",
            offer.id,
            patient_id=entry.patient_id,
            changed_fields=["status"],
        )
    past = ctx.session.scalars(
        select(WaitlistEntry).where(
            WaitlistEntry.status.in_(OPEN_ENTRIES), WaitlistEntry.wanted_date < rules.local_day(now)
        )
    ).all()
    for entry in past:
        entry.status = WaitlistStatus.EXPIRED
        ctx.audit(
            "waitlist.expire_entry",
            "waitlist_entry",
            entry.id,
            patient_id=entry.patient_id,
            changed_fields=["status"],
        )
    return WaitlistSweep(len(lapsed), len(past), offers_made)


def _pass_on(ctx: ServiceContext, rules: BookingRules, offer: WaitlistOffer) -> WaitlistOffer | None:
    freed = ctx.session.scalars(
        select(Appointment)
        .where(Appointment.id == offer.freed_appointment_id)
        .execution_options(include_deleted=True)
    ).one_or_none()
    if freed is None:
        return None
    return offer_freed_slot(ctx, rules, freed, offer.doctor_id, offer.starts_at)


def _load_entry(ctx: ServiceContext, entry_id: uuid.UUID) -> WaitlistEntry:
    entry = live_row(ctx.session, WaitlistEntry, entry_id)
    if entry is None:
        raise WaitlistEntryNotFound()
    return entry


def _load_offer(ctx: ServiceContext, offer_id: uuid.UUID) -> WaitlistOffer:
    offer = live_row(ctx.session, WaitlistOffer, offer_id)
    if offer is None:
        raise WaitlistOfferNotFound()
    return offer
