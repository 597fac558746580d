"""Refusals of the scheduling services.

Messages carry ids, dates, times, counts and setting names only: never a patient's details.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from common.errors import Conflict, NotFound, ValidationFailed
from common.i18n import L_, N_
from common.scheduling.slots import FreeSlot, PeriodCapacity


class AppointmentNotFound(NotFound):
    code = "appointment_not_found"
    message = N_("The appointment was not found. It may have been removed; refresh the calendar.")


class TimeOffNotFound(NotFound):
    code = "time_off_not_found"
    message = N_("The day off was not found. It may have been removed; refresh the schedule.")


class WaitlistEntryNotFound(NotFound):
    code = "waitlist_entry_not_found"
    message = N_("The waitlist entry was not found. It may have been removed; refresh the waitlist.")


class WaitlistOfferNotFound(NotFound):
    code = "waitlist_offer_not_found"
    message = N_("The waitlist offer was not found. Refresh the waitlist.")


class NotADoctor(ValidationFailed):
    code = "not_a_doctor"
    message = N_("The selected staff member is not an active doctor. Choose another doctor.")


class InvalidTimeRange(ValidationFailed):
    code = "invalid_time_range"
    message = N_("The end must be after the start.")


class InvalidWeekday(ValidationFailed):
    code = "invalid_weekday"
    message = N_("The weekday must be between 1 (Monday) and 7 (Sunday).")


class InvalidDateRange(ValidationFailed):
    code = "invalid_date_range"
    message = N_("The last day must not be before the first day.")


class InvalidDayCount(ValidationFailed):
    code = "invalid_day_count"
    message = N_("Availability covers between 1 and %(max)s days.")


class ClinicSettingsInvalid(ValidationFailed):
    code = "clinic_settings_invalid"
    message = N_("The clinic's %(setting)s setting is not valid. Ask an administrator to correct it.")


class PatientNotBookable(ValidationFailed):
    code = "patient_not_bookable"
    message = N_(
        "This patient record is inactive or was merged into another record. Book on the active record."
    )


class TreatmentNotBookable(ValidationFailed):
    code = "treatment_not_bookable"
    message = N_("The treatment is not in the catalog or is no longer offered. Choose another treatment.")


class DurationRequired(ValidationFailed):
    code = "duration_required"
    message = N_("Give the appointment's length, or choose a treatment from the catalog.")


class InvalidDuration(ValidationFailed):
    code = "invalid_duration"
    message = N_("An appointment lasts between 1 and %(max)s minutes.")


class InvalidStartTime(ValidationFailed):
    code = "invalid_start_time"
    message = N_("Give the start as a time with its time zone, in whole minutes.")


class BookingModeUnclear(ValidationFailed):
    code = "booking_mode_unclear"
    message = N_("Give either an exact start time, or a day and a time period: one of the two.")


class TimeInPast(ValidationFailed):
    code = "time_in_past"
    message = N_("This time has already passed. Choose a later time.")


class TooShortNotice(ValidationFailed):
    code = "too_short_notice"
    message = N_("Bookings must be made at least %(minutes)s minutes ahead. Choose a later time.")


class TooFarAhead(ValidationFailed):
    code = "too_far_ahead"
    message = N_("Bookings can be made at most %(days)s days ahead. Choose an earlier day.")


class ClinicClosed(ValidationFailed):
    code = "clinic_closed"
    message = N_("The clinic is closed at this time. Choose a time within opening hours.")


class DoctorOff(ValidationFailed):
    code = "doctor_off"
    message = N_("The doctor is not working on %(date)s. Choose another day or another doctor.")


class OutsideDoctorHours(ValidationFailed):
    code = "outside_doctor_hours"
    message = N_(
        "The doctor is not available at this time (outside working hours or on a break). Choose another time."
    )


class UnknownPeriod(ValidationFailed):
    code = "unknown_period"
    message = N_("The clinic has no %(period)s period. Choose one of the clinic's time periods.")


class OutsidePeriodWindow(ValidationFailed):
    code = "outside_period_window"
    message = N_("The time must fall within the booked period, %(start)s to %(end)s.")


class DurationExceedsPeriod(ValidationFailed):
    code = "duration_exceeds_period"
    message = N_(
        "The appointment is longer than the doctor's free time in this period. Choose another period."
    )


class NotTimePeriodBooking(Conflict):
    code = "not_time_period_booking"
    message = N_("Only Time Period bookings get a time assigned. Reschedule this appointment instead.")


class SlotUnavailable(Conflict):
    """The doctor's time is taken. Carries free alternatives: nearest for that doctor, then others."""

    code = "slot_unavailable"
    message = N_(
        "The doctor already has an appointment at this time. Choose another time; "
        "the nearest free times are suggested."
    )

    def __init__(self, alternatives: Iterable[FreeSlot] = (), **params: Any) -> None:
        super().__init__(**params)
        self.alternatives: tuple[FreeSlot, ...] = tuple(alternatives)


class PeriodFull(Conflict):
    """The Time Period has no capacity left. Carries periods that still have room."""

    code = "period_full"
    message = N_("The %(period)s period on %(date)s is fully booked. Choose another period or day.")

    def __init__(self, alternatives: Iterable[PeriodCapacity] = (), **params: Any) -> None:
        super().__init__(**params)
        self.alternatives: tuple[PeriodCapacity, ...] = tuple(alternatives)


class IllegalTransition(Conflict):
    code = "illegal_transition"
    message = N_("An appointment that is %(status)s cannot become %(target)s.")


class NotReschedulable(Conflict):
    code = "not_reschedulable"
    message = N_("Only scheduled or confirmed appointments can be moved; this one is %(status)s.")


class CheckInNotToday(ValidationFailed):
    code = "check_in_not_today"
    message = N_("Check-in is possible only on the day of the appointment, %(date)s.")


class NoShowTooEarly(ValidationFailed):
    code = "no_show_too_early"
    message = N_("The appointment has not started yet, so it cannot be marked as a no-show.")


class CancellationReasonRequired(ValidationFailed):
    code = "cancellation_reason_required"
    message = N_("Please give a reason for the cancellation.")


class WaitlistEntryClosed(Conflict):
    code = "waitlist_entry_closed"
    message = N_("This waitlist entry is no longer waiting. Refresh the waitlist.")


class OfferClosed(Conflict):
    code = "waitlist_offer_closed"
    message = N_("This waitlist offer was already answered or withdrawn. Refresh the waitlist.")


class OfferExpired(Conflict):
    code = "waitlist_offer_expired"
    message = N_("This waitlist offer has expired. Check the waitlist for newer offers.")


# The appointment statuses and day periods the messages above name: a stored value is also its
# msgid, so the call sites pass `L_(member.value)` and the reader sees it in their language.
APPOINTMENT_STATUS_NAMES: Final = (
    L_("Scheduled"),
    L_("Confirmed"),
    L_("Checked-in"),
    L_("In-progress"),
    L_("Completed"),
    L_("Cancelled"),
    L_("No-show"),
)
DAY_PERIOD_NAMES: Final = (L_("morning"), L_("afternoon"), L_("evening"))
