"""Refusals of a scanned code, one class per reason, each telling the reader what to do.

None of them says anything about the code's owner: another clinic's code is refused without a
hint of which clinic, and a patient's deactivated card without a hint of whose.
"""

from __future__ import annotations

from typing import ClassVar, Final

from common.barcodes.models import ScanOutcome
from common.errors import Conflict, DomainError, NotFound, ValidationFailed
from common.i18n import N_


class ScanRefused(DomainError):
    """Base of the reasons a scanned code cannot be used here."""

    code = "scan_refused"
    http_status = 422
    outcome: ClassVar[ScanOutcome] = ScanOutcome.UNKNOWN


class CodeMistyped(ScanRefused):
    code = "barcode_mistyped"
    outcome = ScanOutcome.MISTYPED
    message = N_(
        "This code could not be read: a character is wrong or missing. Check the code and scan again."
    )


class CodeFromAnotherClinic(ScanRefused):
    code = "barcode_foreign_clinic"
    outcome = ScanOutcome.FOREIGN_CLINIC
    message = N_("This code was issued by another clinic and cannot be used here.")


class CodeNotIssuedHere(ScanRefused):
    code = "barcode_forged"
    outcome = ScanOutcome.FORGED
    message = N_(
        "This code was not issued by this clinic and cannot be used. Ask reception for a new card or label."
    )


class CodeUnknown(ScanRefused):
    code = "barcode_unknown"
    http_status = 404
    outcome = ScanOutcome.UNKNOWN
    message = N_(
        "This code is not registered at this clinic. If it was issued on another device just now, "
        "sync and scan again; if it is a product's barcode, add it to the inventory item first."
    )


class CodeDeactivated(ScanRefused):
    code = "barcode_deactivated"
    outcome = ScanOutcome.DEACTIVATED
    message = N_("This code has been deactivated. Ask reception for a new card or label.")


class CodeExpired(ScanRefused):
    code = "barcode_expired"
    outcome = ScanOutcome.EXPIRED
    message = N_("This code expired on %(expiry_date)s. Ask reception for a new card or label.")


REFUSALS: Final[tuple[type[ScanRefused], ...]] = (
    CodeMistyped,
    CodeFromAnotherClinic,
    CodeNotIssuedHere,
    CodeUnknown,
    CodeDeactivated,
    CodeExpired,
)


class CodeAlreadyDeactivated(Conflict):
    code = "barcode_already_deactivated"
    message = N_("This code is already deactivated.")


class EntityAlreadyHasCode(Conflict):
    code = "barcode_already_issued"
    message = N_("This record already has an active code. Regenerate it to replace the code.")


class BarcodeNotFound(NotFound):
    code = "barcode_not_found"
    message = N_("The code was not found. It may have been removed.")


class CodeTargetNotFound(NotFound):
    code = "barcode_target_not_found"
    message = N_("The record to issue a code for was not found. It may have been removed.")


class DeactivationReasonMissing(ValidationFailed):
    code = "barcode_reason_missing"
    message = N_("Give a reason for deactivating the code.")


class ExpiryInPast(ValidationFailed):
    code = "barcode_expiry_in_past"
    message = N_("The expiry date cannot be in the past. To stop a code now, deactivate it.")
