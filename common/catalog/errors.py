"""Refusals of the catalog service. Treatment and category names are the clinic's own words, not
personal data, so messages may show them."""

from __future__ import annotations

from typing import Final

from common.errors import Conflict, NotFound, ValidationFailed
from common.i18n import L_, N_


class CatalogItemNotFound(NotFound):
    code = "catalog_item_not_found"
    message = N_("The treatment was not found in the catalog. It may have been removed; refresh the list.")


class CatalogItemInactive(Conflict):
    code = "catalog_item_inactive"
    message = N_("%(name)s is no longer offered. Reactivate it in the catalog or choose another treatment.")


class CategoryNotFound(NotFound):
    code = "category_not_found"
    message = N_("The treatment category was not found. Refresh the list of categories.")


class TreatmentNameRequired(ValidationFailed):
    code = "treatment_name_required"
    message = N_("The treatment needs a name.")


class CategoryNameRequired(ValidationFailed):
    code = "category_name_required"
    message = N_("The category needs a name.")


class DuplicateTreatmentName(Conflict):
    code = "duplicate_treatment_name"
    message = N_("The catalog already has a treatment named %(name)s. Choose another name.")


class DuplicateCategoryName(Conflict):
    code = "duplicate_category_name"
    message = N_("There is already a category named %(name)s here. Choose another name.")


class SubcategoryTooDeep(ValidationFailed):
    code = "subcategory_too_deep"
    message = N_("A subcategory can only be placed under a top-level category.")


class CategoryKindMismatch(ValidationFailed):
    code = "category_kind_mismatch"
    message = N_("The category belongs to %(category_kind)s treatments, not %(kind)s.")


class CategoryKindRequired(ValidationFailed):
    code = "category_kind_required"
    message = N_("Choose whether the treatment is Cosmetic, Therapeutic, Diagnostic or Preventive.")


class CategoryHasChildren(Conflict):
    code = "category_has_children"
    message = N_("This category still has %(count)s active subcategories. Deactivate or move them first.")


class InvalidDuration(ValidationFailed):
    code = "invalid_duration"
    message = N_("The duration must be a whole number of minutes from 1 to %(maximum)s.")


class InvalidFollowUpInterval(ValidationFailed):
    code = "invalid_follow_up_interval"
    message = N_("The follow-up interval must be a whole number of days from 1 to %(maximum)s, or empty.")


class UnknownNextTreatment(ValidationFailed):
    code = "unknown_next_treatment"
    message = N_("The suggested next treatment is not in the catalog. Choose another one or leave it empty.")


class CategoryInactive(Conflict):
    code = "category_inactive"
    message = N_("The category %(name)s is deactivated. Reactivate it or choose another category.")


# The treatment kinds CategoryKindMismatch names: a kind's stored value is also its msgid.
TREATMENT_KIND_NAMES: Final = (L_("Cosmetic"), L_("Therapeutic"), L_("Diagnostic"), L_("Preventive"))
