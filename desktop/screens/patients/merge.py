"""Merging a duplicate into this patient: choose the duplicate, see both records side by side with
what the merge keeps, then merge (confirmed; undone from the same place right after)."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QDialog, QHBoxLayout, QVBoxLayout, QWidget

from common.errors import DomainError
from common.i18n import N_
from common.patients.merge import FieldComparison, MergeOutcome, MergePreview, preview_merge
from common.qt.i18n import _, format_date, language
from common.qt.models import Column, RowTableModel
from common.qt.theme import current_theme
from desktop.actions import merge, unmerge
from desktop.desk import Desk
from desktop.labels import PREFERRED_LANGUAGES, field_label
from desktop.names import display_name
from desktop.reads.rows import PatientRow
from desktop.widgets.common import Banner, button, label, table_view
from desktop.widgets.dialogs import confirm
from desktop.widgets.patient_picker import PatientPicker

TABLE_NAMES = {
    "appointments": N_("appointments"),
    "treatment_records": N_("treatments"),
    "payment_records": N_("payments"),
    "barcode_mappings": N_("cards"),
    "chat_messages": N_("messages"),
    "waitlist_entries": N_("waitlist entries"),
    "notifications": N_("notifications"),
}


def _shown(value: Any) -> str:
    if value is None or value in ("", [], {}):
        return "—"
    if hasattr(value, "isoformat") and not isinstance(value, str):
        try:
            return format_date(value)
        except (TypeError, AttributeError):
            return str(value)
    if hasattr(value, "value") and isinstance(value.value, str):
        return PREFERRED_LANGUAGES.get(value.value, value.value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key}: {item}" for key, item in value.items())
    return str(value)


class MergeDialog(QDialog):
    def __init__(
        self, desk: Desk, survivor_id: uuid.UUID, survivor_name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("merge_dialog")
        self.setModal(True)
        self.resize(860, 620)
        self.desk = desk
        self.survivor_id = survivor_id
        self.preview: MergePreview | None = None
        self.outcome: MergeOutcome | None = None
        self.heading = label("", "title")
        self.explain = label("", "muted", wrap=True)
        self.picker = PatientPicker(desk)
        self.picker.sig_chosen.connect(self._duplicate_chosen)
        theme = current_theme()
        self.model: RowTableModel[FieldComparison] = RowTableModel(
            [
                Column(N_("Field"), lambda f: field_label(f.name), bold=lambda f: True),
                Column(N_("Kept record"), lambda f: _shown(f.survivor)),
                Column(
                    N_("Duplicate"),
                    lambda f: _shown(f.duplicate),
                    background=lambda f: None if f.same else QColor(theme.warning_soft),
                ),
                Column(N_("After the merge"), lambda f: _shown(f.merged), bold=lambda f: not f.same),
            ]
        )
        self.table = table_view(self.model)
        self.table.setObjectName("merge_preview")
        self.moves = label("", "muted", wrap=True)
        self.banner = Banner("success")
        self.banner.hide()
        self.merge_button = button(primary=True, on_click=self._confirm)
        self.merge_button.setObjectName("merge_submit")
        self.merge_button.setEnabled(False)
        self.undo_button = button(on_click=self._undo)
        self.undo_button.setObjectName("merge_undo")
        self.undo_button.hide()
        self.close_button = button(on_click=self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.undo_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.merge_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(10)
        for widget in (self.heading, self.explain, self.picker, self.table, self.moves, self.banner):
            layout.addWidget(widget)
        layout.addLayout(buttons)
        self.setWindowTitle(_("Merge a duplicate"))
        self.heading.setText(_("Merge a duplicate into %(name)s", name=survivor_name))
        self.explain.setText(
            _(
                "Find the duplicate record. Its appointments, treatments, payments and cards move to "
                "this patient; empty fields are filled from it and allergies are combined. The "
                "duplicate is retired. Highlighted rows differ."
            )
        )
        self.merge_button.setText(_("Merge"))
        self.undo_button.setText(_("Undo the merge"))
        self.close_button.setText(_("Close"))
        self.table.hide()

    def _duplicate_chosen(self, row: PatientRow | None) -> None:
        self.merge_button.setEnabled(False)
        if row is None:
            self.table.hide()
            return
        survivor, duplicate = self.survivor_id, row.id
        self.desk.read(
            lambda ctx: preview_merge(ctx, survivor, duplicate),
            name="patients.merge_preview",
            on_success=self._show_preview,
            parent=self,
        )

    def _show_preview(self, preview: MergePreview) -> None:
        self.preview = preview
        self.model.set_rows(list(preview.fields))
        self.table.show()
        moving = [
            _("%(count)s %(things)s", count=count, things=_(TABLE_NAMES.get(table, table)))
            for table, count in preview.rows_to_move.items()
            if count
        ]
        self.moves.setText(_("Moves to the kept record: %(what)s.", what=", ".join(moving)) if moving else "")
        self.merge_button.setEnabled(True)

    def _confirm(self) -> None:
        preview = self.preview
        if preview is None:
            return
        duplicate = display_name(
            preview.duplicate.get("first_name", ""), preview.duplicate.get("last_name", "")
        )
        confirm(
            self,
            _("Merge %(duplicate)s into this patient?", duplicate=duplicate),
            _("Merge"),
            self._merge,
            details=_("You can undo the merge right after, from this window."),
        )

    def _merge(self) -> None:
        if self.preview is None:
            return
        self.merge_button.setEnabled(False)
        self.desk.write(
            merge(self.survivor_id, self.preview.duplicate.id),
            on_success=self._merged,
            on_failure=self._failed,
            parent=self,
        )

    def _merged(self, outcome: MergeOutcome) -> None:
        self.outcome = outcome
        self.banner.set_kind("success")
        self.banner.set_text(_("Merged. The duplicate's records are now on this patient."))
        self.banner.show()
        self.undo_button.show()
        self.picker.setEnabled(False)

    def _undo(self) -> None:
        if self.outcome is None:
            return
        self.undo_button.setEnabled(False)
        self.desk.write(
            unmerge(self.outcome.merge_id), on_success=self._unmerged, on_failure=self._failed, parent=self
        )

    def _unmerged(self, _outcome: object) -> None:
        self.outcome = None
        self.undo_button.hide()
        self.banner.set_kind("info")
        self.banner.set_text(_("The merge was undone: both records are as they were."))
        self.picker.setEnabled(True)

    def _failed(self, error: BaseException) -> bool:
        self.merge_button.setEnabled(self.preview is not None)
        self.undo_button.setEnabled(True)
        if isinstance(error, DomainError):
            self.banner.set_kind("danger")
            self.banner.set_text(error.translated(language().locale))
            self.banner.show()
            return True
        return False
