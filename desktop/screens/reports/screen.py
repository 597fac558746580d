"""Reports (Admin, Manager): choose a report, a period and its filters; Run builds it on the worker
with progress (cancellable); the pages show as they will print, the key figures beside them; Print
goes through the system's print dialog on the clinic's paper; Export saves the PDF or the CSV."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any, Final

from PySide6.QtCore import QDate, QSize, QStandardPaths, Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from common.catalog.models import TreatmentKind
from common.database import Database
from common.errors import DomainError
from common.i18n import N_
from common.inventory.models import InventoryCategory
from common.payments.models import PaymentMethod
from common.printing import formatting
from common.qt.i18n import _, format_date, language
from common.qt.models import RIGHT, Column, RowTableModel
from common.qt.operations import Job, Progress
from common.reports.model import Figure, Granularity, ReportFilters, ReportRange
from common.reports.registry import REPORTS
from common.scheduling.models import AppointmentType, BookingMode
from desktop.desk import Desk
from desktop.labels import label as value_label
from desktop.screens.base import Screen
from desktop.screens.reports import build, pages
from desktop.screens.reports.options import (
    FAMILIES,
    FAMILY_BY_NAME,
    FILTER_ALL,
    FILTER_TITLES,
    PRESET_TITLES,
    SINGLE_DAY_PRESETS,
    Family,
    FilterKind,
    Preset,
    preset_range,
)
from desktop.screens.reports.preview import PageView
from desktop.screens.reports.printables import ask_printer
from desktop.widgets.common import (
    Banner,
    Card,
    EmptyState,
    add_shortcut_action,
    button,
    hbox,
    label,
    select_data,
    table_view,
)

F = FilterKind
SIDE_WIDTH: Final = 310
ROW_HEIGHT: Final = 30
FIGURES_WIDTH: Final = 330
GROUPINGS: Final = {
    Granularity.DAY: N_("By day"),
    Granularity.WEEK: N_("By week"),
    Granularity.MONTH: N_("By month"),
}
# What the clinic's data is made of: a change to one makes a shown report out of date.
REPORTED_TABLES: Final = frozenset(
    {
        "appointments",
        "payment_records",
        "treatment_records",
        "patients",
        "inventory_items",
        "inventory_movements",
        "staff_users",
    }
)


# ---- dialogs (module functions, so tests can answer them) ---------------------------------------


def ask_save_path(parent: QWidget, title: str, suggested: Path, pattern: str) -> Path | None:
    chosen, _filter = QFileDialog.getSaveFileName(parent, title, str(suggested), pattern)
    return Path(chosen) if chosen else None


def _documents() -> Path:
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(found) if found else Path.home()


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


class ReportsScreen(Screen):
    watches = REPORTED_TABLES

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(desk, parent)
        self.run: build.ReportRun | None = None
        self.job: Job | None = None
        self._run_number = 0
        self._printing = False

        # -- the top line --
        self.print_button = button(icon_name="print", on_click=self.print_report)
        self.print_button.setObjectName("report_print")
        self.pdf_button = button(on_click=self.export_pdf)
        self.pdf_button.setObjectName("report_export_pdf")
        self.csv_button = button(on_click=self.export_csv)
        self.csv_button.setObjectName("report_export_csv")
        self.layout_.addLayout(hbox(self.title, None, self.print_button, self.pdf_button, self.csv_button))

        # -- what to run --
        self.families = QListWidget()
        self.families.setObjectName("report_family")
        self.families.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.families.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for family in FAMILIES:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, family.name)
            item.setSizeHint(QSize(0, ROW_HEIGHT))
            self.families.addItem(item)
        self.families.setFixedHeight(len(FAMILIES) * ROW_HEIGHT + 6)
        self.families.currentRowChanged.connect(lambda _row: self._family_changed())
        self.description = label("", "muted", wrap=True)
        self.description.setObjectName("report_description")
        self.period_heading = label("", "heading")
        self.preset = QComboBox()
        self.preset.setObjectName("report_preset")
        self.preset.currentIndexChanged.connect(lambda _index: self._preset_changed())
        today = desk.today()
        self.first = self._date_edit("report_from", today)
        self.last = self._date_edit("report_to", today)
        self.first.dateChanged.connect(lambda _day: self._dates_edited())
        self.last.dateChanged.connect(lambda _day: self._dates_edited())
        self.first_label = label()
        self.last_label = label()
        self.filters_heading = label("", "heading")
        self.filter_form = QFormLayout()
        self.filter_form.setSpacing(8)
        self.filter_labels: dict[FilterKind, QLabel] = {}
        self.filter_boxes: dict[FilterKind, QComboBox] = {}
        for kind in FilterKind:
            box = QComboBox()
            box.setObjectName(f"report_filter_{kind.value}")
            self.filter_boxes[kind] = box
            self.filter_labels[kind] = label()
            self.filter_form.addRow(self.filter_labels[kind], box)
        self.no_filters = label("", "muted", wrap=True)
        self.message = Banner("danger")
        self.message.setObjectName("report_message")
        self.message.hide()
        self.progress = QProgressBar()
        self.progress.setObjectName("report_progress")
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(8)
        self.status = label("", "muted", wrap=True)
        self.status.setObjectName("report_status")
        self.cancel_button = button(flat=True, on_click=self.cancel)
        self.cancel_button.setObjectName("report_cancel")
        self.run_button = button(primary=True, icon_name="reports", on_click=self.start)
        self.run_button.setObjectName("report_run")

        period = QFormLayout()
        period.setSpacing(8)
        period.addRow(self.preset)
        period.addRow(self.first_label, self.first)
        period.addRow(self.last_label, self.last)
        self.side = Card()
        self.side.setObjectName("report_options")
        self.side.setFixedWidth(SIDE_WIDTH)
        # The choices scroll on a short screen; the Run button stays in view below them.
        choices = QWidget()
        column = QVBoxLayout(choices)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(8)
        column.addWidget(self.families)
        column.addWidget(self.description)
        column.addSpacing(4)
        column.addWidget(self.period_heading)
        column.addLayout(period)
        column.addSpacing(4)
        column.addWidget(self.filters_heading)
        column.addLayout(self.filter_form)
        column.addWidget(self.no_filters)
        column.addStretch(1)
        scroller = QScrollArea()
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QFrame.Shape.NoFrame)
        scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroller.setWidget(choices)
        scroller.viewport().setAutoFillBackground(False)
        choices.setAutoFillBackground(False)
        scroller.setStyleSheet("QScrollArea { background: transparent; }")
        self.side.body.addWidget(scroller, 1)
        self.side.body.addWidget(self.message)
        self.side.body.addWidget(self.status)
        self.side.body.addWidget(self.progress)
        self.side.body.addLayout(hbox(self.cancel_button, None, self.run_button))

        # -- the pages --
        self.pages = PageView()
        self.empty = EmptyState("reports")
        self.empty.setObjectName("report_empty")
        self.page_count = label("", "muted")
        self.page_count.setObjectName("report_page_count")
        self.stale = Banner("info")
        self.stale.setObjectName("report_stale")
        self.stale.hide()
        self.preview = Card()
        self.preview.setObjectName("report_preview")
        self.preview.header.addWidget(self.page_count)
        self.preview.body.addWidget(self.stale)
        self.preview.body.addWidget(self.pages, 1)
        self.preview.body.addWidget(self.empty, 1)

        # -- the key figures --
        self.figures_model: RowTableModel[Figure] = RowTableModel(
            [
                Column(N_("Figure"), lambda f: _(f.label)),
                Column(N_("In this period"), self._figure_value, align=RIGHT, bold=lambda f: True),
            ]
        )
        self.figures = table_view(self.figures_model)
        self.figures.setObjectName("report_figures")
        # Long captions wrap in a column that takes the width; values keep their natural width.
        self.figures.setWordWrap(True)
        self.figures.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.figures.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.figures.horizontalHeader().setStretchLastSection(False)
        self.figures.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.figures.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.figures_card = Card()
        self.figures_card.setFixedWidth(FIGURES_WIDTH)
        self.figures_card.body.addWidget(self.figures)
        self.figures_note = label("", "muted", wrap=True)
        self.figures_card.body.addWidget(self.figures_note)
        self.figures_card.body.addStretch(1)

        panels = QHBoxLayout()
        panels.setSpacing(14)
        panels.addWidget(self.side)
        panels.addWidget(self.preview, 1)
        panels.addWidget(self.figures_card)
        self.layout_.addLayout(panels, 1)

        add_shortcut_action(self, "Ctrl+Return", self.start)
        add_shortcut_action(self, "Ctrl+P", self.print_report)
        self.families.setCurrentRow(0)
        self._set_busy(False)
        self._show_run()
        self.retranslate()

    def _date_edit(self, name: str, day: date) -> QDateEdit:
        edit = QDateEdit()
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setDate(_qdate(day))
        return edit

    # -- Screen -------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.title.setText(_("Reports"))
        self.print_button.setText(_("Print…"))
        self.print_button.setToolTip(_("Print the report (Ctrl+P)"))
        self.pdf_button.setText(_("Export PDF…"))
        self.csv_button.setText(_("Export CSV…"))
        for button_, text in (
            (self.print_button, _("Print…")),
            (self.pdf_button, _("Export PDF…")),
            (self.csv_button, _("Export CSV…")),
        ):
            button_.setAccessibleName(text)
        self.side.set_title(_("Report"))
        for row in range(self.families.count()):
            item = self.families.item(row)
            spec = REPORTS[str(item.data(Qt.ItemDataRole.UserRole))]
            item.setText(_(spec.title))
            item.setToolTip(_(spec.description))
        self.families.setAccessibleName(_("Report"))
        self.period_heading.setText(_("Period"))
        self.filters_heading.setText(_("Filters"))
        self.no_filters.setText(_("This report has no filters: it covers the whole clinic."))
        self.first_label.setText(_("From"))
        self.last_label.setText(_("To"))
        self.first.setAccessibleName(_("First day"))
        self.last.setAccessibleName(_("Last day"))
        self.preset.setAccessibleName(_("Period"))
        self._fill_presets()
        self._fill_filters()
        self.cancel_button.setText(_("Cancel"))
        self.run_button.setText(_("Run report"))
        self.run_button.setToolTip(_("Run the report (Ctrl+Enter)"))
        self.run_button.setAccessibleName(_("Run report"))
        self.empty.set_text(_("Choose a report and a period, then Run report. Its pages appear here."))
        self.figures_card.set_title(_("Key figures"))
        self.figures_model.retranslate()
        self.stale.set_text(
            _("The clinic's records changed since this report was run. Run it again to include the changes.")
        )
        self._family_changed()
        self._show_run()

    def refresh(self) -> None:
        """The shown report is out of date once the records it sums change: say so (Run makes it anew)."""
        if self.run is not None and not self.stale.isVisible():
            self.stale.show()

    def activate(self, args: Mapping[str, Any]) -> None:
        name = args.get("report")
        if isinstance(name, str) and name in FAMILY_BY_NAME:
            self.choose(name)
        super().activate(args)

    def directory_changed(self) -> None:
        self._fill_filters()

    # -- choosing -----------------------------------------------------------------------------------

    @property
    def family(self) -> Family:
        item = self.families.currentItem()
        name = str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else FAMILIES[0].name
        return FAMILY_BY_NAME[name]

    def choose(self, name: str, preset: Preset | None = None) -> None:
        """Pick a report (and a period preset), as a person would in the list."""
        for row in range(self.families.count()):
            if self.families.item(row).data(Qt.ItemDataRole.UserRole) == name:
                self.families.setCurrentRow(row)
        if preset is not None:
            select_data(self.preset, preset.value)

    def set_range(self, first: date, last: date) -> None:
        """A custom period."""
        select_data(self.preset, Preset.CUSTOM.value)
        self.first.setDate(_qdate(first))
        self.last.setDate(_qdate(last))

    def set_filter(self, kind: FilterKind, value: object) -> bool:
        return select_data(self.filter_boxes[kind], value)

    def _family_changed(self) -> None:
        family = self.family
        self.description.setText(_(REPORTS[family.name].description))
        for kind in FilterKind:
            shown = kind in family.filters
            self.filter_labels[kind].setVisible(shown)
            self.filter_boxes[kind].setVisible(shown)
        self.no_filters.setVisible(not family.filters)
        self.last_label.setVisible(not family.single_day)
        self.last.setVisible(not family.single_day)
        self.first_label.setText(_("Day") if family.single_day else _("From"))
        self._fill_presets()

    def _fill_presets(self) -> None:
        current = self.preset.currentData()
        allowed = SINGLE_DAY_PRESETS if self.family.single_day else tuple(Preset)
        self.preset.blockSignals(True)
        self.preset.clear()
        for preset in allowed:
            self.preset.addItem(_(PRESET_TITLES[preset]), preset.value)
        if not select_data(self.preset, current):
            fallback = Preset.TODAY if self.family.single_day else Preset.THIS_MONTH
            select_data(self.preset, fallback.value)
        self.preset.blockSignals(False)
        self._preset_changed()

    def _preset_changed(self) -> None:
        value = self.preset.currentData()
        if value is None:
            return
        preset = Preset(value)
        span = preset_range(preset, self.desk.today())
        if span is None:
            return
        for edit, day in ((self.first, span[0]), (self.last, span[1])):
            edit.blockSignals(True)
            edit.setDate(_qdate(day))
            edit.blockSignals(False)

    def _dates_edited(self) -> None:
        """Typing a date makes the period custom."""
        if self.preset.currentData() != Preset.CUSTOM.value:
            self.preset.blockSignals(True)
            select_data(self.preset, Preset.CUSTOM.value)
            self.preset.blockSignals(False)

    def _fill_filters(self) -> None:
        doctors: list[tuple[str, object]] = [(entry.name, entry.id) for entry in self.desk.directory.doctors]
        choices: dict[FilterKind, list[tuple[str, object]]] = {
            F.DOCTOR: doctors,
            F.CATEGORY: [(_(kind.value), kind) for kind in TreatmentKind],
            F.METHOD: [(value_label(method), method) for method in PaymentMethod],
            F.APPOINTMENT_TYPE: [(value_label(kind), kind) for kind in AppointmentType],
            F.BOOKING_MODE: [(value_label(mode), mode) for mode in BookingMode],
            F.INVENTORY_CATEGORY: [(_(category.value), category) for category in InventoryCategory],
            F.GROUP_BY: [(_(title), grouping) for grouping, title in GROUPINGS.items()],
        }
        for kind, box in self.filter_boxes.items():
            current = box.currentData()
            box.blockSignals(True)
            box.clear()
            box.addItem(_(FILTER_ALL[kind]), None)
            for text, value in choices[kind]:
                box.addItem(text, value)
            select_data(box, current)
            box.blockSignals(False)
            self.filter_labels[kind].setText(_(FILTER_TITLES[kind]))
            box.setAccessibleName(_(FILTER_TITLES[kind]))

    def request(self) -> build.ReportRequest:
        """What the person asked for (raises a DomainError on an impossible period)."""
        family = self.family
        first = _pydate(self.first.date())
        last = first if family.single_day else _pydate(self.last.date())
        period = ReportRange(first, last)

        def chosen(kind: FilterKind) -> frozenset[Any]:
            value = self.filter_boxes[kind].currentData()
            return frozenset({value}) if kind in family.filters and value is not None else frozenset()

        grouping = self.filter_boxes[F.GROUP_BY].currentData() if F.GROUP_BY in family.filters else None
        filters = ReportFilters(
            doctor_ids=frozenset(uuid.UUID(str(value)) for value in chosen(F.DOCTOR)),
            treatment_kinds=chosen(F.CATEGORY),
            payment_methods=chosen(F.METHOD),
            appointment_types=chosen(F.APPOINTMENT_TYPE),
            booking_modes=chosen(F.BOOKING_MODE),
            inventory_categories=chosen(F.INVENTORY_CATEGORY),
            granularity=grouping if isinstance(grouping, Granularity) else None,
        )
        return build.ReportRequest(family.name, period, filters, language().locale)

    # -- running ------------------------------------------------------------------------------------

    def start(self) -> None:
        if self.job is not None:
            return
        self.message.hide()
        try:
            request = self.request()
        except DomainError as error:
            self._show_message("danger", error.translated(language().locale))
            return
        self._run_number += 1
        number = self._run_number
        clinic_id, actor = self.desk.clinic.id, self.desk.actor

        def operation(db: Database, progress: Progress) -> build.ReportRun | None:
            return build.build_report(db, clinic_id, actor, request, progress)

        self._set_busy(True, _(build.READING))
        self.job = self.desk.runner.run(
            operation,
            name=f"reports.run.{request.name}",
            on_success=lambda run: self._finished(number, run),
            on_failure=lambda error: self._failed(number, error),
            on_progress=lambda done, total, message: self._progressed(number, done, total, message),
            key="reports.run",
            parent=self,
        )

    def cancel(self) -> None:
        if self.job is None:
            return
        self.job.cancel()
        self._run_number += 1  # whatever the cancelled job still delivers is ignored
        self.job = None
        self._set_busy(False)
        self.status.setText(_("Cancelled. Nothing was changed."))
        self.status.show()

    def _progressed(self, number: int, done: int, total: int, message: str) -> None:
        if number != self._run_number:
            return
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        if message:
            self.status.setText(_(message))

    def _finished(self, number: int, run: build.ReportRun | None) -> None:
        if number != self._run_number:
            return
        self.job = None
        self._set_busy(False)
        if run is None:
            return
        self.run = run
        self.stale.hide()
        self._show_run()

    def _failed(self, number: int, error: BaseException) -> bool:
        if number != self._run_number:
            return True
        self.job = None
        self._set_busy(False)
        if isinstance(error, DomainError):
            self._show_message("danger", error.translated(language().locale))
            return True
        return False

    def _set_busy(self, busy: bool, status: str = "") -> None:
        self.run_button.setEnabled(not busy)
        self.cancel_button.setVisible(busy)
        self.progress.setVisible(busy)
        self.progress.setRange(0, 0)
        self.status.setVisible(busy and bool(status))
        self.status.setText(status)
        for control in (self.families, self.preset, self.first, self.last, *self.filter_boxes.values()):
            control.setEnabled(not busy)
        self._update_actions()

    def _update_actions(self) -> None:
        ready = self.run is not None and not self._printing
        for widget in (self.print_button, self.pdf_button, self.csv_button):
            widget.setEnabled(ready)

    def _show_message(self, kind: str, text: str) -> None:
        self.message.set_kind(kind)
        self.message.set_text(text)
        self.message.show()

    # -- showing ------------------------------------------------------------------------------------

    def _show_run(self) -> None:
        run = self.run
        self.pages.setVisible(run is not None)
        self.empty.setVisible(run is None)
        self._update_actions()
        if run is None:
            self.preview.set_title(_("Preview"))
            self.page_count.setText("")
            self.figures_model.set_rows([])
            self._fit_figures()
            self.figures_note.setText("")
            return
        data = run.data
        first, last = data.period.first, data.period.last
        span = format_date(first) if first == last else f"{format_date(first)} – {format_date(last)}"
        self.preview.set_title(f"{_(data.title)} · {span}")
        if run.page_count > len(run.pages):
            shown = _(
                "%(count)s pages (the first %(shown)s shown)", count=run.page_count, shown=len(run.pages)
            )
        else:
            shown = _("1 page") if run.page_count == 1 else _("%(count)s pages", count=run.page_count)
        self.page_count.setText(shown)
        names = [
            _("Page %(page)s of %(pages)s", page=number + 1, pages=run.page_count)
            for number in range(len(run.pages))
        ]
        if len(self.pages.page_labels) != len(run.pages) or self.pages.property("run") != id(run):
            self.pages.set_pages(run.pages, names)
            self.pages.setProperty("run", id(run))
        self.figures_model.set_rows(list(data.figures))
        self._fit_figures()
        filters = ", ".join(formatting.text(text, language().locale) for text in data.filter_labels)
        self.figures_note.setText(
            _("Amounts in %(currency)s. Filters: %(filters)s", currency=data.currency, filters=filters)
            if filters
            else _("Amounts in %(currency)s.", currency=data.currency)
        )

    def _fit_figures(self) -> None:
        """As tall as its rows: the note sits right under the last figure."""
        self.figures.resizeRowsToContents()
        rows = sum(self.figures.rowHeight(row) for row in range(self.figures_model.rowCount()))
        header = self.figures.horizontalHeader().sizeHint().height()
        self.figures.setFixedHeight(header + rows + 2 * self.figures.frameWidth() + 2)

    def _figure_value(self, figure: Figure) -> str:
        currency = self.run.data.currency if self.run is not None else ""
        return formatting.figure(figure.value, figure.kind, language().locale, currency)

    # -- printing and exporting -----------------------------------------------------------------------

    def _file_name(self, suffix: str) -> str:
        assert self.run is not None
        period = self.run.data.period
        days = period.first.isoformat() if period.days == 1 else f"{period.first}_{period.last}"
        return f"{self.run.data.name}-{days}.{suffix}"

    def export_pdf(self) -> Path | None:
        if self.run is None:
            return None
        pdf = self.run.pdf
        return self._export(
            _("Export PDF"), "pdf", _("PDF documents (*.pdf)"), lambda path: path.write_bytes(pdf)
        )

    def export_csv(self) -> Path | None:
        if self.run is None:
            return None
        text = self.run.csv

        def write(path: Path) -> None:
            path.write_text(text, encoding="utf-8", newline="")

        return self._export(_("Export CSV"), "csv", _("CSV spreadsheets (*.csv)"), write)

    def _export(self, title: str, suffix: str, pattern: str, write: Callable[[Path], Any]) -> Path | None:
        path = ask_save_path(self, title, _documents() / self._file_name(suffix), pattern)
        if path is None:
            return None
        if path.suffix.lower() != f".{suffix}":
            path = path.with_name(f"{path.name}.{suffix}")
        try:
            write(path)
        except OSError:
            self._show_message(
                "danger",
                _(
                    "The file could not be saved there. Choose another folder, such as Documents, "
                    "and try again."
                ),
            )
            return None
        self._show_message("success", _("Saved as %(path)s.", path=str(path)))
        return path

    def print_report(self) -> None:
        run = self.run
        if run is None or self._printing:
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        pages.prepare_printer(printer, run.paper, _(run.data.title))
        if not ask_printer(self, printer, run.page_count):
            return
        self._printing = True
        self._update_actions()
        self.message.hide()
        self.status.setText(_(build.PRINTING))
        self.status.show()

        def operation(_db: Database, progress: Progress) -> int:
            return build.print_run(run, printer, progress)

        def done(count: int) -> None:
            self._printing = False
            self.status.hide()
            self._update_actions()
            sent = (
                _("Sent 1 page to the printer.")
                if count == 1
                else _("Sent %(count)s pages to the printer.", count=count)
            )
            self._show_message("success", sent)

        def failed(error: BaseException) -> bool:
            self._printing = False
            self.status.hide()
            self._update_actions()
            if isinstance(error, DomainError):
                self._show_message("danger", error.translated(language().locale))
                return True
            return False

        self.desk.runner.run(operation, name="reports.print", on_success=done, on_failure=failed, parent=self)

    # -- for tests and screenshots ----------------------------------------------------------------

    def prepare_showcase(self) -> None:
        """This month's revenue, run (the screenshots' picture of this screen)."""
        self.choose("revenue", Preset.THIS_MONTH)
        self.start()

    @property
    def busy(self) -> bool:
        return self.job is not None or self._printing

    def filter_value(self, kind: FilterKind) -> Enum | uuid.UUID | None:
        value = self.filter_boxes[kind].currentData()
        return value if isinstance(value, Enum | uuid.UUID) else None
