"""One treatment, as the catalog shows it: cautions first and impossible to miss, then price,
duration, instructions, the materials it uses (with their stock), the follow-up it suggests, and
its barcode."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from common.barcodes.payload import display as code_display
from common.qt.i18n import _, format_money, format_number
from common.qt.theme import current_theme
from desktop.screens.catalog.editor import kind_name
from desktop.screens.catalog.reads import CatalogView, TreatmentRow
from desktop.widgets.common import Banner, Card, button, label, set_role
from desktop.widgets.qr import QrCode


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def bullets(lines: tuple[str, ...] | list[str]) -> str:
    return "<br>".join(f"•&nbsp;{_escape(line)}" for line in lines)


class TreatmentDetail(QWidget):
    """Shows a TreatmentRow; its buttons ask the screen (signals) to act."""

    sig_edit = Signal()
    sig_print = Signal()
    sig_toggle_active = Signal()
    sig_issue_code = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.row: TreatmentRow | None = None
        self.view: CatalogView | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer.addWidget(scroll)
        self.card = Card()
        self.card.setObjectName("treatment_detail")
        scroll.setWidget(self.card)
        body = self.card.body
        body.setSpacing(10)

        self.name = label("", "title", wrap=True)
        self.name.setObjectName("detail_name")
        self.status = label("", "pill")
        self.status.hide()
        self.place = label("", "muted", wrap=True)
        self.cautions = Banner("danger")
        self.cautions.setObjectName("detail_cautions")
        bold = QFont(self.cautions.text.font())
        bold.setBold(True)
        self.cautions.text.setFont(bold)
        self.cautions.text.setTextFormat(Qt.TextFormat.RichText)
        self.cautions.hide()

        self.fact_labels = {key: label("", "muted") for key in ("price", "duration", "follow_up", "approval")}
        self.facts = {key: label("", wrap=True) for key in self.fact_labels}
        self.facts["price"].setObjectName("detail_price")
        self.facts["duration"].setObjectName("detail_duration")
        self.facts["price"].setProperty("role", "heading")
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(6)
        for number, key in enumerate(self.fact_labels):
            grid.addWidget(self.fact_labels[key], number, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(self.facts[key], number, 1)
        grid.setColumnStretch(1, 1)

        self.sections: dict[str, tuple[QLabel, QLabel]] = {}
        self.section_holders: dict[str, QWidget] = {}
        section_box = QVBoxLayout()
        section_box.setSpacing(10)
        for key in ("instructions", "description", "advantages", "recommended_for", "materials"):
            title = label("", "heading")
            text = label("", wrap=True)
            text.setObjectName(f"detail_{key}")
            text.setTextFormat(Qt.TextFormat.RichText)
            holder = QWidget()
            layout = QVBoxLayout(holder)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.setSpacing(3)
            layout.addWidget(title)
            layout.addWidget(text)
            section_box.addWidget(holder)
            self.sections[key] = (title, text)
            self.section_holders[key] = holder

        self.code_title = label("", "heading")
        self.qr = QrCode(92)
        self.qr.setObjectName("detail_qr")
        self.code_text = label("", "muted", wrap=True)
        self.code_text.setObjectName("detail_code")
        self.issue_button = button(icon_name="plus", on_click=self.sig_issue_code.emit)
        self.issue_button.setObjectName("issue_treatment_code")
        code_column = QVBoxLayout()
        code_column.addWidget(self.code_text)
        code_column.addWidget(self.issue_button, 0, Qt.AlignmentFlag.AlignLeft)
        code_column.addStretch(1)
        code_row = QHBoxLayout()
        code_row.setSpacing(14)
        code_row.addWidget(self.qr)
        code_row.addLayout(code_column, 1)

        self.edit_button = button(primary=True, on_click=self.sig_edit.emit)
        self.edit_button.setObjectName("edit_treatment")
        self.print_button = button(icon_name="print", on_click=self.sig_print.emit)
        self.print_button.setObjectName("print_treatment_code")
        self.active_button = button(danger=True, on_click=self.sig_toggle_active.emit)
        self.active_button.setObjectName("toggle_treatment_active")

        head = QHBoxLayout()
        head.addWidget(self.name, 1)
        head.addWidget(self.status, 0, Qt.AlignmentFlag.AlignTop)
        body.addLayout(head)
        body.addWidget(self.place)
        body.addWidget(self.cautions)
        body.addLayout(grid)
        body.addLayout(section_box)
        body.addWidget(self.code_title)
        body.addLayout(code_row)
        body.addStretch(1)
        actions = QHBoxLayout()
        actions.addWidget(self.active_button)
        actions.addStretch(1)
        actions.addWidget(self.print_button)
        actions.addWidget(self.edit_button)
        body.addLayout(actions)

    def set_permissions(self, *, manage: bool, codes: bool) -> None:
        self.edit_button.setVisible(manage)
        self.active_button.setVisible(manage)
        self._codes = codes

    _codes = False

    def show_row(self, row: TreatmentRow, view: CatalogView) -> None:
        self.row, self.view = row, view
        self.retranslate()

    def retranslate(self) -> None:
        row, view = self.row, self.view
        self.fact_labels["price"].setText(_("Price"))
        self.fact_labels["duration"].setText(_("Duration"))
        self.fact_labels["follow_up"].setText(_("Follow-up"))
        self.fact_labels["approval"].setText(_("Approval"))
        titles = {
            "instructions": _("Instructions"),
            "description": _("Description"),
            "advantages": _("Benefits"),
            "recommended_for": _("Recommended for"),
            "materials": _("Materials used per treatment"),
        }
        for key, text in titles.items():
            self.sections[key][0].setText(text)
        self.code_title.setText(_("Barcode"))
        self.edit_button.setText(_("Edit"))
        self.print_button.setText(_("Print barcode"))
        self.issue_button.setText(_("Issue a barcode"))
        if row is None or view is None:
            return
        self.name.setText(row.name)
        self.status.setText(_("Deactivated"))
        self.status.setVisible(not row.is_active)
        category = view.category(row.category_id)
        parent = view.category(category.parent_id) if category is not None else None
        place = [kind_name(row.kind)]
        place += [c.name for c in (parent, category) if c is not None]
        self.place.setText(" › ".join(place))
        if row.cautions:
            self.cautions.set_text(_("Cautions") + "<br>" + bullets(row.cautions))
            self.cautions.setAccessibleName(_("Cautions") + ": " + "; ".join(row.cautions))
            self.cautions.show()
        else:
            self.cautions.hide()
        self.facts["price"].setText(format_money(row.price, row.currency))
        set_role(self.facts["price"], "heading")
        self.facts["duration"].setText(_("%(minutes)s min", minutes=row.duration_minutes))
        if row.follow_up_interval_days:
            following = view.treatment(row.next_treatment_id)
            name = following.name if following is not None else row.name
            self.facts["follow_up"].setText(
                _("After %(days)s days: %(next)s", days=row.follow_up_interval_days, next=name)
            )
        else:
            self.facts["follow_up"].setText(_("No follow-up"))
        self.facts["approval"].setText(
            _("Needs a doctor's approval") if row.requires_doctor_approval else _("Not needed")
        )
        stock = {choice.id: choice for choice in view.stock}
        materials = []
        for line in row.materials:
            choice = stock.get(line.item_id)
            if choice is None:
                materials.append(f"{line.quantity} × {_escape(_('Removed item'))}")
                continue
            left = _("%(count)s in stock", count=format_number(choice.stock))
            if choice.is_low:
                left = f"<span style='color:{current_theme().danger}'>{_escape(left)}</span>"
            materials.append(f"{line.quantity} × {_escape(choice.name)} · {left}")
        texts = {
            "instructions": _escape(row.instructions or "").replace("\n", "<br>"),
            "description": _escape(row.description or "").replace("\n", "<br>"),
            "advantages": bullets(row.advantages),
            "recommended_for": bullets(row.recommended_for),
            "materials": "<br>".join(materials),
        }
        for key, text in texts.items():
            self.sections[key][1].setText(text)
            self.section_holders[key].setVisible(bool(text))
        self.qr.set_value(row.code)
        self.qr.setVisible(row.code is not None)
        self.code_text.setText(
            code_display(row.code) if row.code else _("This treatment has no barcode yet.")
        )
        self.issue_button.setVisible(row.code is None and row.is_active and self._codes)
        self.print_button.setEnabled(row.is_active and (row.code is not None or self._codes))
        self.active_button.setText(_("Deactivate") if row.is_active else _("Reactivate"))
        self.active_button.setProperty("danger", row.is_active)
        self.active_button.style().unpolish(self.active_button)
        self.active_button.style().polish(self.active_button)
