"""Human-friendly reservation ids: "YYMMDD-XXXXX", unique per clinic, made offline.

The date is the clinic-local day the booking was made. The five random symbols come from an
alphabet without look-alikes (no 0/O, 1/I/L, U), so they survive being read aloud or copied by
hand: 30^5 = 24.3 million per day, so two offline devices of one clinic picking the same id on
the same day is rare (about 1 in 1,200 for 200 bookings a day), and a collision, locally or
when the server applies a device's booking, is resolved by drawing again.
"""

from __future__ import annotations

import re
import secrets
from datetime import date

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_LENGTH = 5
PATTERN = re.compile(rf"^\d{{6}}-[{ALPHABET}]{{{RANDOM_LENGTH}}}$")


def random_symbols() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))


def new_reservation_id(day: date) -> str:
    return f"{day:%y%m%d}-{random_symbols()}"


def normalize_reservation_id(text: str) -> str:
    """What a person typed, as stored: upper case, dash restored, letters typed for digits in the
    date part read as the digits they look like."""
    cleaned = re.sub(r"[\s\-]", "", text).upper()
    date_part = cleaned[:6].translate(str.maketrans("OIL", "011"))
    return f"{date_part}-{cleaned[6:]}" if len(cleaned) == 6 + RANDOM_LENGTH else cleaned


def is_reservation_id(text: str) -> bool:
    return bool(PATTERN.match(text))
