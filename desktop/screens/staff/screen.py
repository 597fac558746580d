"""Staff (administrators): everyone's account with role, status and last sign-in; add a person
within the license's seats; change a role, reset a password or the second factor, deactivate and
reactivate (each confirmed). Ctrl+F finds a person, Ctrl+N adds one."""

from __future__ import annotations

import uuid
from typing import Final

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QIcon, QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from common.access.permissions import TOTP_REQUIRED_ROLES
from common.i18n import N_
from common.qt.i18n import _, format_datetime, format_number
from common.qt.icons import dot
from common.qt.models import Column, RowTableModel
from common.qt.operations import show_failure_box
from common.qt.theme import current_theme
from common.staff.models import Role
from common.staff.service import StaffResult, TotpEnrollment
from desktop.desk import Desk
from desktop.labels import label as value_label
from desktop.screens.base import Screen
from desktop.screens.staff.actions import deactivate, new_second_factor, reactivate
from desktop.screens.staff.dialogs import AddStaffDialog, ChangeRoleDialog, PasswordDialog, TotpDialog
from desktop.screens.staff.reads import StaffOverview, StaffRow, staff_overview
from desktop.widgets.common import Banner, Card, EmptyState, SearchField, button, hbox, label, table_view
from desktop.widgets.dialogs import confirm

ACTIVE: Final = "#2F9E44"
LOCKED: Final = "#E8890C"
INACTIVE: Final = "#868E96"


def status_text(row: StaffRow) -> str:
    if not row.is_active:
        return _("Deactivated")
    return _("Locked for a while") if row.locked else _("Active")


def status_dot(row: StaffRow) -> QIcon:
    return dot(INACTIVE if not row.is_active else LOCKED if row.locked else ACTIVE)


def last_seen(row: StaffRow) -> str:
    return format_datetime(row.last_login) if row.last_login is not None else _("Never")


