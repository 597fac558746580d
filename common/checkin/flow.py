"""The self check-in as a state machine, with no UI: a kiosk screen shows `flow.state` and calls
the method for what the patient did; tests drive it the same way without Qt.

    Welcome --scan--------------------------> Found --check in--> Question.. --> Done
       |                                   ^     \\--not me--> Welcome
       +--no code?--> EnterDetails --------+
                         |  (several match)  |
                         +--> EnterPhoneDigits
    any refusal --> Refused (or, for a mistyped detail, the same form with the error)

Every state is a frozen value. `reset()` (idle, or a finished check-in) returns to Welcome in
the clinic's default language and drops every reference to the previous patient.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from common.checkin.backend import CheckInBackend
from common.checkin.outcomes import CheckedIn, FoundAppointment, NeedPhoneDigits, Refusal
from common.checkin.questions import Answer, AskedQuestion
from common.i18n import SUPPORTED_LOCALES, normalize_locale


@dataclass(frozen=True)
class Welcome:
    pass


@dataclass(frozen=True)
class EnterDetails:
    error: Refusal | None = None


@dataclass(frozen=True)
class EnterPhoneDigits:
    last_name: str
    date_of_birth: date
    error: Refusal | None = None


@dataclass(frozen=True)
class Found:
    appointment: FoundAppointment


@dataclass(frozen=True)
class Question:
    appointment: FoundAppointment
    checked_in: CheckedIn
    index: int
    answers: tuple[tuple[uuid.UUID, Answer], ...] = ()

    @property
    def question(self) -> AskedQuestion:
        return self.appointment.questions[self.index]

    @property
    def count(self) -> int:
        return len(self.appointment.questions)


@dataclass(frozen=True)
class Done:
    appointment: FoundAppointment
    checked_in: CheckedIn


@dataclass(frozen=True)
class Refused:
    refusal: Refusal


State = Welcome | EnterDetails | EnterPhoneDigits | Found | Question | Done | Refused

# States in which a scanned code starts (or restarts) a check-in.
SCAN_READY = (Welcome, EnterDetails, EnterPhoneDigits, Refused, Done)


@dataclass(frozen=True)
class Timeouts:
    idle_seconds: float = 30.0  # no touch: back to Welcome, personal details gone
    done_seconds: float = 10.0  # the confirmation stays this long


class CheckInFlow:
    """Not thread-safe: one caller at a time (the kiosk runs it on its one database worker)."""

    def __init__(
        self,
        backend: CheckInBackend,
        default_locale: str,
        *,
        timeouts: Timeouts = Timeouts(),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._backend = backend
        self.default_locale = normalize_locale(default_locale)
        self.locale = self.default_locale
        self.timeouts = timeouts
        self._clock = clock
        self._last_touch = clock()
        self.state: State = Welcome()

    # -- what the patient does ------------------------------------------------------------------
    def touch(self) -> None:
        """Any touch, key or scan: the patient is still here."""
        self._last_touch = self._clock()

    def set_locale(self, locale: str) -> State:
        self.touch()
        if normalize_locale(locale) in SUPPORTED_LOCALES:
            self.locale = normalize_locale(locale)
        return self.state

    def scan(self, value: str) -> State:
        """A code from the camera or a wedge scanner; ignored while a patient is being checked in."""
        if not isinstance(self.state, SCAN_READY):
            return self.state
        self.touch()
        outcome = self._backend.identify_by_code(value)
        return self._go(Found(outcome) if isinstance(outcome, FoundAppointment) else Refused(outcome))

    def no_code(self) -> State:
        self.touch()
        if isinstance(self.state, Welcome | Refused):
            return self._go(EnterDetails())
        return self.state

    def submit_details(self, last_name: str, date_of_birth: date) -> State:
        if not isinstance(self.state, EnterDetails):
            return self.state
        self.touch()
        outcome = self._backend.identify_by_details(last_name, date_of_birth, None)
        if isinstance(outcome, NeedPhoneDigits):
            return self._go(EnterPhoneDigits(last_name, date_of_birth))
        if isinstance(outcome, FoundAppointment):
            return self._go(Found(outcome))
        return self._go(EnterDetails(outcome) if outcome.retry else Refused(outcome))

    def submit_phone_digits(self, digits: str) -> State:
        state = self.state
        if not isinstance(state, EnterPhoneDigits):
            return state
        self.touch()
        outcome = self._backend.identify_by_details(state.last_name, state.date_of_birth, digits)
        if isinstance(outcome, FoundAppointment):
            return self._go(Found(outcome))
        if isinstance(outcome, Refusal) and outcome.retry:
            return self._go(EnterPhoneDigits(state.last_name, state.date_of_birth, outcome))
        if isinstance(outcome, Refusal):
            return self._go(Refused(outcome))
        return state  # NeedPhoneDigits again cannot happen once digits are given

    def confirm(self) -> State:
        """“Check in” on the Found screen."""
        state = self.state
        if not isinstance(state, Found):
            return state
        self.touch()
        outcome = self._backend.check_in(state.appointment.appointment_id)
        if isinstance(outcome, Refusal):
            return self._go(Refused(outcome))
        if state.appointment.questions:
            return self._go(Question(state.appointment, outcome, 0))
        return self._go(Done(state.appointment, outcome))

    def answer(self, answer: Answer) -> State:
        state = self.state
        if not isinstance(state, Question):
            return state
        self.touch()
        answers = (*state.answers, (state.question.id, answer))
        if state.index + 1 < state.count:
            return self._go(Question(state.appointment, state.checked_in, state.index + 1, answers))
        appointment = state.appointment
        # The patient is checked in already; answers that cannot be saved are the desk's to ask.
        self._backend.save_answers(appointment.appointment_id, dict(answers))
        return self._go(Done(appointment, state.checked_in))

    def back(self) -> State:
        """“Back” / “Not me” / “Start over”: to Welcome, keeping the language chosen."""
        self.touch()
        if isinstance(self.state, Question):
            return self.state  # checked in already: the questions run to the end (or to idle)
        return self._go(Welcome())

    def reset(self) -> State:
        """Idle or finished: Welcome, in the clinic's language, nothing of the last patient kept."""
        self.locale = self.default_locale
        self._last_touch = self._clock()
        return self._go(Welcome())

    # -- time --------------------------------------------------------------------------------
    def seconds_until_reset(self) -> float | None:
        """How long until `reset_if_due` resets; None if there is nothing to reset."""
        if isinstance(self.state, Welcome) and self.locale == self.default_locale:
            return None
        limit = self.timeouts.done_seconds if isinstance(self.state, Done) else self.timeouts.idle_seconds
        return max(0.0, limit - (self._clock() - self._last_touch))

    def reset_if_due(self) -> bool:
        remaining = self.seconds_until_reset()
        if remaining is None or remaining > 0:
            return False
        self.reset()
        return True

    # -- helpers -----------------------------------------------------------------------------
    def _go(self, state: State) -> State:
        self.state = state
        return state
