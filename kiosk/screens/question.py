"""An arrival question (the patient is checked in already): Yes or No."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QWidget

from common.checkin.flow import Question
from common.checkin.questions import Answer
from common.i18n import translate
from kiosk import strings
from kiosk.screens.base import Screen, blank
from kiosk.theme import Metrics
from kiosk.widgets import button, label


class QuestionScreen(Screen):
    sig_answer = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.progress = label("body")
        self.question = label("headline")
        self.question.setObjectName("question")
        self.yes = button("answer")
        self.yes.setObjectName("yes")
        self.no = button("answer")
        self.no.setObjectName("no")
        self.yes.clicked.connect(lambda: self.sig_answer.emit(Answer.YES.value))
        self.no.clicked.connect(lambda: self.sig_answer.emit(Answer.NO.value))
        self.footer = label("okNote")
        self.answers = QHBoxLayout()
        self.answers.addWidget(self.yes)
        self.answers.addWidget(self.no)
        self.apply_metrics(self.metrics)

    def present(self, state: Any, locale: str) -> None:
        super().present(state, locale)
        assert isinstance(state, Question)
        default = "en"
        self.progress.setText(
            translate(strings.QUESTION_PROGRESS, locale, number=state.index + 1, count=state.count)
        )
        self.question.setText(state.question.text(locale, default))
        self.yes.setText(translate(strings.YES, locale))
        self.no.setText(translate(strings.NO, locale))
        self.footer.setText("✓ " + translate(strings.QUESTION_FOOTER, locale))

    def clear(self) -> None:
        super().clear()
        blank(self.question, self.progress)

    def apply_metrics(self, metrics: Metrics) -> None:
        super().apply_metrics(metrics)
        self.reset_grid()
        px, grid = metrics.px, self.grid
        self.answers.setSpacing(px(40))
        for answer in (self.yes, self.no):
            answer.setMinimumWidth(px(300))
        grid.addWidget(self.footer, 1, 0)
        grid.addWidget(self.progress, 2, 0)
        grid.addWidget(self.question, 3, 0)
        grid.addLayout(self.answers, 5, 0)
        grid.setRowStretch(0, 2)
        grid.setRowStretch(4, 1)
        grid.setRowStretch(6, 3)
