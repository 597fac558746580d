"""Refusals of the payment service. Amounts and statuses only, never a patient's details."""

from __future__ import annotations

from typing import Final

from common.errors import Conflict, NotFound, ValidationFailed
from common.i18n import L_, N_


class PaymentNotFound(NotFound):
    code = "payment_not_found"
    message = N_("The payment was not found. Refresh the patient's payments.")


class InvalidPaymentMethod(ValidationFailed):
    code = "invalid_payment_method"
    message = N_(
        "Choose how the patient paid: cash, card, bank transfer, mobile payment, insurance or other."
    )


class DiscountExceedsAmount(ValidationFailed):
    code = "discount_exceeds_amount"
    message = N_("The discount cannot be more than the amount (%(amount)s %(currency)s).")


class PaymentExceedsBalance(Conflict):
    code = "payment_exceeds_balance"
    message = N_(
        "Only %(outstanding)s %(currency)s is outstanding for this treatment. "
        "Take at most that amount, or check for an earlier payment."
    )


class TreatmentOfAnotherPatient(ValidationFailed):
    code = "treatment_of_another_patient"
    message = N_("The treatment belongs to another patient. Choose one of this patient's treatments.")


class TreatmentAppointmentMismatch(ValidationFailed):
    code = "treatment_appointment_mismatch"
    message = N_("The treatment was recorded for a different appointment. Choose the matching appointment.")


class BalanceTargetRequired(ValidationFailed):
    code = "balance_target_required"
    message = N_("Choose a treatment or an appointment to see its balance.")


class TaxRateInvalid(ValidationFailed):
    code = "tax_rate_invalid"
    message = N_(
        "The clinic's tax rate must be a fraction from 0 to 1, such as 0.05 for five percent. "
        "Ask an administrator to correct it."
    )


class RefundReasonRequired(ValidationFailed):
    code = "refund_reason_required"
    message = N_("Enter the reason for the refund.")


class RefundOfRefund(ValidationFailed):
    code = "refund_of_refund"
    message = N_("A refund cannot be refunded. Choose the original payment.")


class PaymentNotRefundable(Conflict):
    code = "payment_not_refundable"
    message = N_("Only a completed payment can be refunded; this one is %(status)s.")


class AlreadyFullyRefunded(Conflict):
    code = "already_fully_refunded"
    message = N_("This payment has already been refunded in full.")


class RefundExceedsPayment(Conflict):
    code = "refund_exceeds_payment"
    message = N_("At most %(remaining)s %(currency)s of this payment can still be refunded.")


# The statuses PaymentNotRefundable names: a status's stored value is also its msgid.
PAYMENT_STATUS_NAMES: Final = (L_("Pending"), L_("Completed"), L_("Failed"), L_("Refunded"))
