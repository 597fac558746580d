"""Why a check-in cannot go ahead, each said kindly and with what to do next.

These are what a patient reads on the kiosk: short, warm, never a stack trace, and never a word
about whose code it is or which clinic issued it. Times are the patient's own appointment time,
filled in (in the reader's language) where the message is shown.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from common.errors import DomainError
from common.i18n import N_


class RefusalKind(StrEnum):
    NO_APPOINTMENT_TODAY = "no_appointment_today"
    TOO_EARLY = "too_early"
    TOO_LATE = "too_late"
    ALREADY_CHECKED_IN = "already_checked_in"
    CANCELLED = "cancelled"
    CODE_NOT_RECOGNISED = "code_not_recognised"
    CODE_UNREADABLE = "code_unreadable"
    CODE_NO_LONGER_VALID = "code_no_longer_valid"
    DETAILS_NOT_FOUND = "details_not_found"
    DETAILS_AMBIGUOUS = "details_ambiguous"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    UNAVAILABLE = "unavailable"


class CheckInRefused(DomainError):
    """A reason the kiosk cannot check this patient in; `title` is the screen's heading."""

    code = "check_in_refused"
    http_status = 422
    kind: ClassVar[RefusalKind] = RefusalKind.UNAVAILABLE
    title: ClassVar[str] = N_("Please see reception")
    message = N_("Self check-in is not available right now. Please see reception and we will help you.")
    # The patient may try again on the same screen (a mistyped detail, an unreadable code).
    retry: ClassVar[bool] = False


class NoAppointmentToday(CheckInRefused):
    code = "check_in_no_appointment_today"
    kind = RefusalKind.NO_APPOINTMENT_TODAY
    title = N_("No appointment today")
    message = N_("We could not find an appointment for you today. Please see reception and we will help you.")


class TooEarly(CheckInRefused):
    code = "check_in_too_early"
    kind = RefusalKind.TOO_EARLY
    title = N_("You are early")
    message = N_(
        "Your appointment is at %(time)s. Check-in opens at %(opens)s: please take a seat and "
        "scan again then, or see reception."
    )


class TooLate(CheckInRefused):
    code = "check_in_too_late"
    kind = RefusalKind.TOO_LATE
    title = N_("Please see reception")
    message = N_(
        "Your appointment was at %(time)s, which is too late to check in here. Please see "
        "reception: we will do our best to fit you in."
    )


class AlreadyCheckedIn(CheckInRefused):
    code = "check_in_already_checked_in"
    kind = RefusalKind.ALREADY_CHECKED_IN
    title = N_("You are already checked in")
    message = N_("There is nothing more to do. Please take a seat: we will call you soon.")


class AppointmentCancelled(CheckInRefused):
    code = "check_in_cancelled"
    kind = RefusalKind.CANCELLED
    title = N_("Your appointment was cancelled")
    message = N_(
        "Your appointment today was cancelled. Please see reception if you would like to be seen "
        "or to book a new time."
    )


class CodeNotRecognised(CheckInRefused):
    """Unknown, another clinic's, or not issued by this clinic: all read the same, on purpose."""

    code = "check_in_code_not_recognised"
    kind = RefusalKind.CODE_NOT_RECOGNISED
    title = N_("We do not recognise this code")
    message = N_(
        "This code cannot be used for check-in here. Please see reception, or tap “No code?” to "
        "check in with your name and date of birth."
    )


class CodeUnreadable(CheckInRefused):
    code = "check_in_code_unreadable"
    kind = RefusalKind.CODE_UNREADABLE
    title = N_("The code could not be read")
    message = N_("Please hold your code steady in front of the camera and try again, or see reception.")
    retry = True


class CodeNoLongerValid(CheckInRefused):
    """Expired or deactivated (a replaced card): the patient needs a new code."""

    code = "check_in_code_no_longer_valid"
    kind = RefusalKind.CODE_NO_LONGER_VALID
    title = N_("This code is no longer valid")
    message = N_(
        "Please see reception for a new code, or tap “No code?” to check in with your name and date of birth."
    )


class DetailsNotFound(CheckInRefused):
    code = "check_in_details_not_found"
    kind = RefusalKind.DETAILS_NOT_FOUND
    title = N_("We could not find your appointment")
    message = N_(
        "Please check your last name and date of birth and try again, or see reception and we will help you."
    )
    retry = True


class DetailsAmbiguous(CheckInRefused):
    code = "check_in_details_ambiguous"
    kind = RefusalKind.DETAILS_AMBIGUOUS
    title = N_("Please see reception")
    message = N_("We found more than one person with these details. Reception will check you in.")


class TooManyAttempts(CheckInRefused):
    code = "check_in_too_many_attempts"
    kind = RefusalKind.TOO_MANY_ATTEMPTS
    title = N_("Please see reception")
    message = N_(
        "There have been too many attempts on this kiosk. Please see reception, or try again in a minute."
    )


class CheckInUnavailable(CheckInRefused):
    """Something on our side (a damaged replica, a suspended clinic): never the patient's fault."""

    code = "check_in_unavailable"
