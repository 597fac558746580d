"""Every screen, in every language, portrait and landscape: no text cut off, nothing of the
previous screen left on the next, and the states come from the real flow."""

from __future__ import annotations

from datetime import date

import budoux
import pytest
from PySide6.QtGui import QTextLayout, QTextOption
from PySide6.QtWidgets import QLabel

from common.checkin.flow import CheckInFlow, Welcome
from common.checkin.lookup import AttemptLimiter
from common.checkin.models import QuestionKind
from common.checkin.questions import Answer, QuestionSpec, set_arrival_questions
from common.i18n import SUPPORTED_LOCALES
from common.i18n.phrases import WORD_JOINER
from common.scheduling.models import AppointmentStatus
from kiosk.layout_check import clipped_texts
from kiosk.window import KioskWindow
from tests.kiosk.helpers import every_text
from tests.kiosk.support import at

DOB = date(1990, 5, 17)


def every_state(world) -> list[tuple[str, object]]:
    with world.world.ctx("admin") as ctx:
        set_arrival_questions(
            ctx,
            [
                QuestionSpec(
                    prompts={
                        "en": "Any change in your medications or allergies since your last visit?",
                        "zh_TW": "自上次就診後，您的用藥或過敏狀況有任何變化嗎？",
                    }
                ),
                QuestionSpec(kind=QuestionKind.PHONE_ENDING),
            ],
        )
    ready = world.patient("Maximiliana", "Garcia", DOB)
    twin = world.patient("Eva", "Garcia", DOB, phone="0988-111-222")
    world.appointment(ready, at("09:00"))
    world.appointment(twin, at("09:15"), doctor="doctor2")
    cases: dict[str, str] = {}
    for name, starts, status in (
        ("early", "11:00", AppointmentStatus.SCHEDULED),
        ("late", "08:00", AppointmentStatus.SCHEDULED),
        ("checked_in", "09:30", AppointmentStatus.CHECKED_IN),
        ("cancelled", "10:00", AppointmentStatus.CANCELLED),
    ):
        patient = world.patient(name.title(), "Case", date(1970, 1, 1 + len(cases)))
        world.appointment(patient, at(starts), status=status, doctor=("doctor", "doctor2")[len(cases) % 2])
        cases[name] = world.codes[patient]
    flow: CheckInFlow = world.flow()
    states: list[tuple[str, object]] = [("welcome", Welcome())]
    flow.no_code()
    states.append(("details", flow.state))
    states.append(("details-not-found", flow.submit_details("Nobody", DOB)))
    states.append(("phone", flow.submit_details("Garcia", DOB)))
    states.append(("phone-wrong", flow.submit_phone_digits("0000")))
    flow.reset()
    states.append(("found", flow.scan(world.codes[ready])))
    states.append(("question-1", flow.confirm()))
    states.append(("question-2", flow.answer(Answer.YES)))
    states.append(("done", flow.answer(Answer.NO)))
    for name, code in [
        *cases.items(),
        ("unknown", "4006381333931"),
        ("unreadable", "CQ1PXXXXXXXXXXXXXXXXXXXXXXXXXX"),
    ]:
        flow.reset()
        states.append((name, flow.scan(code)))
    limited = world.flow(limiter=AttemptLimiter(world.clock.now, max_attempts=0))
    limited.no_code()
    states.append(("too-many-attempts", limited.submit_details("Garcia", DOB)))
    return states


@pytest.fixture
def window(qtbot):
    window = KioskWindow("Lotus Aesthetic Clinic", windowed=True)
    qtbot.addWidget(window)
    window.show()
    return window


@pytest.fixture
def states(kiosk_world) -> list[tuple[str, object]]:
    return every_state(kiosk_world)


def test_no_text_is_cut_off_on_any_screen(states, window):
    problems = []
    for size in ((1920, 1080), (1080, 1920), (1280, 800)):
        window.resize(*size)
        for locale in SUPPORTED_LOCALES:
            for name, state in states:
                window.show_state(state, locale)
                window.settle()
                problems += [f"{size} {locale} {name}: {problem}" for problem in clipped_texts(window)]
    assert problems == []


def test_a_screen_left_keeps_nothing_of_the_patient(states, window):
    window.resize(1280, 800)
    window.show_state(dict(states)["found"], "en")
    window.settle()
    assert any("Maximiliana" in text for text in every_text(window))
    window.show_state(Welcome(), "en")
    window.settle()
    assert not any("Maximiliana" in text for text in every_text(window))


def line_ends(label: QLabel) -> list[int]:
    """Where Qt ends the label's lines at its width, as positions in its text without joiners."""
    text = label.text()
    layout = QTextLayout(text, label.font())
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WordWrap)
    layout.setTextOption(option)
    layout.beginLayout()
    ends = []
    while (line := layout.createLine()).isValid():
        line.setLineWidth(label.contentsRect().width())
        end = line.textStart() + line.textLength()
        ends.append(end - text[:end].count(WORD_JOINER))
    layout.endLayout()
    return ends[:-1]


def test_japanese_lines_break_between_phrases_on_every_screen(states, window):
    phrases = budoux.load_default_japanese_parser()
    split = []
    for size in ((1080, 1920), (1280, 800)):
        window.resize(*size)
        for name, state in states:
            window.show_state(state, "ja")
            window.settle()
            for label in window.findChildren(QLabel):
                if not label.wordWrap() or not label.isVisibleTo(window) or not label.text():
                    continue
                plain = label.text().replace(WORD_JOINER, "")
                bounds, at = {0, len(plain)}, 0
                for phrase in phrases.parse(plain):
                    at += len(phrase)
                    bounds.add(at)
                for end in line_ends(label):
                    # a line may also end after a space inside a phrase (a long Latin run)
                    if end not in bounds and not plain[end - 1].isspace():
                        split.append(f"{size} {name}: {plain[:end]}|{plain[end:]}")
    assert split == []
