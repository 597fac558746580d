"""Settings › Language: the language of this desk (this computer only; saved in its preferences).

The same switch as the one under the navigation: both follow each other. The clinic's default
language, which the kiosk and new desks start in, is on the Clinic page.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from common.context import ServiceContext
from common.i18n import N_
from common.qt.i18n import _, language, language_choices
from desktop.actions import Intent
from desktop.screens.settings.page import SettingsPage, form_grid
from desktop.widgets.common import label, select_data


class LanguagePage(SettingsPage):
    key = "language"
    title_msgid = N_("Language")
    description_msgid = N_("The language of this computer's front desk. Other desks keep their own.")
    icon_name = "chat"
    manage = None  # everyone chooses the language of the desk they sit at
    watches = frozenset()

    def build(self) -> None:
        card = self.card("language_card")
        grid = form_grid()
        self.picker_label = label()
        self.picker = QComboBox()
        self.picker.setObjectName("desk_language")
        for locale, name in language_choices():
            self.picker.addItem(name, locale)
        grid.addWidget(self.picker_label, 0, 0, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.picker, 0, 1)
        card.body.addLayout(grid)
        self.hint = label("", "muted", wrap=True)
        card.body.addWidget(self.hint)
        self.watch(self.picker)
        language().sig_language_changed.connect(self._switched_elsewhere)

    def read(self, ctx: ServiceContext) -> str:
        return language().locale

    def fill(self, data: Any) -> None:
        select_data(self.picker, data)

    def _switched_elsewhere(self, locale: str) -> None:
        if not self.dirty:
            self.data = locale
            self.refill()

    def save(self, on_done: Any = None) -> None:
        # Not a clinic setting: no intent, nothing to sync. The app keeps it in this desk's preferences.
        wanted = self.picker.currentData()
        self.set_dirty(False)
        if isinstance(wanted, str) and wanted != language().locale:
            self.data = wanted
            language().set_locale(wanted)
        self.status_text = _("Saved.")
        self._show_state()
        if on_done is not None:
            on_done()

    def changes(self) -> list[Intent]:
        return []

    def retranslate_page(self) -> None:
        self.title_cards({"language_card": ""})
        self.picker_label.setText(_("This desk's language"))
        self.picker.setAccessibleName(_("This desk's language"))
        self.hint.setText(
            _(
                "Patients' messages and the kiosk use each patient's language, and the clinic's default "
                "language (on the Clinic page) when a patient has none."
            )
        )