class StaffScreen(Screen):
    watches = frozenset({"staff_users", "clinics"})

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(desk, parent)
        self.overview: StaffOverview | None = None
        self.wanted: uuid.UUID | None = None  # the row to select once loaded
        self._showcase = False

        # -- seats and adding --
        self.seats = label("", "heading")
        self.seats.setObjectName("staff_seats")
        self.seat_bar = QProgressBar()
        self.seat_bar.setObjectName("staff_seat_bar")
        self.seat_bar.setTextVisible(False)
        self.seat_bar.setFixedSize(150, 8)
        self.add_button = button(primary=True, icon_name="plus", on_click=self.new_item)
        self.add_button.setObjectName("add_staff")
        seat_box = QVBoxLayout()
        seat_box.setSpacing(4)
        seat_box.addWidget(self.seats, 0, Qt.AlignmentFlag.AlignRight)
        seat_box.addWidget(self.seat_bar, 0, Qt.AlignmentFlag.AlignRight)
        header = hbox(self.title, None)
        header.addLayout(seat_box)
        header.addSpacing(16)
        header.addWidget(self.add_button)
        self.layout_.addLayout(header)
        self.full = Banner("warning")
        self.full.setObjectName("staff_seats_full")
        self.full.hide()
        self.message = Banner("success")
        self.message.setObjectName("staff_message")
        self.message.hide()
        self.layout_.addWidget(self.full)
        self.layout_.addWidget(self.message)

        # -- the list --
        self.search = SearchField()
        self.search.setObjectName("staff_search")
        self.search.setMinimumWidth(340)
        self.search.sig_query.connect(lambda _text: self._show_rows())
        self.show_inactive = QCheckBox()
        self.show_inactive.setObjectName("staff_show_inactive")
        self.show_inactive.setChecked(True)
        self.show_inactive.toggled.connect(lambda _on: self._show_rows())
        self.model: RowTableModel[StaffRow] = RowTableModel(
            [
                Column(
                    N_("Name"),
                    lambda r: r.name,
                    bold=lambda r: r.is_active,
                    foreground=self._muted_if_inactive,
                ),
                Column(N_("Role"), lambda r: value_label(r.role), foreground=self._muted_if_inactive),
                Column(N_("Status"), status_text, decoration=status_dot, foreground=self._muted_if_inactive),
                Column(
                    N_("Two-factor"),
                    lambda r: _("On") if r.two_factor else "–",
                    foreground=self._muted_if_inactive,
                ),
                Column(
                    N_("Last sign-in"),
                    last_seen,
                    sort_key=lambda r: r.last_login.timestamp() if r.last_login else 0.0,
                    foreground=self._muted_if_inactive,
                ),
                Column(
                    N_("Email"), lambda r: r.email, foreground=lambda r: QColor(current_theme().text_muted)
                ),
            ]
        )
        self.table = table_view(self.model)
        self.table.setObjectName("staff_table")
        self.table.setSortingEnabled(False)
        self.table.selectionModel().selectionChanged.connect(lambda _new, _old: self._show_person())
        self.empty = EmptyState("staff")
        list_card = Card()
        self.list_card = list_card
        list_card.header.addWidget(self.search, 1)
        list_card.header.addWidget(self.show_inactive)
        list_card.body.addWidget(self.table, 1)
        list_card.body.addWidget(self.empty, 1)

        # -- the chosen person --
        self.person_name = label("", "title")
        self.person_name.setObjectName("staff_person_name")
        self.person_role = label("", "pill")
        self.facts = QGridLayout()
        self.facts.setHorizontalSpacing(14)
        self.facts.setVerticalSpacing(8)
        self.fact_labels: dict[str, tuple[QLabel, QLabel]] = {}
        for number, key in enumerate(("email", "status", "last_login", "two_factor", "specialization")):
            caption, value = label("", "muted"), label("", None, wrap=True)
            value.setObjectName(f"staff_fact_{key}")
            self.facts.addWidget(caption, number, 0, Qt.AlignmentFlag.AlignTop)
            self.facts.addWidget(value, number, 1)
            self.fact_labels[key] = (caption, value)
        self.facts.setColumnStretch(1, 1)
        self.role_button = button(on_click=self._change_role)
        self.role_button.setObjectName("staff_change_role")
        self.password_button = button(on_click=self._reset_password)
        self.password_button.setObjectName("staff_reset_password")
        self.totp_button = button(on_click=self._reset_totp)
        self.totp_button.setObjectName("staff_reset_totp")
        self.deactivate_button = button(danger=True, on_click=self._deactivate)
        self.deactivate_button.setObjectName("staff_deactivate")
        self.reactivate_button = button(on_click=self._reactivate)
        self.reactivate_button.setObjectName("staff_reactivate")
        self.self_note = label("", "muted", wrap=True)
        self.self_note.setObjectName("staff_self_note")
        actions = QVBoxLayout()
        actions.setSpacing(8)
        for widget in (
            self.role_button,
            self.password_button,
            self.totp_button,
            self.deactivate_button,
            self.reactivate_button,
        ):
            actions.addWidget(widget)
        actions.addWidget(self.self_note)
        self.person_card = Card()
        self.person_card.setObjectName("staff_person")
        self.person_card.setMinimumWidth(340)
        self.person_card.setMaximumWidth(420)
        details = QWidget()
        details_layout = QVBoxLayout(details)
        details_layout.setContentsMargins(0, 0, 0, 0)
        details_layout.setSpacing(12)
        details_layout.addWidget(self.person_name)
        details_layout.addLayout(hbox(self.person_role, None))
        details_layout.addLayout(self.facts)
        details_layout.addSpacing(6)
        details_layout.addLayout(actions)
        details_layout.addStretch(1)
        self.details = details
        self.no_person = EmptyState("staff")
        self.person_card.body.addWidget(details, 1)
        self.person_card.body.addWidget(self.no_person, 1)

        splitter = QSplitter()
        splitter.addWidget(list_card)
        splitter.addWidget(self.person_card)
        splitter.setStretchFactor(0, 1)
        splitter.setChildrenCollapsible(False)
        panels = QHBoxLayout()
        panels.addWidget(splitter)
        self.layout_.addLayout(panels, 1)
        self.retranslate()
        self._show_person()

    # -- Screen -------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.title.setText(_("Staff"))
        self.add_button.setText(_("Add staff"))
        self.add_button.setToolTip(_("Add a staff member (Ctrl+N)"))
        self.search.setPlaceholderText(_("Find by name or email (Ctrl+F)"))
        self.search.setAccessibleName(_("Find staff"))
        self.show_inactive.setText(_("Show deactivated"))
        self.table.setAccessibleName(_("Staff accounts"))
        captions = {
            "email": _("Email"),
            "status": _("Status"),
            "last_login": _("Last sign-in"),
            "two_factor": _("Two-factor"),
            "specialization": _("Specialization"),
        }
        for key, (caption, _value) in self.fact_labels.items():
            caption.setText(captions[key])
        self.role_button.setText(_("Change role…"))
        self.password_button.setText(_("Reset password…"))
        self.totp_button.setText(_("Reset two-factor…"))
        self.deactivate_button.setText(_("Deactivate…"))
        self.reactivate_button.setText(_("Reactivate…"))
        self.no_person.set_text(_("Choose a person to see their account and what you can do with it."))
        self.model.retranslate()
        if self.overview is not None:
            self._loaded(self.overview)

    def refresh(self) -> None:
        self.desk.read(staff_overview, name="staff.load", on_success=self._loaded, key="staff", parent=self)

    def prepare_showcase(self) -> None:
        """For screenshots: show a manager's account (every action applies to it)."""
        manager = (
            next((r for r in self.overview.rows if r.role is Role.MANAGER), None) if self.overview else None
        )
        self._showcase = manager is None  # not loaded yet: once it is
        if manager is not None:
            self.wanted = manager.id
            self._show_rows()

    def focus_search(self) -> bool:
        self.search.setFocus()
        self.search.selectAll()
        return True

    def new_item(self) -> bool:
        overview = self.overview
        if overview is None:
            return False
        if overview.seats.full:
            show_failure_box(self, self._full_text(overview))
            return True
        AddStaffDialog(self.desk, overview.seats, self._added, self).open()
        return True

    # Ctrl+F and Ctrl+N act on this screen while the focus is in it (the window's own shortcuts
    # find a patient and book otherwise).
    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and _local_key(event)
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = _local_key(event)
        if key == "find":
            self.focus_search()
        elif key == "new":
            self.new_item()
        else:
            super().keyPressEvent(event)

    # -- loading -------------------------------------------------------------------------------------

    def _loaded(self, overview: StaffOverview) -> None:
        self.overview = overview
        seats = overview.seats
        self.seats.setText(
            _(
                "%(used)s of %(limit)s seats used",
                used=format_number(seats.used),
                limit=format_number(seats.limit),
            )
        )
        self.seats.setAccessibleName(self.seats.text())
        self.seats.setToolTip(_("Active staff accounts allowed by your plan (%(tier)s)", tier=_(seats.tier)))
        self.seat_bar.setRange(0, max(1, seats.limit))
        self.seat_bar.setValue(min(seats.used, seats.limit))
        active = sum(1 for row in overview.rows if row.is_active)
        inactive = len(overview.rows) - active
        self.list_card.set_title(
            _("%(active)s active · %(inactive)s deactivated", active=active, inactive=inactive)
            if inactive
            else _("%(active)s active", active=active)
        )
        self._show_full(overview)
        self._show_rows()
        if self._showcase:
            self.prepare_showcase()

    def _full_text(self, overview: StaffOverview) -> str:
        return _(
            "All %(limit)s staff seats of your plan (%(tier)s) are in use. To add someone, deactivate "
            "an account that is no longer needed, or upgrade the plan.",
            limit=overview.seats.limit,
            tier=_(overview.seats.tier),
        )

    def _show_full(self, overview: StaffOverview) -> None:
        self.full.set_text(self._full_text(overview))
        self.full.setVisible(overview.seats.full)
        self.add_button.setToolTip(
            self._full_text(overview) if overview.seats.full else _("Add a staff member (Ctrl+N)")
        )

    def _show_rows(self) -> None:
        if self.overview is None:
            return
        current = self._selected()
        wanted = self.wanted or (current.id if current is not None else None)
        query = self.search.text().strip().casefold()
        rows = [
            row
            for row in self.overview.rows
            if (row.is_active or self.show_inactive.isChecked())
            and (not query or query in row.name.casefold() or query in row.email.casefold())
        ]
        rows.sort(key=lambda r: (not r.is_active, r.name.casefold()))
        self.model.set_rows(rows)
        self.table.setVisible(bool(rows))
        self.empty.setVisible(not rows)
        self.empty.set_text(_("Nobody matches that name or email."))
        number = self.model.find(lambda r: r.id == wanted) if wanted is not None else -1
        if number >= 0:
            self.table.selectRow(number)
            self.wanted = None
        self._show_person()

    def _selected(self) -> StaffRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0]) if rows else None

    def _show_person(self) -> None:
        person = self._selected()
        self.details.setVisible(person is not None)
        self.no_person.setVisible(person is None)
        if person is None:
            return
        me = self.desk.session is not None and self.desk.session.user_id == person.id
        self.person_name.setText(person.name)
        self.person_role.setText(value_label(person.role))
        values = {
            "email": person.email,
            "status": status_text(person),
            "last_login": last_seen(person),
            "two_factor": _("On: signs in with an authenticator app") if person.two_factor else _("Off"),
            "specialization": person.specialization or "–",
        }
        for key, (_caption, value) in self.fact_labels.items():
            value.setText(values[key])
        spec_caption, spec_value = self.fact_labels["specialization"]
        for widget in (spec_caption, spec_value):
            widget.setVisible(bool(person.specialization))
        active = person.is_active
        for action in (self.role_button, self.password_button):
            action.setVisible(active)
            action.setEnabled(not me)
        self.totp_button.setVisible(active and (person.two_factor or person.role in TOTP_REQUIRED_ROLES))
        self.totp_button.setEnabled(not me)
        self.deactivate_button.setVisible(active)
        self.deactivate_button.setEnabled(not me)
        self.reactivate_button.setVisible(not active)
        self.self_note.setVisible(me)
        self.self_note.setText(
            _(
                "This is your own account. Another administrator changes it, so the clinic is never "
                "locked out."
            )
        )

    # -- changes ----------------------------------------------------------------------------------------

    def _say(self, kind: str, text: str) -> None:
        self.message.set_kind(kind)
        self.message.set_text(text)
        self.message.show()

    def _added(self, result: StaffResult) -> None:
        person = result.staff
        self.wanted = person.id
        self._say(
            "success",
            _("%(name)s was added as %(role)s.", name=person.display_name, role=value_label(person.role)),
        )
        if result.totp is not None:
            self._show_totp(person.display_name, result.totp)

    def _show_totp(self, name: str, enrollment: TotpEnrollment) -> None:
        TotpDialog(name, enrollment, self).open()

    def _change_role(self) -> None:
        person = self._selected()
        if person is None:
            return

        def done(result: StaffResult) -> None:
            self._say(
                "success",
                _(
                    "%(name)s is now %(role)s and was signed out everywhere.",
                    name=person.name,
                    role=value_label(result.staff.role),
                ),
            )
            if result.totp is not None:
                self._show_totp(person.name, result.totp)

        ChangeRoleDialog(self.desk, person, done, self).open()

    def _reset_password(self) -> None:
        person = self._selected()
        if person is None:
            return
        PasswordDialog(
            self.desk,
            person,
            lambda _result: self._say(
                "success",
                _(
                    "The password of %(name)s was reset and they were signed out everywhere. "
                    "Give them the new password in person.",
                    name=person.name,
                ),
            ),
            self,
        ).open()

    def _reset_totp(self) -> None:
        person = self._selected()
        if person is None:
            return

        def reset() -> None:
            self.desk.write(
                new_second_factor(person.id),
                on_success=lambda enrollment: self._show_totp(person.name, enrollment),
                parent=self,
            )

        confirm(
            self,
            _("Reset the two-factor sign-in of %(name)s?", name=person.name),
            _("Reset two-factor"),
            reset,
            details=_(
                "The codes of their current authenticator app stop working and they are signed out "
                "everywhere. A new QR code is shown once, to scan straight away."
            ),
        )

    def _deactivate(self) -> None:
        person = self._selected()
        if person is None:
            return
        confirm(
            self,
            _("Deactivate the account of %(name)s?", name=person.name),
            _("Deactivate"),
            lambda: self.desk.write(
                deactivate(person.id),
                on_success=lambda _view: self._say(
                    "success",
                    _("%(name)s can no longer sign in. Their seat is free again.", name=person.name),
                ),
                parent=self,
            ),
            details=_(
                "They can no longer sign in and are signed out everywhere. Their records stay; "
                "you can reactivate the account later if a seat is free."
            ),
        )

    def _reactivate(self) -> None:
        person = self._selected()
        overview = self.overview
        if person is None or overview is None:
            return
        confirm(
            self,
            _("Reactivate the account of %(name)s?", name=person.name),
            _("Reactivate"),
            lambda: self.desk.write(
                reactivate(person.id),
                on_success=lambda _view: self._say(
                    "success", _("%(name)s can sign in again.", name=person.name)
                ),
                parent=self,
            ),
            details=_(
                "This uses one of your plan's seats (%(used)s of %(limit)s are in use).",
                used=overview.seats.used,
                limit=overview.seats.limit,
            ),
            danger=False,
        )

    def _muted_if_inactive(self, row: StaffRow) -> QColor | None:
        return None if row.is_active else QColor(current_theme().text_muted)


def _local_key(event: QKeyEvent) -> str | None:
    if event.modifiers() != Qt.KeyboardModifier.ControlModifier:
        return None
    return {Qt.Key.Key_F: "find", Qt.Key.Key_N: "new"}.get(Qt.Key(event.key()))
