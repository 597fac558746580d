"""Refusals of the treatment service (and the lookups payments share). Ids and amounts only."""

from __future__ import annotations

from common.errors import Conflict, NotFound, ValidationFailed
from common.i18n import N_


class TreatmentNotFound(NotFound):
    code = "treatment_not_found"
    message = N_(
        "The treatment record was not found. It may have been removed; refresh the patient's history."
    )


class AppointmentOfAnotherPatient(ValidationFailed):
    code = "appointment_of_another_patient"
    message = N_("The appointment belongs to another patient. Choose one of this patient's appointments.")


class AppointmentNotActive(Conflict):
    code = "appointment_not_active"
    message = N_("The appointment is %(status)s, so a treatment cannot be recorded against it.")


class InvalidDiscount(ValidationFailed):
    code = "invalid_discount"
    message = N_("The discount must be between 0 and the price (%(price)s %(currency)s).")


class DiscountGivenTwice(ValidationFailed):
    code = "discount_given_twice"
    message = N_("Give the discount either as an amount or as a percentage, not both.")


class TreatmentDateInFuture(ValidationFailed):
    code = "treatment_date_in_future"
    message = N_("A treatment cannot be recorded for a future date. Check the date.")


class TreatmentAlreadyCompleted(Conflict):
    code = "treatment_already_completed"
    message = N_("This treatment was already marked completed.")


class InvalidFollowUpDate(ValidationFailed):
    code = "invalid_follow_up_date"
    message = N_("The follow-up date cannot be before the treatment date.")
