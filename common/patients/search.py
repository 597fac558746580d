"""Finding patients by name, phone, email or barcode: case-, accent- and width-insensitive, CJK-aware.

The query is folded the way the stored keys are (search_keys.fold). Then, in this order, until
`limit` patients are found:
1. a complete barcode value: the patient whose card it is (also through a moved mapping);
2. name prefixes (a CJK surname like 陳, a given name like 小明, "ann" for Anna) and phone-digit
   prefixes: index ranges on the folded keys, read in index order, so no sort and no scan;
3. for a query of at least 3 folded characters, substrings of each patient's `search_text`
   (names both ways round, email, phone digits, barcode; the barcode only for a query with a
   digit, since a code's letters are random): an FTS5 trigram MATCH on SQLite (each
   needle quoted as an FTS5 string, so no input is ever read as query syntax), ILIKE over the
   pg_trgm index on PostgreSQL. Ranked name prefixes first, then by name, among the first
   MATCH_CAP candidates, so a query that matches half the clinic costs what a rare one does.
Tombstoned and merged-away patients are never found; nor, of course, another clinic's.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import ColumnElement, Select, String, and_, bindparam, case, column, func, or_, select, text

from common.access.permissions import Permission
from common.barcodes import payload
from common.barcodes.models import BarcodeEntityType, BarcodeMapping
from common.context import ServiceContext
from common.patients.models import Patient
from common.patients.search_keys import fold, phone_digits
from common.patients.views import PatientView, summary_for

FTS_MIN_CHARS: Final = 3
MAX_QUERY_CHARS: Final = 200
MAX_LIMIT: Final = 100
# Substring matches ranked per search; see _Search._substrings.
MATCH_CAP: Final = 500
_PHONE_LIKE = re.compile(r"[0-9+()\-. ]+")
_STRIPPED_CATEGORIES = frozenset({"Cc", "Cs", "Co", "Cn"})
_LAST_CODE_POINT = 0x10FFFF
_SURROGATES = range(0xD800, 0xE000)


@dataclass(frozen=True)
class QueryPlan:
    """What to look for, derived from what was typed."""

    text: str  # folded
    needles: tuple[str, ...]  # substrings of >= 3 characters, any of which is a hit
    digits: str | None  # the digits of a phone-like query
    barcode: str | None  # a complete barcode value, canonical form

    @property
    def is_empty(self) -> bool:
        return not self.text and not self.digits


def plan_query(raw: str) -> QueryPlan:
    cleaned = "".join(
        ch for ch in raw[:MAX_QUERY_CHARS] if unicodedata.category(ch) not in _STRIPPED_CATEGORIES
    )
    # "|" separates the parts of search_text; a query must not match across two of them.
    folded = " ".join(fold(cleaned).replace("|", " ").split())
    digits = phone_digits(folded) if _PHONE_LIKE.fullmatch(folded) else None
    compact = payload.normalize(cleaned)
    looks_like_code = compact.startswith(payload.PREFIX) and all(
        symbol in payload.ALPHABET for symbol in compact[len(payload.PREFIX) :]
    )
    needles: list[str] = []
    if len(folded) >= FTS_MIN_CHARS:
        needles.append(folded)
    if digits:
        # Trunk zeros differ between local and international forms (0912... vs +886 912...).
        significant = digits.lstrip("0")
        needle = significant if len(significant) >= FTS_MIN_CHARS else digits
        if len(needle) >= FTS_MIN_CHARS:
            needles.append(needle)
    if looks_like_code and len(compact) >= FTS_MIN_CHARS:
        needles.append(compact.casefold())
    return QueryPlan(
        text=folded,
        needles=tuple(dict.fromkeys(needles)),
        digits=digits,
        barcode=compact if looks_like_code and len(compact) == payload.LENGTH else None,
    )


def search_patients(
    ctx: ServiceContext, query: str, limit: int = 20, *, active_only: bool = False
) -> list[PatientView]:
    """Patients matching `query`, best first, as the summary fields the reader's role may see."""
    ctx.authorize(Permission.PATIENT_SEARCH, entity_type="patient")
    limit = max(1, min(limit, MAX_LIMIT))
    plan = plan_query(query)
    found: dict[uuid.UUID, Patient] = {}
    if not plan.is_empty:
        search = _Search(ctx, plan, limit, active_only)
        for group in search.groups():
            for patient in group():
                found.setdefault(patient.id, patient)
            if len(found) >= limit:
                break
    ctx.audit("patient.search", "patient")
    return [summary_for(ctx, patient) for patient in list(found.values())[:limit]]


