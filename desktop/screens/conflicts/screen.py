"""The conflict inbox. A double booking shows the time both desks wanted, the patient who kept it
and the patient who needs a new one, with free times nearby to choose from: one click books the
second patient there. Other conflicts (a card code taken, no licence seat) say what happened and
what to do. Below, the field values a later edit overwrote, before and after, to check."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from common.i18n import N_
from common.qt.i18n import _, format_datetime, format_day, format_time
from common.qt.icons import icon
from common.qt.models import Column, RowTableModel
from common.qt.theme import current_theme
from common.sync.models import ConflictKind
from desktop.actions import Intent
from desktop.desk import Desk
from desktop.labels import field_label
from desktop.labels import label as value_label
from desktop.screens.base import Screen
from desktop.screens.conflicts import actions
from desktop.screens.conflicts.reads import ConflictRow, FreeTime, Inbox, ReviewRow, load_inbox
from desktop.widgets.common import Card, EmptyState, button, clear_layout, hbox, label, table_view
from desktop.widgets.dialogs import ask_reason

HIDDEN_VALUE = N_("(not shown to your role)")
OTHER_KIND = N_("Conflict")
KIND_TITLES = {
    ConflictKind.SLOT: N_("Double booking"),
    ConflictKind.PERIOD_FULL: N_("Time period full"),
    ConflictKind.BARCODE: N_("Card code already taken"),
    ConflictKind.LICENSE_SEAT: N_("No licence seat left"),
    ConflictKind.UNIQUE_VALUE: N_("Value already taken"),
}


class ConflictCard(QFrame):
    """One conflict, with its choices."""

    def __init__(self, inbox_screen: ConflictsScreen, row: ConflictRow) -> None:
        super().__init__()
        self.inbox_screen = inbox_screen
        self.row = row
        self.setProperty("card", True)
        self.setObjectName(f"conflict_{row.id.hex}")
        desk = inbox_screen.desk
        theme = current_theme()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(18, 14, 18, 16)
        outer.setSpacing(8)
        picture = label()
        picture.setPixmap(icon("warning", theme.danger).pixmap(20, 20))
        heading = label(self._heading(), "heading")
        heading.setObjectName("conflict_heading")
        when = label(_("Sent back %(time)s", time=format_datetime(row.occurred_at)), "muted")
        outer.addLayout(hbox(picture, heading, None, when, spacing=8))

        people = QGridLayout()
        people.setHorizontalSpacing(14)
        people.setVerticalSpacing(4)
        self.patient_labels: list[str] = []
        line = 0
        if row.other_patient_name:
            people.addWidget(label(_("Kept (reached the server first)"), "muted"), line, 0)
            kept = label(row.other_patient_name)
            kept.setObjectName("conflict_kept_patient")
            people.addWidget(kept, line, 1)
            people.addWidget(self._open_patient(row.other_patient_id), line, 2)
            self.patient_labels.append(row.other_patient_name)
            line += 1
        if row.patient_name:
            people.addWidget(label(self._loser_caption(), "muted"), line, 0)
            loser = label(row.patient_name)
            loser.setObjectName("conflict_waiting_patient")
            loser.setStyleSheet(f"font-weight: 600; color: {theme.danger};")
            people.addWidget(loser, line, 1)
            people.addWidget(self._open_patient(row.patient_id), line, 2)
            self.patient_labels.append(row.patient_name)
            line += 1
        people.setColumnStretch(3, 1)
        outer.addLayout(people)
        by = desk.directory.staff_name(row.staff_id)
        explain = label(self._explanation(by), "muted", wrap=True)
        outer.addWidget(explain)

        self.choices = QButtonGroup(self)
        self.choices.setExclusive(True)
        self.time_buttons: list[QPushButton] = []
        self.book: QPushButton | None = None
        actions_row = QHBoxLayout()
        actions_row.setSpacing(10)
        if row.is_booking:
            outer.addWidget(
                label(
                    _("Free times nearby") if row.free_times else _("No free time nearby in the next week."),
                    "heading",
                )
            )
            grid = QGridLayout()
            grid.setHorizontalSpacing(8)
            grid.setVerticalSpacing(8)
            chosen_style = (
                f"QPushButton:checked {{ background: {theme.accent_soft}; border: 2px solid {theme.accent};"
                f" color: {theme.text}; font-weight: 600; }}"
            )
            for number, free in enumerate(row.free_times):
                choice = QPushButton(self._free_text(free))
                choice.setObjectName("conflict_free_time")
                choice.setCheckable(True)
                choice.setCursor(Qt.CursorShape.PointingHandCursor)
                choice.setStyleSheet(chosen_style)
                choice.setAccessibleName(self._free_text(free))
                self.choices.addButton(choice, number)
                self.time_buttons.append(choice)
                grid.addWidget(choice, number // 3, number % 3)
            outer.addLayout(grid)
            self.book = button(primary=True, icon_name="calendar", on_click=self._rebook)
            self.book.setObjectName("conflict_rebook")
            self.book.setText(
                _("Book %(patient)s at the chosen time", patient=row.patient_name or _("the patient"))
            )
            self.book.setEnabled(False)
            self.choices.idToggled.connect(self._time_chosen)
            if self.time_buttons:
                self.time_buttons[0].setChecked(True)
        dismiss = button(flat=True, on_click=self._dismiss)
        dismiss.setObjectName("conflict_dismiss")
        dismiss.setText(_("Mark as done") if row.kind is ConflictKind.BARCODE else _("Dismiss…"))
        actions_row.addStretch(1)
        actions_row.addWidget(dismiss)
        if row.kind is ConflictKind.LICENSE_SEAT:
            again = button(primary=True, icon_name="refresh", on_click=self._retry)
            again.setObjectName("conflict_retry")
            again.setText(_("Try again"))
            actions_row.addWidget(again)
        if self.book is not None:
            actions_row.addWidget(self.book)
        outer.addLayout(actions_row)

    # -- text ------------------------------------------------------------------------------------

    def _heading(self) -> str:
        row, desk = self.row, self.inbox_screen.desk
        title = _(KIND_TITLES.get(row.kind, OTHER_KIND))
        doctor = desk.directory.staff_name(row.doctor_id)
        if row.wanted_start is not None:
            when = f"{format_day(row.wanted_start.date())} {format_time(row.wanted_start)}"
        elif row.wanted_day is not None:
            when = format_day(row.wanted_day)
            if row.wanted_period is not None:
                when += f" · {value_label(row.wanted_period)}"
        else:
            when = ""
        return " · ".join(part for part in (title, doctor, when) if part)

    def _loser_caption(self) -> str:
        if self.row.is_booking:
            return _("Needs a new time")
        if self.row.kind is ConflictKind.BARCODE:
            return _("Patient")
        return _("Waiting")

    def _explanation(self, by: str) -> str:
        row = self.row
        if row.kind is ConflictKind.SLOT:
            text = _(
                "Two desks booked this time while they were offline. The server kept the booking "
                "that reached it first; the other patient has no appointment until you choose a new time."
            )
        elif row.kind is ConflictKind.PERIOD_FULL:
            text = _(
                "This time period was fully booked by the time the booking reached the server. "
                "Choose an exact time for the patient instead."
            )
        elif row.kind is ConflictKind.BARCODE:
            text = _(
                "The card code printed on this PC while offline was already taken. The patient keeps "
                "the code %(code)s: print a new card for them.",
                code=row.kept_code or "—",
            )
        elif row.kind is ConflictKind.LICENSE_SEAT:
            text = _(
                "The clinic's licence had no seat left when this change reached the server. Free a seat "
                "or upgrade the licence, then try again."
            )
        else:
            text = _("Another desk took this value first. Check the record, then mark this as done.")
        if by and row.is_booking:
            text += " " + _("The booking that was sent back was made by %(name)s.", name=by)
        return text

    def _free_text(self, free: FreeTime) -> str:
        doctor = self.inbox_screen.desk.directory.staff_name(free.doctor_id)
        when = f"{format_day(free.starts_at.date())} {format_time(free.starts_at)}"
        return f"{when} · {doctor}" if doctor else when

    def _open_patient(self, patient_id: uuid.UUID | None) -> QPushButton:
        link = button(flat=True, on_click=lambda: self.inbox_screen.open_patient(patient_id))
        link.setText(_("Open"))
        link.setObjectName("conflict_open_patient")
        link.setEnabled(patient_id is not None)
        return link

    # -- choices -----------------------------------------------------------------------------------

    def chosen(self) -> FreeTime | None:
        number = self.choices.checkedId()
        return self.row.free_times[number] if 0 <= number < len(self.row.free_times) else None

    def choose(self, free: FreeTime) -> None:
        number = self.row.free_times.index(free)
        self.time_buttons[number].setChecked(True)

    def _time_chosen(self, _number: int, _checked: bool) -> None:
        if self.book is not None:
            self.book.setEnabled(self.chosen() is not None)

    def _rebook(self) -> None:
        free = self.chosen()
        if free is not None:
            self.inbox_screen.rebook(self.row, free)

    def _retry(self) -> None:
        self.inbox_screen.write(actions.retry(self.row.id))

    def _dismiss(self) -> None:
        if self.row.kind is ConflictKind.BARCODE:
            self.inbox_screen.write(actions.dismiss(self.row.id, _("Card reprinted")))
            return
        ask_reason(
            self,
            _("Dismiss the conflict"),
            _(
                "Why is nothing booked for the patient? (For example: called the patient, who will "
                "call back.)"
            ),
            _("Dismiss"),
            [_("Called the patient, who will call back"), _("The patient cancelled")],
            lambda note: self.inbox_screen.write(actions.dismiss(self.row.id, note)),
        )


def _review_columns(screen: ConflictsScreen) -> list[Column[ReviewRow]]:
    def hidden(text: str, row: ReviewRow) -> str:
        return _(HIDDEN_VALUE) if row.hidden else text

    return [
        Column(N_("Patient"), lambda r: r.patient_name, bold=lambda r: True),
        Column(N_("Field"), lambda r: field_label(r.field)),
        Column(
            N_("Before (overwritten)"),
            lambda r: hidden(r.before, r),
            foreground=lambda r: None if r.hidden else _color(current_theme().danger),
        ),
        Column(N_("Now"), lambda r: hidden(r.after, r)),
        Column(N_("Changed by"), lambda r: screen.desk.directory.staff_name(r.staff_id)),
        Column(N_("When"), lambda r: format_datetime(r.created_at), sort_key=lambda r: r.created_at),
    ]


def _color(value: str) -> Any:
    from PySide6.QtGui import QColor

    return QColor(value)


class ConflictsScreen(Screen):
    watches = frozenset({"sync_conflicts", "merge_reviews", "appointments"})

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(desk, parent)
        self.inbox = Inbox((), ())
        self.cards: list[ConflictCard] = []
        self.summary = label("", "muted")
        self.summary.setObjectName("conflicts_summary")
        self.refresh_button = button(icon_name="refresh", flat=True, on_click=self.reload)
        self.refresh_button.setObjectName("conflicts_refresh")
        self.layout_.addLayout(hbox(self.title, 12, self.summary, None, self.refresh_button))
        self.intro = label("", "muted", wrap=True)
        self.layout_.addWidget(self.intro)

        body = QWidget()
        self.body = QVBoxLayout(body)
        self.body.setContentsMargins(0, 0, 6, 0)
        self.body.setSpacing(14)
        self.conflicts_heading = label("", "heading")
        self.conflict_list = QVBoxLayout()
        self.conflict_list.setSpacing(12)
        self.conflicts_empty = EmptyState("check_in")
        self.conflicts_empty.setObjectName("conflicts_empty")
        self.body.addWidget(self.conflicts_heading)
        self.body.addLayout(self.conflict_list)
        self.body.addWidget(self.conflicts_empty)

        self.review_model: RowTableModel[ReviewRow] = RowTableModel(_review_columns(self))
        self.reviews = table_view(self.review_model)
        self.reviews.setObjectName("reviews_table")
        self.reviews.doubleClicked.connect(
            lambda index: self.open_patient(self.review_model.row_at(index).patient_id)
        )
        self.reviewed_button = button(primary=True, on_click=self._mark_reviewed)
        self.reviewed_button.setObjectName("review_done")
        self.review_patient_button = button(on_click=self._open_review_patient)
        self.review_card = Card()
        self.review_card.setObjectName("reviews_card")
        self.review_explain = label("", "muted", wrap=True)
        self.review_card.body.addWidget(self.review_explain)
        self.review_card.body.addWidget(self.reviews, 1)
        self.review_card.body.addLayout(hbox(None, self.review_patient_button, self.reviewed_button))
        self.body.addWidget(self.review_card)
        self.body.addStretch(1)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        self.layout_.addWidget(scroll, 1)
        self.retranslate()

    # -- loading ---------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.title.setText(_("Sync conflicts"))
        self.intro.setText(
            _(
                "When two desks change the same thing while offline, the clinic's server decides and "
                "sends the other change back here. Nothing is dropped: decide what happens to it."
            )
        )
        self.refresh_button.setText(_("Refresh"))
        self.conflicts_heading.setText(_("To resolve"))
        self.conflicts_empty.set_text(_("No conflicts. Bookings made on every desk reached the server."))
        self.review_card.set_title(_("Changes to review"))
        self.review_explain.setText(
            _(
                "Two desks changed the same detail of a patient. The later change was kept; check that "
                "the value it replaced is not needed."
            )
        )
        self.reviewed_button.setText(_("Mark as checked"))
        self.review_patient_button.setText(_("Open patient"))
        self.reviews.setAccessibleName(_("Changes to review"))
        self.review_model.retranslate()
        self._show(self.inbox)

    def refresh(self) -> None:
        self.desk.read(load_inbox, name="conflicts.load", on_success=self._show, key="conflicts", parent=self)

    def activate(self, args: Mapping[str, Any]) -> None:
        self.reload()

    def directory_changed(self) -> None:
        self._show(self.inbox)

    def _show(self, inbox: Inbox) -> None:
        self.inbox = inbox
        clear_layout(self.conflict_list)
        self.cards = [ConflictCard(self, row) for row in inbox.conflicts]
        for card in self.cards:
            self.conflict_list.addWidget(card)
        self.conflicts_empty.setVisible(not self.cards)
        self.review_model.set_rows(inbox.reviews)
        rows = min(len(inbox.reviews), 8)
        header = self.reviews.horizontalHeader().sizeHint().height()
        self.reviews.setFixedHeight(
            header + max(1, rows) * self.reviews.verticalHeader().defaultSectionSize() + 4
        )
        self.review_card.setVisible(bool(inbox.reviews))
        self.reviewed_button.setEnabled(bool(inbox.reviews))
        self.review_patient_button.setEnabled(bool(inbox.reviews))
        if inbox.reviews:
            self.reviews.selectRow(0)
        self.summary.setText(
            _(
                "%(conflicts)s to resolve · %(reviews)s to review",
                conflicts=len(inbox.conflicts),
                reviews=len(inbox.reviews),
            )
        )

    # -- acting ----------------------------------------------------------------------------------

    def card(self, conflict_id: uuid.UUID) -> ConflictCard | None:
        return next((card for card in self.cards if card.row.id == conflict_id), None)

    def rebook(self, row: ConflictRow, free: FreeTime) -> None:
        self.write(actions.rebook(row.id, free.starts_at, free.doctor_id), moved_to=free.starts_at)

    def write(self, intent: Intent, *, moved_to: datetime | None = None) -> None:
        def done(_result: object) -> None:
            window = self.window()
            if moved_to is not None and isinstance(window, QMainWindow):
                when = format_datetime(moved_to)
                window.statusBar().showMessage(
                    _("Booked for %(time)s; the other desks get it at their next sync.", time=when), 8000
                )
            self.reload()

        self.desk.write(intent, on_success=done, parent=self)

    def open_patient(self, patient_id: uuid.UUID | None) -> None:
        if patient_id is not None:
            self.desk.navigate("patients", patient_id=patient_id)

    def _selected_review(self) -> ReviewRow | None:
        selected = self.reviews.selectionModel().selectedRows()
        return self.review_model.row_at(selected[0]) if selected else None

    def _mark_reviewed(self) -> None:
        row = self._selected_review()
        if row is not None:
            self.write(actions.mark_reviewed(row.id))

    def _open_review_patient(self) -> None:
        row = self._selected_review()
        if row is not None:
            self.open_patient(row.patient_id)
