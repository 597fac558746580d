"""Refusals of the inventory service. Messages hold ids, numbers and item names, never patient data."""

from __future__ import annotations

from typing import Final

from common.errors import Conflict, NotFound, ValidationFailed
from common.i18n import L_, N_


class InventoryItemNotFound(NotFound):
    code = "inventory_item_not_found"
    message = N_("The inventory item was not found. It may have been removed; refresh the list.")


class ReorderNotFound(NotFound):
    code = "reorder_not_found"
    message = N_("The reorder request was not found. Refresh the list.")


class ItemNameRequired(ValidationFailed):
    code = "item_name_required"
    message = N_("The inventory item needs a name.")


class SkuRequired(ValidationFailed):
    code = "sku_required"
    message = N_("The inventory item needs a SKU (stock keeping unit).")


class DuplicateSku(Conflict):
    code = "duplicate_sku"
    message = N_("Another inventory item already uses SKU %(sku)s. Choose a different SKU.")


class DuplicateItemBarcode(Conflict):
    code = "duplicate_item_barcode"
    message = N_("Another inventory item already has this manufacturer barcode. Check the item you scanned.")


class InvalidItemBarcode(ValidationFailed):
    code = "invalid_item_barcode"
    message = N_("The manufacturer barcode must be 1 to 64 printable characters without spaces.")


class InvalidStockLimits(ValidationFailed):
    code = "invalid_stock_limits"
    message = N_("The minimum quantity must be zero or more, and the maximum (if set) at least the minimum.")


class InvalidUnitCost(ValidationFailed):
    code = "invalid_unit_cost"
    message = N_("The unit cost must be zero or more, with at most 4 decimal places.")


class InvalidQuantity(ValidationFailed):
    code = "invalid_quantity"
    message = N_("The quantity must be a whole number from 1 to %(maximum)s.")


class InvalidAdjustment(ValidationFailed):
    code = "invalid_adjustment"
    message = N_("An adjustment must change the stock: enter a whole number other than zero.")


class ReasonRequired(ValidationFailed):
    code = "reason_required"
    message = N_("Enter a reason for this stock change (for example: counted, expired, broken).")


class ItemInUseByCatalog(Conflict):
    code = "item_in_use_by_catalog"
    message = N_(
        "This item is a default material of %(count)s active treatments. "
        "Remove it from those treatments first."
    )


class ReorderTransitionRefused(Conflict):
    code = "reorder_transition_refused"
    message = N_("A reorder request that is %(status)s cannot be marked %(target)s.")


class UnknownMaterial(ValidationFailed):
    code = "unknown_material"
    message = N_(
        "A material refers to an inventory item that does not exist (%(item_id)s). "
        "Remove it or choose another item."
    )


class InvalidMaterials(ValidationFailed):
    code = "invalid_materials"
    message = N_("Each material needs an inventory item and a whole-number quantity from 1 to %(maximum)s.")


# The statuses ReorderTransitionRefused names: a status's stored value is also its msgid.
REORDER_STATUS_NAMES: Final = (L_("Requested"), L_("Ordered"), L_("Received"), L_("Cancelled"))
