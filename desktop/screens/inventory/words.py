"""The words the stock room's screens use for stored values: categories, units, movements, reorder
statuses."""

from __future__ import annotations

from typing import Final

from common.i18n import N_
from common.inventory.models import InventoryCategory, MovementKind, ReorderStatus, UnitOfMeasure
from common.qt.i18n import _

CATEGORY_NAMES: Final = {
    InventoryCategory.MEDICINE: N_("Medicine"),
    InventoryCategory.EQUIPMENT: N_("Equipment"),
    InventoryCategory.SUPPLY: N_("Supply"),
    InventoryCategory.CONSUMABLE: N_("Consumable"),
}
UNIT_NAMES: Final = {
    UnitOfMeasure.EACH: N_("pcs"),
    UnitOfMeasure.BOX: N_("boxes"),
    UnitOfMeasure.BOTTLE: N_("bottles"),
    UnitOfMeasure.PACK: N_("packs"),
    UnitOfMeasure.TUBE: N_("tubes"),
}
UNIT_CHOICES: Final = {
    UnitOfMeasure.EACH: N_("Each (single pieces)"),
    UnitOfMeasure.BOX: N_("Box"),
    UnitOfMeasure.BOTTLE: N_("Bottle"),
    UnitOfMeasure.PACK: N_("Pack"),
    UnitOfMeasure.TUBE: N_("Tube"),
}
MOVEMENT_NAMES: Final = {
    MovementKind.RECEIVE: N_("Stock in"),
    MovementKind.USE: N_("Stock used"),
    MovementKind.ADJUST: N_("Corrected"),
    MovementKind.WASTE: N_("Discarded"),
}
STATUS_NAMES: Final = {
    ReorderStatus.REQUESTED: N_("Requested"),
    ReorderStatus.ORDERED: N_("Ordered"),
    ReorderStatus.RECEIVED: N_("Received"),
    ReorderStatus.CANCELLED: N_("Cancelled"),
}


def category_name(category: InventoryCategory) -> str:
    return _(CATEGORY_NAMES[category])


def unit_name(unit: UnitOfMeasure) -> str:
    """The unit as counted: "12 boxes", "12 pcs"."""
    return _(UNIT_NAMES[unit])


def movement_name(kind: MovementKind) -> str:
    return _(MOVEMENT_NAMES[kind])


def status_name(status: ReorderStatus) -> str:
    return _(STATUS_NAMES[status])
