"""SECURITY.md rows 6-7: the password policy and the stored hashes."""

from __future__ import annotations

import contextlib

import pytest
from argon2 import PasswordHasher
from hypothesis import given, settings
from hypothesis import strategies as st

from common.errors import ValidationFailed
from common.staff.password_policy import (
    MAX_LENGTH,
    MIN_LENGTH,
    PasswordBreached,
    PasswordPersonal,
    PasswordTooLong,
    PasswordTooShort,
    breached_passwords,
    check_password,
)
from common.staff.passwords import hash_password, needs_rehash, verify_password

EMAIL = "dora.lin@lotus.example"
NAMES = ("Dora", "Lin")


def _check(password: str) -> None:
    check_password(password, email=EMAIL, names=NAMES)


@pytest.mark.parametrize(
    ("password", "refusal"),
    [
        ("a" * 0, PasswordTooShort),
        ("tulip-7", PasswordTooShort),  # 7
        ("tulip-78", None),  # 8
        ("x" * 64, None),
        ("y" * 65, None),
        ("z" * 128, None),
        ("q" * 129, PasswordTooLong),
        ("all lower case no digits", None),  # no composition rules
        ("12345678", PasswordBreached),
        ("PassWord1", PasswordBreached),  # the list is checked ignoring case
        ("iloveyou", PasswordBreached),
        ("  iloveyou  ", PasswordBreached),
        ("dora.lin", PasswordPersonal),  # the email's local part
        ("DORALIN!", PasswordPersonal),  # the name, any case, inside
        ("my name is dora, hi", PasswordPersonal),
        ("lin", PasswordTooShort),
        ("violin-case-rosin", PasswordPersonal),  # contains "lin": refused
        ("蓮花診所的春天來了", None),  # CJK, 9 characters
        ("пароль-для-входа", None),
        ("😀😀😀😀😀😀😀", PasswordTooShort),  # 7 characters, however many bytes
        ("😀😀😀😀😀😀😀😀", None),
    ],
)
def test_password_table(password: str, refusal: type[ValidationFailed] | None) -> None:
    if refusal is None:
        _check(password)
    else:
        with pytest.raises(refusal) as caught:
            _check(password)
        assert isinstance(caught.value, ValidationFailed)
        assert caught.value.translated("en")
        assert password.strip() not in caught.value.translated("en") or not password.strip()


def test_short_name_parts_only_refused_as_the_whole_password() -> None:
    check_password("wu-tang-forever", email="ken.wu@x.example", names=("Ken", "Wu"))
    with pytest.raises(PasswordPersonal):
        check_password("KenWu-KenWu", email="k@x.example", names=("Ken", "Wu"))
    with pytest.raises(PasswordPersonal):
        check_password("Ken Wu 1990!", email="k@x.example", names=("Ken", "Wu"))


def test_messages_name_the_limits() -> None:
    with pytest.raises(PasswordTooShort) as short:
        _check("abc")
    assert str(MIN_LENGTH) in str(short.value)
    with pytest.raises(PasswordTooLong) as long:
        _check("a" * 200)
    assert str(MAX_LENGTH) in str(long.value)


def test_breached_list_is_djangos() -> None:
    listed = breached_passwords()
    assert len(listed) > 19_000
    assert {"password", "123456", "qwerty"} <= listed


def test_long_passwords_are_never_truncated() -> None:
    first = "a-long-passphrase-" * 4 + "xxxxxxxx"  # 80 characters
    second = first[:-1] + "y"
    assert len(first) == len(second) == 80
    _check(first)
    stored = hash_password(first)
    assert verify_password(stored, first)
    assert not verify_password(stored, second)


def test_unicode_is_normalised_before_hashing() -> None:
    composed, decomposed = "café-au-lait-1", "cafe\u0301-au-lait-1"
    assert composed != decomposed
    assert verify_password(hash_password(composed), decomposed)


def _params(stored: str) -> dict[str, int]:
    # $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
    algorithm, version, params = stored.split("$")[1:4]
    assert algorithm == "argon2id"
    assert version == "v=19"
    return {key: int(value) for key, value in (pair.split("=") for pair in params.split(","))}


def test_stored_hashes_meet_the_owasp_floor(staff_password_hash: str) -> None:
    params = _params(staff_password_hash)
    assert params["m"] >= 19_456
    assert params["t"] >= 2
    assert params["p"] == 1
    assert not needs_rehash(staff_password_hash)


def test_weaker_hashes_need_a_rehash() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8_192, parallelism=1).hash("some passphrase")
    assert needs_rehash(weak)
    assert needs_rehash("$2b$12$notargon2atall")


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=MIN_LENGTH, max_size=MAX_LENGTH))
def test_policy_only_raises_its_own_refusals(password: str) -> None:
    with contextlib.suppress(PasswordTooShort, PasswordTooLong, PasswordBreached, PasswordPersonal):
        _check(password)
