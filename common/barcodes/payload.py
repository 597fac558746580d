"""The one barcode payload format for patient, treatment, inventory and medicine codes.

Opaque and free of personal data (DESIGN.md): a prefix, the format version, the kind, a tag of
the clinic, a random id, a MAC over all of that with the clinic's secret, and a check symbol.

    CQ 1 K TTTTTT RRRRRRRRRRRRR MMMMMM C       (30 symbols; shown grouped with dashes)

  K = kind: P patient, T treatment, S inventory (stock), M medicine.

- symbols are Crockford base32 (no I, L, O, U), which fit QR alphanumeric mode and Code 128,
  and read back O as 0 and I/L as 1 when typed by hand;
- the clinic tag is derived from the clinic id (no secret), so another clinic's code is told apart
  without knowing anything about that clinic;
- the MAC (30 bits of HMAC-SHA256) makes a made-up code fail even when it is well formed;
- the check symbol (Luhn mod 32) catches every single mistyped symbol and every swap of
  neighbours but 0 <-> Z; `verify` catches that one too (the swapped-back code is valid).

Each failure has its own exception so the reader gets its own clear refusal.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

PREFIX: Final = "CQ"
VERSION: Final = "1"
ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {symbol: index for index, symbol in enumerate(ALPHABET)}
_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})
# The hyphen and the dashes fonts and keyboards put in its place (full-width ones fold to "-").
_SEPARATORS = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212")
TAG_LEN: Final = 6
RANDOM_LEN: Final = 13
MAC_LEN: Final = 6
LENGTH: Final = len(PREFIX) + 1 + 1 + TAG_LEN + RANDOM_LEN + MAC_LEN + 1


class CodeKind(StrEnum):
    """The kind symbol: itself a base32 symbol, so the check symbol covers it (never I, L, O, U:
    those are read as 1 / 0 or are not symbols; inventory is S, for stock)."""

    PATIENT = "P"
    TREATMENT = "T"
    INVENTORY = "S"
    MEDICINE = "M"


_KINDS = frozenset(kind.value for kind in CodeKind)


class PayloadError(ValueError):
    """Base of the reasons a scanned value is not a usable code of this clinic."""


class NotAClinicCode(PayloadError):
    """Not our format at all (a product's EAN, a URL, noise)."""


class MistypedCode(PayloadError):
    """Our format, but damaged or mistyped: a symbol is wrong or missing."""


class ForeignClinicCode(PayloadError):
    """A well-formed code issued by another clinic."""


class ForgedCode(PayloadError):
    """Well formed and for this clinic, but its MAC is wrong: not issued by this clinic."""


@dataclass(frozen=True)
class Payload:
    kind: CodeKind
    clinic_tag: str
    random_part: str
    mac: str

    @property
    def value(self) -> str:
        """The canonical value (stored in barcode_mappings and encoded in QR / Code 128)."""
        body = f"{PREFIX}{VERSION}{self.kind.value}{self.clinic_tag}{self.random_part}{self.mac}"
        return body + check_symbol(body)


def clinic_tag(clinic_id: uuid.UUID) -> str:
    return _encode(int.from_bytes(hashlib.sha256(clinic_id.bytes).digest()[:8], "big"), TAG_LEN)


def _mac(secret: bytes, body: str) -> str:
    digest = hmac.new(secret, body.encode("ascii"), hashlib.sha256).digest()
    return _encode(int.from_bytes(digest[:8], "big"), MAC_LEN)


def _encode(number: int, length: int) -> str:
    symbols = []
    for _ in range(length):
        number, remainder = divmod(number, 32)
        symbols.append(ALPHABET[remainder])
    return "".join(reversed(symbols))


def check_symbol(body: str) -> str:
    """Luhn mod N (N = 32) over the body's symbols."""
    factor, total = 2, 0
    for symbol in reversed(body):
        addend = factor * _VALUE[symbol]
        factor = 1 if factor == 2 else 2
        total += addend // 32 + addend % 32
    return ALPHABET[(32 - total % 32) % 32]


def generate(kind: CodeKind, clinic_id: uuid.UUID, secret: bytes) -> Payload:
    tag = clinic_tag(clinic_id)
    random_part = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LEN))
    body = f"{PREFIX}{VERSION}{kind.value}{tag}{random_part}"
    return Payload(kind, tag, random_part, _mac(secret, body))


