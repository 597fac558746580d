"""Chat: conversations with patients by department (General, Billing, Medical, Appointments), with
unread counts on each department's tab; a conversation's thread with read receipts; a reply box.

Opening a conversation marks the patient's messages in it read (for the roles that answer them);
the patient sees that as a read receipt once the relay carries it. Ctrl+F finds a conversation by
the patient's name, Ctrl+N starts one.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Final

from PySide6.QtCore import QEvent, QModelIndex, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QSplitter,
    QStackedWidget,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from common.access.permissions import Permission
from common.chat.models import Department
from common.chat.service import MAX_CONTENT
from common.errors import DomainError
from common.qt.i18n import _, language
from common.qt.theme import current_theme
from desktop.desk import Desk
from desktop.reads.rows import PatientRow
from desktop.screens.base import Screen
from desktop.screens.chat.actions import mark_conversation_read, send
from desktop.screens.chat.reads import ChatOverview, ConversationRow, Thread, chat_overview, chat_thread
from desktop.screens.chat.start import NewConversationDialog
from desktop.screens.chat.views import (
    BubbleDelegate,
    ComposeBox,
    ConversationDelegate,
    ConversationModel,
    ThreadModel,
    department_name,
)
from desktop.widgets.common import Banner, Card, EmptyState, SearchField, button, hbox, label, set_role

TABS: Final[tuple[Department | None, ...]] = (None, *Department)
Key = tuple[uuid.UUID, Department]


class ChatScreen(Screen):
    watches = frozenset({"chat_messages", "patients"})

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(desk, parent)
        self.overview: ChatOverview | None = None
        self.opened: Key | None = None  # the conversation in the thread pane
        self.opened_name = ""
        self.wanted_patient: uuid.UUID | None = None  # asked for by another screen, department unknown
        self._marking: set[uuid.UUID] = set()
        self._showcase = False

        self.new_button = button(primary=True, icon_name="plus", on_click=self.new_item)
        self.new_button.setObjectName("chat_new")
        self.layout_.addLayout(hbox(self.title, None, self.new_button))

        # -- departments, with their unread counts --
        self.tabs = QTabBar()
        self.tabs.setObjectName("chat_departments")
        self.tabs.setDrawBase(False)
        self.tabs.setExpanding(False)
        self.badges: list[QLabel] = []
        for _tab in TABS:
            number = self.tabs.addTab("")
            badge = QLabel()
            badge.setObjectName(f"chat_badge_{number}")
            badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
            badge.hide()
            self.tabs.setTabButton(number, QTabBar.ButtonPosition.RightSide, badge)
            self.badges.append(badge)
        self.tabs.currentChanged.connect(lambda _index: self._show_list())
        self.layout_.addWidget(self.tabs)

        # -- the conversations --
        self.search = SearchField()
        self.search.setObjectName("chat_search")
        self.search.sig_query.connect(lambda _text: self._show_list())
        self.model = ConversationModel(desk.today)
        self.delegate = ConversationDelegate(desk.today)
        self.list = QListView()
        self.list.setObjectName("chat_conversations")
        self.list.setModel(self.model)
        self.list.setItemDelegate(self.delegate)
        self.list.setMouseTracking(True)
        self.list.setUniformItemSizes(True)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.selectionModel().currentChanged.connect(lambda current, _old: self._row_chosen(current))
        self.list_empty = EmptyState("chat")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 10, 0)
        left_layout.setSpacing(8)
        left_layout.addWidget(self.search)
        left_layout.addWidget(self.list, 1)
        left_layout.addWidget(self.list_empty, 1)
        left.setMinimumWidth(330)

        # -- the open conversation --
        self.patient_name = label("", "heading")
        self.patient_name.setObjectName("chat_patient_name")
        self.department_pill = label("", "pill")
        self.open_patient = button(flat=True, icon_name="patients", on_click=self._open_patient)
        self.open_patient.setObjectName("chat_open_patient")
        self.thread_model = ThreadModel(desk.today, desk.directory.staff_name)
        self.thread_view = QListView()
        self.thread_view.setObjectName("chat_thread")
        self.thread_view.setModel(self.thread_model)
        self.bubbles = BubbleDelegate(self.thread_view)
        self.thread_view.setItemDelegate(self.bubbles)
        self.thread_view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.thread_view.setResizeMode(QListView.ResizeMode.Adjust)
        self.thread_view.setUniformItemSizes(False)
        self.thread_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.thread_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.thread_view.setFrameShape(QFrame.Shape.NoFrame)
        self.thread_view.setStyleSheet("QListView#chat_thread { border: none; }")  # the card is its frame
        self.thread_empty = EmptyState("chat")
        self.thread_stack = QStackedWidget()
        self.thread_stack.addWidget(self.thread_empty)
        self.thread_stack.addWidget(self.thread_view)
        self.compose = ComposeBox()
        self.compose.sig_send.connect(self.submit)
        self.compose.textChanged.connect(self._update_send)
        self.send_button = button(primary=True, on_click=self.submit)
        self.send_button.setObjectName("chat_send")
        self.read_only = label("", "muted", wrap=True)
        self.read_only.setObjectName("chat_read_only")
        self.error = Banner("danger")
        self.error.setObjectName("chat_error")
        self.error.hide()
        compose_row = QHBoxLayout()
        compose_row.setSpacing(8)
        compose_row.addWidget(self.compose, 1)
        compose_row.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignBottom)
        self.compose_area = QWidget()
        compose_layout = QVBoxLayout(self.compose_area)
        compose_layout.setContentsMargins(0, 0, 0, 0)
        compose_layout.setSpacing(6)
        compose_layout.addWidget(self.error)
        compose_layout.addLayout(compose_row)
        self.hint = label("", "muted")
        compose_layout.addWidget(self.hint)
        self.thread_card = Card()
        self.thread_card.setObjectName("chat_thread_card")
        self.thread_card.header.insertWidget(0, self.patient_name)
        self.thread_card.header.insertWidget(1, self.department_pill)
        self.thread_card.header.addWidget(self.open_patient)
        self.thread_card.body.addWidget(self.thread_stack, 1)
        self.thread_card.body.addWidget(self.compose_area)
        self.thread_card.body.addWidget(self.read_only)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.thread_card)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([380, 900])
        splitter.setChildrenCollapsible(False)
        self.layout_.addWidget(splitter, 1)
        self.setTabOrder(self.search, self.list)
        self.setTabOrder(self.list, self.compose)
        self.setTabOrder(self.compose, self.send_button)
        self.retranslate()
        self._show_thread(None)

    # -- Screen -------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.title.setText(_("Chat"))
        self.new_button.setText(_("New message"))
        self.new_button.setToolTip(_("Start a conversation with a patient (Ctrl+N)"))
        for number, department in enumerate(TABS):
            self.tabs.setTabText(number, _("All") if department is None else department_name(department))
        self.tabs.setAccessibleName(_("Departments"))
        self.search.setPlaceholderText(_("Find a conversation by patient name (Ctrl+F)"))
        self.search.setAccessibleName(_("Find a conversation"))
        self.list.setAccessibleName(_("Conversations"))
        self.thread_view.setAccessibleName(_("Messages"))
        self.compose.setPlaceholderText(_("Write a reply… Enter sends, Shift+Enter starts a new line."))
        self.compose.setAccessibleName(_("Reply"))
        self.send_button.setText(_("Send"))
        self.send_button.setAccessibleName(_("Send the reply"))
        self.open_patient.setText(_("Patient page"))
        self.open_patient.setToolTip(_("Open the patient's page"))
        self.read_only.setText(_("Your role can read conversations but not reply to them."))
        self.thread_empty.set_text(_("Choose a conversation on the left, or start a new one (Ctrl+N)."))
        self.bubbles.clear()
        self.model.retranslate()
        self.thread_model.retranslate()
        self._show_badges()
        self._show_list()
        self._show_header()

    def refresh(self) -> None:
        self.new_button.setVisible(self.desk.can(Permission.CHAT_SEND))
        self.desk.read(chat_overview, name="chat.load", on_success=self._loaded, key="chat", parent=self)
        if self.opened is not None:
            self._load_thread(*self.opened)

    def activate(self, args: Mapping[str, Any]) -> None:
        patient_id = args.get("patient_id")
        department = args.get("department")
        if isinstance(patient_id, uuid.UUID):
            if department is not None:
                self.open_conversation(patient_id, Department(department))
            else:
                self.wanted_patient = patient_id
                self._stale = True
        super().activate(args)

    def directory_changed(self) -> None:
        self.bubbles.clear()
        self.thread_model.retranslate()

    def prepare_showcase(self) -> None:
        """For screenshots: open the longest conversation that has nothing unread (opening one
        with unread messages would mark them read)."""
        if self.overview is None:
            self._showcase = True  # once the conversations are loaded
            return
        self._showcase = False
        read = [c for c in self.overview.conversations if not c.unread]
        if read:
            chosen = max(read, key=lambda c: (c.department is Department.MEDICAL, c.last_at))
            self.open_conversation(chosen.patient_id, chosen.department, chosen.patient_name)
            self._show_list()

    def focus_search(self) -> bool:
        self.search.setFocus()
        self.search.selectAll()
        return True

    def new_item(self) -> bool:
        if not self.desk.can(Permission.CHAT_SEND):
            return False
        department = TABS[self.tabs.currentIndex()] if self.tabs.currentIndex() >= 0 else None
        dialog = NewConversationDialog(self.desk, department, self._start, self)
        dialog.open()
        return True

    # Ctrl+F and Ctrl+N act on this screen while the focus is in it (the window's own shortcuts
    # find a patient and book otherwise).
    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and (
                _local_key(event) is not None
                or (event.matches(QKeySequence.StandardKey.Copy) and self._copyable())
            )
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
        elif event.matches(QKeySequence.StandardKey.Copy) and self._copyable():
            self._copy_message()
        else:
            super().keyPressEvent(event)

    # -- the list -------------------------------------------------------------------------------------

    def _loaded(self, overview: ChatOverview) -> None:
        self.overview = overview
        self._show_badges()
        wanted = self.wanted_patient
        if wanted is not None:
            self.wanted_patient = None
            latest = next((c for c in overview.conversations if c.patient_id == wanted), None)
            self.open_conversation(wanted, latest.department if latest is not None else Department.GENERAL)
        self._show_list()
        if self._showcase:
            self.prepare_showcase()

    def _show_badges(self) -> None:
        if self.overview is None:
            return
        theme = current_theme()
        counts = self.overview.unread
        for number, department in enumerate(TABS):
            count = self.overview.total_unread if department is None else counts.get(department, 0)
            badge = self.badges[number]
            text = str(count) if count < 100 else "99+"
            badge.setText(text)
            badge.setStyleSheet(
                f"background: {theme.accent}; color: {theme.accent_text}; border-radius: 9px;"
                "font-weight: 600; font-size: 8.5pt;"
            )
            badge.setFixedSize(max(18, badge.fontMetrics().horizontalAdvance(text) + 12), 18)
            # Set again so the tab makes room for the badge (a tab measures its button when set;
            # setting the same widget again would hide it as the "previous" button).
            self.tabs.setTabButton(number, QTabBar.ButtonPosition.RightSide, None)
            if count:
                self.tabs.setTabButton(number, QTabBar.ButtonPosition.RightSide, badge)
            badge.setVisible(count > 0)
            name = _("All") if department is None else department_name(department)
            self.tabs.setAccessibleTabName(
                number, _("%(name)s, %(count)s unread", name=name, count=count) if count else name
            )

    def _filtered(self) -> list[ConversationRow]:
        if self.overview is None:
            return []
        department = TABS[max(0, self.tabs.currentIndex())]
        query = self.search.text().strip().casefold()
        return [
            row
            for row in self.overview.conversations
            if (department is None or row.department is department)
            and (not query or query in row.patient_name.casefold())
        ]

    def _show_list(self) -> None:
        rows = self._filtered()
        department = TABS[max(0, self.tabs.currentIndex())]
        self.delegate.show_department = department is None
        self.list.selectionModel().blockSignals(True)
        self.model.set_rows(rows)
        number = self.model.find(self.opened) if self.opened is not None else -1
        if number >= 0:
            self.list.setCurrentIndex(self.model.index(number))
        self.list.selectionModel().blockSignals(False)
        self.list.setVisible(bool(rows))
        self.list_empty.setVisible(not rows)
        if self.search.text().strip():
            self.list_empty.set_text(_("No conversation with a patient of that name."))
        elif department is None:
            self.list_empty.set_text(_("No conversations yet. Patients' messages arrive here."))
        else:
            self.list_empty.set_text(
                _("No conversations in %(department)s.", department=department_name(department))
            )

    def _row_chosen(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        row = self.model.row_at(index)
        if row.key != self.opened:
            self.open_conversation(row.patient_id, row.department, row.patient_name)

    def _start(self, patient: PatientRow, department: Department) -> None:
        self.open_conversation(patient.id, department, patient.name)
        QTimer.singleShot(0, self.compose.setFocus)  # once the dialog has handed the focus back

    # -- the thread ------------------------------------------------------------------------------------

    def open_conversation(self, patient_id: uuid.UUID, department: Department, name: str = "") -> None:
        key = (patient_id, department)
        if key != self.opened:
            self.compose.clear()
            self.error.hide()
            self.thread_model.set_thread(None)
            self.opened_name = name
        elif name:
            self.opened_name = name
        self.opened = key
        self._show_header()
        self._load_thread(patient_id, department)

    def _load_thread(self, patient_id: uuid.UUID, department: Department) -> None:
        self.desk.read(
            lambda ctx: chat_thread(ctx, patient_id, department),
            name="chat.thread",
            on_success=self._show_thread,
            key="chat-thread",
            parent=self,
        )

    def _show_thread(self, thread: Thread | None) -> None:
        if thread is not None and thread.key != self.opened:
            return  # another conversation was opened meanwhile
        self.thread_model.set_thread(thread)
        if thread is not None:
            self.opened_name = thread.patient_name
        has_messages = thread is not None and bool(thread.messages)
        self.thread_stack.setCurrentWidget(self.thread_view if has_messages else self.thread_empty)
        if thread is not None and not thread.messages:
            self.thread_empty.set_text(_("No messages yet. Write the first one below."))
        elif thread is None:
            self.thread_empty.set_text(_("Choose a conversation on the left, or start a new one (Ctrl+N)."))
        self.thread_view.scrollToBottom()
        self._show_header()
        if thread is not None:
            self._mark_read(thread)

    def _show_header(self) -> None:
        opened = self.opened is not None
        can_send = self.desk.can(Permission.CHAT_SEND)
        self.patient_name.setText(self.opened_name if opened else "")
        self.department_pill.setText(department_name(self.opened[1]) if self.opened is not None else "")
        set_role(self.department_pill, "pill")
        self.department_pill.setVisible(opened)
        self.open_patient.setVisible(opened)
        self.compose_area.setVisible(opened and can_send)
        self.read_only.setVisible(opened and not can_send)
        self._update_send()

    def _update_send(self) -> None:
        text = self.compose.toPlainText().strip()
        self.send_button.setEnabled(bool(text) and self.opened is not None)
        over = len(text) - MAX_CONTENT
        self.hint.setText(_("%(count)s characters too long", count=over) if over > 0 else "")
        self.hint.setVisible(over > 0)

    def _mark_read(self, thread: Thread) -> None:
        if not self.desk.can(Permission.CHAT_SEND):
            return
        unread = [i for i in thread.unread_ids() if i not in self._marking]
        if not unread:
            return
        self._marking.update(unread)

        def done(_result: object = None) -> None:
            self._marking.difference_update(unread)

        def failed(_error: BaseException) -> bool:
            done()
            return False

        self.desk.write(
            mark_conversation_read(thread.patient_id, thread.department, unread),
            on_success=done,
            on_failure=failed,
            parent=self,
        )

    # -- replying ----------------------------------------------------------------------------------------

    def submit(self) -> None:
        text = self.compose.toPlainText()
        if self.opened is None or not text.strip() or not self.send_button.isEnabled():
            return
        patient_id, department = self.opened
        self.send_button.setEnabled(False)
        self.error.hide()
        self.desk.write(
            send(patient_id, department, text),
            on_success=lambda _id: self._sent(patient_id, department),
            on_failure=self._send_failed,
            parent=self,
        )

    def _sent(self, patient_id: uuid.UUID, department: Department) -> None:
        if self.opened == (patient_id, department):
            self.compose.clear()
        self._update_send()

    def _send_failed(self, error: BaseException) -> bool:
        self._update_send()
        if isinstance(error, DomainError):
            self.error.set_text(error.translated(language().locale))
            self.error.show()
            return True
        return False

    def _open_patient(self) -> None:
        if self.opened is not None:
            self.desk.navigate("patients", patient_id=self.opened[0])

    def _copyable(self) -> bool:
        return self.thread_view.hasFocus() and self.thread_view.currentIndex().isValid()

    def _copy_message(self) -> None:
        text = self.thread_view.currentIndex().data(Qt.ItemDataRole.DisplayRole)
        if isinstance(text, str):
            QApplication.clipboard().setText(text)


def _local_key(event: QKeyEvent) -> str | None:
    if event.modifiers() != Qt.KeyboardModifier.ControlModifier:
        return None
    return {Qt.Key.Key_F: "find", Qt.Key.Key_N: "new"}.get(Qt.Key(event.key()))