@dataclass(frozen=True)
class _Search:
    """The queries of one search, each returning its rows best first; run in order until full."""

    ctx: ServiceContext
    plan: QueryPlan
    limit: int
    active_only: bool

    @property
    def sqlite(self) -> bool:
        return self.ctx.session.get_bind().dialect.name == "sqlite"

    def live(self) -> list[ColumnElement[bool]]:
        conditions = [Patient.clinic_id == self.ctx.clinic_id, Patient.merged_into_id.is_(None)]
        if self.active_only:
            conditions.append(Patient.is_active.is_(True))
        return conditions

    def groups(self) -> Iterator[Callable[[], Sequence[Patient]]]:
        plan, by_name = self.plan, (Patient.last_name_key, Patient.first_name_key, Patient.id)
        if plan.barcode:
            # Two lookups, not an OR: SQLite would answer an OR of the two with a scan of the clinic.
            code = plan.barcode
            yield lambda: self._rows(select(Patient).where(Patient.barcode_id == code))
            yield lambda: self._rows(select(Patient).where(Patient.id.in_(_mapped_to(code))))
        if plan.text:
            # Name prefixes rank first, and an index range finds them in order without a sort.
            last = self._starts_with(Patient.last_name_key, plan.text)
            yield lambda: self._rows(select(Patient).where(last).order_by(*by_name))
            if len(plan.text) == 2 and not plan.text.isascii() and " " not in plan.text:
                # Two CJK characters: surname + the start of the given name (王小 -> 王 小明).
                full = and_(
                    Patient.last_name_key == plan.text[0],
                    self._starts_with(Patient.first_name_key, plan.text[1]),
                )
                yield lambda: self._rows(select(Patient).where(full).order_by(*by_name))
            first = self._starts_with(Patient.first_name_key, plan.text)
            yield lambda: self._rows(
                select(Patient)
                .where(first)
                .order_by(Patient.first_name_key, Patient.last_name_key, Patient.id)
            )
        if plan.digits:
            phone = self._starts_with(Patient.phone_digits, plan.digits)
            yield lambda: self._rows(select(Patient).where(phone).order_by(Patient.phone_digits, Patient.id))
        if plan.needles:
            yield self._substrings

    def _rows(self, statement: Select[Patient]) -> Sequence[Patient]:
        return self.ctx.session.scalars(statement.where(*self.live()).limit(self.limit)).all()

    def _substrings(self) -> Sequence[Patient]:
        """Substring matches: the first MATCH_CAP candidates, ranked (name prefixes first), then
        by name. A query matching more than that ("example.com") needs more letters to be useful
        anyway, and the cap keeps it as fast as a rare one."""
        ids = self._fts5_candidates() if self.sqlite else self._trigram_candidates()
        if not ids:
            return []
        rows = {p.id: p for p in self.ctx.session.scalars(select(Patient).where(Patient.id.in_(ids)))}
        found = [rows[patient_id] for patient_id in ids if patient_id in rows]
        if any(ch.isdigit() for ch in self.plan.text):
            return found
        return [patient for patient in found if _found_beyond_card(patient, self.plan.needles)]

    def _fts5_candidates(self) -> list[uuid.UUID]:
        statement = text(_FTS5_CANDIDATES_SQL).bindparams(
            bindparam("clinic_id", type_=Patient.__table__.c.clinic_id.type),
            bindparam("digits", type_=String()),
        )
        values = {
            "fts": fts5_query(self.plan.needles),
            "clinic_id": self.ctx.clinic_id,
            "q": self.plan.text,
            "n": len(self.plan.text),
            "digits": self.plan.digits,
            "active_only": self.active_only,
            "cap": MATCH_CAP,
            "limit": self.limit,
        }
        id_type = Patient.__table__.c.id.type
        return list(self.ctx.session.scalars(statement.columns(column("id", id_type)), values))

    def _trigram_candidates(self) -> list[uuid.UUID]:
        matches = or_(
            *(
                Patient.search_text.ilike(f"%{_escape_like(needle)}%", escape="\\")
                for needle in self.plan.needles
            )
        )
        candidates = (
            select(
                Patient.id,
                _name_prefix_rank(self.plan).label("rank"),
                Patient.last_name_key,
                Patient.first_name_key,
            )
            .where(matches, *self.live())
            .limit(MATCH_CAP)
            .subquery()
        )
        c = candidates.c
        # A prepared statement (psycopg prepares a query from its 5th run) gets a generic plan,
        # which cannot use the trigram index for an unknown pattern: it would scan every patient.
        self.ctx.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        return list(
            self.ctx.session.scalars(
                select(c.id).order_by(c.rank, c.last_name_key, c.first_name_key, c.id).limit(self.limit)
            )
        )

    def _starts_with(self, column: Any, prefix: str) -> ColumnElement[bool]:
        """`column` begins with `prefix`, as an index range: the key columns compare in code point
        order on both databases (BINARY on SQLite, collation "C" on PostgreSQL)."""
        upper = _successor(prefix)
        if upper is None:
            return and_(column >= prefix)
        return and_(column >= prefix, column < upper)


