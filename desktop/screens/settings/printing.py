"""Settings › Printing: the paper receipts, invoices, posters and label sheets are laid out for,
and whether patient cards and labels carry the patient's name."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox

from common.clinics.models import PaperSize
from common.clinics.service import ClinicDetails, clinic_details
from common.context import ServiceContext
from common.i18n import N_
from common.qt.i18n import _
from desktop.actions import Intent
from desktop.screens.settings.actions import update_print_settings
from desktop.screens.settings.page import SettingsPage, form_grid
from desktop.widgets.common import label, select_data


class PrintingPage(SettingsPage):
    key = "printing"
    title_msgid = N_("Printing")
    description_msgid = N_("How the clinic's documents and cards are printed.")
    icon_name = "print"
    watches = frozenset({"clinics", "print_settings"})

    def build(self) -> None:
        card = self.card("printing_card")
        grid = form_grid()
        self.paper_label = label()
        self.paper = QComboBox()
        self.paper.setObjectName("paper_size")
        for size in PaperSize:
            self.paper.addItem(size.value, size)
        self.paper_hint = label("", "muted", wrap=True)
        grid.addWidget(self.paper_label, 0, 0, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.paper, 0, 1)
        grid.addWidget(self.field("paper_size", self.paper), 0, 3)
        grid.addWidget(self.paper_hint, 1, 1, 1, 3)
        self.receipt_label = label()
        self.receipt = QComboBox()
        self.receipt.setObjectName("receipt_paper")
        self.receipt.addItem("", "page")
        self.receipt.addItem("", "80mm")
        grid.addWidget(self.receipt_label, 2, 0, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.receipt, 2, 1)
        grid.addWidget(self.field("receipt_paper", self.receipt), 2, 3)
        card.body.addLayout(grid)
        privacy = self.card("printing_card_names")
        self.names = QCheckBox()
        self.names.setObjectName("names_on_cards")
        self.names_hint = label("", "muted", wrap=True)
        privacy.body.addWidget(self.names)
        privacy.body.addWidget(self.names_hint)
        self.watch(self.paper, self.receipt, self.names)

    def read(self, ctx: ServiceContext) -> ClinicDetails:
        return clinic_details(ctx)

    def fill(self, data: Any) -> None:
        assert isinstance(data, ClinicDetails)
        select_data(self.paper, data.paper_size)
        select_data(self.receipt, data.receipt_paper)
        self.names.setChecked(data.names_on_patient_cards)

    def changes(self) -> list[Intent]:
        data = self.data
        if not isinstance(data, ClinicDetails):
            return []
        paper = self.paper.currentData()
        names = self.names.isChecked()
        receipt = self.receipt.currentData()
        if (paper, names, receipt) == (data.paper_size, data.names_on_patient_cards, data.receipt_paper):
            return []
        return [
            update_print_settings(
                paper_size=PaperSize(paper).value if paper != data.paper_size else None,
                names_on_patient_cards=names if names != data.names_on_patient_cards else None,
                receipt_paper=receipt if receipt != data.receipt_paper else None,
            )
        ]

    def retranslate_page(self) -> None:
        self.title_cards({"printing_card": _("Paper"), "printing_card_names": _("Patient cards and labels")})
        self.paper_label.setText(_("Paper size"))
        self.paper.setAccessibleName(_("Paper size"))
        self.receipt_label.setText(_("Receipts"))
        self.receipt.setAccessibleName(_("Receipts"))
        self.receipt.setItemText(0, _("On the paper size above"))
        self.receipt.setItemText(1, _("80 mm till roll"))
        self.paper_hint.setText(
            _("Receipts, invoices, posters and barcode sheets are laid out for this paper.")
        )
        self.names.setText(_("Print the patient's name on patient cards and labels"))
        self.names_hint.setText(
            _(
                "Off by default: a card or label that is lost then names nobody. The barcode alone "
                "finds the patient at the desk and the kiosk."
            )
        )
