"""Input types every request schema is built from: bounded, printable, storable on both databases.

What a client sends is checked here before any service sees it, so hostile input ends as a 422
naming the field, never as a database error: text without control characters (NUL cannot be
stored by PostgreSQL) or lone surrogates, dates and instants in a sane range (date arithmetic
near year 9999 overflows), integers that fit a column, money that fits NUMERIC(19,4), JSON
documents of bounded depth and size.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Final

from pydantic import AfterValidator, AwareDatetime, Field, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

FIRST_DAY: Final = date(1900, 1, 1)
LAST_DAY: Final = date(2199, 12, 31)
MAX_DOCUMENT_DEPTH: Final = 6
MAX_DOCUMENT_ITEMS: Final = 200
MAX_INT: Final = 2_000_000_000
_ALLOWED_CONTROLS: Final = frozenset("\t\n\r")
# No control characters but tab and line breaks: stated in the schema, so clients (and the
# schema-driven tests) know it; lone surrogates, which JSON can carry but UTF-8 cannot, are
# refused by `printable` as well.
PRINTABLE: Final = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"


def printable(value: str) -> str:
    for character in value:
        if character in _ALLOWED_CONTROLS:
            continue
        if unicodedata.category(character) in ("Cc", "Cs"):
            raise ValueError("text may not contain control characters")
    return value


# A rule on the value, not the shape (JSON schema has no date bounds): refused with its own code.
DATE_OUT_OF_RANGE: Final = "date_out_of_range"


def _in_range_day(value: date) -> date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise PydanticCustomError(DATE_OUT_OF_RANGE, "dates run from 1900-01-01 to 2199-12-31")
    return value


def _in_range_instant(value: datetime) -> datetime:
    _in_range_day(value.astimezone(UTC).date())
    return value


def _document(value: Any, depth: int = 0) -> Any:
    """A free-form JSON document (emergency contact, medical history...): bounded, and its texts
    cleaned of control characters, which carry no meaning there and PostgreSQL cannot store."""
    if depth > MAX_DOCUMENT_DEPTH:
        raise ValueError("the document is nested too deeply")
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, dict):
        if len(value) > MAX_DOCUMENT_ITEMS:
            raise ValueError("the document has too many entries")
        return {_clean(str(key)): _document(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        if len(value) > MAX_DOCUMENT_ITEMS:
            raise ValueError("the document has too many entries")
        return [_document(item, depth + 1) for item in value]
    return value


def _clean(text: str) -> str:
    return "".join(
        character
        for character in text
        if character in _ALLOWED_CONTROLS or unicodedata.category(character) not in ("Cc", "Cs")
    )


_DATE_RANGE: Final = {"x-minimum": FIRST_DAY.isoformat(), "x-maximum": LAST_DAY.isoformat()}
Day = Annotated[date, AfterValidator(_in_range_day), Field(json_schema_extra=_DATE_RANGE)]
Instant = Annotated[AwareDatetime, AfterValidator(_in_range_instant), Field(json_schema_extra=_DATE_RANGE)]
Count = Annotated[int, Field(ge=0, le=MAX_INT)]
Quantity = Annotated[int, Field(ge=1, le=1_000_000)]
SignedQuantity = Annotated[int, Field(ge=-1_000_000, le=1_000_000)]
Minutes = Annotated[int, Field(ge=1, le=24 * 60)]
Version = Annotated[int, Field(ge=0, le=MAX_INT)]
# Any finite decimal; its size and places are the money rules' to judge (common.payments.money),
# which refuse with their own codes and messages.
DECIMAL_TEXT: Final = r"^[+-]?(\d+(\.\d+)?|\.\d+)([eE][+-]?\d{1,4})?$"
Money = Annotated[
    Decimal,
    Field(allow_inf_nan=False),
    WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string", "pattern": DECIMAL_TEXT}]}),
]
JsonObject = Annotated[dict[str, Any], AfterValidator(_document)]
JsonList = Annotated[list[Any], AfterValidator(_document)]

# Text of at most N characters, without control characters.
Text16 = Annotated[str, StringConstraints(max_length=16, pattern=PRINTABLE), AfterValidator(printable)]
Text50 = Annotated[str, StringConstraints(max_length=50, pattern=PRINTABLE), AfterValidator(printable)]
Text64 = Annotated[str, StringConstraints(max_length=64, pattern=PRINTABLE), AfterValidator(printable)]
Text100 = Annotated[str, StringConstraints(max_length=100, pattern=PRINTABLE), AfterValidator(printable)]
Text255 = Annotated[str, StringConstraints(max_length=255, pattern=PRINTABLE), AfterValidator(printable)]
Text1000 = Annotated[str, StringConstraints(max_length=1000, pattern=PRINTABLE), AfterValidator(printable)]
LongText = Annotated[str, StringConstraints(max_length=10_000, pattern=PRINTABLE), AfterValidator(printable)]
Password = Annotated[str, StringConstraints(max_length=1024, pattern=PRINTABLE), AfterValidator(printable)]
TextList = Annotated[list[Text1000], Field(max_length=MAX_DOCUMENT_ITEMS)]
