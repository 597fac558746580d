"""Settings › Kiosk: the check-in window the kiosk judges arrivals by, and the questions it asks
after check-in (added, edited, removed and reordered here, saved together with the page).

How long a kiosk waits before it wipes its screen is each kiosk's own setting (kiosk.json on that
machine, `clinic-kiosk --idle-seconds`), so the page says where to change it rather than
pretending to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from common.checkin.models import QuestionKind
from common.checkin.questions import MAX_PROMPT_CHARS, MAX_QUESTIONS, PHONE_ENDING_PROMPT
from common.clinics.service import (
    MAX_CHECK_IN_MINUTES,
    ClinicDetails,
    KioskQuestion,
    arrival_questions,
    clinic_details,
)
from common.context import ServiceContext
from common.i18n import LANGUAGE_NATIVE_NAMES, N_, SUPPORTED_LOCALES
from common.ids import new_id
from common.qt.i18n import _, language
from desktop.actions import Intent
from desktop.screens.settings.actions import update_arrival_questions, update_check_in_window
from desktop.screens.settings.page import SettingsPage, form_grid, number_edit
from desktop.widgets.common import Banner, button, hbox, label

DEFAULT_IDLE_SECONDS = 30


@dataclass(frozen=True)
class KioskData:
    details: ClinicDetails
    questions: tuple[KioskQuestion, ...]


def question_text(question: KioskQuestion) -> str:
    if question.kind is QuestionKind.PHONE_ENDING:
        return _(PHONE_ENDING_PROMPT, digits="••")
    prompts = question.prompts
    for locale in (language().locale, "en", *SUPPORTED_LOCALES):
        if prompts.get(locale):
            return prompts[locale]
    return ""


class QuestionDialog(QDialog):
    """Add or edit one arrival question: its kind, and its wording in each language."""

    def __init__(
        self, parent: QWidget, question: KioskQuestion | None, on_done: Callable[[KioskQuestion], None]
    ) -> None:
        super().__init__(parent.window())
        self.setObjectName("question_dialog")
        self.setModal(True)
        self.setMinimumWidth(520)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._id = question.id if question is not None else new_id()
        self._on_done = on_done
        self.setWindowTitle(_("Edit question") if question is not None else _("Add a question"))
        self.kind = QComboBox()
        self.kind.setObjectName("question_kind")
        self.kind.addItem(_("A yes/no question in your words"), QuestionKind.YES_NO)
        self.kind.addItem(_("Confirm the last digits of their phone number"), QuestionKind.PHONE_ENDING)
        self.kind.setAccessibleName(_("Kind of question"))
        self.prompts: dict[str, QLineEdit] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(8)
        for row, locale in enumerate(SUPPORTED_LOCALES):
            edit = QLineEdit()
            edit.setObjectName(f"question_prompt_{locale}")
            edit.setMaxLength(MAX_PROMPT_CHARS)
            edit.setAccessibleName(LANGUAGE_NATIVE_NAMES[locale])
            self.prompts[locale] = edit
            grid.addWidget(label(LANGUAGE_NATIVE_NAMES[locale]), row, 0, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(edit, row, 1)
        self.wording_hint = label(
            _("Give the question in the languages patients use; the kiosk shows the patient's language."),
            "muted",
            wrap=True,
        )
        self.phone_hint = label(
            _(
                "The kiosk asks: “%(question)s”, in the patient's language.",
                question=_(PHONE_ENDING_PROMPT, digits="42"),
            ),
            "muted",
            wrap=True,
        )
        self.error = Banner("danger")
        self.error.setObjectName("question_error")
        self.error.hide()
        buttons = QDialogButtonBox()
        ok = buttons.addButton(_("Done"), QDialogButtonBox.ButtonRole.AcceptRole)
        ok.setObjectName("question_ok")
        ok.setDefault(True)
        buttons.addButton(_("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 16)
        layout.setSpacing(12)
        layout.addWidget(label(self.windowTitle(), "heading"))
        layout.addWidget(self.kind)
        self.wording = QWidget()
        wording_layout = QVBoxLayout(self.wording)
        wording_layout.setContentsMargins(0, 0, 0, 0)
        wording_layout.addWidget(self.wording_hint)
        wording_layout.addLayout(grid)
        layout.addWidget(self.wording)
        layout.addWidget(self.phone_hint)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        if question is not None:
            self.kind.setCurrentIndex(0 if question.kind is QuestionKind.YES_NO else 1)
            for locale, text in question.prompts.items():
                if locale in self.prompts:
                    self.prompts[locale].setText(text)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()

    def _kind_changed(self, *_args: object) -> None:
        yes_no = self.kind.currentData() is QuestionKind.YES_NO
        self.wording.setVisible(yes_no)
        self.phone_hint.setVisible(not yes_no)

    def accept(self) -> None:
        kind = QuestionKind(self.kind.currentData())
        prompts = {locale: " ".join(edit.text().split()) for locale, edit in self.prompts.items()}
        prompts = {locale: text for locale, text in prompts.items() if text}
        if kind is QuestionKind.YES_NO and not prompts:
            self.error.set_text(_("Write the question in at least one language."))
            self.error.show()
            self.prompts[language().locale].setFocus()
            return
        super().accept()
        self._on_done(KioskQuestion(self._id, kind, prompts if kind is QuestionKind.YES_NO else {}))


class KioskPage(SettingsPage):
    key = "kiosk"
    title_msgid = N_("Kiosk")
    description_msgid = N_(
        "How the lobby kiosk checks patients in: how early and how late they may check in "
        "themselves, and the questions it asks once they are checked in."
    )
    icon_name = "check_in"
    watches = frozenset({"clinics", "arrival_questions"})

    def build(self) -> None:
        window = self.card("kiosk_card_window")
        grid = form_grid()
        self.early = number_edit("check_in_early", 0, MAX_CHECK_IN_MINUTES)
        self.late = number_edit("check_in_late", 0, MAX_CHECK_IN_MINUTES)
        self.window_labels = [label() for _ in range(2)]
        self.window_units = [label("", "muted") for _ in range(2)]
        for row, (edit, field) in enumerate(
            ((self.early, "check_in_early_minutes"), (self.late, "check_in_late_minutes"))
        ):
            grid.addWidget(self.window_labels[row], row, 0, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(edit, row, 1)
            grid.addWidget(self.window_units[row], row, 2)
            grid.addWidget(self.field(field, edit), row, 3)
        window.body.addLayout(grid)
        self.window_hint = label("", "muted", wrap=True)
        window.body.addWidget(self.window_hint)
        self.watch(self.early, self.late)

        idle = self.card("kiosk_card_idle")
        self.idle_text = label("", wrap=True)
        self.idle_text.setObjectName("kiosk_idle_note")
        idle.body.addWidget(self.idle_text)

        questions = self.card("kiosk_card_questions")
        self.questions_hint = label("", "muted", wrap=True)
        questions.body.addWidget(self.questions_hint)
        self.list = QListWidget()
        self.list.setObjectName("arrival_questions")
        self.list.setMinimumHeight(110)
        self.list.setMaximumHeight(190)
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self.list.itemDoubleClicked.connect(lambda _item: self.edit_question())
        questions.body.addWidget(self.list)
        self.add_button = button(icon_name="plus", on_click=self.add_question)
        self.edit_button = button(on_click=self.edit_question)
        self.remove_button = button(danger=True, on_click=self.remove_question)
        self.up_button = button(icon_name="up", on_click=lambda: self.move_question(-1))
        self.down_button = button(icon_name="down", on_click=lambda: self.move_question(1))
        for name, widget in (
            ("question_add", self.add_button),
            ("question_edit", self.edit_button),
            ("question_remove", self.remove_button),
            ("question_up", self.up_button),
            ("question_down", self.down_button),
        ):
            widget.setObjectName(name)
            widget.setProperty("settings_action", True)
        questions.body.addLayout(
            hbox(
                self.add_button, self.edit_button, self.remove_button, None, self.up_button, self.down_button
            )
        )
        questions.body.addWidget(self.field("questions"))
        self.questions: list[KioskQuestion] = []

    def read(self, ctx: ServiceContext) -> KioskData:
        return KioskData(clinic_details(ctx), tuple(arrival_questions(ctx)))

    def fill(self, data: Any) -> None:
        assert isinstance(data, KioskData)
        self.early.setValue(data.details.check_in_early_minutes)
        self.late.setValue(data.details.check_in_late_minutes)
        self.questions = list(data.questions)
        self._show_questions()

    # -- questions -----------------------------------------------------------------------------------

    def _show_questions(self, select: int | None = None) -> None:
        self.list.clear()
        for number, question in enumerate(self.questions, start=1):
            item = QListWidgetItem(f"{number}.  {question_text(question)}")
            item.setData(Qt.ItemDataRole.UserRole, question.id)
            self.list.addItem(item)
        if not self.questions:
            empty = QListWidgetItem(_("No questions: patients are done as soon as they check in."))
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.list.addItem(empty)
        if select is not None and 0 <= select < len(self.questions):
            self.list.setCurrentRow(select)
        self._update_buttons()

    def _selected(self) -> int:
        row = self.list.currentRow()
        item = self.list.currentItem()
        return row if item is not None and item.isSelected() and row < len(self.questions) else -1

    def _update_buttons(self) -> None:
        row = self._selected()
        editable = self.editable
        self.add_button.setEnabled(editable and len(self.questions) < MAX_QUESTIONS)
        self.edit_button.setEnabled(editable and row >= 0)
        self.remove_button.setEnabled(editable and row >= 0)
        self.up_button.setEnabled(editable and row > 0)
        self.down_button.setEnabled(editable and 0 <= row < len(self.questions) - 1)

    def _changed_questions(self, select: int | None) -> None:
        self._show_questions(select)
        self._edited()

    def add_question(self) -> None:
        def added(question: KioskQuestion) -> None:
            self.questions.append(question)
            self._changed_questions(len(self.questions) - 1)

        QuestionDialog(self, None, added).open()

    def edit_question(self) -> None:
        row = self._selected()
        if row < 0 or not self.editable:
            return

        def edited(question: KioskQuestion) -> None:
            self.questions[row] = question
            self._changed_questions(row)

        QuestionDialog(self, self.questions[row], edited).open()

    def remove_question(self) -> None:
        row = self._selected()
        if row >= 0:
            del self.questions[row]  # undone by "Discard changes" until the page is saved
            self._changed_questions(min(row, len(self.questions) - 1))

    def move_question(self, step: int) -> None:
        row = self._selected()
        target = row + step
        if row < 0 or not 0 <= target < len(self.questions):
            return
        self.questions[row], self.questions[target] = self.questions[target], self.questions[row]
        self._changed_questions(target)

    # -- saving ------------------------------------------------------------------------------------

    def changes(self) -> list[Intent]:
        data = self.data
        if not isinstance(data, KioskData):
            return []
        intents: list[Intent] = []
        early, late = self.early.value(), self.late.value()
        if (early, late) != (data.details.check_in_early_minutes, data.details.check_in_late_minutes):
            intents.append(update_check_in_window(early, late))
        if tuple(self.questions) != data.questions:
            intents.append(update_arrival_questions(self.questions))
        return intents

    # -- words -------------------------------------------------------------------------------------

    def retranslate_page(self) -> None:
        self.title_cards(
            {
                "kiosk_card_window": _("Check-in window"),
                "kiosk_card_idle": _("Idle reset"),
                "kiosk_card_questions": _("Arrival questions"),
            }
        )
        self.window_labels[0].setText(_("Patients may check in from"))
        self.window_units[0].setText(_("minutes before their appointment"))
        self.window_labels[1].setText(_("until"))
        self.window_units[1].setText(_("minutes after it starts"))
        self.early.setAccessibleName(_("Minutes before the appointment"))
        self.late.setAccessibleName(_("Minutes after the appointment starts"))
        self.window_hint.setText(
            _(
                "Outside this window the kiosk kindly asks the patient to see reception. A Time "
                "Period booking may check in until its period ends."
            )
        )
        self.idle_text.setText(
            _(
                "By default, a kiosk goes back to its welcome screen, wiping every patient detail, "
                "after %(seconds)s seconds without a touch. Each kiosk keeps this setting itself: "
                "change it on the kiosk computer (clinic-kiosk --idle-seconds).",
                seconds=DEFAULT_IDLE_SECONDS,
            )
        )
        self.questions_hint.setText(
            _(
                "Asked in order after a patient checks in, at most %(max)s. Answers appear on the "
                "appointment for staff.",
                max=MAX_QUESTIONS,
            )
        )
        self.list.setAccessibleName(_("Arrival questions"))
        self.add_button.setText(_("Add"))
        self.edit_button.setText(_("Edit"))
        self.remove_button.setText(_("Remove"))
        self.up_button.setToolTip(_("Move up"))
        self.up_button.setAccessibleName(_("Move up"))
        self.down_button.setToolTip(_("Move down"))
        self.down_button.setAccessibleName(_("Move down"))
        if self.data is not None:
            self._show_questions(self._selected() if self._selected() >= 0 else None)