def _mapped_to(code: str) -> Select[uuid.UUID]:
    """The patient an active barcode mapping with this value points at (a merge moves mappings)."""
    return select(BarcodeMapping.entity_id).where(
        BarcodeMapping.barcode_value == code,
        BarcodeMapping.entity_type == BarcodeEntityType.PATIENT,
        BarcodeMapping.is_active.is_(True),
    )


# CROSS JOIN fixes the join order (FTS first, then rowid lookups), so the plan never becomes a walk
# of the clinic's whole patient index, even on a replica that was never ANALYZEd. The rank: name
# prefixes (and the exact phone) 1, other matches 2 -- the SQL twin of _name_prefix_rank.
_FTS5_CANDIDATES_SQL: Final = (
    "SELECT id FROM ("
    " SELECT p.id AS id, p.last_name_key AS last_key, p.first_name_key AS first_key,"
    " CASE WHEN substr(p.first_name_key, 1, :n) = :q OR substr(p.last_name_key, 1, :n) = :q"
    " OR substr(p.first_name_key || ' ' || p.last_name_key, 1, :n) = :q"
    " OR substr(p.last_name_key || ' ' || p.first_name_key, 1, :n) = :q"
    " OR substr(p.last_name_key || p.first_name_key, 1, :n) = :q"
    " OR p.phone_digits = :digits THEN 1 ELSE 2 END AS rank"
    " FROM patient_search CROSS JOIN patients AS p ON p.rowid = patient_search.rowid"
    " WHERE patient_search MATCH :fts AND p.clinic_id = :clinic_id"
    " AND p.deleted_at IS NULL AND p.merged_into_id IS NULL AND (p.is_active OR NOT :active_only)"
    " LIMIT :cap"
    ") ORDER BY rank, last_key, first_key, id LIMIT :limit"
)


def fts5_query(needles: Sequence[str]) -> str:
    """Each needle as an FTS5 string (a phrase: with the trigram tokenizer, a substring), OR-ed.

    Inside double quotes FTS5 reads nothing as syntax except a doubled quote, so `"`, `*`,
    `NEAR(`, `OR`, `:` and `^` typed by a user are just characters to find.
    """
    return " OR ".join('"' + needle.replace('"', '""') + '"' for needle in needles)


def _name_prefix_rank(plan: QueryPlan) -> ColumnElement[int]:
    q, n = plan.text, len(plan.text)
    first, last = Patient.first_name_key, Patient.last_name_key
    starts = [
        func.substr(first, 1, n) == q,
        func.substr(last, 1, n) == q,
        func.substr(first + " " + last, 1, n) == q,
        func.substr(last + " " + first, 1, n) == q,
        func.substr(last + first, 1, n) == q,
    ]
    if plan.digits:
        starts.append(Patient.phone_digits == plan.digits)
    return case((or_(*starts), 1), else_=2)


def _successor(prefix: str) -> str | None:
    """The least string greater than every string that starts with `prefix` (None if unbounded)."""
    chars = list(prefix)
    while chars:
        code = ord(chars.pop()) + 1
        if code in _SURROGATES:
            code = _SURROGATES.stop
        if code <= _LAST_CODE_POINT:
            return "".join(chars) + chr(code)
    return None


def _found_beyond_card(patient: Patient, needles: Sequence[str]) -> bool:
    """Whether a query without digits matches more than the patient's card code: a card code's
    letters are random, so "ann" in one is noise to whoever typed a name."""
    card = (patient.barcode_id or "").replace("-", "").casefold()
    text = patient.search_text.replace(card, " ") if card else patient.search_text
    return any(needle in text for needle in needles)


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
