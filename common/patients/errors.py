"""The patient service's refusals. Messages name fields and ids, never a patient's values."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from common.errors import Conflict, NotFound, ValidationFailed
from common.i18n import N_


class PatientNotFound(NotFound):
    code = "patient_not_found"
    message = N_("The patient was not found. The record may have been removed or merged into another.")


class PatientNameRequired(ValidationFailed):
    code = "patient_name_required"
    message = N_("Enter the patient's first name and last name.")


class PatientFieldTooLong(ValidationFailed):
    code = "patient_field_too_long"
    message = N_("The %(field)s is too long: at most %(limit)s characters.")


class DateOfBirthInFuture(ValidationFailed):
    code = "date_of_birth_in_future"
    message = N_("The date of birth cannot be in the future.")


class DateOfBirthImplausible(ValidationFailed):
    code = "date_of_birth_implausible"
    message = N_("The date of birth is more than %(years)s years ago. Please check the year.")


class InvalidEmail(ValidationFailed):
    code = "invalid_email"
    message = N_("The email address is not valid. It should look like name@example.com.")


class InvalidPhone(ValidationFailed):
    code = "invalid_phone"
    message = N_(
        "The phone number is not valid. Use digits, spaces, dashes, brackets and a leading +, "
        "with %(min)s to %(max)s digits."
    )


class UnknownPatientField(ValidationFailed):
    code = "unknown_patient_field"
    message = N_("The field %(field)s cannot be set on a patient.")


class InvalidPatientFieldValue(ValidationFailed):
    code = "invalid_patient_field_value"
    message = N_("The value given for %(field)s is not valid.")


class PatientEditConflict(Conflict):
    """A stale edit touched fields someone else changed since the version it was based on."""

    code = "patient_edit_conflict"
    message = N_(
        "Someone else changed this patient's %(fields)s since you opened the record. "
        "Reload the patient and enter your change again."
    )

    def __init__(self, fields: Iterable[str], current_version: int, **params: Any) -> None:
        self.fields = tuple(sorted(fields))
        self.current_version = current_version
        super().__init__(fields=", ".join(self.fields), **params)


class MergeSamePatient(ValidationFailed):
    code = "merge_same_patient"
    message = N_("A patient cannot be merged into itself. Choose two different records.")


class MergeAlreadyReverted(Conflict):
    code = "merge_already_reverted"
    message = N_("This merge was already undone.")


class MergeSurvivorMergedSince(Conflict):
    code = "merge_survivor_merged_since"
    message = N_(
        "The kept record was itself merged into another patient afterwards. "
        "Undo that later merge first (merge %(merge_id)s)."
    )


class MergeNotFound(NotFound):
    code = "merge_not_found"
    message = N_("The merge record was not found.")
