"""The clinic's arrival questions, asked at the kiosk after check-in."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import Index
from sqlalchemy.orm import Mapped, mapped_column

from common.storage.base import Base, ClinicRecord, enum_column


class QuestionKind(StrEnum):
    # A yes/no question in the clinic's own words ("Any change in your medications?").
    YES_NO = "yes_no"
    # "Does your phone number end in 42?": the kiosk fills in the last two digits on file.
    PHONE_ENDING = "phone_ending"


class ArrivalQuestion(ClinicRecord, Base):
    """One question; `prompts` maps a locale ("en", "zh_TW", ...) to the clinic's wording in it.

    A PHONE_ENDING question needs no wording: the kiosk has it in every language.
    """

    __tablename__ = "arrival_questions"
    __table_args__ = (Index(None, "clinic_id", "position"),)

    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[QuestionKind] = mapped_column(enum_column(QuestionKind, "kind"), default=QuestionKind.YES_NO)
    prompts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    is_active: Mapped[bool] = mapped_column(default=True)