def normalize(raw: str) -> str:
    """Upper-case, drop whitespace and dashes, read O as 0 and I/L as 1 (after the prefix).

    NFKC first: a code typed with a CJK input method arrives in full-width letters (ＣＱ１Ｐ…).
    """
    folded = unicodedata.normalize("NFKC", raw).upper()
    compact = "".join(ch for ch in folded if not ch.isspace() and ch not in _SEPARATORS)
    if not compact.startswith(PREFIX):
        return compact
    return PREFIX + compact[len(PREFIX) :].translate(_ALIASES)


def _damaged_header(value: str) -> bool:
    """Our length and symbols, and at least half of the header `CQ1<kind>` in place: one of our
    codes with its prefix mistyped or swapped (CX1P…, QC1P…, C1QP…), not some other barcode."""
    if len(value) != LENGTH:
        return False
    rest = value[len(PREFIX) :].translate(_ALIASES)
    if any(symbol not in _VALUE for symbol in rest) or not value[: len(PREFIX)].isascii():
        return False
    header = (value[0] == PREFIX[0], value[1] == PREFIX[1], rest[0] == VERSION, rest[1] in _KINDS)
    return sum(header) >= 2


def parse(raw: str) -> Payload:
    """Structure and check symbol only: no clinic or secret needed (a kiosk can tell typos at once)."""
    value = normalize(raw)
    if not value.startswith(PREFIX):
        raise MistypedCode() if _damaged_header(value) else NotAClinicCode()
    if len(value) != LENGTH or any(symbol not in _VALUE for symbol in value[len(PREFIX) :]):
        raise MistypedCode()
    if check_symbol(value[:-1]) != value[-1]:
        raise MistypedCode()
    version, kind = value[2], value[3]
    if version != VERSION or kind not in _KINDS:
        raise MistypedCode()
    start = 4
    tag = value[start : start + TAG_LEN]
    random_part = value[start + TAG_LEN : start + TAG_LEN + RANDOM_LEN]
    mac = value[start + TAG_LEN + RANDOM_LEN : -1]
    return Payload(CodeKind(kind), tag, random_part, mac)


def verify(raw: str, clinic_id: uuid.UUID, secret: bytes) -> Payload:
    """Parse, then check the code belongs to this clinic and was issued with its secret."""
    payload = parse(raw)
    tag = clinic_tag(clinic_id)
    if payload.clinic_tag != tag or not _mac_matches(payload, secret):
        # Luhn mod 32 has one blind spot: swapping neighbouring 0 and Z. Such a typo of one of
        # our codes would read as foreign or forged; tell it apart and call it mistyped.
        if _is_swapped_zero_z(payload.value, tag, secret):
            raise MistypedCode()
        raise ForeignClinicCode() if payload.clinic_tag != tag else ForgedCode()
    return payload


def _mac_matches(payload: Payload, secret: bytes) -> bool:
    body = f"{PREFIX}{VERSION}{payload.kind.value}{payload.clinic_tag}{payload.random_part}"
    return hmac.compare_digest(_mac(secret, body), payload.mac)


def _is_swapped_zero_z(value: str, tag: str, secret: bytes) -> bool:
    for i in range(len(PREFIX), len(value) - 1):
        if {value[i], value[i + 1]} == {"0", "Z"}:
            candidate = parse(value[:i] + value[i + 1] + value[i] + value[i + 2 :])
            if candidate.clinic_tag == tag and _mac_matches(candidate, secret):
                return True
    return False


def display(value: str) -> str:
    """Grouped for people: CQ1P-TTTTTT-RRRR-RRRR-RRRRR-MMMMMMC."""
    v = normalize(value)
    if len(v) != LENGTH:
        return v
    r = v[10:23]
    return f"{v[:4]}-{v[4:10]}-{r[:4]}-{r[4:8]}-{r[8:]}-{v[23:]}"
