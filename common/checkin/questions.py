"""The clinic's arrival questions: set by an administrator, asked by the kiosk, answered onto the
appointment for staff (`Appointment.arrival_answers`)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final

from sqlalchemy import select

from common.access.permissions import Permission
from common.checkin.models import ArrivalQuestion, QuestionKind
from common.context import ServiceContext
from common.errors import ValidationFailed
from common.i18n import N_, SUPPORTED_LOCALES, normalize_locale, translate
from common.patients.models import Patient
from common.scheduling.models import Appointment, AppointmentStatus
from common.scheduling.writes import load_appointment

MAX_QUESTIONS: Final = 6
MAX_PROMPT_CHARS: Final = 200
PHONE_ENDING_DIGITS: Final = 2
PHONE_ENDING_PROMPT: Final = N_("Does your phone number end in %(digits)s?")
ANSWERABLE: Final = frozenset({AppointmentStatus.CHECKED_IN, AppointmentStatus.IN_PROGRESS})


class Answer(StrEnum):
    YES = "yes"
    NO = "no"


class TooManyQuestions(ValidationFailed):
    code = "arrival_too_many_questions"
    message = N_("A kiosk asks at most %(max)s arrival questions. Remove one to add another.")


class QuestionWordingMissing(ValidationFailed):
    code = "arrival_question_wording_missing"
    message = N_(
        "Each yes/no question needs its wording, up to %(max)s characters, in at least one language."
    )


class AnswersNotAccepted(ValidationFailed):
    code = "arrival_answers_not_accepted"
    message = N_("Arrival answers can be added only to an appointment that is checked in.")


@dataclass(frozen=True)
class QuestionSpec:
    kind: QuestionKind = QuestionKind.YES_NO
    prompts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AskedQuestion:
    """A question as one patient is asked it (a phone question carries their two digits)."""

    id: uuid.UUID
    kind: QuestionKind
    prompts: Mapping[str, str]
    digits: str | None = None

    def text(self, locale: str, fallback_locale: str = "en") -> str:
        if self.kind is QuestionKind.PHONE_ENDING:
            return translate(PHONE_ENDING_PROMPT, locale, digits=self.digits or "")
        for candidate in (normalize_locale(locale), normalize_locale(fallback_locale), "en"):
            if self.prompts.get(candidate):
                return self.prompts[candidate]
        return next(iter(self.prompts.values()), "")


def _clean_prompts(spec: QuestionSpec) -> dict[str, str]:
    prompts: dict[str, str] = {}
    for locale, text in spec.prompts.items():
        wording = " ".join(str(text).split())
        if len(wording) > MAX_PROMPT_CHARS:
            raise QuestionWordingMissing(max=MAX_PROMPT_CHARS)
        if wording and normalize_locale(locale) in SUPPORTED_LOCALES:
            prompts[normalize_locale(locale)] = wording
    if spec.kind is QuestionKind.YES_NO and not prompts:
        raise QuestionWordingMissing(max=MAX_PROMPT_CHARS)
    return prompts


def set_arrival_questions(ctx: ServiceContext, specs: Sequence[QuestionSpec]) -> list[ArrivalQuestion]:
    """Replace the clinic's arrival questions (in order); an empty list means none are asked."""
    ctx.authorize(Permission.CLINIC_MANAGE, entity_type="ArrivalQuestion")
    if len(specs) > MAX_QUESTIONS:
        raise TooManyQuestions(max=MAX_QUESTIONS)
    cleaned = [(spec.kind, _clean_prompts(spec)) for spec in specs]
    now = ctx.now()
    for old in ctx.session.scalars(select(ArrivalQuestion)):
        old.deleted_at = now
    questions = [
        ArrivalQuestion(clinic_id=ctx.clinic_id, position=position, kind=kind, prompts=prompts)
        for position, (kind, prompts) in enumerate(cleaned)
    ]
    ctx.session.add_all(questions)
    ctx.session.flush()
    ctx.audit("arrival_questions.set", "ArrivalQuestion", changed_fields=["kind", "prompts", "position"])
    return questions


def active_questions(ctx: ServiceContext) -> list[ArrivalQuestion]:
    """The questions a kiosk asks, in order (a building block: the caller has authorized)."""
    return list(
        ctx.session.scalars(
            select(ArrivalQuestion)
            .where(ArrivalQuestion.is_active.is_(True))
            .order_by(ArrivalQuestion.position, ArrivalQuestion.id)
        )
    )


def phone_ending(phone_digits: str | None) -> str | None:
    if not phone_digits or len(phone_digits) < PHONE_ENDING_DIGITS:
        return None
    return phone_digits[-PHONE_ENDING_DIGITS:]


def questions_for(ctx: ServiceContext, patient: Patient) -> list[AskedQuestion]:
    """The questions to ask this patient (a phone question is skipped if no phone is on file)."""
    asked = []
    for question in active_questions(ctx):
        digits = None
        if question.kind is QuestionKind.PHONE_ENDING:
            digits = phone_ending(patient.phone_digits)
            if digits is None:
                continue
        asked.append(
            AskedQuestion(question.id, question.kind, MappingProxyType(dict(question.prompts)), digits)
        )
    return asked


def record_arrival_answers(
    ctx: ServiceContext, appointment_id: uuid.UUID, answers: Mapping[uuid.UUID, Answer]
) -> Appointment:
    """Attach the patient's answers to their checked-in appointment, for staff to read.

    Only ids and yes/no travel (a sync intent's arguments); the wording is taken from the
    clinic's questions, in the clinic's default language, as it was when answered.
    """
    ctx.authorize(Permission.APPOINTMENT_CHECK_IN, entity_type="appointment", entity_id=appointment_id)
    appointment = load_appointment(ctx, appointment_id)
    if appointment.status not in ANSWERABLE:
        raise AnswersNotAccepted()
    questions = {question.id: question for question in active_questions(ctx)}
    patient = ctx.session.scalars(select(Patient).where(Patient.id == appointment.patient_id)).one_or_none()
    locale = ctx.clinic.default_language
    now = ctx.now().isoformat()
    recorded: list[dict[str, Any]] = []
    for question_id, answer in answers.items():
        question = questions.get(question_id)
        if question is None:
            continue  # withdrawn since it was asked
        asked = AskedQuestion(
            question.id,
            question.kind,
            question.prompts,
            phone_ending(patient.phone_digits) if patient is not None else None,
        )
        recorded.append(
            {
                "question_id": str(question.id),
                "kind": question.kind.value,
                "question": asked.text(locale),
                "answer": Answer(answer).value,
                "answered_at": now,
            }
        )
    appointment.arrival_answers = recorded
    ctx.audit(
        "appointment.arrival_answers",
        "appointment",
        appointment.id,
        patient_id=appointment.patient_id,
        changed_fields=["arrival_answers"],
    )
    return appointment
