"""The barcode payload format: properties of the parser and the check symbol (no database)."""

from __future__ import annotations

import contextlib
import random
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.barcodes import payload
from common.barcodes.payload import ALPHABET, LENGTH, CodeKind, MistypedCode, PayloadError

CLINIC = uuid.UUID("0190a000-0000-7000-8000-000000000001")
SECRET = b"s" * 32

kinds = st.sampled_from(list(CodeKind))
clinic_ids = st.uuids()
secrets_ = st.binary(min_size=32, max_size=32)


def _code(kind: CodeKind = CodeKind.PATIENT, clinic_id: uuid.UUID = CLINIC, secret: bytes = SECRET) -> str:
    return payload.generate(kind, clinic_id, secret).value


def _swap(value: str, i: int) -> str:
    return value[:i] + value[i + 1] + value[i] + value[i + 2 :]


def test_a_generated_code_has_the_documented_shape() -> None:
    value = _code(CodeKind.MEDICINE)
    assert len(value) == LENGTH == 30
    assert value.startswith("CQ1M")
    assert set(value) <= set(ALPHABET)
    assert payload.parse(value).kind is CodeKind.MEDICINE


@given(kind=kinds, clinic_id=clinic_ids, secret=secrets_)
def test_a_generated_code_verifies_for_its_clinic_only(
    kind: CodeKind, clinic_id: uuid.UUID, secret: bytes
) -> None:
    value = _code(kind, clinic_id, secret)
    assert payload.verify(value, clinic_id, secret).value == value
    with pytest.raises(payload.ForgedCode):
        payload.verify(value, clinic_id, bytes(32) if secret != bytes(32) else b"x" * 32)
    other = uuid.UUID(int=clinic_id.int ^ 1)
    with pytest.raises(payload.ForeignClinicCode):
        payload.verify(value, other, secret)


def test_how_people_and_scanners_write_a_code_reads_back_the_same() -> None:
    value = _code()
    grouped = payload.display(value)
    assert grouped.count("-") == 5
    typed_as = [
        grouped,
        grouped.lower(),
        f"  {grouped}\r\n",
        grouped.replace("-", " "),
        grouped.replace("-", "\u2013"),  # an en dash from a word processor
        grouped.translate(
            str.maketrans(
                "0123456789ABCDEFGHJKMNPQRSTVWXYZ-",
                "０１２３４５６７８９ＡＢＣＤＥＦＧＨＪＫＭＮＰＱＲＳＴＶＷＸＹＺ－",
            )
        ),
        "CQ" + value[2:].replace("0", "O").replace("1", "I"),
        "CQ" + value[2:].replace("1", "l"),
    ]
    for text in typed_as:
        assert payload.parse(text).value == value, text


@given(st.text(max_size=80))
@settings(max_examples=500)
def test_a_any_text_only_ever_raises_the_declared_errors(text: str) -> None:
    for check in (payload.parse, lambda t: payload.verify(t, CLINIC, SECRET)):
        with contextlib.suppress(PayloadError):
            check(text)


@given(st.text(alphabet=ALPHABET + "OIL-cq ", min_size=26, max_size=34))
@settings(max_examples=500)
def test_a_code_shaped_text_only_ever_raises_the_declared_errors(text: str) -> None:
    with contextlib.suppress(PayloadError):
        payload.verify("CQ" + text, CLINIC, SECRET)


@given(kind=kinds, clinic_id=clinic_ids, secret=secrets_)
@settings(max_examples=30)
def test_b_every_single_symbol_substitution_is_mistyped(
    kind: CodeKind, clinic_id: uuid.UUID, secret: bytes
) -> None:
    value = _code(kind, clinic_id, secret)
    for i in range(LENGTH):
        for symbol in ALPHABET:
            if symbol == value[i]:
                continue
            damaged = value[:i] + symbol + value[i + 1 :]
            with pytest.raises(MistypedCode):
                payload.parse(damaged)
            with pytest.raises(MistypedCode):
                payload.verify(damaged, clinic_id, secret)


@given(kind=kinds, clinic_id=clinic_ids, secret=secrets_)
@settings(max_examples=200)
def test_c_every_adjacent_swap_is_mistyped_when_verified(
    kind: CodeKind, clinic_id: uuid.UUID, secret: bytes
) -> None:
    value = _code(kind, clinic_id, secret)
    for i in range(LENGTH - 1):
        if value[i] != value[i + 1]:
            with pytest.raises(MistypedCode):
                payload.verify(_swap(value, i), clinic_id, secret)


@given(kind=kinds, clinic_id=clinic_ids, secret=secrets_)
@settings(max_examples=200)
def test_c_the_check_symbol_alone_misses_only_swaps_of_0_and_z(
    kind: CodeKind, clinic_id: uuid.UUID, secret: bytes
) -> None:
    value = _code(kind, clinic_id, secret)
    for i in range(LENGTH - 1):
        if value[i] == value[i + 1]:
            continue
        swapped = _swap(value, i)
        if {value[i], value[i + 1]} == {"0", "Z"}:
            assert payload.parse(swapped).value == swapped  # Luhn mod 32's one blind pair
        else:
            with pytest.raises(MistypedCode):
                payload.parse(swapped)


def test_c_adjacent_swaps_detected_by_the_check_symbol_alone_measured() -> None:
    rng = random.Random(20261123)
    swaps = detected = 0
    for _ in range(1500):
        clinic_id = uuid.UUID(int=rng.getrandbits(128))
        value = _code(rng.choice(list(CodeKind)), clinic_id, rng.randbytes(32))
        for i in range(LENGTH - 1):
            if value[i] == value[i + 1]:
                continue
            swaps += 1
            try:
                payload.parse(_swap(value, i))
            except MistypedCode:
                detected += 1
    rate = detected / swaps
    print(f"adjacent swaps detected offline (no secret): {rate:.4%} of {swaps}")
    assert rate >= 0.99


def test_other_barcodes_are_not_ours() -> None:
    for text in ("4006381333931", "012345678905", "https://example.com/x", "", "   ", "ABC-123"):
        with pytest.raises(payload.NotAClinicCode):
            payload.parse(text)


def test_a_code_missing_or_gaining_a_symbol_is_mistyped() -> None:
    value = _code()
    for damaged in ("CQ", value[:-1], value + "0", value[:10] + value[11:], value[:10] + "7" + value[10:]):
        with pytest.raises(MistypedCode):
            payload.parse(damaged)
