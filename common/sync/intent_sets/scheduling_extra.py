"""Sync intents for the waitlist: joining it, leaving it, and answering an offered time.

The entry's id and the id of the appointment an accepted offer books are made on the desk
(`entry_id`, `appointment_id`), so a desk can add a patient and take them off again, or accept an
offer and then check the patient in, all before it reconnects. An offer's own id is never sent:
the desk that passes a time on (a cancellation, a decline) makes the same offer, under the same
id, as the server will (common/scheduling/waitlist_offers.py), so a desk may decline an offer and
accept the next one offline. An offer accepted offline whose time another desk booked first is
refused with a reason (the patient stays on the waitlist), not put in the conflict inbox: the
inbox rebooks bookings, and an offer is not one.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from pydantic import Field

from common.access.permissions import Permission
from common.context import ServiceContext
from common.errors import Conflict
from common.i18n import N_
from common.scheduling.errors import PeriodFull, SlotUnavailable
from common.scheduling.models import AppointmentType, DayPeriod
from common.scheduling.waitlist import accept_offer, add_to_waitlist, cancel_waitlist_entry, decline_offer
from common.sync.intents import MAX_TEXT, Args, Intent, register, with_new_id

P = Permission


class OfferTimeTaken(Conflict):
    code = "waitlist_offer_time_taken"
    message = N_(
        "The offered time was booked on another desk before this answer reached the server. "
        "The patient is still on the waitlist: offer or book another time."
    )


class AddToWaitlistArgs(Args):
    entry_id: uuid.UUID | None = None
    patient_id: uuid.UUID
    wanted_date: date
    doctor_id: uuid.UUID | None = None
    period: DayPeriod | None = None
    treatment_type_id: uuid.UUID | None = None
    duration_minutes: int | None = Field(default=None, ge=1, le=24 * 60)
    appointment_type: AppointmentType = AppointmentType.CONSULTATION
    notes: str | None = Field(default=None, max_length=MAX_TEXT)


class WaitlistEntryArgs(Args):
    entry_id: uuid.UUID


class OfferArgs(Args):
    offer_id: uuid.UUID


class AcceptOfferArgs(OfferArgs):
    appointment_id: uuid.UUID | None = None


def _add(ctx: ServiceContext, args: AddToWaitlistArgs) -> Any:
    values = args.model_dump(exclude={"patient_id", "wanted_date"})
    return add_to_waitlist(ctx, args.patient_id, args.wanted_date, **values)


def _accept(ctx: ServiceContext, args: AcceptOfferArgs) -> Any:
    try:
        return accept_offer(ctx, args.offer_id, appointment_id=args.appointment_id)
    except (SlotUnavailable, PeriodFull):
        raise OfferTimeTaken() from None


register(
    Intent("add_to_waitlist", AddToWaitlistArgs, P.WAITLIST_MANAGE, _add, prepare=with_new_id("entry_id"))
)
register(
    Intent(
        "cancel_waitlist_entry",
        WaitlistEntryArgs,
        P.WAITLIST_MANAGE,
        lambda ctx, a: cancel_waitlist_entry(ctx, a.entry_id),
    )
)
register(
    Intent("accept_offer", AcceptOfferArgs, P.WAITLIST_MANAGE, _accept, prepare=with_new_id("appointment_id"))
)
register(Intent("decline_offer", OfferArgs, P.WAITLIST_MANAGE, lambda ctx, a: decline_offer(ctx, a.offer_id)))
